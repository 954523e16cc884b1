#!/usr/bin/env bash
# A PostgreSQL primary and its streaming replica, on this machine, for reports and fail-over drills.
#
#   scripts/replica-postgres.sh up            # primary on PRIMARY_PORT, replica on REPLICA_PORT
#   scripts/replica-postgres.sh status        # lag and state, as seen from both sides
#   scripts/replica-postgres.sh kill-primary  # the primary dies: immediate stop, no checkpoint
#   scripts/replica-postgres.sh promote       # the replica becomes a writable primary (fail-over)
#   scripts/replica-postgres.sh down          # stop both, delete their files
#
# The shared server on 5432 cannot be stopped for a drill (others use it), so by default this
# script runs a pair of its own, as scripts/replica-mariadb.sh does: a fresh primary cluster
# (initdb, port 5434, wal_level=replica) and a streaming replica of it through a replication
# slot (pg_basebackup, port 5435, hot standby), each with its files under var/replica/. The
# drill can then really kill the primary. With an existing primary (production, or the shared
# server), set PRIMARY_EXTERNAL=1 and PRIMARY_PORT: `up` then only creates the replica (and adds
# a `replication` line for 127.0.0.1 to its pg_hba.conf and reloads it, which interrupts nobody);
# `kill-primary` refuses to touch it and `down` leaves it running.
#
# Environment: PRIMARY_PORT (5434), REPLICA_PORT (5435), PRIMARY_EXTERNAL (0),
# REPLICA_ROOT (var/replica), PG_BIN (/usr/lib/postgresql/15/bin). Runs as root (the servers
# run as the postgres user) or as postgres.
set -euo pipefail
cd "$(dirname "$0")/.."

PRIMARY_EXTERNAL=${PRIMARY_EXTERNAL:-0}
if [ "$PRIMARY_EXTERNAL" = 1 ]; then PRIMARY_PORT=${PRIMARY_PORT:-5432}; else PRIMARY_PORT=${PRIMARY_PORT:-5434}; fi
REPLICA_PORT=${REPLICA_PORT:-5435}
REPLICA_ROOT=${REPLICA_ROOT:-$PWD/var/replica}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
SLOT=${REPLICA_SLOT:-cabas_replica_$REPLICA_PORT}
PRIMARY_DIR=$REPLICA_ROOT/postgres-$PRIMARY_PORT
REPLICA_DIR=$REPLICA_ROOT/postgres-$REPLICA_PORT

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

own_folder() {  # a folder the postgres user owns, 0700 (PostgreSQL refuses anything wider)
  mkdir -p "$1"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$1"; fi
  chmod 700 "$1"
}

running() { [ -f "$1/PG_VERSION" ] && as_postgres "$PG_BIN/pg_ctl" -D "$1" status >/dev/null 2>&1; }

write_hba() {
  as_postgres tee "$1/pg_hba.conf" >/dev/null <<'EOF'

host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
EOF
  as_postgres touch "$1/pg_ident.conf"
}

start_cluster() {  # start_cluster DIR
  as_postgres "$PG_BIN/pg_ctl" -D "$1" -l "$1/server.log" -w -t 60 start >/dev/null \
    || { tail -20 "$1/server.log" >&2; exit 1; }
}

start_own_primary() {
  if running "$PRIMARY_DIR"; then return 0; fi
  if [ ! -f "$PRIMARY_DIR/PG_VERSION" ]; then
    rm -rf "$PRIMARY_DIR"
    own_folder "$PRIMARY_DIR"
    as_postgres "$PG_BIN/initdb" -D "$PRIMARY_DIR" -U postgres --auth=trust --encoding=UTF8 \
      --locale=C.UTF-8 >"$REPLICA_ROOT/initdb-$PRIMARY_PORT.log" 2>&1 \
      || { cat "$REPLICA_ROOT/initdb-$PRIMARY_PORT.log" >&2; exit 1; }
    as_postgres tee -a "$PRIMARY_DIR/postgresql.conf" >/dev/null <<EOF

# Cabas primary for replication drills (scripts/replica-postgres.sh).
port = $PRIMARY_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = ''  # TCP only: a socket in the data folder would upset pg_basebackup
wal_level = replica
max_wal_senders = 5
max_replication_slots = 5
max_connections = 100
shared_buffers = 64MB
fsync = on
synchronous_commit = on
logging_collector = off
EOF
    write_hba "$PRIMARY_DIR"
  fi
  say "primary cluster on 127.0.0.1:$PRIMARY_PORT ($PRIMARY_DIR)"
  start_cluster "$PRIMARY_DIR"
}

allow_replication_on_external_primary() {
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
  mkdir -p "$REPLICA_ROOT"
  if [ "$PRIMARY_EXTERNAL" = 1 ]; then
    allow_replication_on_external_primary
  else
    start_own_primary
  fi
  if running "$REPLICA_DIR"; then
    say "replica already running on port $REPLICA_PORT ($REPLICA_DIR)"
    return 0
  fi
  [ "$(primary "show wal_level")" != minimal ] || { say "the primary has wal_level=minimal" >&2; exit 1; }
  # The slot keeps on the primary the WAL the replica has not received yet (no wal_keep_size).
  if [ -z "$(primary "select 1 from pg_replication_slots where slot_name = '$SLOT'")" ]; then
    primary "select pg_create_physical_replication_slot('$SLOT')" >/dev/null
  fi
  rm -rf "$REPLICA_DIR"
  own_folder "$REPLICA_DIR"
  say "base backup of 127.0.0.1:$PRIMARY_PORT into $REPLICA_DIR"
  as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
    -D "$REPLICA_DIR" -R -S "$SLOT" -X stream -c fast --no-password
  # Debian keeps postgresql.conf and pg_hba.conf in /etc, our own primary in its folder: write
  # the replica's own either way (its port, its socket folder).
  as_postgres tee "$REPLICA_DIR/postgresql.conf" >/dev/null <<EOF
# Cabas streaming replica (scripts/replica-postgres.sh).
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
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
  write_hba "$REPLICA_DIR"
  # application_name lets the primary's pg_stat_replication name this replica.
  as_postgres sed -i "s/^primary_conninfo = '/primary_conninfo = 'application_name=$SLOT /" \
    "$REPLICA_DIR/postgresql.auto.conf"
  start_cluster "$REPLICA_DIR"
  wait_until 60 "the replica to accept connections" in_recovery
  wait_until 60 "the replica to stream from the primary" streaming
  say "streaming from 127.0.0.1:$PRIMARY_PORT on 127.0.0.1:$REPLICA_PORT (slot $SLOT)"
  say "DATABASE_URL=postgres://postgres@127.0.0.1:$PRIMARY_PORT/<database>"
  say "DATABASE_REPLICA_URL=postgres://postgres@127.0.0.1:$REPLICA_PORT/<database>"
}

cmd_status() {
  primary "select application_name, state, sync_state,
                  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) as replay_lag_bytes
           from pg_stat_replication" 2>/dev/null || say "primary down"
  replica "select case when pg_is_in_recovery() then 'replica' else 'primary' end,
                  pg_last_wal_replay_lsn(), now() - pg_last_xact_replay_timestamp()" 2>/dev/null \
    || say "replica down"
}

cmd_kill_primary() {
  [ "$PRIMARY_EXTERNAL" != 1 ] || { say "refusing to kill an external primary" >&2; exit 1; }
  # "immediate": every server process quits at once, no checkpoint, clients cut mid-transaction,
  # as when the machine loses power (crash recovery would be needed to restart it).
  as_postgres "$PG_BIN/pg_ctl" -D "$PRIMARY_DIR" -m immediate -w -t 60 stop >/dev/null
  say "primary on 127.0.0.1:$PRIMARY_PORT killed (immediate stop)"
}

cmd_promote() {
  as_postgres "$PG_BIN/pg_ctl" -D "$REPLICA_DIR" -w -t 60 promote >/dev/null
  wait_until 60 "the promotion" not_in_recovery
  # An old primary still alive must not keep WAL for a replica that will never come back.
  drop_slot
  say "promoted: 127.0.0.1:$REPLICA_PORT now accepts writes"
}

stop_cluster() {
  if [ -f "$1/PG_VERSION" ]; then
    as_postgres "$PG_BIN/pg_ctl" -D "$1" -m fast -w -t 60 stop >/dev/null 2>&1 || true
  fi
}

cmd_down() {
  stop_cluster "$REPLICA_DIR"
  rm -rf "$REPLICA_DIR"
  if [ "$PRIMARY_EXTERNAL" = 1 ]; then
    drop_slot
  else
    stop_cluster "$PRIMARY_DIR"
    rm -rf "$PRIMARY_DIR" "$REPLICA_ROOT/initdb-$PRIMARY_PORT.log"
  fi
  say "stopped and removed"
}

case "${1:-}" in
  up) cmd_up ;;
  status) cmd_status ;;
  kill-primary) cmd_kill_primary ;;
  promote) cmd_promote ;;
  down) cmd_down ;;
  *) echo "usage: $0 up|status|kill-primary|promote|down" >&2; exit 2 ;;
esac
