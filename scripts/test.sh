#!/usr/bin/env bash
# Every test, on a fresh Debian/Ubuntu machine with Rust: installs what the tests need
# (scripts/setup.sh: PostgreSQL, Mosquitto, nginx, Chromium, the Docker engine, …), then runs
# them all (`cargo nextest run --workspace`). Arguments go to nextest, e.g.
# `scripts/test.sh -p webinterface` or `scripts/test.sh --no-fail-fast`. .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo nextest run --workspace "$@"
