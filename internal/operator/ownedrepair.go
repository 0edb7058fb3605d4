package operator

import (
	"context"
	"fmt"
	"sort"
	"strings"

	helmclient "github.com/operator-framework/helm-operator-plugins/pkg/client"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// Helm's ownership marks, which Helm sets on every object it creates and
// checks before it adopts or deletes one.
const (
	helmReleaseNameAnnotation      = "meta.helm.sh/release-name"
	helmReleaseNamespaceAnnotation = "meta.helm.sh/release-namespace"
	helmManagedByLabel             = "app.kubernetes.io/managed-by"
	helmManagedByValue             = "Helm"
)

// driftRepair is helm-operator-plugins' drift repair (Reconcile) with each
// document of the release manifest parsed once and sent on changed in two
// ways:
//
//   - Owned: its Reconcile re-creates a deleted object of the release from
//     the stored manifest, which Helm keeps without the ownership marks it
//     adds at install. The object came back unowned, so a later install of
//     another release could adopt it and the checks that keep releases
//     apart did not see it (found by the hostile corpus,
//     collision/mgmt-service-reverse). Every document gets Helm's marks.
//   - Quiet: an object of alwaysPatchedKinds whose live state already holds
//     everything the release sets is left out (quietrepair.go), so that an
//     unchanged object costs a read and no write. Every other object, and
//     any object that differs, is repaired as before.
type driftRepair struct {
	helmclient.ActionInterface
	ctx  context.Context
	live client.Reader // the API server: the drift repair compares with it too
}

// Reconcile implements helmclient.ActionInterface.
func (c driftRepair) Reconcile(rel *release.Release) error {
	var out strings.Builder
	for _, doc := range manifestDocs(rel.Manifest) {
		obj := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
			return fmt.Errorf("release %s manifest: %w", rel.Name, err)
		}
		if len(obj.Object) == 0 {
			continue
		}
		markOwned(obj.Object, rel)
		unchanged, err := liveHolds(c.ctx, c.live, obj)
		if err != nil {
			return err
		}
		if unchanged {
			continue
		}
		raw, err := yaml.Marshal(obj.Object)
		if err != nil {
			return fmt.Errorf("release %s manifest: %w", rel.Name, err)
		}
		out.WriteString("---\n")
		out.Write(raw)
	}
	repaired := *rel
	repaired.Manifest = out.String()
	return c.ActionInterface.Reconcile(&repaired)
}

// markOwned puts Helm's ownership marks of rel on obj.
func markOwned(obj map[string]any, rel *release.Release) {
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	setString(meta, "annotations", helmReleaseNameAnnotation, rel.Name)
	setString(meta, "annotations", helmReleaseNamespaceAnnotation, rel.Namespace)
	setString(meta, "labels", helmManagedByLabel, helmManagedByValue)
}

func setString(meta map[string]any, field, key, value string) {
	m, _ := meta[field].(map[string]any)
	if m == nil {
		m = map[string]any{}
		meta[field] = m
	}
	m[key] = value
}

// manifestDocs are the documents of a release manifest in its own order.
func manifestDocs(manifest string) []string {
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, docs[k])
	}
	return out
}
