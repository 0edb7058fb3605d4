#!/usr/bin/env bash
# make e2e-olm: OLM v0 installs this tree's bundle on the e2e node.
#
#   1. build.sh builds the node and the operator image (cached, as make e2e);
#      OLM's olm and catalog operators and opm are built from their Go
#      modules (hack/e2e/olm/go.mod, cached by its hash) into one image;
#   2. `make bundle` runs in a copy of this tree twice, for 0.1.0 and 0.2.0,
#      with the operator image the node has; the operand images the CSVs
#      name (RELATED_IMAGE_*) are moved to a mirror repository, as a
#      disconnected install would, so the tests can tell that the CSV's
#      values reach the NATS pods;
#   3. opm renders the bundles into two file-based catalogs: "latest" (channel
#      entry 0.2.0 replaces 0.1.0) and "previous" (0.1.0 only, the catalog
#      before 0.2.0 was published); the bundles carry their manifests
#      (olm.bundle.object), so OLM needs no bundle image and no unpack Job;
#   4. the node comes up (node.sh), the images are imported, OLM's CRDs and
#      hack/e2e/olm/olm.yaml (olm and catalog operators, opm serving the
#      catalog) are applied, and test/e2e/olm runs: install in the
#      AllNamespaces and OwnNamespace modes, the 0.1.0 → 0.2.0 upgrade, and
#      uninstall through OLM each time;
#   5. the node is torn down whatever happens (node.sh down verifies that
#      the machine is as it was). Everything OLM runs is a pod on the node.
#
# Environment: IMG (the operator image, from the Makefile), E2E_RUN (a -run
# pattern), E2E_KEEP=1 (leave the node up after a failure).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $EUID -eq 0 ]] || e2e_die "make e2e-olm needs root: it runs containerd and a kubelet (see README, End-to-end tests)"
OLM_MOD=$E2E_HERE/olm
OLM_MODULE=github.com/operator-framework/operator-lifecycle-manager
REGISTRY_MODULE=github.com/operator-framework/operator-registry
# Where the bundles' operand images are "mirrored" (tags in the node's containerd).
MIRROR=localhost/e2e-mirror
VERSIONS=(0.1.0 0.2.0)
NICE=(nice -n 10)

# One run at a time per cache: builds and the node are shared with make e2e.
mkdir -p "$E2E_CACHE"
exec 9< "$E2E_CACHE"
flock -n 9 || e2e_die "another make e2e, e2e-up or e2e-olm is running (it holds $E2E_CACHE)"

work=$(mktemp -d "${TMPDIR:-/tmp}/nats-operator-e2e-olm.XXXX")
node_owned=0
cleanup() {
	local rc=$?
	rm -rf "$work"
	e2e_teardown_node "$rc"
}
trap cleanup EXIT

"$E2E_HERE/node.sh" deps
"$E2E_HERE/build.sh"
# shellcheck disable=SC1091
source "$E2E_CACHE/build.env"
export PATH="$E2E_K8S_BIN:$PATH" KUBECONFIG=$E2E_KUBECONFIG
ctr() { command ctr -a "$E2E_CTRD_SOCK" -n k8s.io "$@"; }
build_start=$(date +%s)

# --- OLM and opm ---------------------------------------------------------------
olm_version=$(go -C "$OLM_MOD" list -m -f '{{.Version}}' "$OLM_MODULE")
registry_version=$(go -C "$OLM_MOD" list -m -f '{{.Version}}' "$REGISTRY_MODULE")
olm_image=localhost/e2e-olm:$olm_version
grep -q "image: $olm_image\$" "$OLM_MOD/olm.yaml" ||
	e2e_die "hack/e2e/olm/olm.yaml must run $olm_image, the OLM version hack/e2e/olm/go.mod builds"
olm_dir=$E2E_CACHE/olm-$(cat "$OLM_MOD/go.mod" "$OLM_MOD/go.sum" | sha256sum | cut -c1-12)
build_olm() {
	e2e_log "building OLM $olm_version (olm, catalog) and opm $registry_version (cold: about 2 minutes)"
	# Static, for the image; containers_image_openpgp: opm's image code
	# verifies signatures in Go instead of through gpgme (cgo).
	CGO_ENABLED=0 "${NICE[@]}" go -C "$OLM_MOD" build -tags containers_image_openpgp -o "$tmp/" -ldflags "-s -w \
		-X $OLM_MODULE/pkg/version.OLMVersion=${olm_version#v} \
		-X $REGISTRY_MODULE/cmd/opm/version.opmVersion=$registry_version" \
		"$OLM_MODULE/cmd/olm" "$OLM_MODULE/cmd/catalog" "$REGISTRY_MODULE/cmd/opm"
	"$E2E_TOOLS/imgbuild" -o "$tmp/image.tar" -tag "$olm_image" \
		-file "$tmp/olm=/bin/olm" -file "$tmp/catalog=/bin/catalog" -file "$tmp/opm=/bin/opm" \
		-dir /tmp=1777 -user 65532:65532 -entrypoint /bin/olm
}
cached "$olm_dir" build_olm
for d in "$E2E_CACHE"/olm-*; do if [[ $d != "$olm_dir" ]]; then rm -rf "$d"; fi; done
opm=$olm_dir/opm
# The CRDs of OLM's Helm chart (its quickstart's crds.yaml lacks OLMConfig,
# which the olm operator waits for).
olm_src=$(go -C "$OLM_MOD" mod download -json "$OLM_MODULE" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
olm_crds=$olm_src/deploy/chart/crds
[[ -d $olm_crds ]] || e2e_die "no OLM CRDs in $olm_crds"

# --- Bundles and the catalog ---------------------------------------------------
# repository REF: REF without its tag.
repository() { local r=${1%@*}; if [[ ${r##*/} == *:* ]]; then r=${r%:*}; fi; echo "$r"; }
declare -A operator_image=([0.1.0]=$E2E_IMG [0.2.0]=$(repository "$E2E_IMG"):0.2.0)

# make_bundles: `make bundle` of each version in a copy of this tree (the
# committed bundle/ stays as it is), copied to $work/bundle-<version>.
make_bundles() {
	local src=$work/src v
	mkdir -p "$src"
	git -C "$E2E_REPO" ls-files -z --cached --others --exclude-standard |
		(cd "$E2E_REPO" && tar --null --ignore-failed-read -cf - -T - 2> /dev/null) | tar -xf - -C "$src"
	for v in "${VERSIONS[@]}"; do
		e2e_log "make bundle VERSION=$v IMG=${operator_image[$v]}"
		if ! make -C "$src" --no-print-directory LOCALBIN="$E2E_REPO/bin" bundle \
			VERSION="$v" IMG="${operator_image[$v]}" > "$work/bundle-$v.log" 2>&1; then
			cat "$work/bundle-$v.log" >&2
			e2e_die "make bundle VERSION=$v failed"
		fi
		cp -r "$src/bundle" "$work/bundle-$v"
	done
}

# operand_images CSV: the values of the CSV's RELATED_IMAGE_* variables
# other than the operator's own.
operand_images() {
	awk '/- name: RELATED_IMAGE_/ && !/RELATED_IMAGE_OPERATOR$/ { getline; sub(/^ *value: */, ""); print }' "$1" | sort -u
}

# mirror REF: where REF is in the mirror.
mirror() { echo "$MIRROR/${1##*/}"; }

# mirror_operands CSV: the CSV's operand images (variables and
# relatedImages) name the mirror instead; $work/mirror.list records each
# image and its mirror, for import_images.
mirror_operands() {
	local csv=$1 ref
	for ref in $(operand_images "$csv"); do
		if [[ $ref == "$MIRROR/"* ]]; then continue; fi
		sed -i "s#^\([ -]*\(value\|image\): \)${ref//./\\.}\$#\1$(mirror "$ref")#" "$csv"
		echo "$ref $(mirror "$ref")" >> "$work/mirror.list"
	done
	for ref in $(operand_images "$csv"); do
		if [[ $ref != "$MIRROR/"* ]]; then e2e_die "$csv: operand image $ref left outside the mirror"; fi
	done
}

# annotation KEY: a value of the bundle's metadata/annotations.yaml.
annotation() { sed -n "s/^ *operators\.operatorframework\.io\.bundle\.$1: *//p" "$work/bundle-${VERSIONS[0]}/metadata/annotations.yaml"; }

# write_catalog DIR VERSION...: a file-based catalog in DIR with the
# bundles of VERSIONs in the package's default channel, each replacing the
# one before.
write_catalog() {
	local root=$1 dir=$1/$package v prev=""; shift
	mkdir -p "$dir"
	"$opm" init "$package" --default-channel="$channel" -o yaml > "$dir/package.yaml"
	{
		printf 'schema: olm.channel\npackage: %s\nname: %s\nentries:\n' "$package" "$channel"
		for v in "$@"; do
			printf '  - name: %s.v%s\n' "$package" "$v"
			if [[ -n $prev ]]; then printf '    replaces: %s.v%s\n' "$package" "$prev"; fi
			prev=$v
			cp "$work/bundle-v$v.yaml" "$dir/"
		done
	} > "$dir/channel.yaml"
	"$opm" validate "$root"
}

# make_catalogs: two catalogs, as published before and after 0.2.0's
# release: "previous" holds 0.1.0, "latest" 0.1.0 and 0.2.0. The upgrade
# test subscribes to the first and then sees 0.2.0 appear.
make_catalogs() {
	local v
	package=$(annotation package.v1)
	channel=$(annotation channel.default.v1)
	for v in "${VERSIONS[@]}"; do
		mirror_operands "$work/bundle-$v/manifests/$package.clusterserviceversion.yaml"
		# No image reference: the bundle's objects are embedded (olm.bundle.object).
		"$opm" render "$work/bundle-$v" -o yaml > "$work/bundle-v$v.yaml"
	done
	write_catalog "$work/catalogs/previous" "${VERSIONS[0]}"
	write_catalog "$work/catalogs/latest" "${VERSIONS[@]}"
	"$E2E_TOOLS/imgbuild" -o "$work/catalog.tar" -tag localhost/e2e-nats-catalog:e2e \
		-file "$opm=/bin/opm" -tree "$work/catalogs=/catalogs" -dir /tmp=1777 -user 65532:65532 \
		-entrypoint /bin/opm
	cat > "$work/test.env" <<EOF
E2E_OLM_PACKAGE=$package
E2E_OLM_CHANNEL=$channel
E2E_OLM_FIRST_CSV=$package.v${VERSIONS[0]}
E2E_OLM_NEXT_CSV=$package.v${VERSIONS[1]}
EOF
}

# normalized REF: REF as containerd names it (docker.io/library/nats:2.15.2).
normalized() {
	local first=${1%%/*}
	if [[ $1 != */* ]]; then
		echo "docker.io/library/$1"
	elif [[ $first != *.* && $first != *:* && $first != localhost ]]; then
		echo "docker.io/$1"
	else
		echo "$1"
	fi
}

# import_images: OLM, the catalog, the mirrored operands and the 0.2.0
# operator image (the same build, tagged as the 0.2.0 CSV names it).
import_images() {
	ctr images import "$olm_dir/image.tar" > /dev/null
	ctr images import "$work/catalog.tar" > /dev/null
	local src dst
	sort -u "$work/mirror.list" | while read -r src dst; do
		ctr images tag "$(normalized "$src")" "$dst" > /dev/null ||
			e2e_die "the node has no image $src to mirror as $dst"
	done
	ctr images tag "$(normalized "${operator_image[0.1.0]}")" "$(normalized "${operator_image[0.2.0]}")" > /dev/null
}

install_olm() {
	e2e_log "installing OLM $olm_version (CRDs, olm and catalog operators, the catalog)"
	# Created, not applied: the CRDs are too large for the last-applied annotation.
	kubectl create -f "$olm_crds" > /dev/null
	kubectl wait --for=condition=Established -f "$olm_crds" --timeout=2m > /dev/null
	kubectl apply -f "$OLM_MOD/olm.yaml" > /dev/null
	local d
	for d in olm-operator catalog-operator nats-catalog nats-catalog-previous; do
		kubectl -n olm rollout status "deployment/$d" --timeout=5m
	done
}

test_bin=$E2E_CACHE/e2e-olm.test
compile_tests() { "${NICE[@]}" go -C "$E2E_REPO" test -c -tags e2e -o "$test_bin" ./test/e2e/olm; }

run_tests() {
	e2e_log "running test/e2e/olm${E2E_RUN:+ (-run $E2E_RUN)}"
	# shellcheck disable=SC2046
	(cd "$E2E_REPO/test/e2e/olm" && env $(cat "$work/test.env") \
		E2E_KUBECONFIG="$E2E_KUBECONFIG" E2E_OLM_NAMESPACE=olm \
		E2E_OLM_CATALOG_ADDRESS=nats-catalog.olm.svc.cluster.local:50051 \
		E2E_OLM_PREVIOUS_CATALOG_ADDRESS=nats-catalog-previous.olm.svc.cluster.local:50051 \
		E2E_OLM_FIRST_IMG="${operator_image[0.1.0]}" E2E_OLM_NEXT_IMG="${operator_image[0.2.0]}" \
		E2E_OLM_MIRROR="$MIRROR" E2E_NATS_VERSION="$E2E_NATS_VERSION" \
		"$test_bin" -test.v -test.count=1 -test.timeout=30m ${E2E_RUN:+-test.run="$E2E_RUN"})
}

compile_tests > "$work/compile.log" 2>&1 &
compile_pid=$!
make_bundles
make_catalogs
wait "$compile_pid" || { cat "$work/compile.log" >&2; e2e_die "test/e2e/olm does not compile"; }
e2e_log "OLM, bundles and catalog ready in $(( $(date +%s) - build_start ))s"

start=$(date +%s)
e2e_start_node
import_images
install_olm
e2e_log "node up and OLM running in $(( $(date +%s) - start ))s"
failed=0
run_tests || failed=1
e2e_log "e2e-olm took $(( $(date +%s) - start ))s after the build"
exit "$failed"
