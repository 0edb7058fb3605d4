package operator

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSpecOrMetadataChangedIgnoresTheOperatorsOwnWrites(t *testing.T) {
	base := func() *metav1.ObjectMeta {
		return &metav1.ObjectMeta{Generation: 1, Labels: map[string]string{"a": "b"}, ResourceVersion: "1"}
	}
	now := metav1.NewTime(time.Now())
	tests := []struct {
		name   string
		mutate func(*metav1.ObjectMeta)
		want   bool
	}{
		{"status or managedFields only", func(m *metav1.ObjectMeta) {
			m.ResourceVersion = "2"
			m.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "x"}}
		}, false},
		{"finalizer", func(m *metav1.ObjectMeta) { m.Finalizers = []string{"uninstall-helm-release"} }, false},
		{"spec", func(m *metav1.ObjectMeta) { m.Generation = 2 }, true},
		{"label", func(m *metav1.ObjectMeta) { m.Labels["a"] = "c" }, true},
		{"annotation", func(m *metav1.ObjectMeta) {
			m.Annotations = map[string]string{"helm.sdk.operatorframework.io/upgrade-force": "true"}
		}, true},
		{"deletion", func(m *metav1.ObjectMeta) { m.DeletionTimestamp = &now }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := base(), base()
			tt.mutate(after)
			if got := specOrMetadataChanged(before, after); got != tt.want {
				t.Errorf("specOrMetadataChanged = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestChangedByOthersTellsTheHelmReconcilersWrites(t *testing.T) {
	t0, t1 := metav1.NewTime(time.Unix(100, 0)), metav1.NewTime(time.Unix(200, 0))
	entry := func(manager string, at metav1.Time) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: metav1.ManagedFieldsOperationUpdate, Time: &at}
	}
	tests := []struct {
		name     string
		old, new []metav1.ManagedFieldsEntry
		want     bool
	}{
		{"helm upgraded", []metav1.ManagedFieldsEntry{entry(helmFieldManager, t0)}, []metav1.ManagedFieldsEntry{entry(helmFieldManager, t1)}, false},
		{"someone edited", []metav1.ManagedFieldsEntry{entry(helmFieldManager, t0)}, []metav1.ManagedFieldsEntry{entry(helmFieldManager, t0), entry("kubectl-edit", t1)}, true},
		{"someone took a field from helm", []metav1.ManagedFieldsEntry{entry(helmFieldManager, t0)}, []metav1.ManagedFieldsEntry{entry(helmFieldManager, t1), entry("kubectl-edit", t1)}, true},
		{"someone removed a field of helm's", []metav1.ManagedFieldsEntry{{Manager: helmFieldManager, Operation: metav1.ManagedFieldsOperationUpdate, Time: &t0, FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:a":{}}`)}}}, []metav1.ManagedFieldsEntry{entry(helmFieldManager, t0)}, true},
		{"no entry moved", []metav1.ManagedFieldsEntry{entry(helmFieldManager, t0)}, []metav1.ManagedFieldsEntry{entry(helmFieldManager, t0)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, after := &metav1.ObjectMeta{ManagedFields: tt.old}, &metav1.ObjectMeta{ManagedFields: tt.new}
			if got := changedByOthers(before, after); got != tt.want {
				t.Errorf("changedByOthers = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOnlyTheDeployedReleaseRecordsDeletionCounts(t *testing.T) {
	secret := func(typ corev1.SecretType, status string) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"status": status}}, Type: typ}
	}
	if !deployedReleaseRecord(secret(releaseSecretType, "deployed")) {
		t.Error("the deployed release record's deletion was dropped")
	}
	if deployedReleaseRecord(secret(releaseSecretType, "superseded")) {
		t.Error("pruning a superseded revision queues a reconcile")
	}
	if deployedReleaseRecord(secret(corev1.SecretTypeOpaque, "")) {
		t.Error("an auth Secret's deletion queues a Helm reconcile")
	}
}
