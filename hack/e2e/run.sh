#!/usr/bin/env bash
# make e2e: build everything (cached), bring up the node, deploy the
# operator namespace-scoped with `make deploy-namespace-scoped` (its real
# Deployment, RBAC and probes), run test/e2e, then redeploy it with `make
# deploy` (every namespace) and run the install-scope test again; the node is torn down and the machine restored whatever happens.
#
#   run.sh          the whole run (make e2e)
#   run.sh up       build, bring up the node and deploy the operator, and
#                   leave it running (make e2e-up; make e2e-down stops it)
#
# Environment: IMG (the operator image, from the Makefile), E2E_RUN (a -run
# pattern for the tests), E2E_PARALLEL (tests at once, default 3),
# E2E_KEEP=1 (leave the node up after a failure, for a person to look).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $EUID -eq 0 ]] || e2e_die "make e2e needs root: it runs containerd and a kubelet (see README, End-to-end tests)"
mode=${1:-all}
OPERATOR_NS=nats-operator-system
OPERATOR_DEPLOY=nats-operator-controller-manager

# One run at a time per cache: builds and the node are shared.
mkdir -p "$E2E_CACHE"
exec 9< "$E2E_CACHE"
flock -n 9 || e2e_die "another make e2e or e2e-up is running (it holds $E2E_CACHE)"

"$E2E_HERE/node.sh" deps
"$E2E_HERE/build.sh"
# shellcheck disable=SC1091
source "$E2E_CACHE/build.env"
export PATH="$E2E_K8S_BIN:$PATH" KUBECONFIG=$E2E_KUBECONFIG
make_() { make -C "$E2E_REPO" --no-print-directory "$@" IMG="$E2E_IMG" KUBECTL="$E2E_K8S_BIN/kubectl"; }

deploy() {
	local target=$1
	e2e_log "make $target IMG=$E2E_IMG"
	make_ "$target"
	kubectl -n "$OPERATOR_NS" rollout status "deployment/$OPERATOR_DEPLOY" --timeout=5m
}

# The test binary compiles while the node comes up.
test_bin=$E2E_CACHE/e2e.test
compile_tests() { nice -n 10 go -C "$E2E_REPO" test -c -tags e2e -o "$test_bin" ./test/e2e; }

run_tests() {
	local install=$1 pattern=$2
	e2e_log "running test/e2e ($install-scoped operator${pattern:+, -run $pattern})"
	(cd "$E2E_REPO/test/e2e" && env \
		E2E_KUBECONFIG="$E2E_KUBECONFIG" E2E_NAMESPACE="$OPERATOR_NS" E2E_INSTALL="$install" \
		E2E_OPERATOR_NS="$OPERATOR_NS" E2E_OPERATOR_DEPLOY="$OPERATOR_DEPLOY" \
		E2E_NATS_VERSION="$E2E_NATS_VERSION" E2E_NATS_OLD_VERSION="$E2E_NATS_OLD_VERSION" \
		E2E_NATS_V1_VERSION="$E2E_NATS_V1_VERSION" E2E_VOLUME_DIR="$E2E_STATE/volumes" \
		E2E_NODE_IP="$E2E_NODE_IP" \
		"$test_bin" -test.v -test.count=1 -test.timeout=45m -test.parallel="${E2E_PARALLEL:-3}" \
		${pattern:+-test.run="$pattern"})
}

if [[ $mode == up ]]; then
	"$E2E_HERE/node.sh" up
	deploy deploy
	# The README's example, so that there are NATS pods to look at.
	kubectl apply -f "$E2E_REPO/config/samples/nats_v1alpha2_natscluster.yaml"
	kubectl wait --for=condition=Ready natscluster/example-nats --timeout=5m
	kubectl get natsclusters,pods -o wide
	e2e_log "operator deployed, example-nats running; export KUBECONFIG=$E2E_KUBECONFIG; stop with make e2e-down"
	exit 0
fi

# Only a node this run started is torn down.
node_owned=0
trap 'e2e_teardown_node $?' EXIT

compile_tests > "$E2E_CACHE/e2e.test.log" 2>&1 &
compile_pid=$!
start=$(date +%s)
e2e_start_node
e2e_log "node up in $(( $(date +%s) - start ))s"
wait "$compile_pid" || { cat "$E2E_CACHE/e2e.test.log" >&2; e2e_die "test/e2e does not compile"; }

failed=0
deploy deploy-namespace-scoped
run_tests namespace "${E2E_RUN:-}" || failed=1

# The same operator, cluster-scoped (make deploy's default): uninstall
# (which must work, NatsClusters left by the tests included), reinstall.
e2e_log "make undeploy-namespace-scoped; make deploy"
make_ undeploy-namespace-scoped DELETE_CLUSTERS=true
deploy deploy
run_tests cluster TestInstallScope || failed=1
make_ undeploy DELETE_CLUSTERS=true

e2e_log "e2e took $(( $(date +%s) - start ))s after the build"
exit "$failed"
