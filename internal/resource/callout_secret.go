package resource

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nkeys"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/auth"
)

// CalloutSecretName is the Secret of the auth callout sidecar:
// <cluster>-callout.
func CalloutSecretName(cluster string) string { return auth.CalloutSecretName(cluster) }

// ComponentCallout marks <cluster>-callout.
const ComponentCallout = "callout"

// CalloutSecret builds <cluster>-callout, the keys and password of the auth
// callout sidecar (keys in internal/auth), owned by the NatsCluster. The
// keys are generated once and kept: a new issuer or xkey would need a
// config reload and a sidecar restart at once.
type CalloutSecret struct {
	Cluster *natsv1alpha2.NatsCluster
	// Roles are the permissions of the cluster's NatsServiceRoles by name,
	// written as roles.json for the sidecar.
	Roles  map[string]natsv1alpha2.Permissions
	Scheme *runtime.Scheme
	// Now is the time of the write: keys older than CalloutKeyLifetime are
	// replaced.
	Now time.Time
}

// CalloutKeyLifetime is how long the callout sidecar's issuer and xkey are
// used before the operator replaces them.
const CalloutKeyLifetime = 90 * 24 * time.Hour

// AnnotationCalloutKeysCreatedAt is when the keys of <cluster>-callout were
// made (RFC 3339).
const AnnotationCalloutKeysCreatedAt = "nats.io/callout-keys-created-at"

// Build returns the Secret's identity.
func (b *CalloutSecret) Build() *corev1.Secret {
	s := &corev1.Secret{}
	s.Name = CalloutSecretName(b.Cluster.Name)
	s.Namespace = b.Cluster.Namespace
	return s
}

// Update sets labels and the controller reference, and generates the keys
// the Secret lacks or holds unreadable. It refuses a Secret of that name
// that another controller owns.
func (b *CalloutSecret) Update(s *corev1.Secret) error {
	if err := claimClusterSecret(s, b.Cluster, ComponentCallout, b.Scheme); err != nil {
		return err
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	created, err := time.Parse(time.RFC3339, s.Annotations[AnnotationCalloutKeysCreatedAt])
	rotate := err != nil || !b.Now.Before(created.Add(CalloutKeyLifetime))
	if rotate {
		if s.Annotations == nil {
			s.Annotations = map[string]string{}
		}
		s.Annotations[AnnotationCalloutKeysCreatedAt] = b.Now.UTC().Format(time.RFC3339)
	}
	for _, k := range calloutKeys {
		// Rotation replaces the keys; the password stays.
		if k.valid(s.Data[k.name]) && (!rotate || k.name == auth.CalloutKeyPassword) {
			continue
		}
		v, err := k.create()
		if err != nil {
			return fmt.Errorf("generating %s: %w", k.name, err)
		}
		s.Data[k.name] = v
	}
	roles := b.Roles
	if roles == nil {
		roles = map[string]natsv1alpha2.Permissions{}
	}
	raw, err := json.Marshal(roles) // map keys sorted: the same roles, the same bytes
	if err != nil {
		return fmt.Errorf("encoding %s: %w", auth.CalloutKeyRoles, err)
	}
	s.Data[auth.CalloutKeyRoles] = raw
	return nil
}

// CalloutKeys reads the public side of a callout Secret.
func CalloutKeys(s *corev1.Secret) (*auth.Callout, error) {
	pub := func(key string) (string, error) {
		kp, err := nkeys.FromSeed(s.Data[key])
		if err != nil {
			return "", fmt.Errorf("secret %s/%s: key %s is not an nkey seed", s.Namespace, s.Name, key)
		}
		return kp.PublicKey()
	}
	issuer, err := pub(auth.CalloutKeyIssuerSeed)
	if err != nil {
		return nil, err
	}
	xkey, err := pub(auth.CalloutKeyXKeySeed)
	if err != nil {
		return nil, err
	}
	password := string(s.Data[auth.CalloutKeyPassword])
	if password == "" {
		return nil, fmt.Errorf("secret %s/%s: no %s", s.Namespace, s.Name, auth.CalloutKeyPassword)
	}
	out := &auth.Callout{Issuer: issuer, XKey: xkey, Password: password}
	if created, err := time.Parse(time.RFC3339, s.Annotations[AnnotationCalloutKeysCreatedAt]); err == nil {
		out.RenewAt = created.Add(CalloutKeyLifetime)
	}
	return out, nil
}

// calloutKeys are the keys of <cluster>-callout: what a usable value is,
// and how a missing or unusable one is made.
var calloutKeys = []struct {
	name   string
	valid  func([]byte) bool
	create func() ([]byte, error)
}{
	{auth.CalloutKeyIssuerSeed, seedWithPrefix(nkeys.PrefixByteAccount), func() ([]byte, error) { return seedOf(nkeys.CreateAccount()) }},
	{auth.CalloutKeyXKeySeed, seedWithPrefix(nkeys.PrefixByteCurve), func() ([]byte, error) { return seedOf(nkeys.CreateCurveKeys()) }},
	{auth.CalloutKeyPassword, func(v []byte) bool { return len(v) >= 32 }, password},
}

func seedWithPrefix(want nkeys.PrefixByte) func([]byte) bool {
	return func(v []byte) bool {
		prefix, _, err := nkeys.DecodeSeed(v)
		return err == nil && prefix == want
	}
}

func seedOf(kp nkeys.KeyPair, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	return kp.Seed()
}

// password is 32 random bytes, base64: the sidecar's NATS password.
func password() ([]byte, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	return []byte(base64.RawURLEncoding.EncodeToString(raw)), nil
}
