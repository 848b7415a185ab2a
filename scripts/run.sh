#!/usr/bin/env bash
# The whole stack in one process, on a fresh Debian/Ubuntu machine with Rust: installs what the
# launcher lacks (PostgreSQL's server binaries, scripts/setup.sh --run), builds it (release) and
# runs it. Arguments go to the launcher, e.g. `scripts/run.sh --web-bind 127.0.0.1:8001` or
# `scripts/run.sh simulate --stand demo_module --mqtt-url mqtt://…`. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --run
exec cargo run --release --locked -p standhub -- "$@"
