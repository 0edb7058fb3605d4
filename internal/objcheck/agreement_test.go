package objcheck_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/internal/objcheck"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

var cp *testutil.ControlPlane

func TestMain(m *testing.M) { os.Exit(testutil.RunIntegration(m, &cp, nil)) }

// minCorpus is the least number of generated cases the agreement must hold on.
const minCorpus = 200

// TestAgreesWithTheAPIServer: for every object of the generated corpus
// (the chart's rendered objects, one field changed), objcheck refuses it
// exactly when a server-side dry-run create on a real API server does, for
// the same kind of reason (unreadable vs invalid) and on the same fields.
func TestAgreesWithTheAPIServer(t *testing.T) {
	testutil.Integration(t)
	ns := cp.Namespace(t, "objcheck")
	cases := corpus(t, ns)
	if len(cases) < minCorpus {
		t.Fatalf("corpus has %d cases, want at least %d", len(cases), minCorpus)
	}
	var refused, podsOnly int
	for _, tc := range cases {
		r := objcheck.Object(tc.obj)
		err := cp.Client.Create(context.Background(), tc.obj.DeepCopy(), client.DryRunAll)
		if err != nil && !apierrors.IsInvalid(err) && !apierrors.IsBadRequest(err) {
			t.Fatalf("%s: the API server failed for another reason: %v", tc.name, err)
		}
		switch {
		case r.Refused() != (err != nil):
			t.Errorf("%s: objcheck refused=%v (%v), API server refused=%v (%v)", tc.name, r.Refused(), r, err != nil, err)
		case err != nil && (r.Decode != nil) != apierrors.IsBadRequest(err):
			t.Errorf("%s: objcheck and the API server disagree on why: objcheck %v; API server %v", tc.name, r, err)
		case err != nil && r.Decode == nil:
			if missing := fieldsNotIn(r.Admission, err); len(missing) > 0 {
				t.Errorf("%s: objcheck names fields %v, the API server does not: objcheck %v; API server %v", tc.name, missing, r, err)
			}
		}
		if r.Refused() {
			refused++
		} else if r != nil {
			podsOnly++
		}
	}
	t.Logf("%d cases: %d refused by both, %d admitted but with pods the API server would refuse, %d accepted",
		len(cases), refused, podsOnly, len(cases)-refused-podsOnly)
}

// fieldsNotIn are the fields of errs that the API server's Invalid error
// does not name.
func fieldsNotIn(errs field.ErrorList, serverErr error) []string {
	var status apierrors.APIStatus
	if !errors.As(serverErr, &status) || status.Status().Details == nil {
		return []string{"(API server gave no causes)"}
	}
	var server []string
	for _, c := range status.Status().Details.Causes {
		server = append(server, c.Field)
	}
	var missing []string
	for _, e := range errs {
		if !slices.Contains(server, e.Field) && !slices.ContainsFunc(server, func(f string) bool { return strings.HasPrefix(e.Field, f+"[") }) {
			missing = append(missing, e.Field)
		}
	}
	return missing
}
