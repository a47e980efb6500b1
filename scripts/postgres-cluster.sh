#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests: its own data directory, a private port and socket directory,
# run as the `postgres` user (PostgreSQL refuses root). Installs PostgreSQL 15 from Debian when it is missing.
#
#   scripts/postgres-cluster.sh start DIR             # prints the cluster's URL; DIR holds data, socket and log
#   scripts/postgres-cluster.sh replica PRIMARY DIR   # a streaming replica of the cluster in PRIMARY; prints its URL
#   scripts/postgres-cluster.sh restart DIR           # starts a stopped cluster again on its port
#   scripts/postgres-cluster.sh stop DIR              # stops it at once (-m immediate, as a crash would)
set -euo pipefail
usage="usage: $0 start DIR | replica PRIMARY_DIR DIR | restart DIR | stop DIR"
command=${1:?$usage} dir=${2:?$usage}
bin=/usr/lib/postgresql/15/bin
if [ ! -x "$bin/pg_ctl" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15
fi
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }
# A free port: ask the kernel, then hand it to PostgreSQL (a race only with other tests' clusters).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Starts the cluster in $1 on port $2. Durable commits as in production (fsync, synchronous_commit on); room
# for many test connections.
# The server keeps none of the caller's descriptors beyond the standard three: a caller that waits for one to
# close (Foundation's Process does, to know its child has ended) would otherwise wait for the server's end.
run() {
    (
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
        done
        as_postgres "$bin/pg_ctl" -D "$1/data" -l "$1/log" -w -o \
            "-p $2 -k $1/socket -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=1000" \
            start >/dev/null
    )
    echo "$2" > "$1/port"
    echo "postgres://postgres@127.0.0.1:$2/postgres"
}
case "$command" in
    start)
        mkdir -p "$dir/socket"
        chown -R postgres "$dir"
        as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
        run "$dir" "$(free_port)"
        ;;
    replica)
        primary=$dir dir=${3:?$usage}
        mkdir -p "$dir/socket"
        chown -R postgres "$dir"
        # -R writes the standby's settings (standby.signal, primary_conninfo); -X stream copies the WAL too.
        as_postgres "$bin/pg_basebackup" -h 127.0.0.1 -p "$(cat "$primary/port")" -U postgres -D "$dir/data" -R -X stream
        run "$dir" "$(free_port)"
        ;;
    restart)
        run "$dir" "$(cat "$dir/port")" >/dev/null
        ;;
    stop)
        if [ -d "$dir/data" ]; then as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true; fi
        ;;
    *) echo "$usage" >&2; exit 64 ;;
esac
