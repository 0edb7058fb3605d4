package confcheck

import (
	"bytes"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"
)

// owner is the NatsCluster as helm-operator-plugins hands it over.
func owner(t *testing.T) *unstructured.Unstructured {
	t.Helper()
	nc := cluster(managedAuth)
	nc.UID = "uid-1"
	obj, err := runtime.DefaultUnstructuredConverter.ToUnstructured(nc)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: obj}
	u.SetAPIVersion("nats.io/v1alpha2")
	u.SetKind("NatsCluster")
	return u
}

func TestPostRendererRefusesWithOneEventPerRefusal(t *testing.T) {
	rec := record.NewFakeRecorder(10)
	pr := NewProvider(rec, Guard{})(nil, nil, owner(t))
	good := manifest(authConf)
	bad := good + secretDoc

	run := func(in string) error {
		out, err := pr.Run(bytes.NewBufferString(in))
		if err == nil && out.String() != in {
			t.Errorf("the manifest changed on its way through")
		}
		return err
	}
	events := func() []string {
		var out []string
		for {
			select {
			case e := <-rec.Events:
				out = append(out, e)
			default:
				return out
			}
		}
	}

	err := run(bad)
	if err == nil {
		t.Fatal("injected Secret accepted")
	}
	if got := events(); len(got) != 1 || !strings.HasPrefix(got[0], "Warning RenderRefused ") || !strings.Contains(got[0], err.Error()) {
		t.Fatalf("events = %q, want one Warning RenderRefused with the message", got)
	}
	// helm-operator-plugins dry-runs on every reconcile: the same refusal
	// is not announced again.
	if err := run(bad); err == nil {
		t.Fatal("injected Secret accepted the second time")
	}
	if got := events(); len(got) != 0 {
		t.Errorf("the same refusal announced again: %q", got)
	}
	if err := run(bad + strings.ReplaceAll(secretDoc, "evil", "worse")); err == nil {
		t.Fatal("two injected Secrets accepted")
	}
	if got := events(); len(got) != 1 {
		t.Errorf("a new refusal gave events %q, want one", got)
	}
	if err := run(good); err != nil {
		t.Fatalf("good manifest refused: %v", err)
	}
	if err := run(bad); err == nil {
		t.Fatal("injected Secret accepted after a good render")
	}
	if got := events(); len(got) != 1 {
		t.Errorf("a refusal after a good render gave events %q, want one", got)
	}
}
