package crdschema_test

import (
	"context"
	"os"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/internal/testutil"
)

var cp *testutil.ControlPlane

func TestMain(m *testing.M) { os.Exit(testutil.RunIntegration(m, &cp, nil)) }

// TestAPIServerEnforcesTheCRDBounds creates every case of the bounds table
// (server-side dry run) on a real API server with the repository's CRDs:
// the verdict and the message are the ones TestAdmitEnforcesTheCRDBounds
// gets offline, and the CRDs with their CEL rules install at all.
func TestAPIServerEnforcesTheCRDBounds(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "bounds")
	for _, tc := range boundsCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			u := &unstructured.Unstructured{Object: jsonCopy(t, tc.obj)}
			u.SetNamespace(ns)
			err := cp.Client.Create(context.Background(), u, client.DryRunAll)
			checkVerdict(t, err, tc.wantErr)
		})
	}
}
