// Package bundle generates the operator's OLM bundle (registry+v1) from the
// kustomize output of config/manifests, because the operator-sdk CLI cannot
// be built here. It turns the Deployment into the CSV install strategy, the
// RBAC bound to the operator's ServiceAccount into permissions and
// clusterPermissions, the +operator-sdk:csv markers of the API types into
// owned CRD descriptions and the samples into alm-examples. The same run
// writes the generated parts of the operator's Helm chart (its CRDs and RBAC
// rules), so that OLM, kustomize and Helm installs grant the same access.
package bundle
