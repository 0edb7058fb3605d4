package bundle

import (
	"reflect"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"
)

func rule(groups, resources, verbs string) rbacv1.PolicyRule {
	split := func(s string) []string {
		if s == "-" {
			return nil
		}
		return strings.Split(s, ",")
	}
	return rbacv1.PolicyRule{APIGroups: split(groups), Resources: split(resources), Verbs: split(verbs)}
}

func TestNormalizeRules(t *testing.T) {
	tests := []struct {
		name string
		in   []rbacv1.PolicyRule
		want []rbacv1.PolicyRule
	}{
		{name: "nothing", in: nil, want: []rbacv1.PolicyRule{}},
		{
			name: "verbs of one resource from two roles are united and sorted",
			in:   []rbacv1.PolicyRule{rule("apps", "statefulsets", "watch,get,list"), rule("apps", "statefulsets", "create,get")},
			want: []rbacv1.PolicyRule{rule("apps", "statefulsets", "create,get,list,watch")},
		},
		{
			name: "resources with the same verbs share a rule, core group first, resource before subresource",
			in: []rbacv1.PolicyRule{
				rule("nats.io", "natsclusters/status", "get"), rule("nats.io", "natsclusters", "get"),
				rule("", "services", "get"), rule("", "configmaps", "get"),
			},
			want: []rbacv1.PolicyRule{rule("", "configmaps,services", "get"), rule("nats.io", "natsclusters,natsclusters/status", "get")},
		},
		{
			name: "a rule over two groups is split per group",
			in:   []rbacv1.PolicyRule{rule("apps,policy", "statefulsets,poddisruptionbudgets", "get")},
			want: []rbacv1.PolicyRule{rule("apps", "poddisruptionbudgets,statefulsets", "get"), rule("policy", "poddisruptionbudgets,statefulsets", "get")},
		},
		{
			name: "the all-verbs wildcard absorbs the others",
			in:   []rbacv1.PolicyRule{rule("", "secrets", "get"), rule("", "secrets", "*")},
			want: []rbacv1.PolicyRule{rule("", "secrets", "*")},
		},
		{
			name: "resourceNames and nonResourceURLs rules are kept apart and deduplicated",
			in: []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"b", "a"}, Verbs: []string{"get"}},
				{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"a", "b"}, Verbs: []string{"get"}},
				{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}},
			},
			want: []rbacv1.PolicyRule{
				{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}},
				{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"a", "b"}, Verbs: []string{"get"}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := normalizeRules(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("normalizeRules =\n%v\nwant\n%v", got, tt.want)
			}
		})
	}
}

func TestIsClusterRule(t *testing.T) {
	crd := &unstructured.Unstructured{Object: map[string]any{"spec": map[string]any{
		"group": "example.com", "scope": "Cluster", "names": map[string]any{"plural": "globals"},
	}}}
	sc := newScopes([]*unstructured.Unstructured{crd})
	tests := []struct {
		name    string
		rule    rbacv1.PolicyRule
		want    bool
		wantErr string
	}{
		{name: "namespaced built-in", rule: rule("", "secrets", "get")},
		{name: "cluster-scoped built-in", rule: rule("authentication.k8s.io", "tokenreviews", "create"), want: true},
		{name: "subresource of a cluster-scoped kind", rule: rule("", "namespaces/status", "get"), want: true},
		{name: "cluster-scoped custom resource", rule: rule("example.com", "globals", "get"), want: true},
		{name: "unknown resources are namespaced", rule: rule("monitoring.coreos.com", "servicemonitors", "get")},
		{name: "non-resource URL", rule: rbacv1.PolicyRule{NonResourceURLs: []string{"/metrics"}, Verbs: []string{"get"}}, want: true},
		{name: "mixed scopes", rule: rule("", "namespaces,secrets", "get"), wantErr: "mixes cluster-scoped and namespaced"},
		{name: "wildcard resource", rule: rule("", "*", "get"), wantErr: "wildcard group or resource"},
		{name: "wildcard group", rule: rule("*", "secrets", "get"), wantErr: "wildcard group or resource"},
		{
			name:    "resources and URLs together",
			rule:    rbacv1.PolicyRule{APIGroups: []string{""}, Resources: []string{"secrets"}, NonResourceURLs: []string{"/x"}, Verbs: []string{"get"}},
			wantErr: "mixes resources and nonResourceURLs",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := isClusterRule(tt.rule, sc)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("isClusterRule = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// rbacYAML is config/rbac's shape after kustomize: a ClusterRole bound
// cluster-wide, mixing namespaced and cluster-scoped rules, a Role bound in
// the operator namespace, and an unbound viewer ClusterRole.
const rbacYAML = `
- {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: manager},
   rules: [{apiGroups: [""], resources: [secrets], verbs: [get]},
           {apiGroups: [authentication.k8s.io], resources: [tokenreviews], verbs: [create]}]}
- {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRoleBinding, metadata: {name: manager},
   roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: manager},
   subjects: [{kind: ServiceAccount, name: op, namespace: sys}]}
- {apiVersion: rbac.authorization.k8s.io/v1, kind: Role, metadata: {name: leader, namespace: sys},
   rules: [{apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get]}]}
- {apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, metadata: {name: leader, namespace: sys},
   roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: leader},
   subjects: [{kind: ServiceAccount, name: op}]}
- {apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: viewer},
   rules: [{apiGroups: [nats.io], resources: [natsclusters], verbs: [get]}]}
`

func loadRBAC(t *testing.T, src string) rbacObjects {
	t.Helper()
	var objs []map[string]any
	if err := yaml.Unmarshal([]byte(src), &objs); err != nil {
		t.Fatal(err)
	}
	r := newRBACObjects()
	for _, o := range objs {
		if !r.add(&unstructured.Unstructured{Object: o}) {
			t.Fatalf("not an RBAC object: %v", o)
		}
	}
	return r
}

func TestPermissions(t *testing.T) {
	r := loadRBAC(t, rbacYAML)
	p, unbound, err := r.permissions(types.NamespacedName{Namespace: "sys", Name: "op"}, newScopes(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := Permissions{
		Watched: []rbacv1.PolicyRule{rule("", "secrets", "get")},
		Own:     []rbacv1.PolicyRule{rule("coordination.k8s.io", "leases", "get")},
		Cluster: []rbacv1.PolicyRule{rule("authentication.k8s.io", "tokenreviews", "create")},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("permissions =\n%+v\nwant\n%+v", p, want)
	}
	if len(unbound) != 1 || unbound[0].GetName() != "viewer" {
		t.Errorf("unbound roles = %v, want the viewer ClusterRole", unbound)
	}
}

func TestPermissionsRefusesWhatACSVCannotExpress(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // edit of rbacYAML
		wantErr  string
	}{
		{
			name: "binding for another subject",
			old:  "subjects: [{kind: ServiceAccount, name: op, namespace: sys}]", new: "subjects: [{kind: User, name: alice}]",
			wantErr: "subject User /alice is not the operator's ServiceAccount sys/op",
		},
		{
			name: "RoleBinding in another namespace",
			old:  "kind: RoleBinding, metadata: {name: leader, namespace: sys}", new: "kind: RoleBinding, metadata: {name: leader, namespace: other}",
			wantErr: "RoleBinding other/leader: bindings outside the operator's namespace sys",
		},
		{
			name: "binding to a missing role",
			old:  "kind: ClusterRole, name: manager}", new: "kind: ClusterRole, name: gone}",
			wantErr: `ClusterRoleBinding manager: ClusterRole "gone" is not in the input`,
		},
		{
			name: "cluster-scoped rule in a Role",
			old:  "apiGroups: [coordination.k8s.io], resources: [leases]", new: `apiGroups: [""], resources: [namespaces]`,
			wantErr: "Role leader is bound by RoleBinding leader, which cannot grant cluster-scoped",
		},
		{
			name: "binding without subjects",
			old:  "subjects: [{kind: ServiceAccount, name: op}]", new: "subjects: []",
			wantErr: "RoleBinding leader has no subjects",
		},
		{
			name: "wildcard resource",
			old:  "resources: [secrets]", new: "resources: ['*']",
			wantErr: "ClusterRole manager: wildcard group or resource",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(rbacYAML, tt.old) {
				t.Fatalf("test edit %q does not apply", tt.old)
			}
			r := loadRBAC(t, strings.Replace(rbacYAML, tt.old, tt.new, 1))
			_, _, err := r.permissions(types.NamespacedName{Namespace: "sys", Name: "op"}, newScopes(nil))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
