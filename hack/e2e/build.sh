#!/usr/bin/env bash
# Builds everything the e2e node runs, from the Go module proxy and Debian's
# gcc, without Docker:
#   - the node: kube-apiserver and etcd (hack/testbins/install.sh), and
#     kube-controller-manager, kube-scheduler, kubelet, kubectl from the same
#     hack/testbins module; CoreDNS (minimal, hack/e2e/coredns);
#   - the images the operator deploys, tagged exactly as pod specs name them:
#     nats at the chart's version and an older one, a 1.x nats (gnatsd), the
#     config reloader and the exporter the chart names, pause, and the
#     operator's own image (this working tree's binary, watches.yaml and charts
#     laid out as in the Dockerfile).
# Everything except the operator image is cached in $E2E_CACHE, one directory
# per version, so a warm run only rebuilds the operator.
# Writes $E2E_CACHE/build.env, which node.sh and run.sh read.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMG=${IMG:-ghcr.io/nats-operator/nats-operator:0.1.0}
# The older NATS version of the rolling-change tests.
E2E_NATS_OLD=${E2E_NATS_OLD:-2.14.10}
NICE=(nice -n 10)
mkdir -p "$E2E_CACHE"

# --- Node binaries -----------------------------------------------------------
k8s=$(e2e_k8s_version)
e2e_log "kube-apiserver and etcd (hack/testbins/install.sh)"
assets=$("${NICE[@]}" "$E2E_REPO/hack/testbins/install.sh")

k8s_dir=$E2E_CACHE/k8s-$k8s
build_k8s() {
	e2e_log "building kube-controller-manager, kube-scheduler, kubelet, kubectl $k8s (cold: about 7 minutes)"
	# Same flags as install.sh and go test (no -trimpath, default cgo): the build cache is shared.
	"${NICE[@]}" go -C "$E2E_REPO/hack/testbins" build -ldflags "$(e2e_ldflags "$k8s")" -o "$tmp/" \
		k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler \
		k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kubectl
}
cached "$k8s_dir" build_k8s

# hack/e2e's own programs, keyed by a hash of their sources and pins.
tools_hash=$(cd "$E2E_HERE" && cat go.mod go.sum coredns/*.go imgbuild/*.go pki/*.go | sha256sum | cut -c1-12)
tools_dir=$E2E_CACHE/tools-$tools_hash
build_tools() {
	e2e_log "building CoreDNS, gnatsd, imgbuild, pki (hack/e2e; cold: about 6 minutes)"
	CGO_ENABLED=0 "${NICE[@]}" go -C "$E2E_HERE" build -ldflags "-s -w" -o "$tmp/" \
		./coredns ./imgbuild ./pki github.com/nats-io/gnatsd \
		github.com/nats-io/nack/cmd/nats-server-config-reloader github.com/nats-io/prometheus-nats-exporter
}
cached "$tools_dir" build_tools
imgbuild=$tools_dir/imgbuild
# Images are keyed by the tools that wrote them and by their tag.
images_dir=$E2E_CACHE/images-$tools_hash
mkdir -p "$images_dir"

# --- Images --------------------------------------------------------------------
# go_install DIR MODULE/PKG@VERSION: a static binary from a released module
# (nats-server: two versions cannot share hack/e2e's module).
go_install() {
	local dir=$1 pkg=$2
	build() {
		e2e_log "go install $pkg"
		GOBIN=$tmp CGO_ENABLED=0 "${NICE[@]}" go install -ldflags "-s -w" "$pkg"
	}
	cached "$dir" build
}

images=()
# image NAME BUILD-ARGS...: $images_dir/NAME.tar unless it exists.
image() {
	local out=$images_dir/$1.tar; shift
	if [[ ! -f $out ]]; then
		e2e_log "image $(basename "$out" .tar)"
		"$imgbuild" -o "$out" "$@"
	fi
	images+=("$out")
}

nats_cur=$(e2e_chart_nats_tag)
for v in "$nats_cur" "$E2E_NATS_OLD"; do
	go_install "$E2E_CACHE/nats-server-v$v" "github.com/nats-io/nats-server/v2@v$v"
	image "nats-$v" -tag "nats:$v" -file "$E2E_CACHE/nats-server-v$v/nats-server=/nats-server" \
		-entrypoint /nats-server
done

# 1.x: the seed examples' 1.4.1, whose binary and path were gnatsd.
gnatsd_v=$(go -C "$E2E_HERE" list -m -f '{{.Version}}' github.com/nats-io/gnatsd)
image "nats-${gnatsd_v#v}" -tag "nats:${gnatsd_v#v}" -file "$tools_dir/gnatsd=/gnatsd" -entrypoint /gnatsd

# tool_version MODULE: its version in hack/e2e/go.mod.
tool_version() { go -C "$E2E_HERE" list -m -f '{{.Version}}' "$1"; }
# require_tag IMAGE MODULE: the chart's image tag is the module version we build.
require_tag() {
	local v
	v=$(tool_version "$2")
	if [[ v${1##*:} != "$v" ]]; then
		e2e_die "the chart deploys $1 but hack/e2e/go.mod builds $2 $v: go -C hack/e2e get -tool $2@v${1##*:}"
	fi
}

reloader_img=$(e2e_chart_image reloader)
require_tag "$reloader_img" github.com/nats-io/nack
# The chart runs it by name, so it is on PATH like in the upstream image.
image "reloader-${reloader_img##*:}" -tag "$reloader_img" \
	-file "$tools_dir/nats-server-config-reloader=/usr/local/bin/nats-server-config-reloader" \
	-env PATH=/usr/local/bin:/usr/bin:/bin -entrypoint nats-server-config-reloader

exporter_img=$(e2e_chart_image metrics)
require_tag "$exporter_img" github.com/nats-io/prometheus-nats-exporter
image "exporter-${exporter_img##*:}" -tag "$exporter_img" \
	-file "$tools_dir/prometheus-nats-exporter=/prometheus-nats-exporter" \
	-entrypoint /prometheus-nats-exporter

# pause, from the Kubernetes module's own source.
pause_dir=$E2E_CACHE/pause-$k8s
build_pause() {
	local src
	src=$(go -C "$E2E_REPO/hack/testbins" mod download -json k8s.io/kubernetes | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
	e2e_log "building pause from $src/build/pause/linux/pause.c"
	gcc -static -Os -Wall -Werror -DVERSION="$k8s-e2e" -o "$tmp/pause" "$src/build/pause/linux/pause.c"
	strip "$tmp/pause"
}
cached "$pause_dir" build_pause
pause_img=localhost/e2e-pause:$k8s
image "pause-$k8s" -tag "$pause_img" -file "$pause_dir/pause=/pause" -entrypoint /pause

# The operator's image, always rebuilt: it is the code under test. Built with
# go test's flags (cgo, no -trimpath) so the compile shares the test build's
# cache, and linked statically because the image has no libc.
op_dir=$E2E_CACHE/operator
mkdir -p "$op_dir"
e2e_log "building the operator ($IMG)"
# The static link warns about glibc functions that need NSS at run time
# (user and host lookups); the operator uses neither. Shown only on failure.
if ! "${NICE[@]}" go -C "$E2E_REPO" build -ldflags '-s -w -linkmode=external -extldflags=-static' \
	-o "$op_dir/manager" . 2> "$op_dir/build.log"; then
	cat "$op_dir/build.log" >&2
	e2e_die "the operator does not build"
fi
advertise_img=$(e2e_chart_image advertise)
op_tags=(-tag "$IMG")
if [[ $advertise_img != "$IMG" ]]; then op_tags+=(-tag "$advertise_img"); fi
rm -f "$images_dir/operator.tar"
image operator "${op_tags[@]}" \
	-file "$op_dir/manager=/manager" \
	-file "$E2E_REPO/watches.yaml=/opt/helm/watches.yaml" \
	-tree "$E2E_REPO/helm-charts=/opt/helm/helm-charts" \
	-content "/etc/passwd=root:x:0:0:root:/root:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
" \
	-content "/etc/group=root:x:0:
nonroot:x:65532:
" \
	-dir /tmp=1777 -env HOME=/opt/helm -workdir /opt/helm -user 65532:65532 \
	-entrypoint /manager -cmd run

# Older builds of hack/e2e's tools and their images are never used again.
for d in "$E2E_CACHE"/tools-* "$E2E_CACHE"/images-*; do
	if [[ $d != "$tools_dir" && $d != "$images_dir" ]]; then rm -rf "$d"; fi
done

cat > "$E2E_CACHE/build.env" <<EOF
E2E_ASSETS=$assets
E2E_K8S_BIN=$k8s_dir
E2E_TOOLS=$tools_dir
E2E_PAUSE_IMAGE=$pause_img
E2E_IMAGES="${images[*]}"
E2E_IMG=$IMG
E2E_NATS_VERSION=$nats_cur
E2E_NATS_OLD_VERSION=$E2E_NATS_OLD
E2E_NATS_V1_VERSION=${gnatsd_v#v}
E2E_EXPORTER_IMAGE=$exporter_img
EOF
e2e_log "build done: $E2E_CACHE/build.env"
