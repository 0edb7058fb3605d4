//go:build e2e

// Package olm installs the operator through OLM v0 on the node of `make
// e2e-olm` (hack/e2e/olm.sh): the olm and catalog operators run on the node
// and serve a file-based catalog with this tree's bundle at two versions.
// The tests subscribe in the AllNamespaces and OwnNamespace install modes,
// run NatsClusters with the operator OLM deployed, upgrade 0.1.0 to 0.2.0
// through the channel, and uninstall through OLM each time.
//
// The tests share the cluster-wide CRDs OLM installs and removes, so they run
// one after the other. The build tag keeps them out of `go test ./...`;
// without the node they fail at once and say so.
package olm

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	operatorsv1 "github.com/operator-framework/api/pkg/operators/v1"
	operatorsv1alpha1 "github.com/operator-framework/api/pkg/operators/v1alpha1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// settings come from hack/e2e/olm.sh, which built the catalog.
type settings struct {
	olmNamespace   string // OLM's namespace: the catalog operator's global catalogs
	catalogAddress string // opm serving the file-based catalog (host:port)
	// opm serving the catalog as it was before 0.2.0 was published (0.1.0 only)
	previousCatalogAddress string
	pkg                    string // the OLM package
	channel                string
	firstCSV               string // the CSV of 0.1.0
	nextCSV                string // the CSV of 0.2.0, which replaces firstCSV
	firstImage             string // the operator image 0.1.0's CSV runs
	nextImage              string // the operator image 0.2.0's CSV runs
	mirror                 string // the repository the CSVs' operand images were moved to
	natsVersion            string
}

var (
	env settings
	kc  client.Client
)

func TestMain(m *testing.M) {
	if err := setup(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e/olm: %v\nThese tests need the node of `make e2e-olm` (hack/e2e/olm.sh).\n", err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func setup() error {
	kubeconfig := new(string)
	vals := map[string]*string{
		"E2E_KUBECONFIG":                   kubeconfig,
		"E2E_OLM_NAMESPACE":                &env.olmNamespace,
		"E2E_OLM_CATALOG_ADDRESS":          &env.catalogAddress,
		"E2E_OLM_PREVIOUS_CATALOG_ADDRESS": &env.previousCatalogAddress,
		"E2E_OLM_PACKAGE":                  &env.pkg,
		"E2E_OLM_CHANNEL":                  &env.channel,
		"E2E_OLM_FIRST_CSV":                &env.firstCSV,
		"E2E_OLM_NEXT_CSV":                 &env.nextCSV,
		"E2E_OLM_FIRST_IMG":                &env.firstImage,
		"E2E_OLM_NEXT_IMG":                 &env.nextImage,
		"E2E_OLM_MIRROR":                   &env.mirror,
		"E2E_NATS_VERSION":                 &env.natsVersion,
	}
	for key, dst := range vals {
		if *dst = os.Getenv(key); *dst == "" {
			return fmt.Errorf("%s is not set", key)
		}
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", *kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, operatorsv1.AddToScheme, operatorsv1alpha1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			return err
		}
	}
	if kc, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return fmt.Errorf("client: %w", err)
	}
	// OLM's API is there: its CRDs are established and served.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var subs operatorsv1alpha1.SubscriptionList
	for {
		if err = kc.List(ctx, &subs); err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("OLM's API: %w", err)
		}
		time.Sleep(time.Second)
	}
}
