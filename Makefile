# NATS operator: a Helm-hybrid operator (helm-operator-plugins + controller-runtime).
# `make` lists the targets; `make test` is the one command CI runs (.ci/run).

VERSION ?= 0.1.0
IMG ?= ghcr.io/nats-operator/nats-operator:$(VERSION)
# The image name config/manager/kustomization.yaml gives the manager; deploy targets retag it to $(IMG).
IMG_BASE ?= ghcr.io/nats-operator/nats-operator
CONTAINER_TOOL ?= docker

# Tools are built from pinned nested modules into ./bin, never `go install`ed
# from the network, so every machine gets the same versions.
LOCALBIN ?= $(CURDIR)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen
KUSTOMIZE ?= $(LOCALBIN)/kustomize
GOLANGCI_LINT ?= $(LOCALBIN)/golangci-lint
# kubectl on PATH if there is one, else one built from hack/testbins (same k8s version as envtest).
ifeq ($(origin KUBECTL),undefined)
KUBECTL := $(or $(shell command -v kubectl 2>/dev/null),$(LOCALBIN)/kubectl)
endif
# Prerequisite only when KUBECTL is ours to build (KUBECTL=oc etc. must not become a target).
KUBECTL_DEP = $(filter $(LOCALBIN)/kubectl,$(KUBECTL))

# What `make manifests generate bundle` writes; verify-generated compares
# exactly these paths, so uncommitted edits to hand-written files never
# read as stale generated ones.
GENERATED_PATHS ?= api/v1alpha2/zz_generated.deepcopy.go config/crd/bases config/rbac/generated \
	bundle bundle.Dockerfile helm-charts/nats-operator/crds helm-charts/nats-operator/files/rbac-rules.yaml \
	helm-charts/nats-cluster/values.schema.json

# Recipes are sequences of dependent steps and go parallelises internally.
.NOTPARALLEL:
SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

.DEFAULT_GOAL := help

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-24s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

# The Go controllers' RBAC goes to its own file so it never overwrites the
# hand-written Helm role config/rbac/helm_role.yaml (helm-operator-plugins#142).
# controller-gen writes nothing when there are no rbac markers, so start clean and
# fall back to an empty role: the file always exists, matches the markers, and
# config/rbac still builds.
.PHONY: manifests
manifests: $(CONTROLLER_GEN) ## Generate CRDs into config/crd/bases and the Go controllers' RBAC into config/rbac/generated.
	rm -f config/rbac/generated/role.yaml
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd:allowDangerousTypes=true webhook paths="./..." output:crd:artifacts:config=config/crd/bases output:rbac:artifacts:config=config/rbac/generated
	@if [ ! -f config/rbac/generated/role.yaml ]; then \
		mkdir -p config/rbac/generated; \
		printf -- '---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: manager-role\nrules: []\n' > config/rbac/generated/role.yaml; \
	fi

.PHONY: generate
generate: $(CONTROLLER_GEN) ## Generate DeepCopy methods (zz_generated.deepcopy.go) and the nats-cluster chart's values.schema.json (from values.ChartValues).
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."
	go run ./hack/valuesschema

.PHONY: fmt
fmt: $(GOLANGCI_LINT) ## Format the code (gofmt + goimports, as configured in .golangci.yml).
	$(GOLANGCI_LINT) fmt ./...

.PHONY: vet
vet: ## Run go vet.
	go vet ./...

.PHONY: lint
lint: $(GOLANGCI_LINT) ## Run golangci-lint (linters and formatters of .golangci.yml).
	$(GOLANGCI_LINT) run ./...

.PHONY: tidy-check
tidy-check: ## Fail if go mod tidy changes any go.mod/go.sum (root and hack/ tool modules).
	@for m in . hack/tools hack/lint hack/testbins; do go -C $$m mod tidy; done
	@git diff --exit-code -- go.mod go.sum 'hack/*/go.mod' 'hack/*/go.sum' \
		|| { echo "go.mod/go.sum are not tidy: run go mod tidy and commit" >&2; exit 1; }

# make run serves the operator's metrics (plain HTTP) and health probes on
# loopback and prints where; "0" turns one off.
RUN_METRICS_ADDR ?= 127.0.0.1:8080
RUN_PROBE_ADDR ?= 127.0.0.1:8081

.PHONY: run
run: $(KUSTOMIZE) $(KUBECTL_DEP) ## Run the operator from source: embedded control plane without a kubeconfig, else against the current cluster; NODE=1: on a real single-node cluster with NATS pods (make e2e-up).
	@if [ "$(NODE)" = 1 ]; then \
		$(MAKE) --no-print-directory e2e-up; \
	elif [ -z "$${KUBECONFIG:-}" ] && [ ! -f "$$HOME/.kube/config" ]; then \
		echo "no kubeconfig: starting an embedded control plane (go run ./cmd/nats-operator-local)"; \
		assets="$$(hack/testbins/install.sh)"; \
		KUBEBUILDER_ASSETS="$$assets" go run ./cmd/nats-operator-local --metrics-bind-address=$(RUN_METRICS_ADDR) \
			--health-probe-bind-address=$(RUN_PROBE_ADDR); \
	else \
		$(KUSTOMIZE) build config/crd | $(KUBECTL) apply -f -; \
		go run . run --watches-file=watches.yaml --metrics-bind-address=$(RUN_METRICS_ADDR) --metrics-secure=false \
			--health-probe-bind-address=$(RUN_PROBE_ADDR); \
	fi

##@ Testing

.PHONY: testbins
testbins: ## Build (once, cached in ~/.cache) kube-apiserver and etcd for envtest; prints the KUBEBUILDER_ASSETS dir.
	hack/testbins/install.sh

.PHONY: verify-generated
verify-generated: $(CONTROLLER_GEN) $(KUSTOMIZE) ## Fail if the generated files differ from what the sources in this tree generate.
	@tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -cf - -T - 2>/dev/null | tar -xf - -C "$$tmp"; \
	$(MAKE) --no-print-directory -C "$$tmp" LOCALBIN=$(LOCALBIN) manifests generate bundle >"$$tmp/.generate.log" 2>&1 \
		|| { cat "$$tmp/.generate.log" >&2; exit 1; }; \
	stale=0; for p in $(GENERATED_PATHS); do \
		diff -r -q "$$p" "$$tmp/$$p" || stale=1; \
	done; \
	if [ "$$stale" != 0 ]; then \
		echo "generated files are stale: run make manifests generate bundle and commit" >&2; exit 1; \
	fi

.PHONY: test
test: tools $(LOCALBIN)/kubectl verify-generated vet lint ## CI entry point: regenerate + drift check, vet, lint, all tests incl. envtest and test/kubectl (bin/kubectl), each fuzzer briefly, then make e2e and make e2e-olm on a real node (root; E2E=0 leaves them out).
	assets="$$(hack/testbins/install.sh)"; \
	KUBEBUILDER_ASSETS="$$assets" go test ./... -count=1 -timeout 60m
	$(MAKE) fuzz FUZZTIME=$(TEST_FUZZTIME)
	@if [ "$(E2E)" = 0 ]; then \
		echo "make test: E2E=0, the end-to-end tier (make e2e, make e2e-olm) was not run" >&2; \
	elif [ "$$(id -u)" != 0 ]; then \
		echo "make test: the end-to-end tier (make e2e, make e2e-olm) needs root and was not run; CI runs it" >&2; \
	else \
		$(MAKE) --no-print-directory e2e && $(MAKE) --no-print-directory e2e-olm; \
	fi

# How long `make test` runs each fuzzer beyond its seed corpus. The
# instrumented build costs a few minutes once (the Go build cache keeps it).
TEST_FUZZTIME ?= 5s

# Fuzz targets: go test runs each seed corpus, and `make test` each fuzzer
# for TEST_FUZZTIME; this runs them FUZZTIME per target.
FUZZTIME ?= 30s
FUZZ_TARGETS = internal/natsconf:FuzzString internal/natsconf:FuzzKeyAndLiteral \
	internal/auth:FuzzParseClients internal/values:FuzzChartValues internal/render:FuzzRender \
	internal/overlay:FuzzApply

.PHONY: fuzz
fuzz: ## Fuzz the nats.conf encoder, the clients-auth parser, the values translation, the render and the object overrides (FUZZTIME each).
	@for t in $(FUZZ_TARGETS); do \
		pkg="$${t%%:*}"; name="$${t##*:}"; \
		echo "fuzz $$name in ./$$pkg for $(FUZZTIME)"; \
		go test "./$$pkg" -run='^$$' -fuzz="^$$name$$" -fuzztime=$(FUZZTIME) || exit 1; \
	done

.PHONY: integration
integration: ## Run only the packages with integration tests (a real kube-apiserver + etcd from hack/testbins).
	assets="$$(hack/testbins/install.sh)"; \
	pkgs="$$(grep -rl --include='*_test.go' -e 'testutil.Integration(' -e 'testutil.RunIntegration(' internal test | xargs -n1 dirname | sort -u | sed 's|^|./|')"; \
	KUBEBUILDER_ASSETS="$$assets" go test $$pkgs -count=1 -timeout 60m

.PHONY: unit
unit: ## Run the fast tests only (-short: no envtest control plane).
	go test -short ./...

# The scale benchmark of docs/benchmarks.md: the operator as its own process
# beside the Helm SDK on one API server. Knobs are environment variables
# (BENCH_QUICK=1 for a run of a few minutes, BENCH_N, BENCH_IDLE, ...); the
# table is printed last and kept in $$BENCH_DIR/results.md.
BENCH_TIMEOUT ?= 4h

.PHONY: bench
bench: ## Go benchmarks, then the scale benchmark against the Helm SDK (docs/benchmarks.md; BENCH_QUICK=1: a few minutes).
	assets="$$(hack/testbins/install.sh)"; \
	KUBEBUILDER_ASSETS="$$assets" go test -run='^$$' -bench=. -benchmem ./...; \
	KUBEBUILDER_ASSETS="$$assets" NATS_OPERATOR_BENCH=1 go test ./test/bench/ -run='^TestBench$$' -count=1 -v -timeout=$(BENCH_TIMEOUT)

##@ Build

.PHONY: build
build: ## Build the operator binary into bin/nats-operator.
	CGO_ENABLED=0 go build -trimpath -o bin/nats-operator .

.PHONY: docker-build
docker-build: ## Build the operator image (IMG, default ghcr.io/nats-operator/nats-operator:VERSION).
	$(CONTAINER_TOOL) build -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the operator image IMG.
	$(CONTAINER_TOOL) push $(IMG)

# The platforms the bundle's CSV declares (operatorframework.io/arch.* labels).
PLATFORMS ?= linux/amd64,linux/arm64

.PHONY: docker-buildx
docker-buildx: ## Build and push the operator image IMG for PLATFORMS (the release image).
	$(CONTAINER_TOOL) buildx build --platform=$(PLATFORMS) --push --tag $(IMG) .

# OLM bundle. The operator-sdk CLI cannot be built here, so hack/bundlegen
# (internal/bundle) turns the kustomize output of config/manifests into
# bundle/ and bundle.Dockerfile, and writes the operator chart's generated
# files (helm-charts/nats-operator/crds, files/rbac-rules.yaml) in the same
# run so that they never drift. internal/bundle's tests validate the result
# with operator-framework/api and check that it is reproducible.
PACKAGE_NAME ?= nats-operator
# OLM's channel naming convention (candidate, fast, stable, with the major
# version): 0.x releases go to candidate-v0.
CHANNELS ?= candidate-v0
DEFAULT_CHANNEL ?= candidate-v0
BUNDLE_IMG ?= $(IMG_BASE)-bundle:v$(VERSION)
BUNDLE_GEN_FLAGS ?= --package=$(PACKAGE_NAME) --version=$(VERSION) --channels=$(CHANNELS) \
	--default-channel=$(DEFAULT_CHANNEL) --operator-image=$(IMG)

.PHONY: bundle
bundle: manifests $(KUSTOMIZE) ## Generate the OLM bundle (bundle/, bundle.Dockerfile) and the operator chart's CRDs and RBAC rules from config/.
	$(KUSTOMIZE) build config/manifests | go run ./hack/bundlegen $(BUNDLE_GEN_FLAGS)

.PHONY: bundle-build
bundle-build: ## Build the bundle image BUNDLE_IMG.
	$(CONTAINER_TOOL) build -f bundle.Dockerfile -t $(BUNDLE_IMG) .

.PHONY: bundle-push
bundle-push: ## Push the bundle image BUNDLE_IMG.
	$(CONTAINER_TOOL) push $(BUNDLE_IMG)

.PHONY: tools
tools: $(CONTROLLER_GEN) $(KUSTOMIZE) $(GOLANGCI_LINT) ## Build controller-gen, kustomize and golangci-lint into ./bin.

.PHONY: kubectl
kubectl: $(LOCALBIN)/kubectl ## Build bin/kubectl from hack/testbins (k8s v1.35.4, matches envtest).

# File targets: built once, rebuilt only when the pinning module changes.
$(CONTROLLER_GEN): hack/tools/go.mod hack/tools/go.sum
	go -C hack/tools build -o $(LOCALBIN)/ sigs.k8s.io/controller-tools/cmd/controller-gen

$(KUSTOMIZE): hack/tools/go.mod hack/tools/go.sum
	go -C hack/tools build -o $(LOCALBIN)/ sigs.k8s.io/kustomize/kustomize/v5

$(GOLANGCI_LINT): hack/lint/go.mod hack/lint/go.sum
	go -C hack/lint build -o $(LOCALBIN)/ github.com/golangci/golangci-lint/v2/cmd/golangci-lint

# Version-stamped like install.sh's binaries, else kubectl reports v0.0.0-master.
$(LOCALBIN)/kubectl: hack/testbins/go.mod hack/testbins/go.sum
	v="$$(go -C hack/testbins list -m -f '{{.Version}}' k8s.io/kubernetes)"; m="$${v#v1.}"; m="$${m%%.*}"; \
	ld="-s -w"; for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do \
		ld+=" -X $$p.gitVersion=$$v -X $$p.gitMajor=1 -X $$p.gitMinor=$$m -X $$p.gitTreeState=clean"; \
	done; \
	go -C hack/testbins build -ldflags "$$ld" -o $(LOCALBIN)/ k8s.io/kubernetes/cmd/kubectl

##@ Deployment

ignore-not-found ?= false
# Whether undeploy's kubectl delete waits for objects to be gone (a control
# plane without a namespace controller, like envtest, never removes a Namespace).
wait ?= true
# make undeploy DELETE_CLUSTERS=true deletes every NatsCluster and
# NatsServiceRole first, and waits for the operator to clean them up.
DELETE_CLUSTERS ?= false

# kustomize-img builds overlay $(1) with the manager image set to $(IMG) (a tag
# or a digest), through a throw-away overlay so that no file under config/ is
# edited (the drift check would trip). The overlay repeats config/manager's
# replacement, which runs after its images transformer, so that
# RELATED_IMAGE_OPERATOR is $(IMG) too. It lives in the git-ignored bin/
# because kustomize refuses absolute resource paths.
define kustomize-img
mkdir -p bin; tmp="$$(mktemp -d bin/overlay.XXXXXX)"; trap 'rm -rf "$$tmp"' EXIT; \
cp config/manager/operator-image.yaml "$$tmp/"; \
printf 'resources:\n- ../../%s\nreplacements:\n- path: operator-image.yaml\n' "$(1)" > "$$tmp/kustomization.yaml"; \
(cd "$$tmp" && $(KUSTOMIZE) edit set image $(IMG_BASE)=$(IMG)); \
$(KUSTOMIZE) build "$$tmp"
endef

# no-clusters-left runs before the operator is removed. NatsClusters and
# NatsServiceRoles carry finalizers that only the running operator clears:
# removing it (and the CRDs) first leaves them, and the CRD deletion, stuck
# for ever. So undeploy refuses while any exist, or deletes them and waits
# for the operator to clean up when DELETE_CLUSTERS=true.
define no-clusters-left
if $(KUBECTL) get crd natsclusters.nats.io natsserviceroles.nats.io >/dev/null 2>&1; then \
	left="$$($(KUBECTL) get natsclusters.nats.io,natsserviceroles.nats.io -A --no-headers \
		-o custom-columns=KIND:.kind,NAMESPACE:.metadata.namespace,NAME:.metadata.name)"; \
	if [ -n "$$left" ] && [ "$(DELETE_CLUSTERS)" = true ]; then \
		echo "deleting every NatsCluster and NatsServiceRole, waiting for the operator to clean up:"; echo "$$left"; \
		$(KUBECTL) delete natsclusters.nats.io,natsserviceroles.nats.io --all -A --wait --timeout=5m; \
	elif [ -n "$$left" ]; then \
		echo "refusing to remove the operator: these objects still exist, and their finalizers need the operator running:" >&2; \
		echo "$$left" >&2; \
		echo "Delete them first (kubectl delete natsclusters,natsserviceroles --all -A; this stops their NATS servers)," >&2; \
		echo "or run make undeploy DELETE_CLUSTERS=true to delete them and wait." >&2; \
		exit 1; \
	fi; \
fi
endef

.PHONY: install
install: $(KUSTOMIZE) $(KUBECTL_DEP) ## Install the CRDs into the current cluster.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) apply -f -

.PHONY: uninstall
uninstall: $(KUSTOMIZE) $(KUBECTL_DEP) ## Remove the CRDs (and every NatsCluster) from the current cluster.
	$(KUSTOMIZE) build config/crd | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) -f -

.PHONY: deploy
deploy: $(KUSTOMIZE) $(KUBECTL_DEP) ## Deploy the operator with image IMG, watching every namespace.
	$(call kustomize-img,config/default) | $(KUBECTL) apply -f -

.PHONY: deploy-no-token-secrets
deploy-no-token-secrets: $(KUSTOMIZE) $(KUBECTL_DEP) ## Deploy like deploy, without the serviceaccounts/token permission (ServiceAccount users only in callout mode).
	$(call kustomize-img,config/no-token-secrets) | $(KUBECTL) apply -f -

.PHONY: deploy-cluster-scoped
deploy-cluster-scoped: deploy ## Same as deploy (every namespace); kept for existing scripts.

.PHONY: deploy-namespace-scoped
deploy-namespace-scoped: $(KUSTOMIZE) $(KUBECTL_DEP) ## Deploy the operator watching only its own namespace, with namespaced Roles.
	$(call kustomize-img,config/namespace-scoped) | $(KUBECTL) apply -f -

.PHONY: undeploy
undeploy: $(KUSTOMIZE) $(KUBECTL_DEP) ## Remove the operator and the CRDs; refuses while NatsClusters exist (DELETE_CLUSTERS=true deletes them first).
	@$(no-clusters-left)
	$(KUSTOMIZE) build config/default | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) --wait=$(wait) -f -

.PHONY: undeploy-cluster-scoped
undeploy-cluster-scoped: undeploy ## Same as undeploy; kept for existing scripts.

.PHONY: undeploy-namespace-scoped
undeploy-namespace-scoped: $(KUSTOMIZE) $(KUBECTL_DEP) ## Remove a namespace-scoped operator; refuses while NatsClusters exist (DELETE_CLUSTERS=true deletes them first).
	@$(no-clusters-left)
	$(KUSTOMIZE) build config/namespace-scoped | $(KUBECTL) delete --ignore-not-found=$(ignore-not-found) --wait=$(wait) -f -

##@ End-to-end

# A single-node Kubernetes cluster on this machine (hack/e2e): needs root and
# Debian (it installs containerd, runc and the CNI plugins). Builds are cached
# in ~/.cache/nats-operator-e2e; README "End-to-end tests" lists what the node
# changes and how it is undone.

.PHONY: e2e
e2e: ## Run test/e2e on a real node with the operator deployed by make deploy; tears the node down and restores the machine.
	IMG=$(IMG) hack/e2e/run.sh

.PHONY: e2e-up
e2e-up: ## Start the e2e node and deploy the operator into it (real NATS pods to look at); make e2e-down stops it.
	IMG=$(IMG) hack/e2e/run.sh up

.PHONY: e2e-down
e2e-down: ## Stop the e2e node and restore the machine (processes, mounts, bridge, iptables, sysctls).
	hack/e2e/node.sh down

.PHONY: e2e-olm
e2e-olm: ## OLM v0 installs this tree's bundle on the e2e node: AllNamespaces and OwnNamespace, upgrade 0.1.0 -> 0.2.0, uninstall; tears the node down.
	IMG=$(IMG) hack/e2e/olm.sh

##@ Hostile input

# The generated corpus of hostile and invalid NatsClusters (test/hostile),
# applied to a real kube-apiserver with the operator running. `make test`
# applies a deterministic sample of it; this applies all of it (HOSTILE_FULL).

.PHONY: hostile
hostile: ## Apply the whole hostile NatsCluster corpus to envtest with the operator running, and check what it made.
	assets="$$(hack/testbins/install.sh)"; \
	HOSTILE_FULL=1 KUBEBUILDER_ASSETS="$$assets" go test ./test/hostile/ -run TestHostileCorpus -count=1 -timeout 120m -v
