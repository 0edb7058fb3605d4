package auth_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/natsconf"
	"github.com/nats-operator/nats-operator/internal/resource"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// holdsToken waits until clients.conf holds the token of the Secret and
// not old.
func holdsToken(token, old string) func(*corev1.Secret) error {
	return func(s *corev1.Secret) error {
		conf := string(s.Data[auth.KeyClients])
		if !strings.Contains(conf, natsconf.Quote(token)) {
			return errors.New("clients.conf does not hold the current token")
		}
		if old != "" && strings.Contains(conf, natsconf.Quote(old)) {
			return errors.New("clients.conf still holds the old token")
		}
		return nil
	}
}

func TestShortLivedTokenIsRotated(t *testing.T) {
	testutil.Integration(t)
	clock := startOperator(t, operatorConfig{})
	ns := cp.Namespace(t, "rotate")
	create(t, serviceAccount(ns, "svc"))
	nc := cluster(ns, &natsv1alpha2.AuthConfig{EnableServiceAccounts: true, ServiceAccountTokenExpirationSeconds: ptr.To[int64](600)})
	r := role(ns, "svc", natsv1alpha2.Permissions{})
	create(t, nc)
	create(t, r)
	deleteAtEnd(t, r, nc)

	first := tokenOf(t, ns, "svc")
	oldToken := string(first.Data[resource.TokenKey])
	waitSecret(t, authKey(nc), holdsToken(oldToken, ""))
	renewAt, err := time.Parse(time.RFC3339, first.Annotations[natsv1alpha2.AnnotationTokenRenewAt])
	if err != nil {
		t.Fatal(err)
	}
	if left := time.Until(renewAt); left < 470*time.Second || left > 481*time.Second {
		t.Fatalf("a 600 s token is renewed in %s, want 80%% of its lifetime (480 s)", left)
	}

	// 490 s later the token is due: the operator re-issues it and rewrites
	// clients.conf, prompted by nothing but the passing of time.
	clock.Advance(490 * time.Second)
	var newToken string
	waitSecret(t, client.ObjectKeyFromObject(first), func(s *corev1.Secret) error {
		if newToken = string(s.Data[resource.TokenKey]); newToken == oldToken {
			return errors.New("token not rotated yet")
		}
		return nil
	})
	conf := waitSecret(t, authKey(nc), holdsToken(newToken, oldToken))
	if tr := tokenReview(t, newToken, "nats://nats."+ns+".svc"); !tr.Status.Authenticated {
		t.Fatalf("rotated token fails the TokenReview: %+v", tr.Status)
	}
	s := startNATS(t, conf.Data, clientsInclude)
	if err := connect(s, "svc", newToken); err != nil {
		t.Fatalf("rotated token refused: %v", err)
	}
	if err := connect(s, "svc", oldToken); err == nil {
		t.Fatal("the replaced token is still accepted")
	}
	waitEvent(t, nc, corev1.EventTypeNormal, natsv1alpha2.ReasonTokenIssued, "Rotated the token of NatsServiceRole svc")
}

func TestDeletedTokenSecretIsReissued(t *testing.T) {
	testutil.Integration(t)
	startOperator(t, operatorConfig{})
	ns := cp.Namespace(t, "reissue")
	create(t, serviceAccount(ns, "svc"))
	nc := cluster(ns, &natsv1alpha2.AuthConfig{EnableServiceAccounts: true})
	r := role(ns, "svc", natsv1alpha2.Permissions{})
	create(t, nc)
	create(t, r)
	deleteAtEnd(t, r, nc)
	first := tokenOf(t, ns, "svc")
	oldToken := string(first.Data[resource.TokenKey])
	waitSecret(t, authKey(nc), holdsToken(oldToken, ""))

	if err := cp.Client.Delete(context.Background(), first); err != nil {
		t.Fatal(err)
	}
	var newToken string
	waitSecret(t, client.ObjectKeyFromObject(first), func(s *corev1.Secret) error {
		newToken = string(s.Data[resource.TokenKey])
		if s.UID == first.UID || newToken == "" {
			return fmt.Errorf("token Secret not re-created yet")
		}
		return nil
	})
	if newToken == oldToken {
		t.Fatal("the re-created Secret holds the old token, which is bound to the deleted Secret")
	}
	waitSecret(t, authKey(nc), holdsToken(newToken, oldToken))
	if tr := tokenReview(t, newToken, "nats://nats."+ns+".svc"); !tr.Status.Authenticated {
		t.Fatalf("new token fails the TokenReview: %+v", tr.Status)
	}
	if tr := tokenReview(t, oldToken, "nats://nats."+ns+".svc"); tr.Status.Authenticated {
		t.Error("the token bound to the deleted Secret still passes a TokenReview")
	}

	// The cluster deleted, its token Secrets go, the role stays.
	if err := cp.Client.Delete(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	waitGone(t, first)
}
