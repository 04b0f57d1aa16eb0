#!/usr/bin/env bash
# The whole suite: once on SQLite, then once on a real PostgreSQL server started for the run
# (initdb in a temporary folder, 127.0.0.1 on a free port, stopped at the end even on failure).
#
#   tests/run.sh [pytest arguments]        both
#   TEST_BACKENDS=sqlite tests/run.sh      one of them (sqlite or postgresql)
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
BACKENDS=${TEST_BACKENDS:-"sqlite postgresql"}
status=0
# The suite sets its own configuration: none of the operator's settings (e.g. PORT, which
# the Makefile exports) may leak into it.
for name in $("$PY" -c 'from core.settings import SETTINGS; print(" ".join(s.name for s in SETTINGS))'); do
  unset "$name"
done

# The message catalogues, as make builds them (the server never writes into the code tree).
"$PY" -m core.i18n

run_sqlite() {
  echo "=== tests on SQLite"
  env -u TEST_DATABASE_URL "$PY" -m pytest -q "$@"
}

run_postgresql() {
  local bindir tmp port owner
  bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bindir" ] && command -v initdb >/dev/null; then
    bindir=$(dirname "$(command -v initdb)")
  fi
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "PostgreSQL is not installed (run deploy/system-deps.sh as root)." >&2
    return 1
  fi
  tmp=$(mktemp -d /tmp/station-pg.XXXXXX)
  chmod 755 "$tmp"
  # PostgreSQL refuses to run as root: as root, run it as the postgres user (or nobody).
  as_owner() { "$@"; }
  if [ "$(id -u)" = 0 ]; then
    owner=postgres
    id -u postgres >/dev/null 2>&1 || owner=nobody
    chown "$owner" "$tmp"
    as_owner() { runuser -u "$owner" -- "$@"; }
  fi
  port=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  stop_postgresql() {
    as_owner "$bindir/pg_ctl" -D "$tmp/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$tmp"
  }
  trap stop_postgresql EXIT INT TERM
  echo "=== tests on PostgreSQL ($("$bindir/postgres" --version | awk '{print $3}'), 127.0.0.1:$port)"
  as_owner "$bindir/initdb" -D "$tmp/data" -U station --auth=trust -E UTF8 --no-locale \
    >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; return 1; }
  as_owner "$bindir/pg_ctl" -D "$tmp/data" -l "$tmp/server.log" -w -t 60 start \
    -o "-h 127.0.0.1 -p $port -k $tmp -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    >/dev/null || { cat "$tmp/server.log" >&2; return 1; }
  as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U station station_test || return 1
  TEST_DATABASE_URL="postgresql://station@127.0.0.1:$port/station_test" \
    "$PY" -m pytest -q -m "not sqlite_only" "$@"
  local result=$?
  stop_postgresql
  trap - EXIT INT TERM
  return $result
}

for backend in $BACKENDS; do
  case "$backend" in
    sqlite) run_sqlite "$@" || status=1 ;;
    postgresql) run_postgresql "$@" || status=1 ;;
    *) echo "unknown backend $backend (sqlite or postgresql)" >&2; status=1 ;;
  esac
done
exit $status
