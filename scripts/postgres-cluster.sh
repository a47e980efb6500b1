#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests: its own data directory, a private port and socket directory,
# run as the `postgres` user (PostgreSQL refuses root). Installs PostgreSQL 15 from Debian when it is missing.
#
#   scripts/postgres-cluster.sh start DIR     # prints the cluster's URL; DIR holds data, socket and log
#   scripts/postgres-cluster.sh stop DIR
set -euo pipefail
command=${1:?usage: $0 start|stop DIR} dir=${2:?usage: $0 start|stop DIR}
bin=/usr/lib/postgresql/15/bin
if [ ! -x "$bin/pg_ctl" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15
fi
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
case "$command" in
    start)
        mkdir -p "$dir/socket"
        chown -R postgres "$dir"
        as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
        # A free port: ask the kernel, then hand it to PostgreSQL (a race only with other tests' clusters).
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        # Durable commits as in production (fsync, synchronous_commit on); room for many test connections.
        as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o \
            "-p $port -k $dir/socket -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=400" \
            start >/dev/null
        echo "$port" > "$dir/port"
        echo "postgres://postgres@127.0.0.1:$port/postgres"
        ;;
    stop)
        if [ -d "$dir/data" ]; then as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true; fi
        ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 64 ;;
esac
