package values

// Values of JetStream: storage sizes and the PVC.

import (
	"fmt"
	"math"

	"k8s.io/apimachinery/pkg/api/resource"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// defaultJetStreamSize is the PVC size when none is given.
var defaultJetStreamSize = resource.MustParse("10Gi")

// jetStreamValues derives max_file_store as 90% of the PVC: a formatted
// volume holds less than its nominal size.
func jetStreamValues(js *natsv1alpha2.JetStreamConfig) (JetStream, error) {
	file := JetStreamFile{Size: defaultJetStreamSize.String(),
		WhenDeleted: natsv1alpha2.DefaultClaimsWhenDeleted, WhenScaled: natsv1alpha2.DefaultClaimsWhenScaled}
	if js == nil {
		return JetStream{File: file}, nil
	}
	file.Enabled = true
	out := JetStream{Enabled: true, Domain: js.Domain, File: file}
	size := defaultJetStreamSize
	if f := js.File; f != nil {
		if f.Enabled != nil {
			out.File.Enabled = *f.Enabled
		}
		if f.Size != nil {
			size = *f.Size
		}
		out.File.StorageClassName = f.StorageClassName
		if f.WhenDeleted != "" {
			out.File.WhenDeleted = f.WhenDeleted
		}
		if f.WhenScaled != "" {
			out.File.WhenScaled = f.WhenScaled
		}
	}
	bytes, ok := size.AsInt64()
	if !ok || bytes <= 0 {
		return JetStream{}, fmt.Errorf("spec.jetstream.file.size %s is not a positive byte count", size.String())
	}
	out.File.Size = size.String()
	if out.File.Enabled {
		out.File.MaxBytes = int64(math.Floor(float64(bytes) * 0.9))
	}
	if m := js.Memory; m != nil {
		mem, ok := m.MaxSize.AsInt64()
		if !ok || mem <= 0 {
			return JetStream{}, fmt.Errorf("spec.jetstream.memory.maxSize %s is not a positive byte count", m.MaxSize.String())
		}
		out.Memory.MaxBytes = mem
	}
	if !out.File.Enabled && out.Memory.MaxBytes == 0 {
		return JetStream{}, fmt.Errorf("spec.jetstream: the file store is disabled and no memory store is set: JetStream would have no storage")
	}
	return out, nil
}
