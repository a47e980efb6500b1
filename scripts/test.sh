#!/usr/bin/env bash
# Runs Evident's whole test suite on a fresh machine: installs what is missing, builds, tests, then drives the
# web console in headless Chromium (scripts/test-console.sh). The PostgreSQL
# tests run against a throwaway cluster and its streaming replica, started here (PostgreSQL 15 from Debian,
# installed when missing) on private ports and socket directories, and stopped at the end, also on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
dpkg -s libsqlite3-dev >/dev/null 2>&1 || need+=(libsqlite3-dev)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v curl >/dev/null 2>&1 || need+=(curl)        # the doc examples (DocExamplesTests) run curl
[ -x /usr/lib/postgresql/15/bin/pg_ctl ] || need+=(postgresql-15)
if [ ${#need[@]} -gt 0 ]; then
    echo "Installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

clusters=$(mktemp -d /tmp/evident-test-postgres.XXXXXX)
chmod 755 "$clusters"   # the postgres user runs the clusters inside
# On failure, the end of each server's log first: what PostgreSQL saw is gone once the clusters are removed.
trap 'status=$?
if [ $status -ne 0 ]; then
    for c in primary replica; do
        [ -f "$clusters/$c/log" ] && { echo "--- PostgreSQL $c: the end of its log"; tail -n 30 "$clusters/$c/log"; }
    done
fi
for c in replica primary; do scripts/postgres-cluster.sh stop "$clusters/$c"; done; rm -rf "$clusters"' EXIT
EVIDENT_TEST_POSTGRES=$(scripts/postgres-cluster.sh start "$clusters/primary")
EVIDENT_TEST_POSTGRES_REPLICA=$(scripts/postgres-cluster.sh replica "$clusters/primary" "$clusters/replica")
export EVIDENT_TEST_POSTGRES EVIDENT_TEST_POSTGRES_REPLICA
echo "PostgreSQL test cluster: $EVIDENT_TEST_POSTGRES, replica: $EVIDENT_TEST_POSTGRES_REPLICA"

# EVIDENT_BUILD_PATH: the build folder (default .build), for a checkout that keeps several.
build=${EVIDENT_BUILD_PATH:-.build}
swift build --scratch-path "$build" --build-tests
swift test --scratch-path "$build" --skip-build "$@"

# The web console in a real browser (Chromium from Debian, installed when missing), against the debug binary.
EVIDENT_BUILD_PATH="$build" scripts/test-console.sh
