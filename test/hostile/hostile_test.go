package hostile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/procmetrics"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// TestHostileCorpus applies the corpus (a sample of it unless
// HOSTILE_FULL=1) to the API server with the operator running, and checks
// that each case was refused with a message naming its field, or deployed
// or reported on the NatsCluster; that no case made an object the chart
// does not render, in its namespace or anywhere else; that every deployed
// nats.conf, loaded by nats-server, defines no user, token or listener the
// operator did not configure; that every NatsCluster can be deleted; and
// that the operator still reconciles afterwards.
func TestHostileCorpus(t *testing.T) {
	testutil.Integration(t)
	ctx := context.Background()
	cases := selectCases(t)
	r := newRunner(t)

	before, err := r.snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	canary := r.startCanary(ctx)

	start := time.Now()
	runs := r.apply(ctx, cases)
	admitted := 0
	for _, run := range runs {
		for _, c := range run.clusters {
			if c.admitted() {
				admitted++
			}
		}
	}
	t.Logf("applied %d cases in %s: %d NatsClusters admitted", len(runs), time.Since(start).Round(time.Second), admitted)
	took := r.settle(ctx, runs, perCluster(2*time.Minute, time.Second, admitted))
	t.Logf("settled in %s", took.Round(time.Second))

	after, err := r.snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string]bool{canary.Namespace: true}
	for _, run := range runs {
		ours[run.namespace] = true
		checkOutcome(run)
		checkNamespace(run, after.inNamespace(run.namespace))
	}
	for _, problem := range checkElsewhere(before, after, ours) {
		t.Errorf("outside the corpus: %s", problem)
	}
	releases := r.collectReleases(ctx, runs)
	warned := r.warningEvents(ctx)

	r.checkCanary(ctx, canary, perCluster(3*time.Minute, 100*time.Millisecond, admitted))
	r.deleteAll(ctx, runs)

	// The operator ends cleanly; from here on nothing else reads the
	// process environment, which the server checks set.
	if err := stopOperator(); err != nil {
		t.Errorf("the operator stopped with an error: %v", err)
	}
	// controller-runtime recovers a panicking reconcile and retries it, so
	// a panic shows only in its counter (and the log).
	if n := reconcilePanics(t); n != 0 {
		t.Errorf("%v reconciles panicked (controller_runtime_reconcile_panics_total; the stack is in the operator log, NATS_OPERATOR_TEST_LOG)", n)
	}
	for _, rel := range releases {
		for _, problem := range CheckServer(rel.Release) {
			rel.run.problem("release %s: %s", rel.Name, problem)
		}
	}
	report(t, runs, warned)
}

// selectCases is the whole corpus with HOSTILE_FULL=1, else the sample
// (HOSTILE_SAMPLE=n changes its size); HOSTILE_ONLY=prefix keeps the cases
// whose ID starts with prefix, to rerun one that failed.
func selectCases(t *testing.T) []Case {
	all := Generate()
	var cases []Case
	switch {
	case os.Getenv("HOSTILE_ONLY") != "":
		for _, c := range all {
			if strings.HasPrefix(c.ID, os.Getenv("HOSTILE_ONLY")) {
				cases = append(cases, c)
			}
		}
		t.Logf("HOSTILE_ONLY: %d of the %d cases", len(cases), len(all))
	case os.Getenv("HOSTILE_FULL") != "":
		cases = all
		t.Logf("HOSTILE_FULL: all %d cases", len(all))
	default:
		size := DefaultSampleSize
		if n, err := strconv.Atoi(os.Getenv("HOSTILE_SAMPLE")); err == nil && n > 0 {
			size = n
		}
		cases = Sample(all, size)
		t.Logf("a sample of %d of the %d cases (HOSTILE_FULL=1 applies all)", len(cases), len(all))
	}
	if len(cases) == 0 {
		t.Fatal("no cases selected")
	}
	return cases
}

// perCluster is a bound for waiting on the operator: base plus each for
// every admitted NatsCluster. On a loaded two-core machine the operator
// settles about one NatsCluster a second.
func perCluster(base, each time.Duration, clusters int) time.Duration {
	return base + time.Duration(clusters)*each
}

// checkOutcome: the admission and the conditions say what happened.
func checkOutcome(run *caseRun) {
	if run.setupErr != nil {
		run.problem("setting up the case failed: %v", run.setupErr)
		return
	}
	for _, c := range run.clusters {
		checkCluster(run, c)
	}
}

func checkCluster(run *caseRun, c *cluster) {
	who := "NatsCluster " + c.name
	if c.sibling {
		who = "sibling " + c.name
	}
	expect := run.Expect
	if c.sibling {
		expect = Contained
	}
	if !c.admitted() {
		msg := refusalMessage(c.refused)
		switch {
		case expect == Deploys:
			run.problem("%s was refused, but it is valid: %s", who, msg)
		case !mentionsAny(msg, run.Mentions()):
			run.problem("%s was refused with a message that names none of %q: %s", who, run.Mentions(), truncate(msg, 500))
		}
		return
	}
	switch {
	case expect == Refused:
		run.problem("%s was admitted; the CRD must refuse it (outcome: %s)", who, c.describe())
	case expect == Deploys && c.state != stateDeployed:
		run.problem("%s is valid but did not deploy: %s", who, c.describe())
	case c.state == statePending || c.state == "":
		run.problem("%s shows no outcome within the wait: %s", who, c.describe())
	case c.state == stateFailed:
		if typ, cond := c.failure(); strings.TrimSpace(cond.message) == "" {
			run.problem("%s failed with an empty %s message", who, typ)
		}
	}
}

func refusalMessage(err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		s := status.Status()
		msg := s.Message
		if s.Details != nil {
			for _, cause := range s.Details.Causes {
				msg += " | " + cause.Field + ": " + cause.Message
			}
		}
		return msg
	}
	return err.Error()
}

func mentionsAny(msg string, words []string) bool {
	for _, w := range words {
		if w != "" && strings.Contains(strings.ToLower(msg), strings.ToLower(w)) {
			return true
		}
	}
	return false
}

// releaseOf is a release to check, with the case it belongs to.
type releaseOf struct {
	Release
	run *caseRun
}

// collectReleases reads the nats.conf and StatefulSet of every release
// that exists, whatever its NatsCluster's outcome.
func (r *runner) collectReleases(ctx context.Context, runs []*caseRun) []releaseOf {
	var out []releaseOf
	for _, run := range runs {
		for _, c := range run.clusters {
			if !c.admitted() {
				continue
			}
			var cm corev1.ConfigMap
			var sts appsv1.StatefulSet
			cmErr := r.client.Get(ctx, types.NamespacedName{Namespace: run.namespace, Name: c.name + "-config"}, &cm)
			stsErr := r.client.Get(ctx, types.NamespacedName{Namespace: run.namespace, Name: c.name}, &sts)
			// Objects of that name that are not this release's are judged
			// by checkNamespace.
			hasCM := cmErr == nil && cm.Annotations[annotationReleaseName] == c.name
			hasSTS := stsErr == nil && sts.Annotations[annotationReleaseName] == c.name
			switch {
			case !hasCM && !hasSTS:
				if c.state == stateDeployed {
					run.problem("NatsCluster %s is Deployed but has neither its ConfigMap nor its StatefulSet", c.name)
				}
				continue
			case !hasCM || !hasSTS:
				run.problem("release %s is incomplete: its ConfigMap: %v (%v), its StatefulSet: %v (%v)", c.name, hasCM, cmErr, hasSTS, stsErr)
				continue
			}
			rel := Release{Name: c.name, Namespace: run.namespace, NatsConf: cm.Data["nats.conf"], StatefulSet: &sts}
			rel.ClientsAuthFile, _, _ = unstructured.NestedString(c.spec, "auth", "clientsAuthFile")
			_, rel.OperatorJWT, _ = unstructured.NestedMap(c.spec, "operatorConfig")
			out = append(out, releaseOf{Release: rel, run: run})
		}
	}
	return out
}

// warningEvents are the NatsClusters (namespace/name) that have a Warning
// Event.
func (r *runner) warningEvents(ctx context.Context) map[string]bool {
	var events corev1.EventList
	if err := r.client.List(ctx, &events, client.MatchingFields{"type": corev1.EventTypeWarning}); err != nil {
		r.t.Logf("listing events: %v", err)
		return nil
	}
	out := map[string]bool{}
	for _, e := range events.Items {
		if e.InvolvedObject.Kind == "NatsCluster" {
			out[e.InvolvedObject.Namespace+"/"+e.InvolvedObject.Name] = true
		}
	}
	return out
}

// startCanary creates a valid NatsCluster before the corpus, to change
// after it: the operator must still be reconciling.
func (r *runner) startCanary(ctx context.Context) *natsv1alpha2.NatsCluster {
	ns := cp.Namespace(r.t, "canary")
	nc := &natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Name: "canary", Namespace: ns}}
	nc.Spec.Size = ptr.To[int32](1)
	if err := r.client.Create(ctx, nc); err != nil {
		r.t.Fatal(err)
	}
	if err := r.waitReplicas(ctx, nc, 1, time.Minute); err != nil {
		r.t.Fatal(err)
	}
	return nc
}

// checkCanary changes the canary's size after the corpus: the operator
// must apply it within the bound, however busy the corpus left it.
func (r *runner) checkCanary(ctx context.Context, nc *natsv1alpha2.NatsCluster, timeout time.Duration) {
	var cur natsv1alpha2.NatsCluster
	if err := r.client.Get(ctx, client.ObjectKeyFromObject(nc), &cur); err != nil {
		r.t.Errorf("canary: %v", err)
		return
	}
	patch := client.MergeFrom(cur.DeepCopy())
	cur.Spec.Size = ptr.To[int32](2)
	if err := r.client.Patch(ctx, &cur, patch); err != nil {
		r.t.Errorf("canary: %v", err)
		return
	}
	if err := r.waitReplicas(ctx, nc, 2, timeout); err != nil {
		r.t.Errorf("the operator did not apply a change to a valid NatsCluster after the corpus: %v", err)
	}
}

// waitReplicas polls the canary's StatefulSet until it has want replicas.
func (r *runner) waitReplicas(ctx context.Context, nc *natsv1alpha2.NatsCluster, want int32, timeout time.Duration) error {
	start := time.Now()
	for {
		var sts appsv1.StatefulSet
		err := r.client.Get(ctx, client.ObjectKeyFromObject(nc), &sts)
		if err == nil && ptr.Deref(sts.Spec.Replicas, 0) == want {
			r.t.Logf("canary reconciled to size %d in %s", want, time.Since(start).Round(time.Millisecond))
			return nil
		}
		if time.Since(start) > timeout {
			if err == nil {
				err = fmt.Errorf("its StatefulSet has %d replicas, want %d", ptr.Deref(sts.Spec.Replicas, 0), want)
			}
			return fmt.Errorf("canary not reconciled within %s: %w", timeout, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// deleteAll deletes every admitted NatsCluster and waits until each is
// gone with its release objects; planted objects stay.
func (r *runner) deleteAll(ctx context.Context, runs []*caseRun) {
	type target struct {
		run *caseRun
		c   *cluster
	}
	var targets []target
	for _, run := range runs {
		for _, c := range run.clusters {
			if c.admitted() {
				targets = append(targets, target{run, c})
			}
		}
	}
	start := time.Now()
	workers(targets, 16, func(tg target) {
		nc := &unstructured.Unstructured{}
		nc.SetAPIVersion("nats.io/v1alpha2")
		nc.SetKind("NatsCluster")
		nc.SetNamespace(tg.run.namespace)
		nc.SetName(tg.c.name)
		if err := r.client.Delete(ctx, nc); err != nil && !apierrors.IsNotFound(err) {
			tg.run.problem("deleting %s: %v", tg.c.name, err)
		}
	})
	deadline := time.Now().Add(perCluster(2*time.Minute, 500*time.Millisecond, len(targets)))
	for {
		var list unstructured.UnstructuredList
		list.SetAPIVersion("nats.io/v1alpha2")
		list.SetKind("NatsClusterList")
		if err := r.client.List(ctx, &list); err != nil {
			r.t.Errorf("listing NatsClusters: %v", err)
			return
		}
		left := map[string]*unstructured.Unstructured{}
		for i := range list.Items {
			u := &list.Items[i]
			left[u.GetNamespace()+"/"+u.GetName()] = u
		}
		stuck := 0
		for _, tg := range targets {
			if _, ok := left[tg.run.namespace+"/"+tg.c.name]; ok {
				stuck++
			}
		}
		if stuck == 0 || time.Now().After(deadline) {
			for _, tg := range targets {
				if u, ok := left[tg.run.namespace+"/"+tg.c.name]; ok {
					tg.run.problem("NatsCluster %s is not gone %s after its deletion: finalizers %v, %s",
						tg.c.name, time.Since(start).Round(time.Second), u.GetFinalizers(), (&cluster{conds: conditionsOf(u)}).describe())
				}
			}
			r.t.Logf("deleted %d NatsClusters in %s", len(targets)-stuck, time.Since(start).Round(time.Second))
			break
		}
		time.Sleep(2 * time.Second)
	}
	after, err := r.snapshot(ctx)
	if err != nil {
		r.t.Errorf("snapshot after deletion: %v", err)
		return
	}
	for _, run := range runs {
		for _, o := range after.inNamespace(run.namespace) {
			if o.annotations[annotationReleaseName] != "" {
				run.problem("%s is left behind after its NatsCluster was deleted", o)
			}
		}
		for _, p := range run.planted {
			o, ok := after[object{resource: resourceOf(p), namespace: run.namespace, name: p.GetName()}.key()]
			if !ok || o.resourceVersion != p.GetResourceVersion() {
				run.problem("planted %s %s was changed or deleted when the NatsClusters were deleted", p.GetKind(), p.GetName())
			}
		}
	}
}

// resourceOf names a planted object's resource the way snapshots key it.
func resourceOf(u *unstructured.Unstructured) (gvr schema.GroupVersionResource) {
	gvk := u.GroupVersionKind()
	gvr.Group, gvr.Version = gvk.Group, gvk.Version
	gvr.Resource = strings.ToLower(gvk.Kind) + "s"
	if gvk.Kind == "PodDisruptionBudget" {
		gvr.Resource = "poddisruptionbudgets"
	}
	return gvr
}

// report logs the outcome per class, and fails the test for every case
// with a problem that is not a known, pending one.
func report(t *testing.T, runs []*caseRun, warned map[string]bool) {
	type tally struct{ cases, refused, deployed, failed, paused, pending, bad, warned int }
	byClass := map[string]*tally{}
	var classes []string
	pendingSeen := map[string]int{}
	for _, run := range runs {
		tl, ok := byClass[run.Class]
		if !ok {
			tl = &tally{}
			byClass[run.Class] = tl
			classes = append(classes, run.Class)
		}
		tl.cases++
		c := run.main()
		switch c.state {
		case stateRefused:
			tl.refused++
		case stateDeployed:
			tl.deployed++
		case stateFailed:
			tl.failed++
			if warned[run.namespace+"/"+c.name] {
				tl.warned++
			}
		case statePaused:
			tl.paused++
		default:
			tl.pending++
		}
		if len(run.problems) == 0 {
			continue
		}
		tl.bad++
		detail := fmt.Sprintf("%s [%s, expect %s, field %s]:\n  %s\n  spec: %s",
			run.ID, run.namespace, run.Expect, run.Field, strings.Join(run.problems, "\n  "), specSummary(run.Spec))
		if reason, ok := pendingFor(run.ID); ok {
			pendingSeen[reason]++
			t.Logf("PENDING (%s) %s", reason, detail)
			continue
		}
		t.Errorf("%s", detail)
	}
	sort.Strings(classes)
	var b strings.Builder
	fmt.Fprintf(&b, "%-18s %6s %8s %9s %7s %7s %8s %9s %8s\n", "class", "cases", "refused", "deployed", "failed", "paused", "no-news", "problems", "warned")
	for _, name := range classes {
		tl := byClass[name]
		fmt.Fprintf(&b, "%-18s %6d %8d %9d %7d %7d %8d %9d %8d\n", name, tl.cases, tl.refused, tl.deployed, tl.failed, tl.paused, tl.pending, tl.bad, tl.warned)
	}
	t.Logf("outcomes per class (\"warned\": failed with a Warning Event on the NatsCluster):\n%s", b.String())
	for prefix, reason := range pending {
		if pendingSeen[reason] > 0 {
			continue
		}
		for _, run := range runs {
			if strings.HasPrefix(run.ID, prefix) {
				t.Errorf("pending %q (%s) has no failing case any more: remove it from pending", prefix, reason)
				break
			}
		}
	}
}

// specSummary is the spec as compact JSON, shortened.
func specSummary(s any) string {
	body, err := Body("x", "x", s)
	if err != nil {
		return err.Error()
	}
	return truncate(string(body), 600)
}

// pending are known failures, by case ID prefix, waiting for a fix in
// product code owned elsewhere. A prefix whose cases all pass is an error:
// remove it then.
var pending = map[string]string{}

func pendingFor(id string) (string, bool) {
	for prefix, reason := range pending {
		if strings.HasPrefix(id, prefix) {
			return reason, true
		}
	}
	return "", false
}

// reconcilePanics is controller_runtime_reconcile_panics_total summed over
// the operator's controllers, which run in this process.
func reconcilePanics(t *testing.T) float64 {
	t.Helper()
	n, err := procmetrics.Sum("controller_runtime_reconcile_panics_total", procmetrics.AllControllers)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
