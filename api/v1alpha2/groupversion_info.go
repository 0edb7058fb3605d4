// Package v1alpha2 contains the nats.io/v1alpha2 API: NatsCluster and
// NatsServiceRole, field for field compatible with the manifests of the
// deprecated nats-io/nats-operator.
//
// +kubebuilder:object:generate=true
// +groupName=nats.io
package v1alpha2

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/scheme"
)

var (
	// GroupVersion is the group and version of every kind in this package.
	GroupVersion = schema.GroupVersion{Group: "nats.io", Version: "v1alpha2"}

	// SchemeBuilder registers the Go types with a runtime.Scheme.
	SchemeBuilder = &scheme.Builder{GroupVersion: GroupVersion}

	// AddToScheme adds the types of this group-version to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

// NatsClusterGVK is the GroupVersionKind the Helm reconciler watches.
var NatsClusterGVK = GroupVersion.WithKind("NatsCluster")

// NatsServiceRoleGVK is the GroupVersionKind of NatsServiceRole.
var NatsServiceRoleGVK = GroupVersion.WithKind("NatsServiceRole")
