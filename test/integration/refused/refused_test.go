// Package refused_test runs the operator, against the real API server, with
// a copy of the nats-cluster chart that renders one object too many once a
// NatsCluster has two servers: a ConfigMap in kube-system, as a value that
// breaks out of the chart's YAML would. The post-render guard must refuse
// that release before Helm touches anything.
package refused_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/confcheck"
	"github.com/nats-operator/nats-operator/internal/operator"
	"github.com/nats-operator/nats-operator/internal/status"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

var cp *testutil.ControlPlane

func TestMain(m *testing.M) { os.Exit(testutil.RunIntegration(m, &cp, nil)) }

const timeout = 30 * time.Second

// injected is the template added to the chart copy.
const injected = `{{- if ge (int .Values.size) 2 }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ printf "%s-injected" .Release.Name | quote }}
  namespace: kube-system
  labels:
    {{- include "nats-cluster.labels" . | nindent 4 }}
data:
  owned-by: {{ .Release.Namespace | quote }}
{{- end }}
`

// runOperatorWithInjectingChart starts the operator on a copy of the
// chart with the injected template.
func runOperatorWithInjectingChart(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	chart := filepath.Join(dir, "nats-cluster")
	if err := os.CopyFS(chart, os.DirFS(filepath.Join(testutil.RepoRoot(), "helm-charts", "nats-cluster"))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(chart, "templates", "injected.yaml"), []byte(injected), 0o600); err != nil {
		t.Fatal(err)
	}
	watches := fmt.Sprintf("- {group: nats.io, version: v1alpha2, kind: NatsCluster, chart: %q}\n", chart)
	path := filepath.Join(dir, "watches.yaml")
	if err := os.WriteFile(path, []byte(watches), 0o600); err != nil {
		t.Fatal(err)
	}
	stop, err := cp.RunOperatorWithWatches(operator.Options{}, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("operator: %v", err)
		}
	})
}

func TestRefusedRenderLeavesTheReleaseAlone(t *testing.T) {
	testutil.Integration(t)
	runOperatorWithInjectingChart(t)
	ctx := context.Background()

	t.Run("upgrade", func(t *testing.T) {
		ns := cp.Namespace(t, "refused-upgrade")
		nc := &natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: ns}}
		nc.Spec.Size = ptr.To[int32](1)
		if err := cp.Client.Create(ctx, nc); err != nil {
			t.Fatal(err)
		}
		key := client.ObjectKeyFromObject(nc)
		waitCondition(t, key, natsv1alpha2.ConditionDeployed, metav1.ConditionTrue, "")
		before := releaseState(t, key)

		patch := client.MergeFrom(nc.DeepCopy())
		nc.Spec.Size = ptr.To[int32](2)
		if err := cp.Client.Patch(ctx, nc, patch); err != nil {
			t.Fatal(err)
		}
		got := waitCondition(t, key, natsv1alpha2.ConditionIrreconcilable, metav1.ConditionTrue, `ConfigMap "kube-system/demo-injected"`)
		msg := status.Find(got.Status.Conditions, natsv1alpha2.ConditionIrreconcilable).Message
		for _, want := range []string{`is in namespace "kube-system"`, fmt.Sprintf("must stay in %q", ns), "correct that value"} {
			if !strings.Contains(msg, want) {
				t.Errorf("Irreconcilable message lacks %q: %s", want, msg)
			}
		}
		waitEvent(t, nc, msg)
		if after := releaseState(t, key); after != before {
			t.Errorf("the release changed although its render was refused: before %+v, after %+v", before, after)
		}
		assertNotInjected(t, "demo-injected")
	})

	t.Run("install", func(t *testing.T) {
		ns := cp.Namespace(t, "refused-install")
		nc := &natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Name: "fresh", Namespace: ns}}
		nc.Spec.Size = ptr.To[int32](3)
		if err := cp.Client.Create(ctx, nc); err != nil {
			t.Fatal(err)
		}
		key := client.ObjectKeyFromObject(nc)
		got := waitCondition(t, key, natsv1alpha2.ConditionReleaseFailed, metav1.ConditionTrue, `ConfigMap "kube-system/fresh-injected"`)
		waitEvent(t, nc, status.Find(got.Status.Conditions, natsv1alpha2.ConditionReleaseFailed).Message)
		// Nothing of the release was created, in its namespace or elsewhere.
		for name, obj := range map[string]client.Object{"fresh": &appsv1.StatefulSet{}, "fresh-config": &corev1.ConfigMap{}} {
			if err := cp.Client.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, obj); !apierrors.IsNotFound(err) {
				t.Errorf("%T %s/%s: err = %v, want NotFound", obj, ns, name, err)
			}
		}
		assertNotInjected(t, "fresh-injected")
	})
}

// release is what a refused render must leave as it was.
type release struct {
	stsGeneration int64
	replicas      int32
	config        string
	revisions     int
}

func releaseState(t *testing.T, key types.NamespacedName) release {
	t.Helper()
	ctx := context.Background()
	var sts appsv1.StatefulSet
	if err := cp.Client.Get(ctx, key, &sts); err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := cp.Client.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: key.Name + "-config"}, &cm); err != nil {
		t.Fatal(err)
	}
	var secrets corev1.SecretList
	if err := cp.Client.List(ctx, &secrets, client.InNamespace(key.Namespace), client.MatchingLabels{"owner": "helm", "name": key.Name}); err != nil {
		t.Fatal(err)
	}
	return release{stsGeneration: sts.Generation, replicas: ptr.Deref(sts.Spec.Replicas, 0), config: cm.Data[confcheck.ConfigKey], revisions: len(secrets.Items)}
}

func waitCondition(t *testing.T, key types.NamespacedName, typ string, want metav1.ConditionStatus, inMessage string) *natsv1alpha2.NatsCluster {
	t.Helper()
	var nc natsv1alpha2.NatsCluster
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		if err := cp.Client.Get(ctx, key, &nc); err != nil {
			return err
		}
		c := status.Find(nc.Status.Conditions, typ)
		if c == nil || c.Status != want || !strings.Contains(c.Message, inMessage) {
			return fmt.Errorf("condition %s is %+v, want %s with %q", typ, c, want, inMessage)
		}
		return nil
	})
	return &nc
}

// waitEvent waits for the guard's Warning Event on nc, carrying the
// refusal of the condition's message.
func waitEvent(t *testing.T, nc *natsv1alpha2.NatsCluster, conditionMessage string) {
	t.Helper()
	testutil.Eventually(t, timeout, func(ctx context.Context) error {
		var events corev1.EventList
		if err := cp.Client.List(ctx, &events, client.InNamespace(nc.Namespace)); err != nil {
			return err
		}
		for _, e := range events.Items {
			if e.InvolvedObject.Kind == "NatsCluster" && e.InvolvedObject.Name == nc.Name &&
				e.Type == corev1.EventTypeWarning && e.Reason == confcheck.ReasonRenderRefused {
				if !strings.Contains(conditionMessage, e.Message) {
					return fmt.Errorf("event message %q is not the condition's %q", e.Message, conditionMessage)
				}
				return nil
			}
		}
		return fmt.Errorf("no Warning %s event on NatsCluster %s among %d events", confcheck.ReasonRenderRefused, nc.Name, len(events.Items))
	})
}

func assertNotInjected(t *testing.T, name string) {
	t.Helper()
	err := cp.Client.Get(context.Background(), types.NamespacedName{Namespace: "kube-system", Name: name}, &corev1.ConfigMap{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("ConfigMap kube-system/%s: err = %v, want NotFound", name, err)
	}
}
