#!/usr/bin/env bash
# HTTP load on loopback against a release build of `evident serve` running the example shop spec:
# writes of one event each to 1,000 carts, then reads of those carts, at 64 connections (wrk, from Debian).
# Each workload has a floor measured in the same run: the same server answering `/_bench/floor` with a constant
# body of the size of the workload's answers, doing no other work. The last lines give each workload's median
# of the runs and its fraction of the floor's median.
#
# By default the server stores in a fresh SQLite file. With --store postgres://… it stores in a fresh schema of
# that database (dropped at the end with psql; the URL must not name a schema), and with --nodes N there are N
# servers on that one schema: wrk runs one thread per node (at least 2), each thread's connections going to one
# node, so writes and reads are spread evenly over the nodes.
# Usage: scripts/bench-http.sh [--connections 64] [--duration 10] [--runs 3] [--store URL] [--nodes 1]
# EVIDENT_BUILD_PATH chooses the build folder (default .build).
set -euo pipefail
cd "$(dirname "$0")/.."
connections=64 duration=10 runs=3 store="" nodes=1
while [ $# -gt 0 ]; do
    case "$1" in
        --connections) connections=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --store) store=$2; shift 2 ;;
        --nodes) nodes=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
case "$store" in
    postgres://* | postgresql://*)
        case "$store" in *schema=*) echo "--store: leave the schema out; the script makes a fresh one" >&2; exit 64 ;; esac
        schema="bench_http_$(date +%s)_$$"
        # The URL with only the parameters libpq knows too (host, sslmode), for psql to drop the schema at the end.
        psql_url=${store%%\?*} separator="?"
        case "$store" in
            *\?*) for parameter in $(echo "${store#*\?}" | tr '&' ' '); do
                       case "$parameter" in host=* | sslmode=*) psql_url="$psql_url$separator$parameter" separator="&" ;; esac
                   done ;;
        esac
        case "$store" in *\?*) store="$store&schema=$schema" ;; *) store="$store?schema=$schema" ;; esac
        ;;
    "") [ "$nodes" = 1 ] || { echo "--nodes needs a PostgreSQL --store" >&2; exit 64; } ;;
    *) echo "--store must be a postgres:// URL (the default is a fresh SQLite file)" >&2; exit 64 ;;
esac
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
build=${EVIDENT_BUILD_PATH:-.build}
swift build -c release --product evident --scratch-path "$build" >&2
work=$(mktemp -d)
servers=""
cleanup() {
    for server in $servers; do kill "$server" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${schema:-}" ]; then psql -q "$psql_url" -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >&2 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
ports=""
for node in $(seq "$nodes"); do
    "$build/release/evident" serve --spec Examples/specs/shop.json --store "${store:-$work/evident.sqlite}" --port 0 \
        --log-level notice --benchmark-floor 2> "$work/serve-$node.log" &
    servers="$servers $!"
    port=""
    for _ in $(seq 300); do
        port=$(grep -o "url=http://127.0.0.1:[0-9]*" "$work/serve-$node.log" | grep -o "[0-9]*$" || true)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$work/serve-$node.log" >&2; exit 1; }
    ports="$ports $port"
done
export EVIDENT_BENCH_PORTS="$ports"
port=${ports# }; port=${port%% *}
threads=$(( nodes > 2 ? nodes : 2 ))
export EVIDENT_BENCH_IDS="$work/ids.txt"
python3 - "$port" "$EVIDENT_BENCH_IDS" <<'PY'
import http.client, json, sys, uuid
port, path = int(sys.argv[1]), sys.argv[2]
connection = http.client.HTTPConnection("127.0.0.1", port)
actor = {"type": "customer", "id": "7f3c2a10-5b6d-4e8f-9a1b-2c3d4e5f6a7b"}
with open(path, "w") as ids:
    for _ in range(1000):
        cart = str(uuid.uuid4())
        connection.request("POST", f"/cart/{cart}/was_opened", json.dumps({"data": {"customer_id": "bench"}, "metadata": {"actor": actor}}))
        response = connection.getresponse(); response.read()
        assert response.status == 201, response.status
        ids.write(cart + "\n")
# The sizes of a write's and a read's answers, for the floor.
connection.request("POST", f"/cart/{cart}/item_was_added", json.dumps({"data": {"sku": "tea", "quantity": 1, "unit_price": 4.5}, "metadata": {"actor": actor}}))
write = connection.getresponse().read()
connection.request("GET", f"/cart/{cart}")
read = connection.getresponse().read()
with open(path + ".sizes", "w") as sizes:
    sizes.write(f"{len(write)} {len(read)}\n")
PY
read -r EVIDENT_BENCH_WRITE_BYTES EVIDENT_BENCH_READ_BYTES < "$EVIDENT_BENCH_IDS.sizes"
export EVIDENT_BENCH_WRITE_BYTES EVIDENT_BENCH_READ_BYTES
for workload in write write_floor read read_floor; do
    cat "scripts/bench-http/$workload.lua" scripts/bench-http/nodes.lua scripts/bench-http/report.lua \
        > "$work/$workload.lua"
    for run in $(seq "$runs"); do
        line=$(wrk -t"$threads" -c"$connections" -d"${duration}s" -s "$work/$workload.lua" "http://127.0.0.1:$port" \
            | tail -1)
        echo "{\"workload\":\"http_$workload\",\"nodes\":$nodes,\"connections\":$connections,\"run\":$run,${line#\{}"
    done
done | tee "$work/runs.jsonl"
python3 - "$work/runs.jsonl" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1])]
def median(workload, key):
    values = [run[key] if key != "p99" else run["latency_ms"]["p99"] for run in runs if run["workload"] == workload]
    return statistics.median(values)
for workload in ("http_write", "http_read"):
    rate, floor = median(workload, "requests_per_second"), median(workload + "_floor", "requests_per_second")
    print(json.dumps({"workload": workload, "nodes": runs[0]["nodes"],
                      "median_requests_per_second": rate, "median_p99_ms": median(workload, "p99"),
                      "floor_requests_per_second": floor, "fraction_of_floor": round(rate / floor, 3)}))
PY
