package v1alpha2

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NatsServiceRole grants the ServiceAccount of the same name a NATS user on
// the NatsCluster named by its nats_cluster label. The user's password is a
// ServiceAccount token issued through the TokenRequest API and stored in the
// Secret <role>-<cluster>-bound-token, in the ServiceAccount's namespace.
// The name is at most 63 characters: it is also a label value on the token
// Secrets. Like NatsCluster's name rule, it applies to objects without a
// status, so roles stored before it can still be updated and deleted.
//
// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:validation:XValidation:rule="has(self.status) || size(self.metadata.name) <= 63",message="metadata.name must be at most 63 characters: it names the ServiceAccount and is a label value on its token Secrets; choose a shorter name for the NatsServiceRole"
// +kubebuilder:resource:categories=nats-io
// +kubebuilder:printcolumn:name="Cluster",type=string,JSONPath=`.metadata.labels.nats_cluster`,description="The NatsCluster the role's user is on"
// +kubebuilder:printcolumn:name="Token",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`,description="Whether every ServiceAccount named like the role holds a token the cluster accepts"
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +operator-sdk:csv:customresourcedefinitions:displayName="NATS Service Role",resources={{Secret,v1,""}}
type NatsServiceRole struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec   ServiceRoleSpec   `json:"spec,omitempty"`
	Status ServiceRoleStatus `json:"status,omitempty"`
}

// NatsServiceRoleList is a list of NatsServiceRole.
//
// +kubebuilder:object:root=true
type NatsServiceRoleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []NatsServiceRole `json:"items"`
}

// ServiceRoleSpec is the desired state of a NatsServiceRole.
type ServiceRoleSpec struct {
	// Permissions of the role's NATS user.
	// +optional
	// +operator-sdk:csv:customresourcedefinitions:type=spec,displayName="Permissions"
	Permissions Permissions `json:"permissions,omitempty"`
}

// Permissions lists the subjects a user may publish and subscribe to. With
// no list at all the user may publish and subscribe to everything, as in
// nats-operator.
type Permissions struct {
	// Publish subjects the user may publish to (allow list); wildcards * and
	// > are allowed. Empty: every subject not denied.
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=512
	// +kubebuilder:validation:items:Pattern=`^[^\s]+$`
	// +optional
	Publish []string `json:"publish,omitempty"`
	// Subscribe subjects the user may subscribe to (allow list); wildcards *
	// and > are allowed, and "<subject> <queue>" limits a queue group.
	// Empty: every subject not denied.
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=512
	// +kubebuilder:validation:items:Pattern=`^[^\s]+( [^\s]+)?$`
	// +optional
	Subscribe []string `json:"subscribe,omitempty"`
	// Deny lists subjects refused even when an allow entry matches them
	// (deny wins over allow).
	// +optional
	Deny *DenyPermissions `json:"deny,omitempty"`
	// AllowResponses lets the user publish one reply to each request it
	// received, whatever the publish list says (allow_responses).
	// +optional
	AllowResponses bool `json:"allowResponses,omitempty"`
}

// DenyPermissions lists subjects a user may not publish or subscribe to.
type DenyPermissions struct {
	// Publish subjects the user may not publish to.
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=512
	// +kubebuilder:validation:items:Pattern=`^[^\s]+$`
	// +optional
	Publish []string `json:"publish,omitempty"`
	// Subscribe subjects the user may not subscribe to.
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=512
	// +kubebuilder:validation:items:Pattern=`^[^\s]+( [^\s]+)?$`
	// +optional
	Subscribe []string `json:"subscribe,omitempty"`
}

// ServiceRoleStatus is written by the operator.
type ServiceRoleStatus struct {
	// Conditions of the role, one per type. Ready says whether every
	// ServiceAccount named like the role holds a token the cluster accepts.
	// +listType=map
	// +listMapKey=type
	// +optional
	// +kubebuilder:validation:MaxItems=32
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

func init() {
	SchemeBuilder.Register(&NatsServiceRole{}, &NatsServiceRoleList{})
}
