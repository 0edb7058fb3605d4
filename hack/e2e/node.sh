#!/usr/bin/env bash
# A single-node Kubernetes cluster on this machine, for the e2e tests.
#
#   node.sh deps    install the Debian packages the node needs (root)
#   node.sh up      start etcd, kube-apiserver, kube-controller-manager,
#                   kube-scheduler, containerd, kubelet and CoreDNS, and import
#                   the images build.sh made; prints the admin kubeconfig.
#                   Exit code 3: a node is already there (left alone)
#   node.sh down    stop everything and restore the machine (idempotent)
#   node.sh status  what is running
#
# What up changes on the machine, and down undoes (down works on a half-started
# node too, and up calls it when it fails):
#   - processes: every daemon, containerd shim and container runs in the
#     cgroup /$E2E_CGROUP of each hierarchy; down stops the daemons by PID,
#     kills whatever is left in that cgroup and removes it;
#   - the bridge $E2E_BRIDGE with the node IP (the pod network); pods have no
#     default route, and a FORWARD rule drops anything that would leave the
#     bridge, so traffic stays on the machine;
#   - iptables chains NATS-E2E-FWD (filter) and NATS-E2E-DNAT (nat: the
#     kubernetes Service IP to the API server, there is no kube-proxy);
#   - the kernel settings in E2E_SYSCTLS, recorded at up and restored;
#   - mounts (container root filesystems, volumes, network namespaces), all
#     under $E2E_STATE, which down unmounts and deletes;
#   - host paths the kubelet and containerd insist on (/var/log/containers,
#     /var/lib/cni, /run/containerd): removed by down if up did not find them.
# Logs of the last node are copied to $E2E_LOGS.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CTRD_SOCK=$E2E_CTRD_SOCK
PKI=$E2E_STATE/pki
# Host paths created outside $E2E_STATE by the kubelet, containerd or CNI.
HOST_PATHS="/var/log/containers /var/log/pods /var/lib/cni /run/containerd /run/netns /opt/containerd /var/lib/kubelet"
# Stop order: the kubelet first (it would restart containers), etcd last.
DAEMONS="kubelet kube-scheduler kube-controller-manager coredns kube-apiserver containerd etcd"

kubectl() { "$E2E_K8S_BIN/kubectl" --kubeconfig "$E2E_KUBECONFIG" "$@"; }
ctr() { command ctr -a "$CTRD_SOCK" -n k8s.io "$@"; }

# --- cgroups ---------------------------------------------------------------------

cgroup_mounts() { awk '$3 == "cgroup" || $3 == "cgroup2" { print $2 }' /proc/self/mounts; }

cgroup_create() {
	local mp d f
	for mp in $(cgroup_mounts); do
		for d in "$mp/$E2E_CGROUP" "$mp/$E2E_CGROUP/node"; do
			mkdir -p "$d"
			# A new v1 cpuset is empty and takes no process until it has CPUs and memory nodes.
			for f in cpuset.cpus cpuset.mems; do
				if [[ -f $d/$f ]]; then cat "$(dirname "$d")/$f" > "$d/$f"; fi
			done
		done
	done
}

# Every process in our cgroup tree, from every hierarchy.
cgroup_pids() {
	local mp
	for mp in $(cgroup_mounts); do
		if [[ -d $mp/$E2E_CGROUP ]]; then
			find "$mp/$E2E_CGROUP" -name cgroup.procs -exec cat {} + 2>/dev/null || true
		fi
	done | sort -u
}

cgroup_kill_all() {
	local i pids
	for i in $(seq 1 40); do
		pids=$(cgroup_pids)
		if [[ -z $pids ]]; then return 0; fi
		# shellcheck disable=SC2086
		kill -KILL $pids 2>/dev/null || true
		sleep 0.25
	done
	e2e_log "warning: processes left in cgroup $E2E_CGROUP: $(cgroup_pids | tr '\n' ' ')"
}

cgroup_remove() {
	local mp
	for mp in $(cgroup_mounts); do
		if [[ -d $mp/$E2E_CGROUP ]]; then
			# Deepest first; cgroupfs directories are removed with rmdir, never rm.
			find "$mp/$E2E_CGROUP" -depth -type d -exec rmdir {} + 2>/dev/null || true
			if [[ -d $mp/$E2E_CGROUP ]]; then e2e_log "warning: cannot remove $mp/$E2E_CGROUP"; fi
		fi
	done
}

# --- processes -------------------------------------------------------------------

# start NAME CMD...: runs CMD in the node's cgroup, in its own session, with
# its output in logs/NAME.log and its PID in pids/NAME.pid.
start() {
	local name=$1 mp; shift
	(
		for mp in $(cgroup_mounts); do echo "$BASHPID" > "$mp/$E2E_CGROUP/node/cgroup.procs"; done
		exec 9<&- # run.sh's lock stays with run.sh
		exec setsid "$@"
	) > "$E2E_STATE/logs/$name.log" 2>&1 < /dev/null &
	local pid=$! i
	echo "$pid" > "$E2E_STATE/pids/$name.pid"
	# alive/stop recognize the process by its cgroup: wait until it is there.
	for i in $(seq 1 200); do
		if ours "$pid" || ! kill -0 "$pid" 2>/dev/null; then return 0; fi
		sleep 0.05
	done
	e2e_die "$name did not enter cgroup $E2E_CGROUP"
}

# ours PID: the process is in our cgroup (guards against a reused PID).
ours() { grep -q "/$E2E_CGROUP/" "/proc/$1/cgroup" 2>/dev/null; }

stop() {
	local name=$1 pid i
	pid=$(cat "$E2E_STATE/pids/$name.pid" 2>/dev/null) || return 0
	if ours "$pid"; then
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 1 40); do ours "$pid" || break; sleep 0.25; done
		if ours "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
	fi
	rm -f "$E2E_STATE/pids/$name.pid"
}

alive() { local pid; pid=$(cat "$E2E_STATE/pids/$1.pid" 2>/dev/null) && ours "$pid"; }

# wait_for NAME WHAT CMD...: retries CMD for up to 120 s while daemon NAME lives.
wait_for() {
	local name=$1 what=$2 i; shift 2
	for i in $(seq 1 240); do
		if "$@" > /dev/null 2>&1; then return 0; fi
		if ! alive "$name"; then
			tail -n 30 "$E2E_STATE/logs/$name.log" >&2 || true
			e2e_die "$name exited while waiting for $what (log: $E2E_STATE/logs/$name.log)"
		fi
		sleep 0.5
	done
	tail -n 30 "$E2E_STATE/logs/$name.log" >&2 || true
	e2e_die "timed out waiting for $what"
}

# --- host state ------------------------------------------------------------------

record_host() {
	local k p t
	for k in $E2E_SYSCTLS; do echo "$k=$(sysctl -n "$k")"; done > "$E2E_STATE/sysctl.orig"
	for p in $HOST_PATHS; do if [[ ! -e $p ]]; then echo "$p"; fi; done > "$E2E_STATE/host-paths.new"
	for t in filter nat mangle raw; do
		{ iptables-save -t "$t" 2>/dev/null || true; } | sed -n "s/^:\([^ ]*\) .*/4 $t \1/p"
		{ ip6tables-save -t "$t" 2>/dev/null || true; } | sed -n "s/^:\([^ ]*\) .*/6 $t \1/p"
	done > "$E2E_STATE/iptables-chains.orig"
	if command -v nft > /dev/null; then nft list tables > "$E2E_STATE/nft-tables.orig" 2>/dev/null || true; fi
}

# ipt 4|6 ARGS...
ipt() { if [[ $1 == 4 ]]; then shift; iptables -w "$@"; else shift; ip6tables -w "$@"; fi; }

# remove_chain FAMILY TABLE CHAIN: deletes the rules that jump to CHAIN, then CHAIN.
remove_chain() {
	local fam=$1 table=$2 chain=$3 save rule
	if [[ $fam == 4 ]]; then save=iptables-save; else save=ip6tables-save; fi
	"$save" -t "$table" 2>/dev/null | grep -E -- "^-A .* -j $chain( |\$)" | sed 's/^-A /-D /' |
		while read -r rule; do eval "ipt $fam -t $table $rule" || true; done
	ipt "$fam" -t "$table" -F "$chain" 2>/dev/null || true
	ipt "$fam" -t "$table" -X "$chain" 2>/dev/null || true
}

# remove_new_tables: iptables-nft creates the nftables tables it first
# touches; the ones that did not exist before up and hold no rule now go.
# (Outputs are read into variables first: with pipefail, "cmd | grep -q"
# fails whenever grep's early exit makes cmd die of SIGPIPE.)
remove_new_tables() {
	local fam table save tables rules
	[[ -f $E2E_STATE/nft-tables.orig ]] && command -v nft > /dev/null || return 0
	tables=$(nft list tables 2>/dev/null) || return 0
	for fam in ip ip6; do
		if [[ $fam == ip ]]; then save=iptables-save; else save=ip6tables-save; fi
		for table in filter nat mangle raw; do
			if grep -qx "table $fam $table" "$E2E_STATE/nft-tables.orig"; then continue; fi
			if ! grep -qx "table $fam $table" <<< "$tables"; then continue; fi
			rules=$("$save" -t "$table" 2>/dev/null) || continue
			if grep -q '^-A ' <<< "$rules"; then continue; fi
			nft delete table "$fam" "$table" 2>/dev/null || true
		done
	done
}

restore_iptables() {
	local fam table chain save
	remove_chain 4 filter "$E2E_CHAIN_FWD"
	remove_chain 4 nat "$E2E_CHAIN_DNAT"
	# Chains the kubelet or CNI plugins may have made although told not to.
	[[ -f $E2E_STATE/iptables-chains.orig ]] || return 0
	for fam in 4 6; do
		if [[ $fam == 4 ]]; then save=iptables-save; else save=ip6tables-save; fi
		for table in filter nat mangle raw; do
			for chain in $("$save" -t "$table" 2>/dev/null | sed -n 's/^:\(KUBE-[^ ]*\|CNI-[^ ]*\) .*/\1/p'); do
				if ! grep -qx "$fam $table $chain" "$E2E_STATE/iptables-chains.orig"; then
					e2e_log "removing iptables chain $chain ($table, IPv$fam)"
					remove_chain "$fam" "$table" "$chain"
				fi
			done
		done
	done
	remove_new_tables
}

unmount_state() {
	local i m mounts
	for i in $(seq 1 10); do
		mounts=$(awk -v s="$E2E_STATE" '$5 == s || index($5, s "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
		if [[ -z $mounts ]]; then return 0; fi
		for m in $mounts; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
	done
	e2e_log "warning: mounts left under $E2E_STATE"
	return 1
}

# --- up --------------------------------------------------------------------------

write_configs() {
	mkdir -p "$E2E_STATE"/{containerd/certs.d,cni/net.d,cni/ipam,kubelet,pod-logs,etcd,volumes,apiserver}
	cat > "$E2E_STATE/containerd/config.toml" <<EOF
version = 2
root = "$E2E_STATE/containerd/root"
state = "$E2E_STATE/containerd/state"
temp = "$E2E_STATE/containerd/tmp"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]
[grpc]
  address = "$CTRD_SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$E2E_STATE/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$E2E_PAUSE_IMAGE"
  # The sandbox lacks CAP_SYS_RESOURCE: runc cannot lower oom_score_adj.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$E2E_STATE/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$E2E_STATE/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$E2E_STATE/containerd/certs.d"
EOF
	# Every image is imported; a pull of a missing one goes to a closed port
	# on loopback and fails at once instead of reaching a registry.
	local reg
	for reg in _default docker.io ghcr.io registry.k8s.io quay.io localhost; do
		mkdir -p "$E2E_STATE/containerd/certs.d/$reg"
		printf 'server = "http://127.0.0.1:9"\n[host."http://127.0.0.1:9"]\n  capabilities = ["pull", "resolve"]\n' \
			> "$E2E_STATE/containerd/certs.d/$reg/hosts.toml"
	done
	# Pods reach each other on the bridge and the host through it; their only
	# route is the Service range via the node (for the kubernetes Service).
	cat > "$E2E_STATE/cni/net.d/10-nats-e2e.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "nats-e2e",
  "plugins": [{
    "type": "bridge",
    "bridge": "$E2E_BRIDGE",
    "isGateway": false,
    "ipMasq": false,
    "ipam": {
      "type": "host-local",
      "dataDir": "$E2E_STATE/cni/ipam",
      "ranges": [[{"subnet": "$E2E_POD_CIDR", "gateway": "$E2E_NODE_IP", "rangeStart": "${E2E_NODE_IP%.*}.$(( ${E2E_NODE_IP##*.} + 9 ))"}]],
      "routes": [{"dst": "$E2E_SERVICE_CIDR"}]
    }
  }]
}
EOF
	cat > "$E2E_STATE/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
# This host is cgroup v1 (hybrid); kubelet 1.35 refuses v1 by default.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$E2E_CGROUP
containerRuntimeEndpoint: unix://$CTRD_SOCK
address: $E2E_NODE_IP
port: $E2E_KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $E2E_KUBELET_HEALTHZ_PORT
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: AlwaysAllow}
clusterDNS: [$E2E_NODE_IP]
clusterDomain: cluster.local
resolvConf: ""
podLogsDir: $E2E_STATE/pod-logs
makeIPTablesUtilChains: false
failSwapOn: false
# Shorter than the default 1m, so that Secret edits reach the pods sooner.
syncFrequency: 20s
serializeImagePulls: false
evictionHard: {"memory.available": "100Mi", "nodefs.available": "1%", "imagefs.available": "1%"}
imageGCHighThresholdPercent: 100
EOF
	cat > "$E2E_STATE/Corefile" <<EOF
cluster.local:53 {
    bind $E2E_NODE_IP
    errors
    kubernetes cluster.local {
        kubeconfig $PKI/coredns.kubeconfig e2e
    }
}
EOF
}

setup_network() {
	local prefix=${E2E_POD_CIDR#*/}
	ip link add "$E2E_BRIDGE" type bridge
	sysctl -qw "net.ipv6.conf.$E2E_BRIDGE.disable_ipv6=1" || true
	ip addr add "$E2E_NODE_IP/$prefix" dev "$E2E_BRIDGE"
	ip link set "$E2E_BRIDGE" up
	iptables -w -N "$E2E_CHAIN_FWD"
	iptables -w -A "$E2E_CHAIN_FWD" -i "$E2E_BRIDGE" -o "$E2E_BRIDGE" -j ACCEPT
	iptables -w -A "$E2E_CHAIN_FWD" -i "$E2E_BRIDGE" -j DROP
	iptables -w -A "$E2E_CHAIN_FWD" -o "$E2E_BRIDGE" -j DROP
	iptables -w -I FORWARD 1 -j "$E2E_CHAIN_FWD"
	iptables -w -t nat -N "$E2E_CHAIN_DNAT"
	iptables -w -t nat -A "$E2E_CHAIN_DNAT" -i "$E2E_BRIDGE" -d "$E2E_KUBERNETES_SVC_IP/32" -p tcp --dport 443 \
		-j DNAT --to-destination "$E2E_NODE_IP:$E2E_APISERVER_PORT"
	iptables -w -t nat -I PREROUTING 1 -j "$E2E_CHAIN_DNAT"
}

start_control_plane() {
	start etcd "$E2E_ASSETS/etcd" --name e2e --data-dir "$E2E_STATE/etcd" \
		--listen-client-urls "http://127.0.0.1:$E2E_ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$E2E_ETCD_PORT" \
		--listen-peer-urls "http://127.0.0.1:$E2E_ETCD_PEER_PORT" \
		--initial-advertise-peer-urls "http://127.0.0.1:$E2E_ETCD_PEER_PORT" \
		--initial-cluster "e2e=http://127.0.0.1:$E2E_ETCD_PEER_PORT" \
		--listen-metrics-urls "" --unsafe-no-fsync
	wait_for etcd "etcd" curl -sf "http://127.0.0.1:$E2E_ETCD_PORT/health"

	start kube-apiserver "$E2E_ASSETS/kube-apiserver" \
		--etcd-servers "http://127.0.0.1:$E2E_ETCD_PORT" \
		--bind-address "$E2E_NODE_IP" --advertise-address "$E2E_NODE_IP" --secure-port "$E2E_APISERVER_PORT" \
		--cert-dir "$E2E_STATE/apiserver" \
		--tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
		--client-ca-file "$PKI/ca.crt" \
		--service-account-issuer https://kubernetes.default.svc.cluster.local \
		--service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
		--service-cluster-ip-range "$E2E_SERVICE_CIDR" \
		--authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
		--kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
		--kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
		--kubelet-preferred-address-types InternalIP \
		--allow-privileged=true --profiling=false
	wait_for kube-apiserver "the API server" curl -sf --cacert "$PKI/ca.crt" \
		--cert "$PKI/admin.crt" --key "$PKI/admin.key" "$E2E_APISERVER_URL/readyz"

	start kube-controller-manager "$E2E_K8S_BIN/kube-controller-manager" \
		--kubeconfig "$PKI/controller-manager.kubeconfig" \
		--authentication-kubeconfig "$PKI/controller-manager.kubeconfig" \
		--authorization-kubeconfig "$PKI/controller-manager.kubeconfig" \
		--bind-address 127.0.0.1 --secure-port "$E2E_KCM_PORT" \
		--service-account-private-key-file "$PKI/sa.key" --root-ca-file "$PKI/ca.crt" \
		--use-service-account-credentials --leader-elect=false --cluster-name e2e \
		--service-cluster-ip-range "$E2E_SERVICE_CIDR" --profiling=false
	start kube-scheduler "$E2E_K8S_BIN/kube-scheduler" \
		--kubeconfig "$PKI/scheduler.kubeconfig" \
		--authentication-kubeconfig "$PKI/scheduler.kubeconfig" \
		--authorization-kubeconfig "$PKI/scheduler.kubeconfig" \
		--bind-address 127.0.0.1 --secure-port "$E2E_SCHED_PORT" --leader-elect=false --profiling=false
	wait_for kube-controller-manager "the controller manager" curl -sfk "https://127.0.0.1:$E2E_KCM_PORT/healthz"
	wait_for kube-scheduler "the scheduler" curl -sfk "https://127.0.0.1:$E2E_SCHED_PORT/healthz"
}

start_node() {
	start containerd containerd --config "$E2E_STATE/containerd/config.toml"
	wait_for containerd "containerd" ctr version
	local tar
	for tar in $E2E_IMAGES; do
		e2e_log "importing $(basename "$tar")"
		ctr images import "$tar" > /dev/null
	done
	start kubelet "$E2E_K8S_BIN/kubelet" --config "$E2E_STATE/kubelet/config.yaml" \
		--kubeconfig "$PKI/kubelet.kubeconfig" --root-dir "$E2E_STATE/kubelet/root" \
		--cert-dir "$E2E_STATE/kubelet/pki" \
		--hostname-override "$E2E_NODE" --node-ip "$E2E_NODE_IP"
	wait_for kubelet "node $E2E_NODE to be Ready" \
		kubectl wait --for=condition=Ready "node/$E2E_NODE" --timeout=1s

	# CoreDNS reads Services and EndpointSlices with its own identity.
	kubectl apply -f - > /dev/null <<EOF
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: e2e-coredns}
rules:
  - apiGroups: [""]
    resources: [services, namespaces, pods]
    verbs: [list, watch]
  - apiGroups: [discovery.k8s.io]
    resources: [endpointslices]
    verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: e2e-coredns}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-coredns}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: e2e-coredns}]
EOF
	start coredns "$E2E_TOOLS/coredns" -conf "$E2E_STATE/Corefile"
	wait_for coredns "CoreDNS to serve" grep -q "CoreDNS-" "$E2E_STATE/logs/coredns.log"
	# Pods need their namespace's default ServiceAccount and the cluster CA.
	wait_for kube-controller-manager "the default ServiceAccount" kubectl get serviceaccount default
	wait_for kube-controller-manager "kube-root-ca.crt" kubectl get configmap kube-root-ca.crt
}

up() {
	[[ $EUID -eq 0 ]] || e2e_die "node.sh up needs root (it runs containerd and the kubelet)"
	[[ -f $E2E_CACHE/build.env ]] || e2e_die "no $E2E_CACHE/build.env: run hack/e2e/build.sh first"
	# shellcheck disable=SC1091
	source "$E2E_CACHE/build.env"
	if [[ -e $E2E_STATE ]] || ip link show "$E2E_BRIDGE" > /dev/null 2>&1; then
		e2e_log "error: a node is already up or was not cleaned up ($E2E_STATE, bridge $E2E_BRIDGE): run $0 down"
		exit 3 # not ours: the caller must not tear it down
	fi
	local cmd
	for cmd in containerd runc ctr iptables ip curl /usr/lib/cni/bridge /usr/lib/cni/host-local; do
		command -v "$cmd" > /dev/null || e2e_die "$cmd is missing: run $0 deps"
	done
	mkdir -p "$E2E_STATE"/{logs,pids}
	# Any failure from here on (e2e_die exits) leaves the machine as it was.
	trap 'rc=$?; if [[ $rc -ne 0 ]]; then e2e_log "bring-up failed; tearing down"; down; fi' EXIT
	record_host
	e2e_log "node state in $E2E_STATE, API server $E2E_APISERVER_URL"
	"$E2E_TOOLS/pki" -dir "$PKI" -server "$E2E_APISERVER_URL" -node "$E2E_NODE" \
		-ip "$E2E_NODE_IP" -ip "$E2E_KUBERNETES_SVC_IP" \
		-dns kubernetes -dns kubernetes.default -dns kubernetes.default.svc -dns kubernetes.default.svc.cluster.local
	write_configs
	cgroup_create
	setup_network
	start_control_plane
	start_node
	trap - EXIT
	e2e_log "node $E2E_NODE is Ready: export KUBECONFIG=$E2E_KUBECONFIG"
}

# --- down ------------------------------------------------------------------------

down() {
	set +e
	if [[ ! -d $E2E_STATE ]] && ! ip link show "$E2E_BRIDGE" > /dev/null 2>&1 && [[ -z $(cgroup_pids) ]]; then
		restore_iptables
		cgroup_remove
		return 0
	fi
	e2e_log "tearing down the node"
	stop kubelet
	# Containers, stopped through containerd so the shims clean up after themselves.
	if alive containerd; then
		local id
		for id in $(ctr tasks ls -q 2>/dev/null); do ctr tasks kill -s SIGKILL "$id" > /dev/null 2>&1; done
		for id in $(ctr tasks ls -q 2>/dev/null); do ctr tasks delete -f "$id" > /dev/null 2>&1; done
	fi
	local d
	for d in $DAEMONS; do stop "$d"; done
	cgroup_kill_all
	if [[ -d $E2E_STATE/logs ]]; then
		rm -rf "$E2E_LOGS"; mkdir -p "$E2E_LOGS"
		cp -r "$E2E_STATE/logs/." "$E2E_LOGS/" 2>/dev/null
		cp -r "$E2E_STATE/pod-logs" "$E2E_LOGS/pods" 2>/dev/null
	fi
	unmount_state
	local link
	for link in $(ip -o link show master "$E2E_BRIDGE" 2>/dev/null | awk -F': ' '{ print $2 }' | cut -d@ -f1); do
		ip link del "$link" 2>/dev/null
	done
	ip link del "$E2E_BRIDGE" 2>/dev/null
	restore_iptables
	if [[ -f $E2E_STATE/sysctl.orig ]]; then
		local kv
		while read -r kv; do sysctl -qw "$kv"; done < "$E2E_STATE/sysctl.orig"
	fi
	find /var/log/containers -maxdepth 1 -lname "$E2E_STATE/*" -delete 2>/dev/null
	rm -f /var/lib/cni/results/nats-e2e-* 2>/dev/null
	if [[ -f $E2E_STATE/host-paths.new ]]; then
		local p
		while read -r p; do
			if [[ -e $p ]]; then e2e_log "removing $p (created by the node)"; rm -rf --one-file-system "$p"; fi
		done < "$E2E_STATE/host-paths.new"
	fi
	cgroup_remove
	if ! awk -v s="$E2E_STATE" 'index($5, s) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
		rm -rf --one-file-system "$E2E_STATE"
	else
		e2e_log "warning: $E2E_STATE still has mounts; not deleted"
	fi
	e2e_log "node down; logs in $E2E_LOGS"
	set -e
	verify_restored
}

# verify_restored fails when tear-down left anything of the node on the
# machine: its bridge, iptables chains, mounts, processes or state
# directory. Every make e2e checks it, so "the machine is left as found"
# is asserted, not assumed.
verify_restored() {
	local left=()
	ip link show "$E2E_BRIDGE" > /dev/null 2>&1 && left+=("bridge $E2E_BRIDGE")
	# Not 'iptables-save | grep -q' under pipefail: an early grep exit is
	# a SIGPIPE that would read as "not found".
	local rules
	rules=$(iptables-save 2>/dev/null)
	grep -q -e "$E2E_CHAIN_FWD" -e "$E2E_CHAIN_DNAT" <<< "$rules" && left+=("iptables chains $E2E_CHAIN_FWD/$E2E_CHAIN_DNAT")
	awk -v s="$E2E_STATE" 'index($5, s) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo && left+=("mounts under $E2E_STATE")
	[[ -n $(cgroup_pids) ]] && left+=("processes in cgroup $E2E_CGROUP")
	[[ -e $E2E_STATE ]] && left+=("directory $E2E_STATE")
	if ((${#left[@]} > 0)); then
		e2e_log "tear-down left behind: ${left[*]}"
		return 1
	fi
	e2e_log "machine restored: no bridge, iptables chains, mounts, processes or state left"
}

status() {
	local d
	for d in $DAEMONS; do
		if alive "$d"; then echo "$d: running (pid $(cat "$E2E_STATE/pids/$d.pid"))"; else echo "$d: stopped"; fi
	done
	if [[ -f $E2E_CACHE/build.env ]] && [[ -f $E2E_KUBECONFIG ]]; then
		# shellcheck disable=SC1091
		source "$E2E_CACHE/build.env"
		kubectl get nodes,pods -A -o wide 2>/dev/null || true
		echo "export KUBECONFIG=$E2E_KUBECONFIG"
	fi
}

deps() {
	local missing=() p
	for p in $E2E_APT_PACKAGES; do
		if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) != "install ok installed" ]]; then missing+=("$p"); fi
	done
	if [[ ${#missing[@]} -eq 0 ]]; then return 0; fi
	[[ $EUID -eq 0 ]] || e2e_die "missing Debian packages (${missing[*]}); install them as root"
	e2e_log "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
deps) deps ;;
*) echo "usage: $0 deps|up|down|status" >&2; exit 2 ;;
esac
