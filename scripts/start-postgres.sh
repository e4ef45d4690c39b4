#!/usr/bin/env bash
# Starts a PostgreSQL server for tests and local runs, without systemd, using the Debian
# cluster tooling (pg_lsclusters / pg_createcluster / pg_ctlcluster). Idempotent.
#
# Ensures: a cluster listening on 127.0.0.1:5432, a role mxstack/mxstack (LOGIN CREATEDB CREATEROLE,
# member of pg_signal_backend)
# and a database mxstack_ci owned by it (UTF8, C collation, as Synapse requires), reachable
# with password auth over TCP.
#
# Progress goes to stderr; stdout carries only the MXSTACK_PG_* env lines, so
#   eval "$(scripts/start-postgres.sh)"   (or: export $(scripts/start-postgres.sh))
# works.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
PG_USER=mxstack
PG_PASSWORD=mxstack
PG_DATABASE=mxstack_ci

log() { echo "[start-postgres] $*" >&2; }
die() { echo "[start-postgres] ERROR: $*" >&2; exit 1; }

# The Debian pg_* wrappers are Perl; keep them from warning about unset/unknown locales.
if locale -a 2>/dev/null | grep -qix 'c.utf-\?8'; then export LC_ALL=C.UTF-8; else export LC_ALL=C; fi
unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGCLUSTER PGSERVICE

for tool in pg_lsclusters pg_createcluster pg_ctlcluster pg_isready psql; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found; run scripts/setup-system-packages.sh (Debian package postgresql)"
done

# Run a command as the cluster owner (postgres); cd / so it does not complain about our cwd.
as_postgres() {
  if [[ "$(id -un)" == postgres ]]; then (cd / && "$@")
  elif [[ "$(id -u)" -eq 0 ]]; then (cd / && runuser -u postgres -- "$@")
  else (cd / && sudo -u postgres -- "$@")
  fi
}
# Superuser SQL over the unix socket (peer auth) of the cluster on $PG_PORT.
su_psql() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" -d postgres "$@"; }

# --- find (or create) the cluster configured for port 5432 ---------------------------------
cluster_line() { pg_lsclusters --no-header 2>/dev/null | awk -v p="$PG_PORT" '$3 == p { print; exit }'; }

line="$(cluster_line)"
if [[ -z "$line" ]]; then
  ver="$(ls -1 /usr/lib/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -1)"
  [[ -n "$ver" && -x "/usr/lib/postgresql/$ver/bin/postgres" ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
  name=main
  [[ -d "/etc/postgresql/$ver/main" ]] && name=mxstack   # main exists but on another port
  log "no cluster configured for port $PG_PORT; creating $ver/$name"
  pg_createcluster --locale=C.UTF-8 --encoding=UTF8 -p "$PG_PORT" "$ver" "$name" >&2 \
    || die "pg_createcluster $ver $name failed"
  line="$(cluster_line)"
  [[ -n "$line" ]] || die "created cluster $ver/$name but pg_lsclusters does not show it on port $PG_PORT"
fi
read -r ver name _port status _owner datadir logfile <<<"$line"
log "cluster $ver/$name (port $PG_PORT, data $datadir): $status"

port_open() { (exec 3<>"/dev/tcp/$PG_HOST/$PG_PORT") 2>/dev/null; }

port_owner() {
  local out
  out="$(ss -ltnpH "( sport = :$PG_PORT )" 2>/dev/null | grep -o 'users:(("[^"]*"' | head -1 | sed 's/users:(("//; s/"$//')" || true
  if [[ -z "$out" ]] && command -v fuser >/dev/null 2>&1; then
    local pid
    pid="$(fuser -n tcp "$PG_PORT" 2>/dev/null | awk '{print $1}')" || true
    [[ -n "$pid" ]] && out="$(ps -o comm= -p "$pid" 2>/dev/null)" || true
  fi
  echo "${out:-unknown}"
}

# --- start it unless running -------------------------------------------------------------
if [[ "$status" != online* ]]; then
  if port_open; then
    owner="$(port_owner)"
    ready_rc=0; pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 3 || ready_rc=$?   # 0/1 = a PostgreSQL answered
    if [[ "$owner" == postgres* || "$owner" == postmaster* ]] || (( ready_rc <= 1 )); then
      log "WARNING: $PG_HOST:$PG_PORT is served by a PostgreSQL ($owner) that is not cluster $ver/$name; using it"
    else
      die "port $PG_PORT on $PG_HOST is already in use by a non-PostgreSQL process ($owner). Stop it or free the port; tests expect PostgreSQL on $PG_HOST:$PG_PORT."
    fi
  else
    install -d -o postgres -g postgres -m 2775 /var/run/postgresql 2>/dev/null || true
    log "starting cluster $ver/$name with pg_ctlcluster"
    if ! pg_ctlcluster "$ver" "$name" start >&2; then
      [[ -r "$logfile" ]] && { log "last lines of $logfile:"; tail -n 30 "$logfile" >&2; }
      die "pg_ctlcluster $ver $name start failed"
    fi
  fi
fi

wait_ready() {  # $1 = host (or socket dir), $2 = seconds
  local i
  for ((i = 0; i < $2 * 2; i++)); do
    pg_isready -q -h "$1" -p "$PG_PORT" -t 1 && return 0
    sleep 0.5
  done
  return 1
}

if ! wait_ready "$PG_HOST" 30; then
  if wait_ready /var/run/postgresql 5; then
    # Up, but not on 127.0.0.1 (e.g. listen_addresses excludes it): make it listen there.
    log "server is up on its unix socket but not on $PG_HOST:$PG_PORT; setting listen_addresses and restarting"
    conf_d="/etc/postgresql/$ver/$name/conf.d"
    install -d -o postgres -g postgres "$conf_d"
    printf "# written by mxstack scripts/start-postgres.sh\nlisten_addresses = '127.0.0.1,localhost'\n" >"$conf_d/90-mxstack-listen.conf"
    chown postgres:postgres "$conf_d/90-mxstack-listen.conf"
    pg_ctlcluster "$ver" "$name" restart >&2
    wait_ready "$PG_HOST" 30 || die "PostgreSQL still not accepting connections on $PG_HOST:$PG_PORT (see $logfile)"
  else
    [[ -r "$logfile" ]] && { log "last lines of $logfile:"; tail -n 30 "$logfile" >&2; }
    die "PostgreSQL is not accepting connections on $PG_HOST:$PG_PORT"
  fi
fi
log "PostgreSQL accepts connections on $PG_HOST:$PG_PORT"

# --- role and database ---------------------------------------------------------------------
su_psql <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = '$PG_USER') THEN
    CREATE ROLE "$PG_USER";
  END IF;
END
\$\$;
ALTER ROLE "$PG_USER" WITH LOGIN CREATEDB CREATEROLE PASSWORD '$PG_PASSWORD';
-- The tests drop their databases WITH (FORCE), which must also end connections that are still
-- authenticating (no role yet): pg_signal_backend allows that; superusers' sessions stay out of
-- reach.
GRANT pg_signal_backend TO "$PG_USER";
SQL
log "role $PG_USER ensured (LOGIN CREATEDB CREATEROLE, pg_signal_backend)"

dbinfo="$(su_psql -At -F '|' -c "SELECT pg_encoding_to_char(encoding), datcollate, datctype, pg_get_userbyid(datdba)
                                  FROM pg_database WHERE datname = '$PG_DATABASE'")"
if [[ -z "$dbinfo" ]]; then
  su_psql -c "CREATE DATABASE \"$PG_DATABASE\" OWNER \"$PG_USER\" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0"
  log "database $PG_DATABASE created"
else
  IFS='|' read -r enc collate ctype dbowner <<<"$dbinfo"
  if [[ "$enc" != UTF8 || "$collate" != C || "$ctype" != C ]]; then
    die "database $PG_DATABASE exists with ENCODING=$enc LC_COLLATE=$collate LC_CTYPE=$ctype; Synapse needs UTF8/C/C. Drop it (runuser -u postgres -- dropdb -p $PG_PORT $PG_DATABASE) and rerun."
  fi
  if [[ "$dbowner" != "$PG_USER" ]]; then
    su_psql -c "ALTER DATABASE \"$PG_DATABASE\" OWNER TO \"$PG_USER\""
    log "database $PG_DATABASE: owner changed from $dbowner to $PG_USER"
  fi
  log "database $PG_DATABASE already exists (UTF8, C/C)"
fi

# --- password auth over TCP -----------------------------------------------------------------
tcp_check() {
  PGPASSWORD="$PG_PASSWORD" PGCONNECT_TIMEOUT=5 psql -X -q -At -w -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DATABASE" -c 'select 1' 2>&1
}
if ! out="$(tcp_check)" || [[ "$out" != 1 ]]; then
  log "password login over TCP failed: $out"
  hba="$(su_psql -At -c 'SHOW hba_file')"
  rule="host    all             $PG_USER         $PG_HOST/32            scram-sha-256"
  if ! grep -qF "$rule" "$hba"; then
    log "prepending '$rule' to $hba and reloading"
    { echo "# added by mxstack scripts/start-postgres.sh"; echo "$rule"; cat "$hba"; } >"$hba.mxstack.tmp"
    chown --reference="$hba" "$hba.mxstack.tmp"; chmod --reference="$hba" "$hba.mxstack.tmp"
    mv "$hba.mxstack.tmp" "$hba"
  fi
  su_psql -c 'SELECT pg_reload_conf()' >/dev/null
  sleep 1
  out="$(tcp_check)" && [[ "$out" == 1 ]] || die "password login as $PG_USER to $PG_HOST:$PG_PORT/$PG_DATABASE still fails: $out"
fi
log "verified: PGPASSWORD=*** psql -h $PG_HOST -p $PG_PORT -U $PG_USER -d $PG_DATABASE -c 'select 1' -> 1"

cat <<ENV
MXSTACK_PG_HOST=$PG_HOST
MXSTACK_PG_PORT=$PG_PORT
MXSTACK_PG_USER=$PG_USER
MXSTACK_PG_PASSWORD=$PG_PASSWORD
MXSTACK_PG_DATABASE=$PG_DATABASE
ENV
