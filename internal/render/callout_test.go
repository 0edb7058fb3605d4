package render_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/nats-operator/nats-operator/internal/auth"
	"github.com/nats-operator/nats-operator/internal/images"
	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

const calloutSpec = `
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: co, namespace: team}
spec:
  auth: {enableServiceAccounts: true, serviceAccounts: {mode: Callout}}
`

// TestCalloutSidecar: in callout mode each server gets the callout sidecar
// (the operator's image, talking to its server on the loopback), which
// alone mounts the Secret of its keys; the NATS container does not.
func TestCalloutSidecar(t *testing.T) {
	sts, nats := renderBytes(t, []byte(calloutSpec)).natsContainer(t, "co")
	var sidecar *corev1.Container
	for i, c := range sts.Spec.Template.Spec.Containers {
		if c.Name == "callout" {
			sidecar = &sts.Spec.Template.Spec.Containers[i]
		}
	}
	if sidecar == nil {
		t.Fatal("no callout sidecar")
	}
	if sidecar.Image != images.Operator.Ref() || !slices.Equal(sidecar.Args, []string{"callout", "--server", "nats://127.0.0.1:4222", "--cluster", "co"}) {
		t.Errorf("sidecar image %s args %v", sidecar.Image, sidecar.Args)
	}
	if len(sidecar.VolumeMounts) != 1 || sidecar.VolumeMounts[0].MountPath != auth.CalloutDir || !sidecar.VolumeMounts[0].ReadOnly {
		t.Errorf("sidecar mounts %+v, want the callout Secret at %s, read-only", sidecar.VolumeMounts, auth.CalloutDir)
	}
	for _, m := range nats.VolumeMounts {
		if m.Name == "callout" {
			t.Error("the NATS container mounts the callout keys")
		}
	}
	var secret string
	for _, v := range sts.Spec.Template.Spec.Volumes {
		if v.Name == "callout" && v.Secret != nil {
			secret = v.Secret.SecretName
		}
	}
	if secret != "co-callout" {
		t.Errorf("callout volume from Secret %q, want co-callout", secret)
	}
}

// TestCalloutRefusals: the sidecar cannot be had through chart values, and
// the callout with certificate-mapped users or with client TLS files the
// sidecar cannot mount is refused with what to do.
func TestCalloutRefusals(t *testing.T) {
	r, err := render.New(repofs.FS())
	if err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct{ spec, want string }{
		"sidecar through chart values": {`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: co, namespace: team}
spec:
  chartValues: {auth: {callout: {enabled: true, secretName: stolen, image: evil}}}
`, "spec.chartValues.auth"},
		"certificate mapping": {`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: co, namespace: team}
spec:
  auth: {enableServiceAccounts: true, serviceAccounts: {mode: Callout}, tlsVerifyAndMap: true}
  tls: {serverSecret: certs, verify: true}
`, "both decide who a client is"},
		"TLS files outside the Secret": {`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: co, namespace: team}
spec:
  auth: {enableServiceAccounts: true, serviceAccounts: {mode: Callout}}
  tls: {serverSecret: certs, serverSecretCertFileName: /etc/elsewhere/tls.crt}
`, "tls.client.cert (spec.tls.serverSecretCertFileName) \"/etc/elsewhere/tls.crt\": with spec.auth.serviceAccounts.mode Callout"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := r.RenderDocuments(context.Background(), []byte(tt.spec))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
