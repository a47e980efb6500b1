#!/usr/bin/env bash
# Runs Evident's whole test suite on a fresh machine: installs what is missing, builds, tests. The PostgreSQL
# tests run against a throwaway cluster started here (PostgreSQL 15 from Debian, installed when missing) on a
# private port and socket directory, and stopped at the end, also on failure.
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

cluster=$(mktemp -d /tmp/evident-test-postgres.XXXXXX)
trap 'scripts/postgres-cluster.sh stop "$cluster"; rm -rf "$cluster"' EXIT
EVIDENT_TEST_POSTGRES=$(scripts/postgres-cluster.sh start "$cluster")
export EVIDENT_TEST_POSTGRES
echo "PostgreSQL test cluster: $EVIDENT_TEST_POSTGRES"

swift build --build-tests
swift test --skip-build "$@"
