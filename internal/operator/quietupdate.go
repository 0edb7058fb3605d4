package operator

import (
	"context"
	"fmt"

	helmclient "github.com/operator-framework/helm-operator-plugins/pkg/client"
	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/kube"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// quietActionConfigGetter gives Helm actions a kube client whose Update,
// the apply step of an upgrade and a rollback, sends no patch that changes
// nothing: Helm patches every object whose three-way patch is not empty,
// and a PodDisruptionBudget's never is (alwaysPatchedKinds), so each
// upgrade patched an unchanged budget. Its release storage writes each
// action's record once (pendingInMemory).
type quietActionConfigGetter struct {
	helmclient.ActionConfigGetter
	live client.Reader // the API server, not the cache
}

func (g quietActionConfigGetter) ActionConfigFor(ctx context.Context, obj client.Object) (*action.Configuration, error) {
	cfg, err := g.ActionConfigGetter.ActionConfigFor(ctx, obj)
	if err != nil {
		return nil, err
	}
	if kc, ok := cfg.KubeClient.(*kube.Client); ok {
		cfg.KubeClient = &quietKubeClient{Client: kc, ctx: ctx, live: g.live}
	}
	cfg.Releases.Driver = withPendingInMemory(cfg.Releases.Driver, secretExists(ctx, g.live, obj.GetNamespace()))
	return cfg, nil
}

// quietKubeClient is Helm's kube client with quietUpdate.
type quietKubeClient struct {
	*kube.Client
	ctx  context.Context
	live client.Reader
}

// Update leaves out of original and target the objects whose live state
// already holds what target sets and whose patch would change nothing
// (liveHolds), so that Helm neither patches nor deletes them; the rest is
// Helm's Update.
func (c *quietKubeClient) Update(original, target kube.ResourceList, force bool) (*kube.Result, error) {
	if force {
		return c.Client.Update(original, target, force)
	}
	skip := map[string]bool{}
	for _, info := range target {
		want, err := asUnstructured(info)
		if err != nil {
			return nil, err
		}
		unchanged, err := liveHolds(c.ctx, c.live, want)
		if err != nil {
			return nil, err
		}
		if unchanged {
			skip[infoKey(info)] = true
		}
	}
	if len(skip) == 0 {
		return c.Client.Update(original, target, force)
	}
	keep := func(list kube.ResourceList) kube.ResourceList {
		return list.Filter(func(info *resource.Info) bool { return !skip[infoKey(info)] })
	}
	return c.Client.Update(keep(original), keep(target), force)
}

func infoKey(info *resource.Info) string {
	return fmt.Sprintf("%s/%s/%s", info.Mapping.GroupVersionKind.GroupKind(), info.Namespace, info.Name)
}

func asUnstructured(info *resource.Info) (*unstructured.Unstructured, error) {
	if u, ok := info.Object.(*unstructured.Unstructured); ok {
		return u, nil
	}
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(info.Object)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", infoKey(info), err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(info.Mapping.GroupVersionKind)
	return u, nil
}
