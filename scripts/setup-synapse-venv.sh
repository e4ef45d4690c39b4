#!/usr/bin/env bash
# Creates (idempotently) a Python venv with the pinned Synapse and its extras from PyPI
# (cloudron/synapse-requirements.txt, hash-checked, as the image installs them).
#
#   SYNAPSE_VENV   venv location (default: <repo>/.venv/synapse)
#   PYTHON         interpreter used to create the venv (default: the distribution's
#                  /usr/bin/python3 when it has venv, else python3 from PATH; needs >= 3.10).
#                  The distribution's interpreter is one every user may run, as in the image:
#                  the supervisor runs Synapse as an unprivileged user.
#
# Prints the venv path as the last line of stdout.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=versions.env
source "$REPO/scripts/versions.env"

VENV="${SYNAPSE_VENV:-$REPO/.venv/synapse}"
if [[ -z "${PYTHON:-}" ]]; then
  PYTHON=python3
  if [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    PYTHON=/usr/bin/python3
  fi
fi

log() { echo "[setup-synapse-venv] $*" >&2; }

installed_version() {
  # The installed distribution's version: synapse.__version__ appends git details when run
  # from inside a git checkout, as this venv is.
  "$VENV/bin/python" -c 'import importlib.metadata as m, synapse; print(m.version("matrix-synapse"))' 2>/dev/null || true
}

REQUIREMENTS="$REPO/cloudron/synapse-requirements.txt"
# The venv records the hash of the requirements it was installed from: a venv from an older set
# (one without an extra a spec field needs) is brought up to date, not kept.
STAMP="$VENV/.mxstack-requirements.sha256"
wanted="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [[ "$(installed_version)" == "$SYNAPSE_VERSION" && "$(cat "$STAMP" 2>/dev/null)" == "$wanted" ]] \
   && "$VENV/bin/python" -c 'import psycopg2' >/dev/null 2>&1; then
  log "matrix-synapse $SYNAPSE_VERSION already installed in $VENV"
  echo "$VENV"
  exit 0
fi

if ! command -v "$PYTHON" >/dev/null 2>&1; then
  log "ERROR: '$PYTHON' not found; install python3 (scripts/setup-system-packages.sh) or set PYTHON"
  exit 1
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)'; then
  log "ERROR: $("$PYTHON" --version 2>&1) is too old for Synapse $SYNAPSE_VERSION (need >= 3.10)"
  exit 1
fi

# (Re)create the venv if it is missing or broken (e.g. its base interpreter went away).
if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  log "creating venv $VENV with $("$PYTHON" --version 2>&1) ($(command -v "$PYTHON"))"
  rm -rf "$VENV"
  mkdir -p "$(dirname "$VENV")"
  if ! "$PYTHON" -m venv "$VENV"; then
    log "ERROR: '$PYTHON -m venv' failed; on Debian install python3-venv (scripts/setup-system-packages.sh)"
    rm -rf "$VENV"
    exit 1
  fi
fi

log "installing matrix-synapse $SYNAPSE_VERSION with its extras (cloudron/synapse-requirements.txt) into $VENV"
# pip's chatter goes to stderr so that stdout only carries the venv path.
# The same hash-pinned set the container image installs (cloudron/synapse-requirements.txt,
# compiled from cloudron/synapse-requirements.in with pip-compile --generate-hashes).
"$VENV/bin/python" -m pip install --require-hashes --no-deps -r "$REQUIREMENTS" 1>&2

got="$(installed_version)"
if [[ "$got" != "$SYNAPSE_VERSION" ]]; then
  log "ERROR: expected synapse $SYNAPSE_VERSION in $VENV, found '$got'"
  exit 1
fi
# Each extra's module: postgres, url-preview, oidc, redis.
"$VENV/bin/python" -c 'import psycopg2, bs4, authlib, txredisapi' \
  || { log "ERROR: an extra's module is not importable in $VENV"; exit 1; }
echo "$wanted" > "$STAMP"
log "matrix-synapse $got installed in $VENV"
echo "$VENV"
