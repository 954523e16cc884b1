#!/usr/bin/env bash
# A MariaDB primary and its binlog (GTID) replica, on this machine, for reports and fail-over drills.
#
#   scripts/replica-mariadb.sh up        # primary on PRIMARY_PORT, replica on REPLICA_PORT
#   scripts/replica-mariadb.sh status    # replication threads, lag, GTID positions
#   scripts/replica-mariadb.sh promote   # the replica stops replicating and accepts writes
#   scripts/replica-mariadb.sh down      # stop both, delete their files
#
# Binary logging cannot be switched on in a running MariaDB (log_bin is read-only): the shared
# server on 3306 runs without it and restarting it would interrupt everyone using it. So this
# script runs a pair of its own: a fresh primary (3310, log_bin, server_id 1) and a replica (3311,
# server_id 2, read_only), each with its datadir under var/replica/. With an existing primary
# that already has log_bin (production), set PRIMARY_EXTERNAL=1 and PRIMARY_PORT: `up` then only
# creates the replica, copies the primary with mariadb-dump --master-data --gtid and starts it.
#
# Environment: PRIMARY_PORT (3310), REPLICA_PORT (3311), REPLICA_ROOT (var/replica), MARIADBD.
set -euo pipefail
cd "$(dirname "$0")/.."

PRIMARY_PORT=${PRIMARY_PORT:-3310}
REPLICA_PORT=${REPLICA_PORT:-3311}
PRIMARY_EXTERNAL=${PRIMARY_EXTERNAL:-0}
REPLICA_ROOT=${REPLICA_ROOT:-$PWD/var/replica}
MARIADBD=${MARIADBD:-/usr/sbin/mariadbd}
say() { echo "replica-mariadb: $*"; }
dir_of() { echo "$REPLICA_ROOT/mariadb-$1"; }
sql() { local port=$1; shift; mariadb -h 127.0.0.1 -P "$port" -u root -N -B -e "$*"; }
sock_sql() { local port=$1; shift; mariadb -S "$(dir_of "$port")/mysqld.sock" -u root -N -B -e "$*"; }

wait_until() {  # wait_until SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2; shift 2
  for _ in $(seq 1 $((seconds * 5))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  say "timed out waiting for $what" >&2
  return 1
}

start_server() {  # start_server PORT SERVER_ID EXTRA_OPTIONS...
  local port=$1 server_id=$2; shift 2
  local dir
  dir=$(dir_of "$port")
  if [ -S "$dir/mysqld.sock" ] && mariadb-admin -S "$dir/mysqld.sock" -u root ping >/dev/null 2>&1; then
    return 0
  fi
  if [ ! -d "$dir/data/mysql" ]; then
    mkdir -p "$dir/data"
    [ "$(id -u)" = 0 ] && chown -R mysql:mysql "$dir"
    mariadb-install-db --no-defaults --datadir="$dir/data" --user=mysql \
      --auth-root-authentication-method=normal --skip-test-db >"$dir/install.log" 2>&1 \
      || { say "mariadb-install-db failed:" >&2; cat "$dir/install.log" >&2; exit 1; }
  fi
  # --no-defaults: nothing of the shared server's /etc/mysql/my.cnf (port 3306, its datadir).
  setsid "$MARIADBD" --no-defaults --user=mysql --datadir="$dir/data" \
    --port="$port" --bind-address=127.0.0.1 --socket="$dir/mysqld.sock" \
    --pid-file="$dir/mysqld.pid" --log-error="$dir/error.log" \
    --server-id="$server_id" --log-bin="$dir/data/binlog" --binlog-format=ROW \
    --log-slave-updates=ON --gtid-strict-mode=ON --sync-binlog=1 \
    --innodb-flush-log-at-trx-commit=1 --innodb-buffer-pool-size=64M \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --skip-name-resolve "$@" </dev/null >/dev/null 2>&1 &
  wait_until 60 "mariadbd on port $port" mariadb-admin -S "$dir/mysqld.sock" -u root ping \
    || { tail -20 "$dir/error.log" >&2; exit 1; }
  # TCP clients come from 127.0.0.1 (skip-name-resolve): give them root and a replication user.
  # sql_log_bin=0: these grants are per server and must not replicate.
  sock_sql "$port" "SET sql_log_bin = 0;
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
    CREATE USER IF NOT EXISTS 'repl'@'127.0.0.1';
    GRANT REPLICATION SLAVE, REPLICATION SLAVE ADMIN, BINLOG MONITOR ON *.* TO 'repl'@'127.0.0.1';"
}

stop_server() {
  local dir
  dir=$(dir_of "$1")
  if [ -S "$dir/mysqld.sock" ]; then
    mariadb-admin -S "$dir/mysqld.sock" -u root shutdown >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/mysqld.pid" ]; then
    local pid
    pid=$(cat "$dir/mysqld.pid")
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  fi
}

replica_running() {
  local status
  status=$(mariadb -h 127.0.0.1 -P "$REPLICA_PORT" -u root -e "SHOW SLAVE STATUS\G")
  grep -q 'Slave_IO_Running: Yes' <<<"$status" && grep -q 'Slave_SQL_Running: Yes' <<<"$status"
}

cmd_up() {
  if [ "$PRIMARY_EXTERNAL" != 1 ]; then
    start_server "$PRIMARY_PORT" 1
  fi
  [ "$(sql "$PRIMARY_PORT" "SELECT @@log_bin")" = 1 ] || { say "the primary has no binlog" >&2; exit 1; }
  start_server "$REPLICA_PORT" 2 --read-only=ON --relay-log="$(dir_of "$REPLICA_PORT")/data/relay"
  if [ "$(sql "$REPLICA_PORT" "SELECT COUNT(*) FROM information_schema.SLAVE_STATUS" 2>/dev/null || echo 0)" = 0 ] \
     || ! replica_running; then
    # Copy what the primary already holds, with the GTID position the dump corresponds to.
    local databases
    databases=$(sql "$PRIMARY_PORT" "SELECT GROUP_CONCAT(schema_name SEPARATOR ' ')
      FROM information_schema.schemata WHERE schema_name NOT IN
      ('mysql','information_schema','performance_schema','sys')")
    local position
    if [ -n "$databases" ] && [ "$databases" != NULL ]; then
      say "copying $databases from the primary"
      # shellcheck disable=SC2086
      mariadb-dump -h 127.0.0.1 -P "$PRIMARY_PORT" -u root --single-transaction --gtid \
        --master-data=2 --routines --triggers --databases $databases >"$(dir_of "$REPLICA_PORT")/seed.sql"
      sql "$REPLICA_PORT" "SET GLOBAL read_only = OFF"
      mariadb -h 127.0.0.1 -P "$REPLICA_PORT" -u root <"$(dir_of "$REPLICA_PORT")/seed.sql"
      sql "$REPLICA_PORT" "SET GLOBAL read_only = ON"
      position=$(grep -m1 -o "gtid_slave_pos='[^']*'" "$(dir_of "$REPLICA_PORT")/seed.sql" | cut -d"'" -f2 || true)
    else
      position=$(sql "$PRIMARY_PORT" "SELECT @@gtid_binlog_pos")
    fi
    sql "$REPLICA_PORT" "STOP SLAVE; RESET SLAVE ALL;
      SET GLOBAL gtid_slave_pos = '${position:-}';
      CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = $PRIMARY_PORT,
        MASTER_USER = 'repl', MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1;
      START SLAVE;"
  fi
  wait_until 60 "replication threads" replica_running
  say "primary 127.0.0.1:$PRIMARY_PORT (log_bin, GTID) -> replica 127.0.0.1:$REPLICA_PORT (read_only)"
  say "DATABASE_URL=mysql://root@127.0.0.1:$PRIMARY_PORT/<database>"
  say "DATABASE_REPLICA_URL=mysql://root@127.0.0.1:$REPLICA_PORT/<database>"
}

cmd_status() {
  sql "$PRIMARY_PORT" "SELECT 'primary', @@server_id, @@gtid_binlog_pos" 2>/dev/null || say "primary down"
  mariadb -h 127.0.0.1 -P "$REPLICA_PORT" -u root -e "SHOW SLAVE STATUS\G" 2>/dev/null \
    | grep -E 'Slave_(IO|SQL)_Running:|Seconds_Behind_Master|Gtid_IO_Pos|Last_(IO|SQL)_Error:' \
    || say "replica down"
  sql "$REPLICA_PORT" "SELECT 'replica', @@server_id, @@read_only, @@gtid_current_pos" 2>/dev/null || true
}

cmd_promote() {
  # Apply everything already received before cutting the link, then accept writes.
  sql "$REPLICA_PORT" "STOP SLAVE IO_THREAD"
  wait_until 60 "the relay log to be applied" bash -c \
    "mariadb -h 127.0.0.1 -P $REPLICA_PORT -u root -e 'SHOW SLAVE STATUS\G' | grep -q 'Slave_SQL_Running_State: Slave has read all relay log'"
  sql "$REPLICA_PORT" "STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = OFF"
  say "promoted: 127.0.0.1:$REPLICA_PORT now accepts writes"
}

cmd_down() {
  stop_server "$REPLICA_PORT"
  rm -rf "$(dir_of "$REPLICA_PORT")"
  if [ "$PRIMARY_EXTERNAL" != 1 ]; then
    stop_server "$PRIMARY_PORT"
    rm -rf "$(dir_of "$PRIMARY_PORT")"
  fi
  say "stopped and removed"
}

case "${1:-}" in
  up) cmd_up ;;
  status) cmd_status ;;
  promote) cmd_promote ;;
  down) cmd_down ;;
  *) echo "usage: $0 up|status|promote|down" >&2; exit 2 ;;
esac
