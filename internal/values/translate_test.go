package values

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	natsv1alpha2 "github.com/nats-operator/nats-operator/api/v1alpha2"
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
	vals, err := ToChartValues(&natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{Size: ptr.To[int32](5)}})
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

func TestUnsupportedFieldsAreRefusedByName(t *testing.T) {
	_, err := Build(&natsv1alpha2.NatsCluster{Spec: natsv1alpha2.ClusterSpec{
		WebsocketConfig: &natsv1alpha2.WebsocketConfig{Port: 443},
	}})
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "spec.websocketConfig") {
		t.Errorf("err = %v, want ErrUnsupported naming spec.websocketConfig", err)
	}
}
