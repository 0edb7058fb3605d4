package values

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
	"github.com/nats-operator/nats-operator/internal/images"
)

func TestBuild(t *testing.T) {
	tests := []struct {
		name  string
		spec  natsv1alpha2.ClusterSpec
		check func(t *testing.T, v *ChartValues)
	}{{
		name: "empty spec gets the documented defaults",
		spec: natsv1alpha2.ClusterSpec{},
		check: func(t *testing.T, v *ChartValues) {
			want := Image{Repository: "nats", Tag: natsv1alpha2.DefaultVersion}
			if v.Size != 3 || v.Image != want || v.ServerVersion != natsv1alpha2.DefaultVersion {
				t.Errorf("size=%d image=%+v serverVersion=%q", v.Size, v.Image, v.ServerVersion)
			}
			if v.Server.LameDuckDurationSeconds != 30 || !v.Server.Logtime {
				t.Errorf("server = %+v, want lame duck 30s and logtime", v.Server)
			}
		},
	}, {
		name: "version with a leading v and a custom image",
		spec: natsv1alpha2.ClusterSpec{Size: ptr.To[int32](1), Version: "v2.10.4", ServerImage: "registry.example/nats"},
		check: func(t *testing.T, v *ChartValues) {
			if v.Size != 1 || v.Image.Repository != "registry.example/nats" || v.Image.Tag != "2.10.4" || v.ServerVersion != "2.10.4" {
				t.Errorf("size=%d image=%+v serverVersion=%q", v.Size, v.Image, v.ServerVersion)
			}
		},
	}, {
		name: "natsConfig maps key for key, disableLogtime inverts",
		spec: natsv1alpha2.ClusterSpec{NatsConfig: &natsv1alpha2.ServerConfig{
			Debug: true, Trace: true, WriteDeadline: "10s", MaxConnections: 10, MaxPayload: 128,
			MaxPending: 65536, MaxSubscriptions: 200, MaxControlLine: 2048, DisableLogtime: true,
		}},
		check: func(t *testing.T, v *ChartValues) {
			want := Server{Debug: true, Trace: true, WriteDeadline: "10s", MaxConnections: 10, MaxPayload: 128,
				MaxPending: 65536, MaxSubscriptions: 200, MaxControlLine: 2048, Logtime: false, LameDuckDurationSeconds: 30}
			if v.Server != want {
				t.Errorf("server = %+v\nwant     %+v", v.Server, want)
			}
		},
	}, {
		name: "camelCase writeDeadline from nats-operator's example works, write_deadline wins",
		spec: natsv1alpha2.ClusterSpec{NatsConfig: &natsv1alpha2.ServerConfig{WriteDeadlineCamel: "5s"}},
		check: func(t *testing.T, v *ChartValues) {
			if v.Server.WriteDeadline != "5s" {
				t.Errorf("writeDeadline = %q, want 5s", v.Server.WriteDeadline)
			}
		},
	}, {
		name: "write_deadline wins over writeDeadline",
		spec: natsv1alpha2.ClusterSpec{NatsConfig: &natsv1alpha2.ServerConfig{WriteDeadline: "10s", WriteDeadlineCamel: "5s"}},
		check: func(t *testing.T, v *ChartValues) {
			if v.Server.WriteDeadline != "10s" {
				t.Errorf("writeDeadline = %q, want 10s", v.Server.WriteDeadline)
			}
		},
	}, {
		name: "extraRoutes: cluster names the other cluster's mgmt Service, route is verbatim",
		spec: natsv1alpha2.ClusterSpec{ExtraRoutes: []*natsv1alpha2.ExtraRoute{
			{Cluster: "other"}, {Route: "nats://127.0.0.1:6222"}, nil,
		}},
		check: func(t *testing.T, v *ChartValues) {
			want := []string{"nats://other-mgmt:6222", "nats://127.0.0.1:6222"}
			if !reflect.DeepEqual(v.Routes.Extra, want) {
				t.Errorf("routes = %v, want %v", v.Routes.Extra, want)
			}
		},
	}, {
		name: "server options, lame duck and service policies",
		spec: natsv1alpha2.ClusterSpec{
			NoAdvertise: true, UseServerName: true, LameDuckDurationSeconds: ptr.To[int64](45),
			ServicePolicy:           &natsv1alpha2.ServicePolicy{Labels: map[string]string{"a": "b"}},
			ManagementServicePolicy: &natsv1alpha2.ServicePolicy{Annotations: map[string]string{"c": "d"}},
		},
		check: func(t *testing.T, v *ChartValues) {
			if !v.Server.NoAdvertise || !v.Server.ServerName || v.Server.LameDuckDurationSeconds != 45 {
				t.Errorf("server = %+v", v.Server)
			}
			if v.Services.Client.Labels["a"] != "b" || v.Services.Mgmt.Annotations["c"] != "d" {
				t.Errorf("services = %+v", v.Services)
			}
		},
	}, {
		name: "pod policy",
		spec: natsv1alpha2.ClusterSpec{Pod: &natsv1alpha2.PodPolicy{
			Labels: map[string]string{"team": "x"}, NodeSelector: map[string]string{"disk": "ssd"},
			AntiAffinity: true, EnableClientsHostPort: true,
			Resources:    corev1.ResourceRequirements{Limits: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}},
			NatsEnv:      []corev1.EnvVar{{Name: "GOMEMLIMIT", Value: "900MiB"}},
			VolumeMounts: []corev1.VolumeMount{{Name: "extra", MountPath: "/extra"}},
		}},
		check: func(t *testing.T, v *ChartValues) {
			p := v.Pod
			if p.Labels["team"] != "x" || p.NodeSelector["disk"] != "ssd" || !p.AntiAffinity || !p.ClientHostPort {
				t.Errorf("pod = %+v", p)
			}
			if p.Resources.Limits.Memory().String() != "1Gi" || p.Env[0].Name != "GOMEMLIMIT" || p.VolumeMounts[0].Name != "extra" {
				t.Errorf("pod resources/env/mounts = %+v %+v %+v", p.Resources, p.Env, p.VolumeMounts)
			}
		},
	}, {
		name: "template becomes a plain map without empty timestamps",
		spec: natsv1alpha2.ClusterSpec{Template: &corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			ServiceAccountName: "nats-server",
			Containers:         []corev1.Container{{Name: "nats", Env: []corev1.EnvVar{{Name: "A", Value: "1"}}}},
		}}},
		check: func(t *testing.T, v *ChartValues) {
			spec, _ := v.Pod.Template["spec"].(map[string]any)
			if spec["serviceAccountName"] != "nats-server" {
				t.Errorf("template spec = %v", spec)
			}
			if meta, ok := v.Pod.Template["metadata"].(map[string]any); ok {
				if _, has := meta["creationTimestamp"]; has {
					t.Errorf("template metadata keeps creationTimestamp: %v", meta)
				}
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Build(&natsv1alpha2.NatsCluster{Spec: tt.spec})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, v)
		})
	}
}

func TestToChartValuesIsPlainJSON(t *testing.T) {
	vals, err := ToChartValues(&natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{Size: ptr.To[int32](5)}}, chartDefaults(t))
	if err != nil {
		t.Fatal(err)
	}
	// Helm's templates see JSON types: numbers are float64, objects maps.
	if size, ok := vals["size"].(float64); !ok || size != 5 {
		t.Errorf("size = %#v, want float64 5", vals["size"])
	}
	if _, ok := vals["image"].(map[string]any); !ok {
		t.Errorf("image = %#v, want a map", vals["image"])
	}
}

func TestTopologyAndAuth(t *testing.T) {
	tests := []struct {
		name  string
		nc    natsv1alpha2.NatsCluster
		check func(t *testing.T, v *ChartValues)
	}{{
		name: "TLS per protocol keeps file names, verifyAndMap comes from auth",
		nc: natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{
			TLS: &natsv1alpha2.TLSConfig{ServerSecret: "certs", ServerSecretCAFileName: "ca.crt", ServerSecretCertFileName: "tls.crt",
				ServerSecretKeyFileName: "tls.key", RoutesSecret: "routes", ClientsTLSTimeout: 2.5, EnableHTTPS: true, Verify: true},
			Auth: &natsv1alpha2.AuthConfig{TLSVerifyAndMap: true},
		}},
		check: func(t *testing.T, v *ChartValues) {
			want := TLSBlock{Secret: "certs", CA: "ca.crt", Cert: "tls.crt", Key: "tls.key", Timeout: 2.5, Verify: true, VerifyAndMap: true}
			if !reflect.DeepEqual(v.TLS.Client, want) || v.TLS.Routes.Secret != "routes" || !v.TLS.HTTPS {
				t.Errorf("tls = %+v", v.TLS)
			}
		},
	}, {
		name: "host ports on by default, off when disabled, forced on by advertiseExternalIP",
		nc: natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{
			GatewayConfig:   &natsv1alpha2.GatewayConfig{Name: "east", Port: 7522},
			LeafNodeConfig:  &natsv1alpha2.LeafNodeConfig{Port: 7422},
			WebsocketConfig: &natsv1alpha2.WebsocketConfig{Port: 443},
			Pod:             &natsv1alpha2.PodPolicy{DisableLeafnodesHostPort: true, DisableWebsocketsHostPort: true},
		}},
		check: func(t *testing.T, v *ChartValues) {
			if !v.Gateway.HostPort || v.Leafnodes.HostPort || v.Websocket.HostPort {
				t.Errorf("host ports gateway=%v leaf=%v ws=%v, want true false false", v.Gateway.HostPort, v.Leafnodes.HostPort, v.Websocket.HostPort)
			}
		},
	}, {
		name: "leafnode remotes without a listener; url and urls are joined",
		nc: natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{LeafNodeConfig: &natsv1alpha2.LeafNodeConfig{
			Remotes: []*natsv1alpha2.RemoteLeafnodeOpts{{URL: "nats://a:7422", URLs: []string{"nats://b:7422"}, Credentials: "/etc/c.creds"}},
		}}},
		check: func(t *testing.T, v *ChartValues) {
			want := []LeafRemote{{URLs: []string{"nats://a:7422", "nats://b:7422"}, Credentials: "/etc/c.creds"}}
			if v.Leafnodes.Enabled || !reflect.DeepEqual(v.Leafnodes.Remotes, want) {
				t.Errorf("leafnodes = %+v", v.Leafnodes)
			}
		},
	}, {
		name: "static and ServiceAccount users go together; the auth file only without them",
		nc: natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Spec: natsv1alpha2.ClusterSpec{Auth: &natsv1alpha2.AuthConfig{
			EnableServiceAccounts: true, ClientsAuthSecret: "s", ClientsAuthFile: "authconfig/auth.json", ClusterAuthSecret: "r", GatewayAuthSecret: "g",
		}}},
		check: func(t *testing.T, v *ChartValues) {
			want := Auth{SecretName: "c-auth", Clients: true, Cluster: true}
			if v.Auth != want {
				t.Errorf("auth = %+v, want %+v (no gateway auth without gatewayConfig)", v.Auth, want)
			}
			if !v.Reloader.Enabled {
				t.Errorf("operator-written auth needs the reloader: rotated tokens must reach the servers")
			}
		},
	}, {
		name: "clientsAuthFile alone",
		nc:   natsv1alpha2.NatsCluster{ObjectMeta: metav1.ObjectMeta{Name: "c"}, Spec: natsv1alpha2.ClusterSpec{Auth: &natsv1alpha2.AuthConfig{ClientsAuthFile: "authconfig/auth.json"}}},
		check: func(t *testing.T, v *ChartValues) {
			if v.Auth != (Auth{ClientsFile: "authconfig/auth.json"}) || v.Reloader.Enabled {
				t.Errorf("auth = %+v reloader %v: a user's own file keeps the user's reload choice", v.Auth, v.Reloader.Enabled)
			}
		},
	}, {
		name: "sidecar images: default, user repository and tag, tag alone",
		nc: natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{Pod: &natsv1alpha2.PodPolicy{
			EnableConfigReload: true, ReloaderImage: "connecteverything/nats-server-config-reloader", ReloaderImageTag: "0.4.5-v1alpha2",
			EnableMetrics: true, MetricsImageTag: "0.9.0",
		}}},
		check: func(t *testing.T, v *ChartValues) {
			if v.Reloader.Image != "connecteverything/nats-server-config-reloader:0.4.5-v1alpha2" || !v.Reloader.Enabled {
				t.Errorf("reloader = %+v", v.Reloader)
			}
			if v.Metrics.Image != "natsio/prometheus-nats-exporter:0.9.0" || !v.Metrics.Enabled {
				t.Errorf("metrics = %+v", v.Metrics)
			}
			if v.Advertise.Image != images.Operator.Default || v.Advertise.ExternalIP {
				t.Errorf("advertise = %+v", v.Advertise)
			}
		},
	}, {
		name: "JetStream: the claims are kept when asked",
		nc: natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{JetStream: &natsv1alpha2.JetStreamConfig{
			File: &natsv1alpha2.JetStreamFile{WhenDeleted: "Retain", WhenScaled: "Delete"},
		}}},
		check: func(t *testing.T, v *ChartValues) {
			if f := v.JetStream.File; f.WhenDeleted != "Retain" || f.WhenScaled != "Delete" {
				t.Errorf("jetstream.file = %+v", f)
			}
		},
	}, {
		name: "JetStream: max_file_store is 90% of the PVC",
		nc: natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{JetStream: &natsv1alpha2.JetStreamConfig{
			Memory: &natsv1alpha2.JetStreamMemory{MaxSize: resource.MustParse("1Gi")},
			File:   &natsv1alpha2.JetStreamFile{Size: ptr.To(resource.MustParse("10Gi")), StorageClassName: "fast"},
		}}},
		check: func(t *testing.T, v *ChartValues) {
			want := JetStream{Enabled: true, Memory: JetStreamMem{MaxBytes: 1 << 30},
				File: JetStreamFile{Enabled: true, Size: "10Gi", StorageClassName: "fast", MaxBytes: 9663676416, WhenDeleted: "Delete", WhenScaled: "Retain"}}
			if v.JetStream != want {
				t.Errorf("jetstream = %+v\nwant        %+v", v.JetStream, want)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Build(&tt.nc)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, v)
		})
	}
}

// TestRelatedImageReplacesTheDefaultRepositoryAtEveryVersion: a mirror in
// RELATED_IMAGE_NATS serves every version (a disconnected install never
// pulls from Docker Hub); a serverImage the spec names stays.
func TestRelatedImageReplacesTheDefaultRepositoryAtEveryVersion(t *testing.T) {
	t.Setenv(images.NATS.Env, "mirror.example/nats@sha256:0123")
	def, err := Build(&natsv1alpha2.NatsCluster{})
	if err != nil {
		t.Fatal(err)
	}
	if def.Image.Ref != "mirror.example/nats@sha256:0123" {
		t.Errorf("default version: image ref = %q, want the related image", def.Image.Ref)
	}
	other, err := Build(&natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{Version: "2.10.0"}})
	if err != nil {
		t.Fatal(err)
	}
	if other.Image.Ref != "mirror.example/nats:2.10.0" {
		t.Errorf("another version must come from the mirror, with its own tag: %+v", other.Image)
	}
	own, err := Build(&natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{Version: "2.10.0", ServerImage: "registry.example/nats"}})
	if err != nil {
		t.Fatal(err)
	}
	if own.Image.Ref != "" || own.Image.Repository != "registry.example/nats" {
		t.Errorf("the spec's own serverImage must stay: %+v", own.Image)
	}
}

func TestJetStreamWithoutStorageIsRefused(t *testing.T) {
	_, err := Build(&natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{JetStream: &natsv1alpha2.JetStreamConfig{
		File: &natsv1alpha2.JetStreamFile{Enabled: ptr.To(false)},
	}}})
	if err == nil || !strings.Contains(err.Error(), "no storage") {
		t.Errorf("err = %v, want a message about missing storage", err)
	}
}

func TestChartValuesAreMergedLast(t *testing.T) {
	nc := &natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{
		Size:        ptr.To[int32](3),
		ChartValues: &apiextensionsv1.JSON{Raw: []byte(`{"size": 4, "podDisruptionBudget": {"maxUnavailable": 2}, "server": {"debug": true}}`)},
	}}
	vals, err := ToChartValues(nc, chartDefaults(t))
	if err != nil {
		t.Fatal(err)
	}
	server := vals["server"].(map[string]any)
	if vals["size"] != float64(4) || vals["podDisruptionBudget"].(map[string]any)["maxUnavailable"] != float64(2) {
		t.Errorf("chartValues not merged over the translation: %v", vals)
	}
	if server["debug"] != true || server["lameDuckDurationSeconds"] != float64(30) {
		t.Errorf("merge must keep sibling keys: server = %v", server)
	}
}
