#!/usr/bin/env bash
# Builds (idempotently) a real Kubernetes control plane for the tests: kube-apiserver,
# kube-controller-manager, kubectl and etcd, from the Go module proxy.
#
# `go install k8s.io/kubernetes/cmd/kube-apiserver@v1.34.4` (and the same for etcd's server
# module) is refused because those go.mod files contain replace directives. So we build from
# two small modules of our own, with committed go.mod/go.sum (built with -mod=readonly, never
# tidied here): scripts/control-plane/kube (k8s.io/kubernetes with its staging modules replaced
# by their published v0.x releases) and scripts/control-plane/etcd (calls etcdmain.Main).
#
# The binaries are cached outside the checkout, keyed by version:
#   ${MXSTACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxstack}/control-plane/k8s-<v>-etcd-<v>/bin
# A cold build takes 10-15 minutes on 2 cores (~700 MB module cache, ~3.4 GB build cache);
# when the binaries exist this returns in well under a second.
#
# Prints one line on stdout, MXSTACK_CONTROL_PLANE_BIN=<dir>; everything else goes to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/control-plane"
log() { echo "[setup-control-plane] $*" >&2; }

# The versions are the ones pinned in the committed go.mod files.
K8S_VERSION="$(awk '$1 == "require" && $2 == "k8s.io/kubernetes" { print $3 }' "$HERE/kube/go.mod")"
ETCD_VERSION="$(awk '$1 == "require" && $2 == "go.etcd.io/etcd/server/v3" { print $3 }' "$HERE/etcd/go.mod")"
[[ -n "$K8S_VERSION" && -n "$ETCD_VERSION" ]] || { log "cannot read versions from $HERE/*/go.mod"; exit 1; }

ROOT="${MXSTACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mxstack}/control-plane"
DEST="$ROOT/k8s-$K8S_VERSION-etcd-$ETCD_VERSION"
BINS=(kube-apiserver kube-controller-manager kubectl etcd)

complete() { local b; for b in "${BINS[@]}"; do [[ -x "$DEST/bin/$b" ]] || return 1; done; }

if ! complete; then
  mkdir -p "$ROOT"
  exec 9>"$ROOT/.lock"
  flock 9 # one build at a time; a concurrent caller waits, then finds the binaries
fi
if ! complete; then
  command -v go >/dev/null || { log "go is not on PATH (needs Go >= 1.24)"; exit 1; }
  TMP="$(mktemp -d "$ROOT/.build.XXXXXX")"
  trap 'rm -rf "$TMP"' EXIT

  minor="${K8S_VERSION#v*.}"; minor="${minor%%.*}"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
  done

  build() { # build <module dir> <output name> <package> [ldflags]
    log "building $2 ($(go version | cut -d' ' -f3)); log of go follows"
    local start=$SECONDS
    (cd "$1" && CGO_ENABLED=0 nice -n 10 go build -mod=readonly -trimpath \
      -ldflags "${4:--s -w}" -o "$TMP/bin/$2" "$3") >&2
    log "built $2 in $((SECONDS - start)) s"
  }
  mkdir -p "$TMP/bin"
  build "$HERE/etcd" etcd mxstack.local/control-plane/etcd
  for cmd in kube-apiserver kube-controller-manager kubectl; do
    build "$HERE/kube" "$cmd" "k8s.io/kubernetes/cmd/$cmd" "$ldflags"
  done

  rm -rf "$DEST" # an incomplete leftover (bins are only ever moved in complete)
  mkdir -p "$DEST"
  mv -T "$TMP/bin" "$DEST/bin"
  log "installed ${BINS[*]} into $DEST/bin"
fi

echo "MXSTACK_CONTROL_PLANE_BIN=$DEST/bin"
