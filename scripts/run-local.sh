#!/usr/bin/env bash
# Runs the Cloudron-mode supervisor on this machine against a simulated Cloudron: a local
# /app/data and /run (under .local-cloudron/), the CLOUDRON_* variables, and the local
# PostgreSQL. Sets up what it needs first (Debian packages, the Synapse venv, PostgreSQL).
# MAS runs too when MAS_HOME points at an unpacked MAS release. Stop with Ctrl-C.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

bash scripts/setup-system-packages.sh </dev/null >&2
export SYNAPSE_VENV="${SYNAPSE_VENV:-$REPO/.venv/synapse}"
bash scripts/setup-synapse-venv.sh </dev/null >/dev/null
eval "$(bash scripts/start-postgres.sh </dev/null)"

BASE="${MXSTACK_LOCAL_DIR:-$REPO/.local-cloudron}"
DB="${MXSTACK_LOCAL_DB:-mxstack_local}"
PORT="${MXSTACK_HTTP_PORT:-8000}"
mkdir -p "$BASE/data" "$BASE/run"
chmod 755 "$BASE" "$BASE/data" "$BASE/run"

# Cloudron gives each app one database with the addon's locale; Synapse needs C collation.
if ! PGPASSWORD="$MXSTACK_PG_PASSWORD" psql -h "$MXSTACK_PG_HOST" -p "$MXSTACK_PG_PORT" -U "$MXSTACK_PG_USER" \
    -d "$MXSTACK_PG_DATABASE" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1; then
  PGPASSWORD="$MXSTACK_PG_PASSWORD" psql -h "$MXSTACK_PG_HOST" -p "$MXSTACK_PG_PORT" -U "$MXSTACK_PG_USER" \
    -d "$MXSTACK_PG_DATABASE" -qc "CREATE DATABASE $DB ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
fi

jar="$REPO/operator/standalone/target/mxstack-standalone-0.1.0-SNAPSHOT.jar"
if [[ ! -f "$jar" || -n "$(find operator/core/src/main operator/standalone/src/main templates -newer "$jar" -print -quit)" ]]; then
  ./mvnw -q -B -pl operator/standalone -am package -DskipTests -DskipITs -Dspotless.check.skip=true >&2
fi

export CLOUDRON=1
export CLOUDRON_APP_DOMAIN="${CLOUDRON_APP_DOMAIN:-matrix.example.test}"
export CLOUDRON_APP_ORIGIN="https://$CLOUDRON_APP_DOMAIN"
export CLOUDRON_POSTGRESQL_HOST="$MXSTACK_PG_HOST" CLOUDRON_POSTGRESQL_PORT="$MXSTACK_PG_PORT"
export CLOUDRON_POSTGRESQL_USERNAME="$MXSTACK_PG_USER" CLOUDRON_POSTGRESQL_PASSWORD="$MXSTACK_PG_PASSWORD"
export CLOUDRON_POSTGRESQL_DATABASE="$DB"
export MXSTACK_DATA_DIR="$BASE/data" MXSTACK_RUN_DIR="$BASE/run" MXSTACK_HTTP_PORT="$PORT"
export MXSTACK_SYNAPSE_PYTHON="$SYNAPSE_VENV/bin/python" MXSTACK_RUN_AS=""
export MAS_HOME="${MAS_HOME:-$BASE/mas-not-installed}"
export MALLOC_ARENA_MAX=2

echo "Homeserver (Cloudron mode) on http://127.0.0.1:$PORT  (try: curl http://127.0.0.1:$PORT/_matrix/client/versions)" >&2
echo "Admin file: $MXSTACK_DATA_DIR/matrix.yaml   status: MXSTACK_RUN_DIR=$MXSTACK_RUN_DIR ./matrixctl status" >&2
exec java @cloudron/jvm.options -cp "$jar" mxstack.standalone.cloudron.CloudronMain
