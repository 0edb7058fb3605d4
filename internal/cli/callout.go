package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/callout"
	"github.com/nats-operator/nats-operator/internal/operator"
)

// calloutFlags are the flags of `nats-operator callout`.
type calloutFlags struct {
	server, user, passwordFile, issuerSeedFile, xkeySeedFile string
	cluster, namespace, verify, account                      string
	rolesFile                                                string
	tls                                                      callout.LoopbackTLS
}

func parseCalloutFlags(args []string) (*calloutFlags, error) {
	f := &calloutFlags{}
	fs := flag.NewFlagSet("callout", flag.ContinueOnError)
	fs.StringVar(&f.server, "server", "nats://127.0.0.1:4222", "the NATS server beside this process")
	fs.StringVar(&f.user, "user", auth.CalloutUser, "the auth callout user (auth_callout.auth_users)")
	fs.StringVar(&f.passwordFile, "password-file", path.Join(auth.CalloutDir, auth.CalloutKeyPassword), "file with the callout user's password")
	fs.StringVar(&f.issuerSeedFile, "issuer-seed-file", path.Join(auth.CalloutDir, auth.CalloutKeyIssuerSeed), "file with the account seed whose public key is auth_callout.issuer")
	fs.StringVar(&f.xkeySeedFile, "xkey-seed-file", path.Join(auth.CalloutDir, auth.CalloutKeyXKeySeed), `file with the curve seed whose public key is auth_callout.xkey; "" for unencrypted requests`)
	fs.StringVar(&f.cluster, "cluster", os.Getenv("NATS_CLUSTER"), "the NatsCluster's name (env NATS_CLUSTER)")
	fs.StringVar(&f.namespace, "namespace", os.Getenv("POD_NAMESPACE"), "the NatsCluster's namespace (env POD_NAMESPACE)")
	fs.StringVar(&f.verify, "verify", "issuer-keys", "how tokens are verified: issuer-keys (offline, the API server's service-account issuer keys) or token-review (the TokenReview API)")
	fs.StringVar(&f.account, "account", "$G", "the account users are placed in")
	BindLogFlags(fs)
	fs.StringVar(&f.rolesFile, "roles-file", path.Join(auth.CalloutDir, auth.CalloutKeyRoles), `the NatsServiceRoles' permissions as the operator writes them into the callout Secret; "" reads the NatsServiceRoles from the API server (needs get on natsserviceroles)`)
	fs.StringVar(&f.tls.CAFile, "tls-ca", "", "the CA file of the server's client TLS certificate (spec.tls.serverSecret)")
	fs.StringVar(&f.tls.CertFile, "tls-cert", "", "the server's client TLS certificate file: TLS towards the server, which must present this certificate or one signed by --tls-ca")
	fs.StringVar(&f.tls.KeyFile, "tls-key", "", "the key of --tls-cert, to present it as client certificate (spec.tls.verify)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if (f.tls.CAFile != "" || f.tls.KeyFile != "") && f.tls.CertFile == "" {
		return nil, fmt.Errorf("--tls-ca and --tls-key need --tls-cert")
	}
	if f.cluster == "" || f.namespace == "" {
		return nil, fmt.Errorf("callout needs --cluster and --namespace (or NATS_CLUSTER and POD_NAMESPACE)")
	}
	if f.verify != "issuer-keys" && f.verify != "token-review" {
		return nil, fmt.Errorf("--verify %q: want issuer-keys or token-review", f.verify)
	}
	return f, nil
}

// Callout runs the auth callout service of one NatsCluster beside its NATS
// server (docs/auth.md, "Callout mode"), with cfg as the API server's
// client configuration, until ctx ends.
func Callout(ctx context.Context, args []string, cfg *rest.Config) error {
	f, err := parseCalloutFlags(args)
	if err != nil {
		return err
	}
	SetupLogging()
	svc, err := f.service(ctx, cfg)
	if err != nil {
		return err
	}
	password, err := readTrimmed(f.passwordFile)
	if err != nil {
		return err
	}
	// The server may start after this process, and restarts: keep trying.
	opts := []nats.Option{nats.UserInfo(f.user, password), nats.Name("nats-operator callout"),
		nats.RetryOnFailedConnect(true), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second),
		// Without it a refused TLS handshake or password would only show
		// as clients the callout never answers.
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			ctrl.Log.WithName("callout").Error(err, "connecting to the NATS server", "server", f.server)
		})}
	if f.tls.CertFile != "" {
		tlsConfig, err := f.tls.Config()
		if err != nil {
			return err
		}
		opts = append(opts, nats.Secure(tlsConfig))
	}
	nc, err := nats.Connect(f.server, opts...)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", f.server, err)
	}
	defer nc.Close()
	return svc.Serve(ctx, nc)
}

// service builds the callout service from the flags: keys from their
// files, the chosen verifier, and the NatsServiceRoles' permissions from
// roles.json (or the API server).
func (f *calloutFlags) service(ctx context.Context, cfg *rest.Config) (*callout.Service, error) {
	// The operator rotates the keys; the files are read again when they
	// change. A first read here fails the start on a missing or bad seed.
	keys := &callout.FileKeys{IssuerPath: f.issuerSeedFile, XKeyPath: f.xkeySeedFile}
	generations, err := keys.Generations()
	if err != nil {
		return nil, err
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	var roles callout.RoleSource = &callout.FileRoles{Path: f.rolesFile}
	if f.rolesFile == "" {
		scheme, err := operator.NewScheme()
		if err != nil {
			return nil, err
		}
		reader, err := client.New(cfg, client.Options{Scheme: scheme})
		if err != nil {
			return nil, err
		}
		roles = callout.Roles{Reader: reader, Cluster: f.cluster}
	}
	audience := callout.Audience(f.cluster, f.namespace)
	var verifier callout.TokenVerifier = &callout.TokenReviews{Client: kube.AuthenticationV1(), Audience: audience}
	if f.verify == "issuer-keys" {
		if verifier, err = callout.DiscoverIssuerKeys(ctx, callout.RESTGetter{Client: kube.RESTClient()}, audience); err != nil {
			return nil, err
		}
	}
	return &callout.Service{
		Issuer: generations[0].Issuer, XKey: generations[0].XKey, Keys: keys, Account: f.account, Namespace: f.namespace,
		Verifier: verifier, Roles: roles, Log: ctrl.Log.WithName("callout"),
	}, nil
}

func readTrimmed(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(raw)), nil
}
