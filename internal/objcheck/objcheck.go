// Package objcheck applies to rendered objects the checks the API server
// applies on create to the fields the nats-cluster chart renders: object
// names, labels, selectors and annotations, ports and port names, host
// ports, environment variable names, resource quantities, volumes and
// mounts, node selectors, tolerations, persistent volume claims, the
// ConfigMap size and the Pod Disruption Budget. `render` and the post-render
// guard call it, so that a manifest they accept is one the API server
// accepts too (TestAgreesWithTheAPIServer proves it on a generated corpus).
//
// The checks follow kube-apiserver 1.35 (k8s.io/kubernetes
// pkg/apis/{core,apps,policy}/validation), reimplemented on the v1 types
// with apimachinery's validators so that the messages are the API
// server's. Fields the chart never renders (e.g. a pod's dnsConfig or
// topologySpreadConstraints, which only pod.template could carry) are
// decoded but not checked.
package objcheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// Refusal is what the API server would refuse in one rendered object.
type Refusal struct {
	// Kind and Name identify the object.
	Kind schema.GroupVersionKind
	Name string
	// Decode is set when the API server could not read the object into its
	// type at all (HTTP 400), e.g. 2147483648 in an int32 field.
	Decode error
	// Admission is what a create is refused for (HTTP 422 Invalid).
	Admission field.ErrorList
	// Pods is what the API server admits in a StatefulSet but refuses in
	// the pods and revisions its controller then creates, so the StatefulSet
	// would never run: e.g. an image with a trailing space, or a name too
	// long for the controller-revision-hash label.
	Pods field.ErrorList
}

// Refused reports whether a create of the object is refused outright
// (Decode or Admission), the verdict a server-side dry run gives.
func (r *Refusal) Refused() bool {
	return r != nil && (r.Decode != nil || len(r.Admission) > 0)
}

// Error words the refusal as the API server does.
func (r *Refusal) Error() string {
	gk := r.Kind.GroupKind()
	var parts []string
	if r.Decode != nil {
		parts = append(parts, fmt.Sprintf("%s in version %q cannot be handled as a %s: %v", r.Kind.Kind, r.Kind.Version, r.Kind.Kind, r.Decode))
	}
	if len(r.Admission) > 0 {
		parts = append(parts, apierrors.NewInvalid(gk, r.Name, r.Admission).Error())
	}
	if len(r.Pods) > 0 {
		parts = append(parts, fmt.Sprintf("%s %q is admitted, but the pods its controller creates would be refused: %v", gk.String(), r.Name, r.Pods.ToAggregate()))
	}
	return strings.Join(parts, "; ")
}

// Manifest checks every object of a rendered multi-document YAML stream and
// returns one error naming each refused object and field, or nil.
func Manifest(manifest string) error {
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096)
	var errs []error
	for i := 1; ; i++ {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return fmt.Errorf("rendered document %d is not YAML: %w", i, err)
		}
		if len(obj) == 0 {
			continue
		}
		if r := Object(&unstructured.Unstructured{Object: obj}); r != nil {
			errs = append(errs, r)
		}
	}
	return errors.Join(errs...)
}

// decoder reads objects the way the API server does: case-sensitive JSON
// into the typed object, unknown fields dropped, no defaulting.
var decoder = serializer.NewCodecFactory(clientgoscheme.Scheme).UniversalDeserializer()

// Object checks one rendered object. It returns nil when the API server
// would create it and its controller could run it.
func Object(obj *unstructured.Unstructured) *Refusal {
	r := &Refusal{Kind: obj.GroupVersionKind(), Name: obj.GetName()}
	raw, err := json.Marshal(obj.Object)
	if err != nil {
		r.Decode = err
		return r
	}
	typed, err := decodeTyped(raw, r.Kind)
	if err != nil {
		r.Decode = err
		return r
	}
	r.Admission, r.Pods = check(obj, typed)
	if !r.Refused() && len(r.Pods) == 0 {
		return nil
	}
	return r
}

// decodeTyped decodes raw into the Go type of gvk, or returns nil for kinds
// this package does not know (their metadata is still checked).
func decodeTyped(raw []byte, gvk schema.GroupVersionKind) (runtime.Object, error) {
	if !clientgoscheme.Scheme.Recognizes(gvk) {
		return nil, nil
	}
	typed, _, err := decoder.Decode(raw, &gvk, nil)
	if err != nil {
		return nil, unwrapDecodeError(err)
	}
	return typed, nil
}

// unwrapDecodeError drops the serializer's own prefix so that Refusal.Error
// can word it like the API server.
func unwrapDecodeError(err error) error {
	if _, rest, found := strings.Cut(err.Error(), "json: "); found {
		return errors.New("json: " + rest)
	}
	return err
}
