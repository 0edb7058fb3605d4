package bundle

import (
	"fmt"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// Permissions is the operator's RBAC, sorted by where it must be granted.
// OLM grants CSV permissions in the operator's namespace and in every
// target namespace (cluster-wide for AllNamespaces), and clusterPermissions
// cluster-wide; the operator chart grants the same split.
type Permissions struct {
	// Watched are namespaced rules the operator needs in every namespace it
	// watches (from ClusterRoles bound by ClusterRoleBindings).
	Watched []rbacv1.PolicyRule `json:"watched"`
	// Own are namespaced rules needed only in the operator's own namespace
	// (from RoleBindings there, e.g. the leader-election Lease).
	Own []rbacv1.PolicyRule `json:"own"`
	// Cluster are rules on cluster-scoped APIs and non-resource URLs.
	Cluster []rbacv1.PolicyRule `json:"cluster"`
}

// clusterScoped lists the built-in cluster-scoped resources by API group.
// Custom resources get their scope from the CRDs in the input; anything
// else is namespaced.
var clusterScoped = map[string][]string{
	"":                             {"componentstatuses", "namespaces", "nodes", "persistentvolumes"},
	"admissionregistration.k8s.io": {"mutatingwebhookconfigurations", "validatingadmissionpolicies", "validatingadmissionpolicybindings", "validatingwebhookconfigurations"},
	"apiextensions.k8s.io":         {"customresourcedefinitions"},
	"apiregistration.k8s.io":       {"apiservices"},
	"authentication.k8s.io":        {"selfsubjectreviews", "tokenreviews"},
	"authorization.k8s.io":         {"selfsubjectaccessreviews", "selfsubjectrulesreviews", "subjectaccessreviews"},
	"certificates.k8s.io":          {"certificatesigningrequests"},
	"flowcontrol.apiserver.k8s.io": {"flowschemas", "prioritylevelconfigurations"},
	"networking.k8s.io":            {"ingressclasses"},
	"node.k8s.io":                  {"runtimeclasses"},
	"rbac.authorization.k8s.io":    {"clusterrolebindings", "clusterroles"},
	"scheduling.k8s.io":            {"priorityclasses"},
	"storage.k8s.io":               {"csidrivers", "csinodes", "storageclasses", "volumeattachments"},
}

// scopes tells whether a group/resource is cluster-scoped.
type scopes map[string]bool

func newScopes(crds []*unstructured.Unstructured) scopes {
	s := scopes{}
	for g, rs := range clusterScoped {
		for _, r := range rs {
			s[g+"/"+r] = true
		}
	}
	for _, crd := range crds {
		group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
		plural, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "plural")
		scope, _, _ := unstructured.NestedString(crd.Object, "spec", "scope")
		s[group+"/"+plural] = scope == "Cluster"
	}
	return s
}

// cluster reports the scope of resource (subresources share their parent's).
func (s scopes) cluster(group, resource string) bool {
	base, _, _ := strings.Cut(resource, "/")
	return s[group+"/"+base]
}

// rbacObjects are the RBAC objects of the input, by kind.
type rbacObjects struct {
	roles, clusterRoles               map[string]*unstructured.Unstructured // by namespace/name and name
	roleBindings, clusterRoleBindings []*unstructured.Unstructured
}

func newRBACObjects() rbacObjects {
	return rbacObjects{roles: map[string]*unstructured.Unstructured{}, clusterRoles: map[string]*unstructured.Unstructured{}}
}

// add files an RBAC object; it reports false for other kinds.
func (r *rbacObjects) add(u *unstructured.Unstructured) bool {
	if u.GroupVersionKind().Group != rbacv1.GroupName {
		return false
	}
	switch u.GetKind() {
	case "Role":
		r.roles[u.GetNamespace()+"/"+u.GetName()] = u
	case "ClusterRole":
		r.clusterRoles[u.GetName()] = u
	case "RoleBinding":
		r.roleBindings = append(r.roleBindings, u)
	case "ClusterRoleBinding":
		r.clusterRoleBindings = append(r.clusterRoleBindings, u)
	default:
		return false
	}
	return true
}

// permissions resolves the bindings of the operator's ServiceAccount into
// Permissions. Roles no binding references are returned unchanged (e.g.
// aggregated editor/viewer ClusterRoles for users). A binding for any other
// subject, or one that cannot be expressed in a CSV, is an error.
func (r *rbacObjects) permissions(sa types.NamespacedName, sc scopes) (Permissions, []*unstructured.Unstructured, error) {
	var p Permissions
	used := map[*unstructured.Unstructured]bool{}
	for _, b := range r.clusterRoleBindings {
		_, namespaced, cluster, err := r.boundRules(b, sa, "", sc, used)
		if err != nil {
			return p, nil, err
		}
		p.Watched, p.Cluster = append(p.Watched, namespaced...), append(p.Cluster, cluster...)
	}
	for _, b := range r.roleBindings {
		if b.GetNamespace() != sa.Namespace {
			return p, nil, fmt.Errorf("RoleBinding %s/%s: bindings outside the operator's namespace %s cannot be expressed in a CSV", b.GetNamespace(), b.GetName(), sa.Namespace)
		}
		role, namespaced, cluster, err := r.boundRules(b, sa, b.GetNamespace(), sc, used)
		if err != nil {
			return p, nil, err
		}
		if len(cluster) > 0 {
			return p, nil, fmt.Errorf("%s %s is bound by RoleBinding %s, which cannot grant cluster-scoped %v", role.GetKind(), role.GetName(), b.GetName(), cluster[0])
		}
		p.Own = append(p.Own, namespaced...)
	}
	var unbound []*unstructured.Unstructured
	for _, key := range sortedKeys(r.clusterRoles) {
		if u := r.clusterRoles[key]; !used[u] {
			unbound = append(unbound, u)
		}
	}
	for _, key := range sortedKeys(r.roles) {
		if u := r.roles[key]; !used[u] {
			unbound = append(unbound, u)
		}
	}
	p.Watched, p.Own, p.Cluster = normalizeRules(p.Watched), normalizeRules(p.Own), normalizeRules(p.Cluster)
	return p, unbound, nil
}

// boundRules resolves binding b to its role, marks the role used, and splits
// the role's rules into namespaced and cluster-scoped ones.
func (r *rbacObjects) boundRules(b *unstructured.Unstructured, sa types.NamespacedName, bindingNS string, sc scopes,
	used map[*unstructured.Unstructured]bool) (role *unstructured.Unstructured, namespaced, cluster []rbacv1.PolicyRule, err error) {
	role, err = r.boundRole(b, sa, bindingNS)
	if err != nil {
		return nil, nil, nil, err
	}
	used[role] = true
	rules, err := policyRules(role)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, rule := range rules {
		isCluster, err := isClusterRule(rule, sc)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%s %s: %w", role.GetKind(), role.GetName(), err)
		}
		if isCluster {
			cluster = append(cluster, rule)
		} else {
			namespaced = append(namespaced, rule)
		}
	}
	return role, namespaced, cluster, nil
}

// boundRole checks that binding b grants its role to the operator's
// ServiceAccount only, and returns that role. bindingNS is empty for a
// ClusterRoleBinding.
func (r *rbacObjects) boundRole(b *unstructured.Unstructured, sa types.NamespacedName, bindingNS string) (*unstructured.Unstructured, error) {
	var binding rbacv1.RoleBinding // a ClusterRoleBinding has the same fields
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(b.Object, &binding); err != nil {
		return nil, fmt.Errorf("%s %s: %w", b.GetKind(), b.GetName(), err)
	}
	for _, s := range binding.Subjects {
		ns := s.Namespace
		if ns == "" {
			ns = bindingNS
		}
		if s.Kind != rbacv1.ServiceAccountKind || s.Name != sa.Name || ns != sa.Namespace {
			return nil, fmt.Errorf("%s %s: subject %s %s/%s is not the operator's ServiceAccount %s; a CSV can only grant to the operator", b.GetKind(), b.GetName(), s.Kind, ns, s.Name, sa)
		}
	}
	if len(binding.Subjects) == 0 {
		return nil, fmt.Errorf("%s %s has no subjects", b.GetKind(), b.GetName())
	}
	var role *unstructured.Unstructured
	switch binding.RoleRef.Kind {
	case "ClusterRole":
		role = r.clusterRoles[binding.RoleRef.Name]
	case "Role":
		if bindingNS != "" {
			role = r.roles[bindingNS+"/"+binding.RoleRef.Name]
		}
	}
	if role == nil {
		return nil, fmt.Errorf("%s %s: %s %q is not in the input", b.GetKind(), b.GetName(), binding.RoleRef.Kind, binding.RoleRef.Name)
	}
	return role, nil
}

func policyRules(role *unstructured.Unstructured) ([]rbacv1.PolicyRule, error) {
	var r rbacv1.ClusterRole // a Role has the same rules
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(role.Object, &r); err != nil {
		return nil, fmt.Errorf("%s %s: %w", role.GetKind(), role.GetName(), err)
	}
	if r.AggregationRule != nil {
		return nil, fmt.Errorf("ClusterRole %s: aggregated roles cannot be expressed in a CSV", role.GetName())
	}
	return r.Rules, nil
}

// isClusterRule tells whether a rule is about cluster-scoped APIs. A rule
// must not mix scopes, and wildcards are refused: they cannot be split
// between permissions and clusterPermissions.
func isClusterRule(rule rbacv1.PolicyRule, sc scopes) (bool, error) {
	if len(rule.NonResourceURLs) > 0 {
		if len(rule.Resources) > 0 {
			return false, fmt.Errorf("rule mixes resources and nonResourceURLs")
		}
		return true, nil
	}
	var cluster, namespaced bool
	for _, g := range rule.APIGroups {
		for _, res := range rule.Resources {
			if g == rbacv1.APIGroupAll || res == rbacv1.ResourceAll {
				return false, fmt.Errorf("wildcard group or resource in %v: list them", rule)
			}
			if sc.cluster(g, res) {
				cluster = true
			} else {
				namespaced = true
			}
		}
	}
	if cluster && namespaced {
		return false, fmt.Errorf("rule %v mixes cluster-scoped and namespaced resources: split it", rule)
	}
	return cluster, nil
}

// normalizeRules merges rules into a canonical, deterministic form: the
// verbs of each group/resource are united, then resources with the same
// group and verbs share one rule. Rules with resourceNames or
// nonResourceURLs are kept as they are, sorted and deduplicated.
func normalizeRules(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	verbs := map[[2]string]map[string]bool{} // group, resource → verbs
	var special []rbacv1.PolicyRule
	for _, r := range rules {
		if len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
			special = append(special, sortedRule(r))
			continue
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				k := [2]string{g, res}
				if verbs[k] == nil {
					verbs[k] = map[string]bool{}
				}
				for _, v := range r.Verbs {
					verbs[k][v] = true
				}
			}
		}
	}
	byGroupVerbs := map[[2]string][]string{} // group, joined verbs → resources
	for k, vs := range verbs {
		key := [2]string{k[0], strings.Join(verbList(vs), ",")}
		byGroupVerbs[key] = append(byGroupVerbs[key], k[1])
	}
	out := []rbacv1.PolicyRule{}
	for key, res := range byGroupVerbs {
		sort.Strings(res)
		out = append(out, rbacv1.PolicyRule{APIGroups: []string{key[0]}, Resources: res, Verbs: strings.Split(key[1], ",")})
	}
	out = append(out, dedupe(special)...)
	sort.Slice(out, func(i, j int) bool { return ruleLess(out[i], out[j]) })
	return out
}

// verbList sorts verbs; "*" stands for all of them.
func verbList(set map[string]bool) []string {
	if set[rbacv1.VerbAll] {
		return []string{rbacv1.VerbAll}
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func sortedRule(r rbacv1.PolicyRule) rbacv1.PolicyRule {
	r = *r.DeepCopy()
	for _, s := range [][]string{r.APIGroups, r.Resources, r.ResourceNames, r.NonResourceURLs, r.Verbs} {
		sort.Strings(s)
	}
	return r
}

func dedupe(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	seen := map[string]bool{}
	var out []rbacv1.PolicyRule
	for _, r := range rules {
		if k := ruleKey(r); !seen[k] {
			seen[k] = true
			out = append(out, r)
		}
	}
	return out
}

// ruleLess orders rules by group, then resources, field by field, so that
// the core group comes first and a resource before its subresources.
func ruleLess(a, b rbacv1.PolicyRule) bool {
	fa := [][]string{a.APIGroups, a.Resources, a.NonResourceURLs, a.ResourceNames, a.Verbs}
	fb := [][]string{b.APIGroups, b.Resources, b.NonResourceURLs, b.ResourceNames, b.Verbs}
	for i := range fa {
		if x, y := strings.Join(fa[i], ","), strings.Join(fb[i], ","); x != y {
			return x < y
		}
	}
	return false
}

func ruleKey(r rbacv1.PolicyRule) string {
	return strings.Join([]string{
		strings.Join(r.APIGroups, ","), strings.Join(r.Resources, ","), strings.Join(r.ResourceNames, ","),
		strings.Join(r.NonResourceURLs, ","), strings.Join(r.Verbs, ","),
	}, "|")
}

// merged unites rule lists in normalized form.
func merged(lists ...[]rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var all []rbacv1.PolicyRule
	for _, l := range lists {
		all = append(all, l...)
	}
	return normalizeRules(all)
}
