package cli

import (
	"context"
	"fmt"
	"slices"
	"sort"

	"github.com/go-logr/logr"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
)

// maxUnwatchedListed bounds the NatsClusters one start-up warning names.
const maxUnwatchedListed = 20

// ReportScope logs, once at start-up, which namespaces the operator
// watches, and warns about NatsClusters outside them: those are ignored,
// with no status and no Event, so the log is the one place a person can
// learn why (docs/install.md, "Choosing the scope"). Finding them needs a
// cluster-wide list, which a namespace-scoped operator is usually not
// allowed; it then says so instead.
func ReportScope(ctx context.Context, log logr.Logger, c client.Reader, watched []string) {
	if len(watched) == 0 {
		log.Info("watching NatsClusters in every namespace")
		return
	}
	log.Info("watching NatsClusters only in these namespaces; a NatsCluster anywhere else is ignored", "namespaces", watched)
	ignored, err := UnwatchedClusters(ctx, c, watched)
	switch {
	case apierrors.IsForbidden(err):
		log.Info("cannot list NatsClusters outside the watched namespaces (no cluster-wide RBAC), so any there go unreported")
	case err != nil:
		log.Error(err, "listing NatsClusters outside the watched namespaces")
	case len(ignored) > 0:
		listed := ignored[:min(len(ignored), maxUnwatchedListed)]
		log.Info(fmt.Sprintf("WARNING: %d NatsCluster(s) in namespaces this operator does not watch are ignored: add their namespaces to WATCH_NAMESPACE (Helm: watchNamespaces), or install the operator for every namespace", len(ignored)),
			"ignored", listed, "watched", watched)
	}
}

// UnwatchedClusters lists the NatsClusters (namespace/name, sorted) outside
// the watched namespaces. It needs list on natsclusters cluster-wide.
func UnwatchedClusters(ctx context.Context, c client.Reader, watched []string) ([]string, error) {
	var list metav1.PartialObjectMetadataList
	list.SetGroupVersionKind(natsv1alpha2.GroupVersion.WithKind("NatsClusterList"))
	if err := c.List(ctx, &list); err != nil {
		return nil, fmt.Errorf("listing NatsClusters in every namespace: %w", err)
	}
	var out []string
	for _, nc := range list.Items {
		if !slices.Contains(watched, nc.Namespace) {
			out = append(out, nc.Namespace+"/"+nc.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}
