package crdschema

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

func loadNatsCluster(t *testing.T) *Schema {
	t.Helper()
	crd, err := os.ReadFile(filepath.Join(repofs.Root(), "config", "crd", "bases", "nats.io_natsclusters.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(crd, "v1alpha2")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestAdmitAppliesTheCRDDefaults: what kubectl apply would store, without an
// API server: the size default and nats-operator's TLS file names.
func TestAdmitAppliesTheCRDDefaults(t *testing.T) {
	s := loadNatsCluster(t)
	obj := map[string]any{
		"apiVersion": "nats.io/v1alpha2", "kind": "NatsCluster",
		"metadata": map[string]any{"name": "a", "namespace": "default"},
		"spec":     map[string]any{"tls": map[string]any{"routesSecret": "r"}},
	}
	if err := s.Admit(context.Background(), obj); err != nil {
		t.Fatal(err)
	}
	u := unstructured.Unstructured{Object: obj}
	size, _, _ := unstructured.NestedInt64(u.Object, "spec", "size")
	cert, _, _ := unstructured.NestedString(u.Object, "spec", "tls", "routesSecretCertFileName")
	key, _, _ := unstructured.NestedString(u.Object, "spec", "tls", "routesSecretKeyFileName")
	if size != 3 || cert != "route.pem" || key != "route-key.pem" {
		t.Errorf("defaults: size %d cert %q key %q", size, cert, key)
	}
}

func TestAdmitReportsEveryUnknownField(t *testing.T) {
	s := loadNatsCluster(t)
	obj := map[string]any{
		"apiVersion": "nats.io/v1alpha2", "kind": "NatsCluster",
		"metadata": map[string]any{"name": "a"},
		"spec":     map[string]any{"sise": 3, "pod": map[string]any{"lables": map[string]any{}}},
	}
	err := s.Admit(context.Background(), obj)
	if err == nil || !strings.Contains(err.Error(), `unknown field "spec.sise"`) || !strings.Contains(err.Error(), `unknown field "spec.pod.lables"`) {
		t.Errorf("err = %v, want both unknown fields named", err)
	}
}

func TestLoadRefusesWhatIsNotACRD(t *testing.T) {
	if _, err := Load([]byte("kind: ConfigMap\nbogus: 1\n"), "v1alpha2"); err == nil {
		t.Errorf("a non-CRD document was accepted")
	}
	crd, err := os.ReadFile(filepath.Join(repofs.Root(), "config", "crd", "bases", "nats.io_natsclusters.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Load(crd, "v9"); err == nil || !strings.Contains(err.Error(), "no schema for version v9") {
		t.Errorf("err = %v, want no schema for version v9", err)
	}
}
