package confcheck

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/record"

	"github.com/nats-operator/nats-operator/internal/status"
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
	if got := events(); len(got) != 1 || got[0] != "Warning RenderRefused "+err.Error() {
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
	if got := events(); len(got) != 0 {
		t.Errorf("a good render gave events %q", got)
	}
	if err := run(bad); err == nil {
		t.Fatal("injected Secret accepted after a good render")
	}
	if got := events(); len(got) != 1 {
		t.Errorf("a refusal after a good render gave events %q, want one", got)
	}
}

func TestEventMessageIsBounded(t *testing.T) {
	rec := record.NewFakeRecorder(10)
	pr := NewProvider(rec, Guard{})(nil, nil, owner(t))
	m := manifest(authConf)
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"} {
		m += strings.ReplaceAll(secretDoc, "evil", strings.Repeat(n, 60))
	}
	_, err := pr.Run(bytes.NewBufferString(m))
	if err == nil || len(err.Error()) <= status.MaxEventMessage {
		t.Fatalf("want a refusal longer than an Event holds, got %v", err)
	}
	e := <-rec.Events
	msg := strings.TrimPrefix(e, "Warning RenderRefused ")
	if len(msg) > status.MaxEventMessage || !strings.HasPrefix(err.Error(), strings.TrimSuffix(msg, "…")) {
		t.Errorf("event message (%d bytes) is not the start of the refusal: %q", len(msg), msg)
	}
}

// TestPostRendererAppliesTheOverridesBeforeTheGuard: the official chart's
// object overrides (spec.chartValues.statefulSet.patch, …) reach the
// objects Helm applies, and the guard holds on what they make of them: an
// override that breaks its rules, or does not apply, is refused with a
// Warning Event like any other refusal.
func TestPostRendererAppliesTheOverridesBeforeTheGuard(t *testing.T) {
	withValues := func(chartValues string) *unstructured.Unstructured {
		u := owner(t)
		var v any
		if err := json.Unmarshal([]byte(chartValues), &v); err != nil {
			t.Fatal(err)
		}
		if err := unstructured.SetNestedField(u.Object, v, "spec", "chartValues"); err != nil {
			t.Fatal(err)
		}
		return u
	}
	rec := record.NewFakeRecorder(10)
	pr := NewProvider(rec, Guard{})(nil, nil, withValues(`{"statefulSet": {"patch": [{"op": "add", "path": "/spec/minReadySeconds", "value": 7}]}}`))
	out, err := pr.Run(bytes.NewBufferString(manifest(authConf)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "minReadySeconds: 7") {
		t.Errorf("statefulSet.patch is not in the manifest Helm applies:\n%s", out)
	}
	for chartValues, want := range map[string]string{
		`{"container": {"merge": {"command": ["nats-server", "-c", "/tmp/other.conf"]}}}`: "command is not the chart's",
		`{"service": {"patch": [{"op": "remove", "path": "/spec/nothing"}]}}`:             "spec.chartValues.service.patch[0]",
	} {
		pr := NewProvider(rec, Guard{})(nil, nil, withValues(chartValues))
		_, err := pr.Run(bytes.NewBufferString(manifest(authConf)))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want a refusal naming %q", chartValues, err, want)
			continue
		}
		if e := <-rec.Events; e != "Warning RenderRefused "+err.Error() {
			t.Errorf("%s: event %q, want the refusal", chartValues, e)
		}
	}
}
