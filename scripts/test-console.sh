#!/usr/bin/env bash
# The console's browser tests (Tests/Console/console_test.py): headless Chromium and its driver from Debian
# (installed when missing), Selenium from PyPI in a virtual environment under the build folder, against an
# `evident` binary already built (by default the debug one). Screenshots of each page go to
# $BUILD/console-screenshots; with --update-docs they also replace those in docs/console/.
#
#   scripts/test-console.sh [--update-docs]        EVIDENT_BUILD_PATH: the build folder (default .build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${EVIDENT_BUILD_PATH:-.build}
binary="$build/debug/evident"
docs=()
[ "${1:-}" = --update-docs ] && docs=(--docs docs/console)
[ -x "$binary" ] || { echo "No $binary: build first (swift build --scratch-path $build)." >&2; exit 1; }

python=/usr/bin/python3
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
[ -x "$python" ] || need+=(python3)
[ -x "$python" ] && "$python" -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
    echo "Installing ${need[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

venv="$build/console-venv"
if ! "$venv/bin/python" -c 'import selenium' >/dev/null 2>&1; then
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/pip" install -q --disable-pip-version-check selenium
fi

screenshots="$build/console-screenshots"
rm -rf "$screenshots"
# Selenium Manager is never asked for anything: the test names /usr/bin/chromedriver and /usr/bin/chromium.
SE_OFFLINE=true PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" Tests/Console/console_test.py --evident "$binary" --screenshots "$screenshots" \
    "${docs[@]}"
