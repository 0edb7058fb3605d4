package render_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"

	"github.com/nats-operator/nats-operator/internal/render"
	"github.com/nats-operator/nats-operator/internal/testutil/repofs"
)

func envOf(c corev1.Container) map[string]corev1.EnvVar {
	out := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		out[e.Name] = e
	}
	return out
}

func mountsOf(c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, m := range c.VolumeMounts {
		out[m.Name] = m.MountPath
	}
	return out
}

// TestTemplateIsMergedLikeNatsOperator: the template's NATS container keeps
// every field the chart does not own, other containers, volumes, init
// containers and the service account are kept, template.metadata is
// honored and the operator's own labels cannot be overridden.
func TestTemplateIsMergedLikeNatsOperator(t *testing.T) {
	r := renderBytes(t, []byte(`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: tpl}
spec:
  size: 3
  pod:
    labels: {app: hijack, team: messaging}
    annotations: {owner: me}
    natsEnv: [{name: GOMEMLIMIT, value: 900MiB}]
    volumeMounts: [{name: auth, mountPath: /etc/nats-config/authconfig}]
    antiAffinity: true
    nodeSelector: {disk: ssd}
    tolerations: [{key: dedicated, operator: Exists}]
    resources: {limits: {memory: 1Gi}}
  template:
    metadata:
      labels: {nats_cluster: other, tier: backend}
      annotations: {sidecar.istio.io/inject: "false"}
    spec:
      serviceAccountName: nats-server
      priorityClassName: critical
      affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: zone, operator: In, values: [a]}]}]}}}
      initContainers: [{name: wait, image: busybox}]
      volumes:
        - {name: auth, secret: {secretName: nats-auth-file}}
        - {name: ca-bundle, configMap: {name: ca}}
      containers:
        - name: nats
          image: ignored:1
          command: [ignored]
          env: [{name: SERVER_NAME, value: custom}]
          volumeMounts: [{name: ca-bundle, mountPath: /etc/ca}]
          readinessProbe: {tcpSocket: {port: 4222}}
          workingDir: /tmp
        - name: log-shipper
          image: fluent-bit
`))
	sts, nats := r.natsContainer(t, "tpl")
	pod := sts.Spec.Template
	if nats.Name != "nats" || nats.Image != "nats:2.15.2" || nats.Command[0] != "/nats-server" {
		t.Errorf("chart-owned fields not set: name %q image %q command %v", nats.Name, nats.Image, nats.Command)
	}
	if nats.WorkingDir != "/tmp" || nats.ReadinessProbe.TCPSocket == nil {
		t.Errorf("the template container's own fields were lost: workingDir %q readiness %+v", nats.WorkingDir, nats.ReadinessProbe)
	}
	env := envOf(nats)
	if env["SERVER_NAME"].Value != "custom" || env["GOMEMLIMIT"].Value != "900MiB" || env["POD_NAME"].ValueFrom == nil {
		t.Errorf("env = %+v", nats.Env)
	}
	if n := strings.Count(strings.Join(func() []string {
		var names []string
		for _, e := range nats.Env {
			names = append(names, e.Name)
		}
		return names
	}(), ","), "SERVER_NAME"); n != 1 {
		t.Errorf("SERVER_NAME defined %d times", n)
	}
	mounts := mountsOf(nats)
	if mounts["config"] != "/etc/nats-config" || mounts["ca-bundle"] != "/etc/ca" || mounts["auth"] != "/etc/nats-config/authconfig" {
		t.Errorf("mounts = %v", mounts)
	}
	if nats.Resources.Limits.Memory().String() != "1Gi" {
		t.Errorf("resources = %+v", nats.Resources)
	}
	var names []string
	for _, c := range pod.Spec.Containers {
		names = append(names, c.Name)
	}
	if !slices.Equal(names, []string{"nats", "log-shipper"}) {
		t.Errorf("containers = %v", names)
	}
	if pod.Spec.ServiceAccountName != "nats-server" || pod.Spec.PriorityClassName != "critical" || len(pod.Spec.InitContainers) != 1 {
		t.Errorf("template spec fields lost: sa %q priority %q init %d", pod.Spec.ServiceAccountName, pod.Spec.PriorityClassName, len(pod.Spec.InitContainers))
	}
	volumes := map[string]bool{}
	for _, v := range pod.Spec.Volumes {
		volumes[v.Name] = true
	}
	for _, v := range []string{"config", "pid", "auth", "ca-bundle"} {
		if !volumes[v] {
			t.Errorf("volume %s missing: %v", v, volumes)
		}
	}
	if pod.Labels["app"] != "nats" || pod.Labels["nats_cluster"] != "tpl" {
		t.Errorf("reserved labels overridden: %v", pod.Labels)
	}
	if pod.Labels["team"] != "messaging" || pod.Labels["tier"] != "backend" || pod.Annotations["owner"] != "me" || pod.Annotations["sidecar.istio.io/inject"] != "false" {
		t.Errorf("user labels/annotations lost: %v %v", pod.Labels, pod.Annotations)
	}
	aff := pod.Spec.Affinity
	if aff == nil || aff.NodeAffinity == nil || aff.PodAntiAffinity == nil ||
		aff.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution[0].TopologyKey != "kubernetes.io/hostname" {
		t.Errorf("antiAffinity must add pod anti-affinity and keep the template's node affinity: %+v", aff)
	}
	if pod.Spec.NodeSelector["disk"] != "ssd" || len(pod.Spec.Tolerations) != 1 {
		t.Errorf("nodeSelector %v tolerations %v", pod.Spec.NodeSelector, pod.Spec.Tolerations)
	}
}

// TestReloaderWatchesEveryFile: with config reload on, the reloader shares
// the process namespace and watches nats.conf, every TLS file and every
// include file, so certificate rotation and auth changes reload.
func TestReloaderWatchesEveryFile(t *testing.T) {
	r := renderBytes(t, []byte(`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: rl}
spec:
  tls: {serverSecret: certs, routesSecret: routes, routesSecretCAFileName: /etc/ca/bundle.pem}
  auth: {clientsAuthSecret: users, clusterAuthSecret: route-users}
  pod:
    enableConfigReload: true
    reloaderImage: connecteverything/nats-server-config-reloader
    reloaderImageTag: 0.4.5-v1alpha2
    enableMetrics: true
`))
	sts, nats := r.natsContainer(t, "rl")
	pod := sts.Spec.Template.Spec
	if pod.ShareProcessNamespace == nil || !*pod.ShareProcessNamespace {
		t.Errorf("the reloader cannot signal the server without a shared process namespace")
	}
	var reloader, metrics *corev1.Container
	for i := range pod.Containers {
		switch pod.Containers[i].Name {
		case "reloader":
			reloader = &pod.Containers[i]
		case "metrics":
			metrics = &pod.Containers[i]
		}
	}
	if reloader == nil || metrics == nil {
		t.Fatalf("sidecars missing: %+v", pod.Containers)
	}
	if reloader.Image != "connecteverything/nats-server-config-reloader:0.4.5-v1alpha2" {
		t.Errorf("reloader image = %s", reloader.Image)
	}
	cmd := strings.Join(reloader.Command, " ")
	for _, f := range []string{
		"-config /etc/nats-config/nats.conf", "-config /etc/nats-server-tls-certs/ca.pem", "-config /etc/nats-server-tls-certs/server.pem",
		"-config /etc/nats-server-tls-certs/server-key.pem", "-config /etc/ca/bundle.pem", "-config /etc/nats-routes-tls-certs/route.pem",
		"-config /etc/nats-config/auth/clients.conf", "-config /etc/nats-config/auth/cluster.conf", "-pid /var/run/nats/nats.pid",
	} {
		if !strings.Contains(cmd, f) {
			t.Errorf("reloader command lacks %q: %s", f, cmd)
		}
	}
	if !slices.Equal(reloader.VolumeMounts, nats.VolumeMounts) {
		t.Errorf("the reloader must see the server's files: %v vs %v", reloader.VolumeMounts, nats.VolumeMounts)
	}
	if sts.Spec.Template.Annotations["prometheus.io/scrape"] != "true" || metrics.Ports[0].ContainerPort != 7777 {
		t.Errorf("metrics sidecar not exposed: %v %+v", sts.Spec.Template.Annotations, metrics.Ports)
	}
	if _, ok := r["ServiceMonitor/rl"]; ok {
		t.Errorf("a ServiceMonitor needs to be asked for (chartValues metrics.serviceMonitor.enabled)")
	}
	withMonitor := renderBytes(t, []byte(`{"apiVersion":"nats.io/v1alpha2","kind":"NatsCluster","metadata":{"name":"rl"},
"spec":{"pod":{"enableMetrics":true},"chartValues":{"metrics":{"serviceMonitor":{"enabled":true,"labels":{"release":"prom"}}}}}}`))
	if _, ok := withMonitor["ServiceMonitor/rl"]; !ok {
		t.Errorf("no ServiceMonitor although asked: %v", withMonitor.keys())
	}
}

func TestGatewayLeafnodeWebsocketAndJWT(t *testing.T) {
	r := renderBytes(t, []byte(`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: edge}
spec:
  size: 2
  gatewayConfig: {name: east, hostPort: 32328, rejectUnknown: true, gateways: [{name: west, url: "nats://west:32328"}]}
  leafnodeConfig: {hostPort: 4224, remotes: [{url: "nats-leaf://hub:7422", credentials: /etc/leaf/hub.creds}]}
  websocketConfig: {port: 8080, handshakeTimeout: 5s}
  operatorConfig: {secret: op-jwt, systemAccount: ADGSYA3YRP3PZSHOYM2CS2FO2S2I7G6ORHFM3KJCEM5JXCLNAVXWYNHQ, resolver: "URL(http://nats-account-server:9090/jwt/v1/accounts/)"}
  pod: {disableWebsocketsHostPort: true}
`))
	conf := r.natsConf(t, "edge")
	for _, want := range []string{
		`name: "east"`, `port: 32328`, `reject_unknown_cluster: true`, `url: "nats://west:32328"`,
		`port: 4224`, `credentials: "/etc/leaf/hub.creds"`, `"nats-leaf://hub:7422"`,
		`no_tls: true`, `handshake_timeout: "5s"`,
		`operator: "/etc/nats-operator/op.jwt"`, `resolver: "URL(http://nats-account-server:9090/jwt/v1/accounts/)"`,
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("nats.conf lacks %s", want)
		}
	}
	_, nats := r.natsContainer(t, "edge")
	ports := map[string]corev1.ContainerPort{}
	for _, p := range nats.Ports {
		ports[p.Name] = p
	}
	if ports["gateway"].HostPort != 32328 || ports["leafnodes"].HostPort != 4224 || ports["websocket"].HostPort != 0 || ports["websocket"].ContainerPort != 8080 {
		t.Errorf("ports = %+v", ports)
	}
	if mountsOf(nats)["operator-jwt"] != "/etc/nats-operator" {
		t.Errorf("operator JWT not mounted: %v", mountsOf(nats))
	}
	var client, mgmt corev1.Service
	r.decode(t, "Service/edge", &client)
	r.decode(t, "Service/edge-mgmt", &mgmt)
	svcPorts := func(s corev1.Service) (names []string) {
		for _, p := range s.Spec.Ports {
			names = append(names, p.Name)
		}
		return names
	}
	if got := svcPorts(client); !slices.Equal(got, []string{"tcp-client", "websocket"}) {
		t.Errorf("client Service ports = %v", got)
	}
	if got := svcPorts(mgmt); !slices.Equal(got, []string{"cluster", "monitoring", "metrics", "gateways", "leafnodes", "websocket"}) {
		t.Errorf("mgmt Service ports = %v", got)
	}
	var pdb policyv1.PodDisruptionBudget
	r.decode(t, "PodDisruptionBudget/edge", &pdb)
	if pdb.Spec.MaxUnavailable.IntValue() != 1 {
		t.Errorf("PDB maxUnavailable = %v", pdb.Spec.MaxUnavailable)
	}
}

func TestAdvertiseExternalIPInitContainer(t *testing.T) {
	r := renderBytes(t, []byte(`
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: adv}
spec:
  gatewayConfig: {name: east, hostPort: 7522}
  pod: {advertiseExternalIP: true, disableGatewaysHostPort: true}
  template: {spec: {serviceAccountName: nats-server}}
`))
	sts, nats := r.natsContainer(t, "adv")
	pod := sts.Spec.Template.Spec
	if len(pod.InitContainers) != 1 || pod.InitContainers[0].Name != "bootconfig" {
		t.Fatalf("init containers = %+v", pod.InitContainers)
	}
	boot := pod.InitContainers[0]
	if !strings.HasPrefix(boot.Image, "ghcr.io/nats-operator/nats-operator:") || !slices.Equal(boot.Command[:2], []string{"/manager", "bootconfig"}) {
		t.Errorf("bootconfig runs %s %v, want the operator's bootconfig command", boot.Image, boot.Command)
	}
	if mountsOf(boot)["advertiseconfig"] != "/etc/nats-config/advertise" || mountsOf(nats)["advertiseconfig"] != "/etc/nats-config/advertise" {
		t.Errorf("advertise files not shared: %v %v", mountsOf(boot), mountsOf(nats))
	}
	conf := r.natsConf(t, "adv")
	if !strings.Contains(conf, `include "advertise/client_advertise.conf"`) || !strings.Contains(conf, `include "advertise/gateway_advertise.conf"`) {
		t.Errorf("nats.conf does not include the advertise files:\n%s", conf)
	}
	for _, p := range nats.Ports {
		if p.Name == "gateway" && p.HostPort != 7522 {
			t.Errorf("advertising the node address needs the gateway host port, disable flag or not: %+v", p)
		}
	}
	legacy := renderBytes(t, []byte(`{"apiVersion":"nats.io/v1alpha2","kind":"NatsCluster","metadata":{"name":"adv"},
"spec":{"pod":{"advertiseExternalIP":true,"bootconfigImage":"connecteverything/nats-boot-config","bootconfigImageTag":"0.5.2"}}}`))
	lsts, _ := legacy.natsContainer(t, "adv")
	if c := lsts.Spec.Template.Spec.InitContainers[0]; c.Image != "connecteverything/nats-boot-config:0.5.2" || c.Command[0] != "nats-pod-bootconfig" {
		t.Errorf("a named boot-config image keeps its command: %s %v", c.Image, c.Command)
	}
}

// TestTemplateLifecycleKeepsLameDuck: a template's postStart hook is kept
// beside the operator's lame-duck preStop hook, and a template preStop,
// which used to replace lame-duck mode silently, is refused by name.
func TestTemplateLifecycleKeepsLameDuck(t *testing.T) {
	const spec = `
apiVersion: nats.io/v1alpha2
kind: NatsCluster
metadata: {name: lc}
spec:
  template:
    spec:
      containers:
        - name: nats
          lifecycle: {%s: {exec: {command: [/bin/true]}}}
`
	_, nats := renderBytes(t, []byte(strings.Replace(spec, "%s", "postStart", 1))).natsContainer(t, "lc")
	lc := nats.Lifecycle
	if lc == nil || lc.PostStart == nil || lc.PreStop == nil || !slices.Contains(lc.PreStop.Exec.Command, "--signal") {
		t.Fatalf("lifecycle %+v: want the template's postStart and the lame-duck preStop", lc)
	}
	r, err := render.New(repofs.FS())
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.RenderDocuments(context.Background(), []byte(strings.Replace(spec, "%s", "preStop", 1)))
	if err == nil || !strings.Contains(err.Error(), "spec.template.spec.containers[0]") || !strings.Contains(err.Error(), "lifecycle.preStop") {
		t.Errorf("a template preStop: want a refusal naming spec.template...lifecycle.preStop, got %v", err)
	}
}
