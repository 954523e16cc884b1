#!/usr/bin/env bash
# A PostgreSQL streaming replica of the primary, on this machine, for reports and fail-over drills.
#
#   scripts/replica-postgres.sh up        # base backup of the primary + streaming through a slot
#   scripts/replica-postgres.sh status    # lag and state, as seen from both sides
#   scripts/replica-postgres.sh promote   # the replica becomes a writable primary (fail-over)
#   scripts/replica-postgres.sh down      # stop it, drop its slot on the primary, delete its files
#
# Environment: PRIMARY_PORT (5432), REPLICA_PORT (5433), REPLICA_DIR (var/replica/postgres-PORT),
# PG_BIN (/usr/lib/postgresql/15/bin). Runs as root (the server runs as the postgres user) or as
# postgres. The primary only needs wal_level=replica (the default) and a `replication` line in
# pg_hba.conf: `up` adds one for 127.0.0.1 and reloads the primary, which interrupts nobody.
set -euo pipefail
cd "$(dirname "$0")/.."

PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-$PWD/var/replica/postgres-$REPLICA_PORT}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
SLOT=${REPLICA_SLOT:-cabas_replica_$REPLICA_PORT}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
primary() { psql -X -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -d postgres -Atqc "$1"; }
replica() { psql -X -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -d postgres -Atqc "$1"; }
say() { echo "replica-postgres: $*"; }

wait_until() {  # wait_until SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  say "timed out waiting for $what" >&2
  return 1
}

allow_replication_on_primary() {
  local hba
  hba=$(primary "show hba_file")
  if ! grep -Eq '^[[:space:]]*host[[:space:]]+replication[[:space:]]' "$hba"; then
    say "allowing replication connections from 127.0.0.1 in $hba (reload, no restart)"
    printf '\n# Added by cabas scripts/replica-postgres.sh: streaming replicas on loopback.\n%s\n' \
      'host replication all 127.0.0.1/32 trust' >>"$hba"
    primary "select pg_reload_conf()" >/dev/null
    sleep 0.5
  fi
}

streaming() { [ "$(primary "select count(*) from pg_stat_replication where state = 'streaming' and application_name = '$SLOT'")" -ge 1 ]; }
in_recovery() { [ "$(replica "select pg_is_in_recovery()")" = t ]; }
not_in_recovery() { [ "$(replica "select pg_is_in_recovery()")" = f ]; }

drop_slot() {
  primary "select pg_drop_replication_slot(slot_name) from pg_replication_slots
           where slot_name = '$SLOT' and not active" >/dev/null 2>&1 || true
}

cmd_up() {
  if [ -f "$REPLICA_DIR/PG_VERSION" ] && as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" status >/dev/null 2>&1; then
    say "already running on port $REPLICA_PORT ($REPLICA_DIR)"
    return 0
  fi
  [ "$(primary "show wal_level")" != minimal ] || { say "the primary has wal_level=minimal" >&2; exit 1; }
  allow_replication_on_primary
  # The slot keeps on the primary the WAL the replica has not received yet (no wal_keep_size).
  if [ -z "$(primary "select 1 from pg_replication_slots where slot_name = '$SLOT'")" ]; then
    primary "select pg_create_physical_replication_slot('$SLOT')" >/dev/null
  fi
  rm -rf "$REPLICA_DIR"
  mkdir -p "$REPLICA_DIR"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$REPLICA_DIR"
  chmod 700 "$REPLICA_DIR"
  say "base backup of 127.0.0.1:$PRIMARY_PORT into $REPLICA_DIR"
  as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
    -D "$REPLICA_DIR" -R -S "$SLOT" -X stream -c fast --no-password
  # Debian keeps postgresql.conf and pg_hba.conf in /etc: the backup has none, write our own.
  as_postgres tee "$REPLICA_DIR/postgresql.conf" >/dev/null <<EOF
# Cabas streaming replica (scripts/replica-postgres.sh).
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$REPLICA_DIR'
hot_standby = on
hot_standby_feedback = on
shared_buffers = 64MB
# A hot standby needs at least the primary's values for these.
max_connections = $(primary "show max_connections")
max_worker_processes = $(primary "show max_worker_processes")
max_wal_senders = $(primary "show max_wal_senders")
max_prepared_transactions = $(primary "show max_prepared_transactions")
max_locks_per_transaction = $(primary "show max_locks_per_transaction")
max_replication_slots = $(primary "show max_replication_slots")
wal_level = replica
logging_collector = off
EOF
  as_postgres tee "$REPLICA_DIR/pg_hba.conf" >/dev/null <<'EOF'
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
EOF
  as_postgres touch "$REPLICA_DIR/pg_ident.conf"
  # application_name lets the primary's pg_stat_replication name this replica.
  as_postgres sed -i "s/^primary_conninfo = '/primary_conninfo = 'application_name=$SLOT /" \
    "$REPLICA_DIR/postgresql.auto.conf"
  as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_DIR/server.log" -w -t 60 start >/dev/null
  wait_until 60 "the replica to accept connections" in_recovery
  wait_until 60 "the replica to stream from the primary" streaming
  say "streaming from 127.0.0.1:$PRIMARY_PORT on 127.0.0.1:$REPLICA_PORT (slot $SLOT)"
  say "DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/<database>"
}

cmd_status() {
  primary "select application_name, state, sync_state,
                  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) as replay_lag_bytes
           from pg_stat_replication" || true
  replica "select case when pg_is_in_recovery() then 'replica' else 'primary' end,
                  pg_last_wal_replay_lsn(), now() - pg_last_xact_replay_timestamp()" || true
}

cmd_promote() {
  as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -w -t 60 promote >/dev/null
  wait_until 60 "the promotion" not_in_recovery
  # The old primary must not keep WAL for a replica that will never come back.
  drop_slot
  say "promoted: 127.0.0.1:$REPLICA_PORT now accepts writes"
}

cmd_down() {
  if [ -f "$REPLICA_DIR/PG_VERSION" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
  drop_slot
  rm -rf "$REPLICA_DIR"
  say "stopped and removed"
}

case "${1:-}" in
  up) cmd_up ;;
  status) cmd_status ;;
  promote) cmd_promote ;;
  down) cmd_down ;;
  *) echo "usage: $0 up|status|promote|down" >&2; exit 2 ;;
esac
