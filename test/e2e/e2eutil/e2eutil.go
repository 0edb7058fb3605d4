//go:build e2e

// Package e2eutil holds the checks on real pods that both end-to-end
// suites (test/e2e and test/e2e/olm) make.
package e2eutil

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Permanent is an error that waiting cannot fix: Eventually stops at once.
type Permanent struct{ Err error }

func (p Permanent) Error() string { return p.Err.Error() }
func (p Permanent) Unwrap() error { return p.Err }

// Eventually retries f every half second until it returns nil, and fails
// the test with f's last error when timeout passes or the error is
// Permanent.
func Eventually(t testing.TB, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if p := (Permanent{}); errors.As(err, &p) {
			t.Fatalf("%s: %v", what, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %s: %v", what, timeout, err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// MonitorPort is the NATS servers' monitoring port.
const MonitorPort = "8222"

// Monitor GETs path from the monitoring port of the NATS server in p and
// decodes its JSON into out.
func Monitor(c *http.Client, p corev1.Pod, path string, out any) error {
	resp, err := c.Get("http://" + net.JoinHostPort(p.Status.PodIP, MonitorPort) + path)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s on %s: %s: %s", path, p.Name, resp.Status, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s on %s: %w", path, p.Name, err)
	}
	return nil
}

// MeshProblem is why the servers in pods do not form a full mesh, each
// with a route to every other one and to nothing else; nil when they do.
// ids maps each server's ID (its /varz server_id) to its pod's name.
func MeshProblem(c *http.Client, pods []corev1.Pod, ids map[string]string) error {
	for _, p := range pods {
		var r struct {
			Routes []struct {
				RemoteID string `json:"remote_id"`
			} `json:"routes"`
		}
		if err := Monitor(c, p, "/routez", &r); err != nil {
			return err
		}
		peers := map[string]bool{}
		for _, rt := range r.Routes {
			if _, known := ids[rt.RemoteID]; !known {
				return fmt.Errorf("%s has a route to unknown server %s", p.Name, rt.RemoteID)
			}
			peers[ids[rt.RemoteID]] = true
		}
		for _, q := range pods {
			if q.Name != p.Name && !peers[q.Name] {
				return fmt.Errorf("%s has no route to %s (routes to %v)", p.Name, q.Name, sortedKeys(peers))
			}
		}
	}
	return nil
}

// RolledOut is why the StatefulSet is not at size servers, all ready and
// on its latest revision; nil when it is.
func RolledOut(sts *appsv1.StatefulSet, size int) error {
	st := sts.Status
	switch {
	case sts.Spec.Replicas == nil || int(*sts.Spec.Replicas) != size:
		return fmt.Errorf("statefulset wants %v replicas", sts.Spec.Replicas)
	case st.ObservedGeneration < sts.Generation:
		return errors.New("statefulset status is behind its spec")
	case int(st.ReadyReplicas) != size || int(st.UpdatedReplicas) != size || st.CurrentRevision != st.UpdateRevision:
		return fmt.Errorf("statefulset: %d ready, %d updated, revision %s -> %s",
			st.ReadyReplicas, st.UpdatedReplicas, st.CurrentRevision, st.UpdateRevision)
	}
	return nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
