#!/usr/bin/env bash
# Builds the envtest control-plane binaries (kube-apiserver, etcd) from the Go
# module proxy and prints the directory to use as KUBEBUILDER_ASSETS.
# Versions come from this directory's go.mod; the result is cached outside the
# repository, one directory per version pair, so a warm run costs nothing.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
k8s=$(go -C "$here" list -m -f '{{.Version}}' k8s.io/kubernetes)
etcd=$(go -C "$here" list -m -f '{{.Version}}' go.etcd.io/etcd/server/v3)
out=${TESTBINS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/nats-operator-testbins}/k8s-$k8s-etcd-$etcd
if [[ -x $out/kube-apiserver && -x $out/etcd ]]; then echo "$out"; exit 0; fi
minor=${k8s#v1.}; minor=${minor%%.*}
# The version stamp matters: Helm reads the server version for kubeVersion checks.
ld="-s -w"
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld+=" -X $p.gitVersion=$k8s -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
done
mkdir -p "$(dirname "$out")"
tmp=$(mktemp -d "${out}.XXXX")
echo "building kube-apiserver $k8s and etcd $etcd into $out (cold: about 8 minutes)" >&2
# Same flags as go test (no -trimpath, default cgo) so the build cache is shared.
go -C "$here" build -ldflags "$ld" -o "$tmp/" k8s.io/kubernetes/cmd/kube-apiserver ./etcd >&2
rm -rf "$out"; mv "$tmp" "$out"
echo "$out"
