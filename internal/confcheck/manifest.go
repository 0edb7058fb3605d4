package confcheck

import (
	"errors"
	"fmt"
	"sort"

	"helm.sh/helm/v3/pkg/releaseutil"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// ConfigKey is the ConfigMap key that holds the server configuration.
const ConfigKey = "nats.conf"

// ValidateManifest checks every nats.conf in a rendered multi-document
// manifest. Variables are resolved against the environment of the
// StatefulSet containers in the same manifest.
func ValidateManifest(manifest string) error {
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic error order

	var configs []corev1.ConfigMap
	env := Env{}
	for _, k := range keys {
		var head struct{ Kind string }
		if err := yaml.Unmarshal([]byte(docs[k]), &head); err != nil {
			return fmt.Errorf("reading rendered manifest: %w", err)
		}
		switch head.Kind {
		case "ConfigMap":
			var cm corev1.ConfigMap
			if err := yaml.Unmarshal([]byte(docs[k]), &cm); err != nil {
				return fmt.Errorf("reading rendered ConfigMap: %w", err)
			}
			if _, ok := cm.Data[ConfigKey]; ok {
				configs = append(configs, cm)
			}
		case "StatefulSet":
			var sts appsv1.StatefulSet
			if err := yaml.Unmarshal([]byte(docs[k]), &sts); err != nil {
				return fmt.Errorf("reading rendered StatefulSet: %w", err)
			}
			for _, c := range sts.Spec.Template.Spec.Containers {
				for _, e := range c.Env {
					if e.ValueFrom != nil {
						env[e.Name] = nil
					} else {
						env[e.Name] = &e.Value
					}
				}
			}
		}
	}
	var errs []error
	for _, cm := range configs {
		if err := Validate(cm.Data[ConfigKey], env); err != nil {
			errs = append(errs, fmt.Errorf("ConfigMap %s: %w", cm.Name, err))
		}
	}
	return errors.Join(errs...)
}
