#!/usr/bin/env bash
# A throw-away PostgreSQL server for the store's tests, on a private port and
# socket directory under /tmp (never the system cluster).
#
#   scripts/pg-test.sh run CMD ARGS...  start the server (if needed), run CMD
#                                       with TERN_TEST_PG set, then stop the
#                                       server it started (also on failure or
#                                       interrupt); exits with CMD's status
#   eval "$(scripts/pg-test.sh start)"  start it and export TERN_TEST_PG here
#   scripts/pg-test.sh stop             stop it
#   scripts/pg-test.sh env              print the export line only
#
# The directory and port are derived from the project path, so that several
# checkouts on one machine each get their own server; override them with
# TERN_PG_DIR and TERN_PG_PORT. initdb and postgres refuse to run as root:
# as root they run through `runuser -u postgres`. Idempotent: starting a
# running server or stopping a stopped one is not an error. If the server
# cannot start, this exits non-zero and says why: the PostgreSQL tests must
# fail loudly rather than skip.
set -eu
cd "$(dirname "$0")/.."
key=$(printf %s "$PWD" | cksum | cut -d' ' -f1)
dir=${TERN_PG_DIR:-/tmp/tern-pg-$key}
port=${TERN_PG_PORT:-$((54330 + key % 600))}
data=$dir/data
sock=$dir/sock
conninfo="host=$sock port=$port user=postgres dbname=postgres"

die() { echo "pg-test: $*" >&2; exit 1; }

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] ||
  die "PostgreSQL server binaries not found under /usr/lib/postgresql (run scripts/deps.sh)"

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() { as_pg "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }

init() {
  if [ -f "$data/PG_VERSION" ]; then return 0; fi
  mkdir -p "$dir"
  rm -rf "$data"
  mkdir -p "$data" "$sock"
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || die "no postgres user (is the postgresql package installed?)"
    chown postgres: "$data" "$sock"
  fi
  chmod 700 "$data"
  as_pg "$bindir/initdb" -D "$data" -U postgres -A trust -E UTF8 --no-sync \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
}

start() {
  init
  running && return 0
  mkdir -p "$sock"
  [ "$(id -u)" = 0 ] && chown postgres: "$sock" "$dir"
  as_pg "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $sock -c listen_addresses='' -c max_connections=100" start >/dev/null ||
    { tail -20 "$dir/server.log" >&2 || true; die "the server did not start (port $port)"; }
  for _ in $(seq 1 30); do
    "$bindir/pg_isready" -h "$sock" -p "$port" -q && return 0
    sleep 0.5
  done
  die "the server started but does not accept connections on $sock port $port"
}

stop() {
  [ -d "$data" ] || return 0
  running || return 0
  as_pg "$bindir/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || die "stop failed"
}

case "${1:-}" in
  start) start >&2; echo "export TERN_TEST_PG='$conninfo'" ;;
  stop) stop ;;
  env) echo "export TERN_TEST_PG='$conninfo'" ;;
  run)
    shift
    [ $# -gt 0 ] || die "usage: $0 run CMD ARGS..."
    was_running=0
    running 2>/dev/null && was_running=1
    start
    if [ "$was_running" = 0 ]; then trap 'stop' EXIT INT TERM; fi
    export TERN_TEST_PG="$conninfo"
    status=0
    "$@" || status=$?
    exit "$status"
    ;;
  *) die "usage: $0 start|stop|env|run CMD ARGS..." ;;
esac
