#!/usr/bin/env bash
# Installs (idempotently) the Debian packages the build and integration tests need.
# Quick no-op when everything is already installed.
set -euo pipefail

PACKAGES=(
  postgresql      # test database (pg_ctlcluster / pg_createcluster tooling)
  nginx-light     # /usr/sbin/nginx
  python3-venv    # venv for Synapse
  python3-dev     # headers for building psycopg2
  libpq-dev       # pg_config / libpq for psycopg2
  build-essential
  curl
  openssl         # certificates of the test OIDC provider
  ca-certificates
  procps
  psmisc
  supervisor      # used by the benchmark
)

log() { echo "[setup-system-packages] $*" >&2; }

is_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == "installed" ]]
}

missing=()
for p in "${PACKAGES[@]}"; do
  # dpkg -s is the check; Status-Status filters out "deinstall/config-files" leftovers.
  if dpkg -s "$p" >/dev/null 2>&1 && is_installed "$p"; then :; else missing+=("$p"); fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  log "all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    log "ERROR: not root and no sudo; cannot install: ${missing[*]}"; exit 1
  fi
fi

log "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
  -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null

for p in "${missing[@]}"; do
  is_installed "$p" || { log "ERROR: $p still not installed"; exit 1; }
done
log "done"
