package confcheck

import (
	"bytes"

	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/postrender"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	helmclient "github.com/operator-framework/helm-operator-plugins/pkg/client"
)

// PostRenderer validates every install, upgrade and dry-run: a nats.conf the
// server would refuse fails the Helm action, so the running release is left
// as it is and the parser's message lands in the NatsCluster's conditions.
type PostRenderer struct{}

// Run implements postrender.PostRenderer.
func (PostRenderer) Run(in *bytes.Buffer) (*bytes.Buffer, error) {
	if err := ValidateManifest(in.String()); err != nil {
		return nil, err
	}
	return in, nil
}

// Provider plugs PostRenderer into helm-operator-plugins' action clients.
func Provider(meta.RESTMapper, kube.Interface, client.Object) postrender.PostRenderer {
	return PostRenderer{}
}

var _ helmclient.PostRendererProvider = Provider
