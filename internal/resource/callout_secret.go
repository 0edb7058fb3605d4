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
// keys are generated once and replaced every CalloutKeyLifetime, in two
// steps (auth.CalloutNextKeys): staged, then current.
type CalloutSecret struct {
	Cluster *natsv1alpha2.NatsCluster
	// Roles are the permissions of the cluster's NatsServiceRoles by name,
	// written as roles.json for the sidecar.
	Roles  map[string]natsv1alpha2.Permissions
	Scheme *runtime.Scheme
	// Now is the time of the write, which moves a rotation on.
	Now time.Time
}

// CalloutKeyLifetime is how long the callout sidecar's issuer and xkey are
// used before the operator replaces them.
const CalloutKeyLifetime = 90 * 24 * time.Hour

// CalloutKeyStaging is how long new keys are staged, known to the sidecars
// but not yet named by clients.conf: far longer than the kubelet takes to
// update a mounted Secret (its sync period, a minute by default), so that
// every sidecar answers with the new keys before any server asks with them.
const CalloutKeyStaging = 10 * time.Minute

// AnnotationCalloutKeysCreatedAt is when the current keys of
// <cluster>-callout were made (RFC 3339); AnnotationCalloutKeysStagedAt,
// when the next ones were staged.
const (
	AnnotationCalloutKeysCreatedAt = "nats.io/callout-keys-created-at"
	AnnotationCalloutKeysStagedAt  = "nats.io/callout-keys-staged-at"
)

// Build returns the Secret's identity.
func (b *CalloutSecret) Build() *corev1.Secret {
	s := &corev1.Secret{}
	s.Name = CalloutSecretName(b.Cluster.Name)
	s.Namespace = b.Cluster.Namespace
	return s
}

// Update sets labels and the controller reference, generates the keys the
// Secret lacks or holds unreadable, and moves a due rotation on. It
// refuses a Secret of that name that another controller owns.
func (b *CalloutSecret) Update(s *corev1.Secret) error {
	if err := claimClusterSecret(s, b.Cluster, ComponentCallout, b.Scheme); err != nil {
		return err
	}
	if s.Data == nil {
		s.Data = map[string][]byte{}
	}
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	if err := b.rotate(s); err != nil {
		return err
	}
	if !validPassword(s.Data[auth.CalloutKeyPassword]) {
		v, err := password()
		if err != nil {
			return fmt.Errorf("generating %s: %w", auth.CalloutKeyPassword, err)
		}
		s.Data[auth.CalloutKeyPassword] = v
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

// rotate keeps the generations of keys. Unusable current keys are
// replaced at once (no server can be using them). Keys CalloutKeyLifetime
// old get a staged next generation; CalloutKeyStaging later the next keys
// become current, which changes clients.conf, and the old ones stay as the
// previous generation until the next rotation, for sidecars and servers
// whose mounts the kubelet has not updated yet.
func (b *CalloutSecret) rotate(s *corev1.Secret) error {
	now := b.Now.UTC().Format(time.RFC3339)
	created, createdErr := time.Parse(time.RFC3339, s.Annotations[AnnotationCalloutKeysCreatedAt])
	staged, stagedErr := time.Parse(time.RFC3339, s.Annotations[AnnotationCalloutKeysStagedAt])
	switch {
	case !validKeys(s.Data, ""):
		removeKeys(s.Data, auth.CalloutNextKeys)
		removeKeys(s.Data, auth.CalloutPreviousKeys)
		delete(s.Annotations, AnnotationCalloutKeysStagedAt)
		s.Annotations[AnnotationCalloutKeysCreatedAt] = now
		return generateKeys(s.Data, "")
	case createdErr != nil:
		// Usable keys without their date: date them now rather than
		// replace them at once.
		s.Annotations[AnnotationCalloutKeysCreatedAt] = now
	case stagedErr == nil && validKeys(s.Data, auth.CalloutNextKeys):
		if b.Now.Before(staged.Add(CalloutKeyStaging)) {
			return nil
		}
		for _, k := range seedKeys {
			s.Data[auth.CalloutPreviousKeys+k.name] = s.Data[k.name]
			s.Data[k.name] = s.Data[auth.CalloutNextKeys+k.name]
		}
		removeKeys(s.Data, auth.CalloutNextKeys)
		delete(s.Annotations, AnnotationCalloutKeysStagedAt)
		s.Annotations[AnnotationCalloutKeysCreatedAt] = now
	case !b.Now.Before(created.Add(CalloutKeyLifetime)):
		removeKeys(s.Data, auth.CalloutPreviousKeys)
		s.Annotations[AnnotationCalloutKeysStagedAt] = now
		return generateKeys(s.Data, auth.CalloutNextKeys)
	}
	return nil
}

// CalloutKeys reads the public side of a callout Secret's current keys,
// and when the rotation moves on next.
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
	if staged, err := time.Parse(time.RFC3339, s.Annotations[AnnotationCalloutKeysStagedAt]); err == nil && validKeys(s.Data, auth.CalloutNextKeys) {
		out.RenewAt = staged.Add(CalloutKeyStaging)
	} else if created, err := time.Parse(time.RFC3339, s.Annotations[AnnotationCalloutKeysCreatedAt]); err == nil {
		out.RenewAt = created.Add(CalloutKeyLifetime)
	}
	return out, nil
}

// seedKeys are the seeds of a generation of keys in <cluster>-callout:
// what a usable value is, and how one is made.
var seedKeys = []struct {
	name   string
	valid  func([]byte) bool
	create func() ([]byte, error)
}{
	{auth.CalloutKeyIssuerSeed, seedWithPrefix(nkeys.PrefixByteAccount), func() ([]byte, error) { return seedOf(nkeys.CreateAccount()) }},
	{auth.CalloutKeyXKeySeed, seedWithPrefix(nkeys.PrefixByteCurve), func() ([]byte, error) { return seedOf(nkeys.CreateCurveKeys()) }},
}

// validKeys reports whether the generation with prefix is complete and
// usable.
func validKeys(data map[string][]byte, prefix string) bool {
	for _, k := range seedKeys {
		if !k.valid(data[prefix+k.name]) {
			return false
		}
	}
	return true
}

func generateKeys(data map[string][]byte, prefix string) error {
	for _, k := range seedKeys {
		v, err := k.create()
		if err != nil {
			return fmt.Errorf("generating %s: %w", prefix+k.name, err)
		}
		data[prefix+k.name] = v
	}
	return nil
}

func removeKeys(data map[string][]byte, prefix string) {
	for _, k := range seedKeys {
		delete(data, prefix+k.name)
	}
}

func validPassword(v []byte) bool { return len(v) >= 32 }

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
