# shellcheck shell=bash
# Source this (". scripts/env.sh") to get the variables the tests read, with the same
# defaults scripts/*.sh and .ci/run use. Values already set in the environment win.
# Provision first with: scripts/setup-system-packages.sh, scripts/setup-synapse-venv.sh,
# scripts/start-postgres.sh.

_mxstack_repo="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"

export SYNAPSE_VENV="${SYNAPSE_VENV:-$_mxstack_repo/.venv/synapse}"
export NGINX_BIN="${NGINX_BIN:-/usr/sbin/nginx}"
export MXSTACK_PG_HOST="${MXSTACK_PG_HOST:-127.0.0.1}"
export MXSTACK_PG_PORT="${MXSTACK_PG_PORT:-5432}"
export MXSTACK_PG_USER="${MXSTACK_PG_USER:-mxstack}"
export MXSTACK_PG_PASSWORD="${MXSTACK_PG_PASSWORD:-mxstack}"
export MXSTACK_PG_DATABASE="${MXSTACK_PG_DATABASE:-mxstack_ci}"

unset _mxstack_repo
