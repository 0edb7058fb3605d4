// Package procmetrics reads the controller-runtime metrics of the operator
// running in this process. The local environment and the in-process tests
// use them to tell whether the operator is busy, idle, or has panicked.
package procmetrics

import (
	dto "github.com/prometheus/client_model/go"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// AllControllers makes Sum add up every controller's samples.
const AllControllers = ""

// Sum adds up the counter or gauge name over the samples of controller
// (its "controller" label, or "name" for the workqueue metrics), or over
// every sample when controller is AllControllers.
func Sum(name, controller string) (float64, error) {
	families, err := ctrlmetrics.Registry.Gather()
	if err != nil {
		return 0, err
	}
	sum := 0.0
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if controller != AllControllers && labelValue(m, "controller") != controller && labelValue(m, "name") != controller {
				continue
			}
			switch {
			case m.GetCounter() != nil:
				sum += m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				sum += m.GetGauge().GetValue()
			}
		}
	}
	return sum, nil
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
