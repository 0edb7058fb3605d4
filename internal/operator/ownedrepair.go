package operator

import (
	"fmt"
	"sort"
	"strings"

	helmclient "github.com/operator-framework/helm-operator-plugins/pkg/client"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
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

// ownedRepair makes helm-operator-plugins' drift repair create objects as
// Helm does. Its Reconcile re-creates a deleted object of the release from
// the stored manifest, which Helm keeps without the ownership marks it adds
// at install: the object came back unowned, so a later install of another
// release could adopt it and the checks that keep releases apart did not
// see it (found by the hostile corpus, collision/mgmt-service-reverse).
type ownedRepair struct {
	helmclient.ActionInterface
}

// Reconcile implements helmclient.ActionInterface.
func (c ownedRepair) Reconcile(rel *release.Release) error {
	owned, err := withOwnership(rel)
	if err != nil {
		return err
	}
	return c.ActionInterface.Reconcile(owned)
}

// withOwnership is rel with Helm's ownership marks on every object of its
// manifest.
func withOwnership(rel *release.Release) (*release.Release, error) {
	var out strings.Builder
	for _, doc := range manifestDocs(rel.Manifest) {
		var obj map[string]any
		if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
			return nil, fmt.Errorf("release %s manifest: %w", rel.Name, err)
		}
		if len(obj) == 0 {
			continue
		}
		meta, _ := obj["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
			obj["metadata"] = meta
		}
		setString(meta, "annotations", helmReleaseNameAnnotation, rel.Name)
		setString(meta, "annotations", helmReleaseNamespaceAnnotation, rel.Namespace)
		setString(meta, "labels", helmManagedByLabel, helmManagedByValue)
		raw, err := yaml.Marshal(obj)
		if err != nil {
			return nil, fmt.Errorf("release %s manifest: %w", rel.Name, err)
		}
		out.WriteString("---\n")
		out.Write(raw)
	}
	owned := *rel
	owned.Manifest = out.String()
	return &owned, nil
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
