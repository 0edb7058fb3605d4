# Shared settings of the e2e scripts (sourced, not run).
#
# Every path, address and name the node uses is here, so that bring-up and
# tear-down agree on what they create and remove. All of them can be
# overridden from the environment; the defaults avoid the ranges and ports a
# developer machine or envtest is likely to use.

E2E_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_REPO=$(cd "$E2E_HERE/../.." && pwd)

# Builds, cached outside the repository and keyed by version.
E2E_CACHE=${E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nats-operator-e2e}
# Everything the running node writes: state, logs, PKI, volumes. Removed by down.
E2E_STATE=${E2E_STATE:-/var/tmp/nats-operator-e2e}
# Logs of the last node, kept after down for a person to read.
E2E_LOGS=${E2E_LOGS:-/tmp/nats-operator-e2e-logs}

E2E_NODE=${E2E_NODE:-e2e-node}
E2E_BRIDGE=${E2E_BRIDGE:-natse2e0}
E2E_POD_CIDR=${E2E_POD_CIDR:-10.244.0.0/24}
E2E_SERVICE_CIDR=${E2E_SERVICE_CIDR:-10.96.0.0/16}
# Ports on loopback (etcd, controller manager, scheduler, kubelet healthz).
E2E_ETCD_PORT=${E2E_ETCD_PORT:-22379}
E2E_ETCD_PEER_PORT=${E2E_ETCD_PEER_PORT:-22380}
E2E_KCM_PORT=${E2E_KCM_PORT:-22257}
E2E_SCHED_PORT=${E2E_SCHED_PORT:-22259}
E2E_KUBELET_HEALTHZ_PORT=${E2E_KUBELET_HEALTHZ_PORT:-22248}
# The API server and the kubelet listen on the bridge address only.
E2E_APISERVER_PORT=${E2E_APISERVER_PORT:-6443}
E2E_KUBELET_PORT=${E2E_KUBELET_PORT:-10250}
# One cgroup per hierarchy holds every process of the node (daemons,
# shims, containers): tear-down kills what is in it and removes it.
E2E_CGROUP=${E2E_CGROUP:-nats-e2e}
# iptables chains of our own; the kubelet is told not to create any.
E2E_CHAIN_FWD=NATS-E2E-FWD
E2E_CHAIN_DNAT=NATS-E2E-DNAT
# Kernel settings the node changes (the bridge plugin turns on forwarding,
# the kubelet sets its kernel defaults); down restores the recorded values.
E2E_SYSCTLS="net.ipv4.ip_forward vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops kernel.keys.root_maxkeys kernel.keys.root_maxbytes"

# Debian packages the node needs.
E2E_APT_PACKAGES="containerd runc containernetworking-plugins iptables nftables iproute2 gcc libc6-dev"

# Derived addresses: the bridge gateway is the node's IP, the API server's
# address and the cluster DNS server; the first service IP is the kubernetes
# Service, which a DNAT rule sends to the API server (there is no kube-proxy).
e2e_first_ip() { local net=${1%/*}; echo "${net%.*}.$(( ${net##*.} + 1 ))"; }
E2E_NODE_IP=$(e2e_first_ip "$E2E_POD_CIDR")
E2E_KUBERNETES_SVC_IP=$(e2e_first_ip "$E2E_SERVICE_CIDR")
E2E_APISERVER_URL=https://$E2E_NODE_IP:$E2E_APISERVER_PORT
E2E_KUBECONFIG=$E2E_STATE/pki/admin.kubeconfig
E2E_CTRD_SOCK=$E2E_STATE/containerd/containerd.sock

e2e_log() { printf '%s e2e: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
e2e_die() { e2e_log "error: $*"; exit 1; }

# e2e_start_node: node.sh up, the node owned by this run; a node already
# up (node.sh up exits 3, e.g. from make e2e-up) stops the run and is left
# as it is.
e2e_start_node() {
	node_owned=1
	"$E2E_HERE/node.sh" up || {
		local rc=$?
		if [[ $rc == 3 ]]; then node_owned=0; fi
		exit "$rc"
	}
}

# e2e_teardown_node RC: the EXIT trap's tear-down of a node this run started
# (e2e_start_node). A failed run (RC not 0) with E2E_KEEP=1 leaves it up to
# look at; a tear-down that leaves something behind fails the run.
e2e_teardown_node() {
	local rc=$1
	if [[ ${node_owned:-0} != 1 ]]; then return 0; fi
	if [[ $rc -ne 0 && ${E2E_KEEP:-} == 1 ]]; then
		e2e_log "E2E_KEEP=1: node left up (KUBECONFIG=$E2E_KUBECONFIG); make e2e-down stops it"
		return 0
	fi
	"$E2E_HERE/node.sh" down || exit 1
}

# cached DIR CMD...: runs CMD with $tmp as output dir unless DIR exists, then
# moves $tmp to DIR, so an interrupted build never looks finished.
cached() {
	local dir=$1; shift
	if [[ -d $dir ]]; then return 0; fi
	tmp=$(mktemp -d "$dir.XXXX")
	if ! "$@"; then rm -rf "$tmp"; return 1; fi
	rm -rf "$dir"; mv "$tmp" "$dir"
}

# Versions of the testbins wrapper module (Kubernetes, etcd).
e2e_k8s_version() { go -C "$E2E_REPO/hack/testbins" list -m -f '{{.Version}}' k8s.io/kubernetes; }

# e2e_ldflags VERSION: the version stamp install.sh gives the control plane.
e2e_ldflags() {
	local v=$1 minor ld="-s -w" p
	minor=${v#v1.}; minor=${minor%%.*}
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ld+=" -X $p.gitVersion=$v -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
	done
	echo "$ld"
}

# e2e_chart_image BLOCK: the image of a top-level block of the nats-cluster
# chart's values (reloader, metrics, advertise), so the images built are the
# ones the chart deploys.
e2e_chart_image() {
	sed -n "/^$1:/,/^[a-z]/{s/^  image: *//p}" "$E2E_REPO/helm-charts/nats-cluster/values.yaml" | head -1 | tr -d '"'
}
# The chart's default NATS version (image.tag).
e2e_chart_nats_tag() {
	sed -n '/^image:/,/^[a-z]/{s/^  tag: *//p}' "$E2E_REPO/helm-charts/nats-cluster/values.yaml" | head -1 | tr -d '"'
}
