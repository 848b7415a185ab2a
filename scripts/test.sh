#!/usr/bin/env bash
# Every test, on a fresh Debian/Ubuntu machine with Rust: installs what the tests need
# (scripts/setup.sh: PostgreSQL, Mosquitto, nginx, Chromium, the Docker engine, …), then runs
# them all (`cargo nextest run --workspace`). Arguments go to nextest, e.g.
# `scripts/test.sh -p webinterface` or `scripts/test.sh --no-fail-fast`. .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# A full run needs room: the debug build of every test binary (target/) and the compose test's
# Docker images. Running out mid-build fails with "No space left on device" after many minutes,
# so say it up front, with what to free (a warning: a warm target/ needs less). Measured on
# 2026-12-08: target/ 17 GB after clippy and every test binary, Docker images 1.8 GB.
need_gb=20
free_gb=$(df -Pk . | awk 'NR == 2 { print int($4 / 1048576) }')
if [ "$free_gb" -lt "$need_gb" ]; then
  echo "test.sh: warning: only ${free_gb} GB free here; a cold run needs about ${need_gb} GB" \
    "(target/ and Docker images). If it fails with 'No space left on device', free space:" \
    "'cargo clean' in other checkouts, 'docker system prune -af'." >&2
fi
exec cargo nextest run --workspace "$@"
