#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: `start` (idempotent) or `stop`.
#
# Debian's packages (installed by .ci/install-test-deps.sh); the cluster lives in
# $ERRATA_PG_DIR (default /tmp/errata-pg), owned by the `postgres` user, which
# the server needs when this runs as root. It listens on 127.0.0.1 and a unix
# socket in that folder, port $ERRATA_PG_PORT (default 54329). Role `errata`
# (password `errata-test`, may create databases) owns database `errata`; local
# socket connections are trusted, TCP ones need the password (SCRAM), so the
# tests exercise password handling. The tests find the server through
# ERRATA_TEST_PG, else these defaults.
set -euo pipefail

dir=${ERRATA_PG_DIR:-/tmp/errata-pg}
port=${ERRATA_PG_PORT:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$bin" ] || { echo "postgres.sh: PostgreSQL is not installed (run .ci/install-test-deps.sh)" >&2; exit 2; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
start)
    if as_owner "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        exit 0
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
    if [ ! -s "$dir/data/PG_VERSION" ]; then
        pw=$(mktemp); echo postgres > "$pw"; chmod 644 "$pw"
        as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust \
            --auth-host=scram-sha-256 --pwfile="$pw" -E UTF8 --locale=C.UTF-8 >/dev/null
        rm -f "$pw"
    fi
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o \
        "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off" start >/dev/null
    psql() { as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qAt "$@"; }
    if [ "$(psql -c "SELECT 1 FROM pg_roles WHERE rolname = 'errata'")" != 1 ]; then
        psql -c "CREATE ROLE errata LOGIN CREATEDB CREATEROLE PASSWORD 'errata-test'"
        psql -c "CREATE DATABASE errata OWNER errata"
    fi
    ;;
stop)
    if [ -s "$dir/data/PG_VERSION" ]; then
        as_owner "$bin/pg_ctl" -D "$dir/data" -w -m fast stop >/dev/null 2>&1 || true
    fi
    ;;
*)
    echo "usage: $0 start|stop" >&2
    exit 2
    ;;
esac
