package images_test

import (
	"context"
	"regexp"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/images"
	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil"
)

func TestNATSServer(t *testing.T) {
	def := natsv1alpha2.DefaultVersion
	tests := []struct {
		name    string
		env     map[string]string
		version string
		want    string // "" = no override, the default repository
	}{
		{name: "no override", version: "2.10.29"},
		{name: "default version", env: map[string]string{"RELATED_IMAGE_NATS": "mirror.example.com/nats:" + def}, version: def, want: "mirror.example.com/nats:" + def},
		{
			name: "another version takes the mirror's repository", env: map[string]string{"RELATED_IMAGE_NATS": "mirror.example.com:5000/library/nats:" + def},
			version: "2.10.29", want: "mirror.example.com:5000/library/nats:2.10.29",
		},
		{
			name: "a digest's repository", env: map[string]string{"RELATED_IMAGE_NATS": "mirror.example.com/nats@sha256:" + sha},
			version: "2.10.29", want: "mirror.example.com/nats:2.10.29",
		},
		{
			name: "a version's own variable wins", env: map[string]string{"RELATED_IMAGE_NATS": "mirror.example.com/nats:" + def, "RELATED_IMAGE_NATS_2_10_29": "pinned.example.com/nats@sha256:" + sha},
			version: "2.10.29", want: "pinned.example.com/nats@sha256:" + sha,
		},
		{name: "a version's own variable alone", env: map[string]string{"RELATED_IMAGE_NATS_2_9_0_ALPINE": "m/nats:2.9.0-alpine"}, version: "2.9.0-alpine", want: "m/nats:2.9.0-alpine"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("RELATED_IMAGE_NATS", "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			got, ok := images.NATSServer(tt.version)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("NATSServer(%q) = %q, %v; want %q", tt.version, got, ok, tt.want)
			}
		})
	}
}

const sha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestRepository(t *testing.T) {
	for ref, want := range map[string]string{
		"nats:2.15.2":                        "nats",
		"nats":                               "nats",
		"registry:5000/nats":                 "registry:5000/nats",
		"registry:5000/nats:2.15.2":          "registry:5000/nats",
		"registry/nats@sha256:" + sha:        "registry/nats",
		"registry/nats:2.15.2@sha256:" + sha: "registry/nats",
	} {
		if got := images.Repository(ref); got != want {
			t.Errorf("Repository(%q) = %q, want %q", ref, got, want)
		}
	}
}

// TestDisconnectedInstallPullsNoVersionFromDockerHub renders NatsClusters
// at the default and at older versions the way the operator does, with a
// mirror in RELATED_IMAGE_NATS: every server image comes from the mirror.
// An image the spec names itself is the user's choice and stays.
func TestDisconnectedInstallPullsNoVersionFromDockerHub(t *testing.T) {
	t.Setenv("RELATED_IMAGE_NATS", "mirror.example.com/nats:"+natsv1alpha2.DefaultVersion)
	r, err := render.New(testutil.RepoFS())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		spec map[string]any
		want string
	}{
		{map[string]any{}, "mirror.example.com/nats:" + natsv1alpha2.DefaultVersion},
		{map[string]any{"version": "2.10.29"}, "mirror.example.com/nats:2.10.29"},
		{map[string]any{"version": "2.1.8"}, "mirror.example.com/nats:2.1.8"},
		{map[string]any{"version": "2.10.29", "serverImage": "registry.example.com/own/nats"}, "registry.example.com/own/nats:2.10.29"},
	}
	serverImage := regexp.MustCompile(`(?m)^\s+image: "?([^"\s]*nats:[^"\s]+|[^"\s]*nats@[^"\s]+)"?$`)
	for _, tt := range tests {
		u := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "nats.io/v1alpha2", "kind": "NatsCluster",
			"metadata": map[string]any{"name": "mirrored", "namespace": "default"},
			"spec":     tt.spec,
		}}
		manifest, err := r.Render(context.Background(), u)
		if err != nil {
			t.Fatalf("%v: %v", tt.spec, err)
		}
		m := serverImage.FindStringSubmatch(manifest)
		if m == nil || m[1] != tt.want {
			t.Errorf("spec %v: server image %v, want %s", tt.spec, m, tt.want)
		}
	}
}
