package callout_test

import (
	"context"
	"testing"

	"k8s.io/client-go/kubernetes"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/callout"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

// BenchmarkVerifyFirstConnect is what verifying a token costs the first
// time it is seen (later connects with it hit the cache): a TokenReview
// request to the API server, or a signature check against issuer keys
// already fetched. docs/auth.md quotes it.
func BenchmarkVerifyFirstConnect(b *testing.B) {
	testutil.Integration(b)
	ns := cp.Namespace(b, "callout-bench")
	kube, err := kubernetes.NewForConfig(cp.Config)
	if err != nil {
		b.Fatal(err)
	}
	aud := callout.Audience(cluster, ns)
	f := &fixture{ns: ns, kube: kube}
	token := f.serviceAccount(b, ns, "orders", &natsv1alpha2.Permissions{}, aud)
	ctx := context.Background()
	b.Run("TokenReview", func(b *testing.B) {
		for b.Loop() {
			v := &callout.TokenReviews{Client: kube.AuthenticationV1(), Audience: aud}
			if _, err := v.Verify(ctx, token); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("IssuerKeys", func(b *testing.B) {
		v, err := callout.DiscoverIssuerKeys(ctx, callout.RESTGetter{Client: kube.RESTClient()}, aud)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := v.Verify(ctx, token); err != nil {
				b.Fatal(err)
			}
		}
	})
}
