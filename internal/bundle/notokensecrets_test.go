package bundle

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/nats-operator/nats-operator/internal/cli"
)

// TestNoTokenSecretsInstalls: the installs for callout-only use (kustomize
// config/no-token-secrets, the operator chart with tokenSecrets=false)
// grant no serviceaccounts/token, and tell the operator so; the default
// installs keep both.
func TestNoTokenSecretsInstalls(t *testing.T) {
	kustomized := func(dir string) []rbacv1.PolicyRule {
		out, err := exec.Command(filepath.Join(repoRoot(), "bin", "kustomize"), "build", filepath.Join(repoRoot(), "config", dir)).Output()
		if err != nil {
			t.Fatalf("kustomize build config/%s (make tools builds bin/kustomize): %v", dir, err)
		}
		want := dir == "no-token-secrets"
		if got := strings.Contains(string(out), cli.TokenSecretsEnv); got != want {
			t.Errorf("config/%s: env %s present = %v, want %v", dir, cli.TokenSecretsEnv, got, want)
		}
		var rules []rbacv1.PolicyRule
		for _, doc := range strings.Split(string(out), "\n---\n") {
			var role rbacv1.ClusterRole
			if yaml.Unmarshal([]byte(doc), &role) == nil && role.Kind == "ClusterRole" {
				rules = append(rules, role.Rules...)
			}
		}
		return rules
	}
	charted := func(tokenSecrets bool) []rbacv1.PolicyRule {
		objs := mustRender(t, map[string]any{"tokenSecrets": tokenSecrets, "clusterScoped": true})
		env := envOf(chartDeployment(t, objs).Spec.Template.Spec.Containers[0])
		if _, set := env[cli.TokenSecretsEnv]; set == tokenSecrets {
			t.Errorf("chart tokenSecrets=%v: env %s set = %v", tokenSecrets, cli.TokenSecretsEnv, set)
		}
		var rules []rbacv1.PolicyRule
		for _, u := range objs {
			if u.GetKind() == "ClusterRole" || u.GetKind() == "Role" {
				rules = append(rules, rolesOf(t, u)...)
			}
		}
		return rules
	}
	for name, tt := range map[string]struct {
		rules []rbacv1.PolicyRule
		want  bool
	}{
		"config/default":           {kustomized("default"), true},
		"config/no-token-secrets":  {kustomized("no-token-secrets"), false},
		"chart":                    {charted(true), true},
		"chart tokenSecrets=false": {charted(false), false},
	} {
		if got := grantsTokens(tt.rules); got != tt.want {
			t.Errorf("%s grants serviceaccounts/token: %v, want %v", name, got, tt.want)
		}
		if len(tt.rules) < 5 {
			t.Errorf("%s: only %d rules: the filter removed more than the token rule", name, len(tt.rules))
		}
	}
}

func grantsTokens(rules []rbacv1.PolicyRule) bool {
	return slices.ContainsFunc(rules, func(r rbacv1.PolicyRule) bool { return slices.Contains(r.Resources, "serviceaccounts/token") })
}

func rolesOf(t *testing.T, u *unstructured.Unstructured) []rbacv1.PolicyRule {
	t.Helper()
	raw, err := yaml.Marshal(u.Object)
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(raw, &role); err != nil {
		t.Fatal(err)
	}
	return role.Rules
}
