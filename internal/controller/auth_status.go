package controller

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/log"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/status"
)

// userError is a problem only the user can fix: it becomes AuthReady=False
// with its reason and a Warning Event, and the reconcile ends without
// error (a retry cannot help; the watches bring the fix). Its message says
// what to fix and never holds a password or token.
type userError struct {
	reason string
	msg    string
}

func (e *userError) Error() string { return e.msg }

// retriedUserError is reported like a userError but retried like any
// other error, e.g. a refused TokenRequest (RBAC may be fixed any time).
type retriedUserError struct {
	userError
	err error
}

func (e *retriedUserError) Unwrap() error { return e.err }

func userErrorf(reason, format string, args ...any) error {
	return &userError{reason: reason, msg: fmt.Sprintf(format, args...)}
}

// classify turns an error of the auth package into a userError with the
// matching reason; prefix says where the input came from.
func classify(err error, prefix string) error {
	var reason string
	switch {
	case errors.Is(err, auth.ErrConflict):
		reason = natsv1alpha2.ReasonAuthConflict
	case errors.Is(err, auth.ErrRefused):
		reason = natsv1alpha2.ReasonAuthConfigInvalid
	case errors.Is(err, auth.ErrInvalid):
		reason = natsv1alpha2.ReasonAuthSecretInvalid
	default:
		return err
	}
	return &userError{reason: reason, msg: prefix + err.Error()}
}

// authReady is the condition of a cluster whose auth is in force.
func authReady(reason, msg string) natsv1alpha2.Condition {
	st := metav1.ConditionTrue
	if reason != natsv1alpha2.ReasonAuthConfigured && reason != natsv1alpha2.ReasonAuthNotConfigured {
		st = metav1.ConditionFalse
	}
	return natsv1alpha2.Condition{Type: natsv1alpha2.ConditionAuthReady, Status: st, Reason: reason, Message: msg}
}

// report writes AuthReady and, when it turns to a new problem, a Warning
// Event with the same reason and message. nc is the cluster as this
// reconcile read it, to tell what changed.
func (r *AuthReconciler) report(ctx context.Context, nc *natsv1alpha2.NatsCluster, c natsv1alpha2.Condition) error {
	old := status.Find(nc.Status.Conditions, c.Type)
	if c.Status == metav1.ConditionFalse && (old == nil || old.Reason != c.Reason || old.Message != c.Message) {
		r.Recorder.Event(nc, corev1.EventTypeWarning, c.Reason, c.Message)
		log.FromContext(ctx).Info("auth config not applied", "reason", c.Reason, "message", c.Message)
	}
	return status.SetCondition(ctx, r.Client, status.AuthFieldManager, types.NamespacedName{Namespace: nc.Namespace, Name: nc.Name}, c)
}

// finish ends a reconcile on err: a userError is reported and ends it
// cleanly, any other error is returned for a retry with backoff.
func (r *AuthReconciler) finish(ctx context.Context, nc *natsv1alpha2.NatsCluster, err error) (ctrl.Result, error) {
	var re *retriedUserError
	if errors.As(err, &re) {
		if rerr := r.report(ctx, nc, authReady(re.reason, re.msg)); rerr != nil {
			return ctrl.Result{}, rerr
		}
		return ctrl.Result{}, re.err
	}
	var ue *userError
	if errors.As(err, &ue) {
		return ctrl.Result{}, r.report(ctx, nc, authReady(ue.reason, ue.msg))
	}
	return ctrl.Result{}, err
}
