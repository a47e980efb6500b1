#!/usr/bin/env bash
# Compares two builds of `evident serve` under the scripts/bench-http workloads: both servers run side by side
# (each with 1,000 carts of the example shop), and wrk alternates between them, so the machine's noise falls
# on both alike. Usage: scripts/bench-http-ab.sh BEFORE_BINARY AFTER_BINARY [--rounds 5] [--duration 5]
# Prints one JSON line per run: {"side": "before"|"after", "workload", …wrk's figures}.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -ge 2 ] || { echo "usage: $0 BEFORE_BINARY AFTER_BINARY [--rounds N] [--duration S]" >&2; exit 64; }
binaries=("$1" "$2"); shift 2
rounds=5 duration=5
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 64 ;;
    esac
done
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
sides=(before after)
for index in 0 1; do
    side=${sides[$index]}
    mkdir "$work/$side"
    "${binaries[$index]}" serve --spec Examples/specs/shop.json --db "$work/$side/evident.sqlite" --port 0 \
        --log-level notice 2> "$work/$side/serve.log" &
    pids+=($!)
    port=
    for _ in $(seq 100); do
        port=$(grep -o "url=http://127.0.0.1:[0-9]*" "$work/$side/serve.log" | grep -o "[0-9]*$" || true)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$work/$side/serve.log" >&2; exit 1; }
    echo "$port" > "$work/$side/port"
    python3 - "$port" "$work/$side/ids.txt" <<'PY'
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
PY
done
for workload in write read; do
    cat "scripts/bench-http/$workload.lua" scripts/bench-http/report.lua > "$work/$workload.lua"
    for round in $(seq "$rounds"); do
        for side in "${sides[@]}"; do
            line=$(EVIDENT_BENCH_IDS="$work/$side/ids.txt" wrk -t2 -c64 -d"${duration}s" -s "$work/$workload.lua" \
                "http://127.0.0.1:$(cat "$work/$side/port")" | tail -1)
            echo "{\"side\":\"$side\",\"workload\":\"http_$workload\",\"round\":$round,${line#\{}"
        done
    done
done
