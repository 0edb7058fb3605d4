package hostile

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// cluster is one NatsCluster the corpus applied: a case's own or a sibling.
type cluster struct {
	name    string
	sibling bool
	// refused is the API server's answer when it refused the create.
	refused error
	// state is the outcome once settled: deployed, failed, paused, or
	// pending while the operator has said nothing.
	state string
	conds map[string]condition
	// spec is the NatsCluster's spec as the API server stored it.
	spec map[string]any
	// failedSince is when it was first seen failed, in a row.
	failedSince time.Time
}

type condition struct{ status, reason, message string }

const (
	stateRefused  = "refused"
	stateDeployed = "deployed"
	stateFailed   = "failed"
	statePaused   = "paused"
	statePending  = "pending"
)

func (c *cluster) admitted() bool { return c.refused == nil }

// caseRun is one case applied in its own namespace.
type caseRun struct {
	Case
	namespace string
	// clusters are the siblings, then the case's own NatsCluster, last.
	clusters []*cluster
	planted  []*unstructured.Unstructured
	setupErr error
	problems []string
}

func (r *caseRun) main() *cluster { return r.clusters[len(r.clusters)-1] }

func (r *caseRun) problem(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// runner applies cases with its own clients, faster than the operator's.
type runner struct {
	t      *testing.T
	client client.Client
	rest   rest.Interface
	cfg    *rest.Config
}

func newRunner(t *testing.T) *runner {
	cfg := rest.CopyConfig(cp.Config)
	cfg.QPS, cfg.Burst = 200, 400
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(cfg, client.Options{Scheme: cp.Client.Scheme()})
	if err != nil {
		t.Fatal(err)
	}
	return &runner{t: t, client: c, rest: cs.CoreV1().RESTClient(), cfg: cfg}
}

// workers applies f to every run, n at a time.
func workers[T any](items []T, n int, f func(T)) {
	var wg sync.WaitGroup
	ch := make(chan T)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range ch {
				f(it)
			}
		}()
	}
	for _, it := range items {
		ch <- it
	}
	close(ch)
	wg.Wait()
}

// apply creates each case's namespace, planted objects, siblings and
// NatsCluster, all cases at once.
func (r *runner) apply(ctx context.Context, cases []Case) []*caseRun {
	runs := make([]*caseRun, len(cases))
	for i, c := range cases {
		runs[i] = &caseRun{Case: c, namespace: fmt.Sprintf("h%04d", i)}
	}
	workers(runs, 16, func(run *caseRun) { run.setupErr = r.applyOne(ctx, run) })
	return runs
}

func (r *runner) applyOne(ctx context.Context, run *caseRun) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: run.namespace, Labels: map[string]string{"hostile-case": "true"}}}
	if err := r.client.Create(ctx, ns); err != nil {
		return fmt.Errorf("namespace: %w", err)
	}
	for _, obj := range run.Planted {
		u := &unstructured.Unstructured{Object: deepCopy(obj).(map[string]any)}
		u.SetNamespace(run.namespace)
		if err := r.client.Create(ctx, u); err != nil {
			return fmt.Errorf("planting %s %s: %w", u.GetKind(), u.GetName(), err)
		}
		run.planted = append(run.planted, u)
	}
	for _, s := range run.Siblings {
		c := &cluster{name: s.Name, sibling: true}
		run.clusters = append(run.clusters, c)
		if c.refused = r.createCluster(ctx, run.namespace, s.Name, s.Spec); c.refused != nil {
			return fmt.Errorf("sibling %s refused: %w", s.Name, c.refused)
		}
	}
	c := &cluster{name: run.Name}
	run.clusters = append(run.clusters, c)
	c.refused = r.createCluster(ctx, run.namespace, run.Name, run.Spec)
	if c.refused != nil {
		c.state = stateRefused
	}
	return nil
}

// createCluster posts the NatsCluster as exact JSON, so that numbers and
// types reach the API server as the case wrote them.
func (r *runner) createCluster(ctx context.Context, ns, name string, spec any) error {
	body, err := Body(name, ns, spec)
	if err != nil {
		return err
	}
	return r.rest.Post().AbsPath("/apis/nats.io/v1alpha2/namespaces", ns, "natsclusters").
		SetHeader("Content-Type", "application/json").Body(body).Do(ctx).Error()
}

// settle waits until every admitted NatsCluster shows an outcome: a valid
// one must deploy, any other may also fail or pause, with a condition.
func (r *runner) settle(ctx context.Context, runs []*caseRun, timeout time.Duration) time.Duration {
	start := time.Now()
	byKey := map[string]*cluster{}
	expect := map[*cluster]Expect{}
	for _, run := range runs {
		for _, c := range run.clusters {
			if c.admitted() {
				byKey[run.namespace+"/"+c.name] = c
				expect[c] = Contained
				if !c.sibling {
					expect[c] = run.Expect
				}
			}
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		pending := r.observe(ctx, byKey, expect)
		if pending == 0 || time.Now().After(deadline) {
			return time.Since(start)
		}
		time.Sleep(2 * time.Second)
	}
}

// observe reads every NatsCluster once and returns how many have not
// settled.
func (r *runner) observe(ctx context.Context, byKey map[string]*cluster, expect map[*cluster]Expect) int {
	var list unstructured.UnstructuredList
	list.SetAPIVersion("nats.io/v1alpha2")
	list.SetKind("NatsClusterList")
	if err := r.client.List(ctx, &list); err != nil {
		r.t.Logf("listing NatsClusters: %v", err)
		return len(byKey)
	}
	for i := range list.Items {
		u := &list.Items[i]
		c, ok := byKey[u.GetNamespace()+"/"+u.GetName()]
		if !ok {
			continue
		}
		c.conds = conditionsOf(u)
		c.spec, _, _ = unstructured.NestedMap(u.Object, "spec")
		c.state = stateOf(c.conds)
		if c.state != stateFailed {
			c.failedSince = time.Time{}
		} else if c.failedSince.IsZero() {
			c.failedSince = time.Now()
		}
	}
	pending := 0
	for _, c := range byKey {
		switch {
		case c.state == stateDeployed:
		case expect[c] == Deploys && (c.state != stateFailed || time.Since(c.failedSince) < failedForGood):
			// A valid spec may fail once (a conflict) and deploy on retry.
			pending++
		case c.state == statePending || c.state == "":
			pending++
		}
	}
	return pending
}

func conditionsOf(u *unstructured.Unstructured) map[string]condition {
	out := map[string]condition{}
	list, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			continue
		}
		str := func(k string) string { s, _ := m[k].(string); return s }
		out[str("type")] = condition{status: str("status"), reason: str("reason"), message: str("message")}
	}
	return out
}

func stateOf(conds map[string]condition) string {
	switch {
	case conds["Deployed"].status == "True":
		return stateDeployed
	case conds["Paused"].status == "True":
		return statePaused
	case conds["ReleaseFailed"].status == "True", conds["Irreconcilable"].status == "True":
		return stateFailed
	}
	return statePending
}

// failedForGood is how long a valid NatsCluster must stay failed before
// the wait stops expecting it to deploy.
const failedForGood = 30 * time.Second

// failure is the failure condition of a failed cluster.
func (c *cluster) failure() (string, condition) {
	for _, t := range []string{"Irreconcilable", "ReleaseFailed"} {
		if c.conds[t].status == "True" {
			return t, c.conds[t]
		}
	}
	return "", condition{}
}

func (c *cluster) describe() string {
	var types []string
	for t := range c.conds {
		types = append(types, t)
	}
	sort.Strings(types)
	var parts []string
	for _, t := range types {
		cond := c.conds[t]
		parts = append(parts, fmt.Sprintf("%s=%s(%s: %s)", t, cond.status, cond.reason, truncate(cond.message, 300)))
	}
	if len(parts) == 0 {
		return "no conditions"
	}
	return strings.Join(parts, " ")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
