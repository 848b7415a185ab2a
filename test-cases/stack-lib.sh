# shellcheck shell=bash
# Shared steps of the scripts that run the whole stack (run-native-stack.sh,
# run-compose-stack.sh, compose-images.sh); sourced, not run, with the script's arguments.
#
# Sets HERE (this folder), REPO (the repository) and BIN_DIR (the first argument, else
# $BIN_DIR, else target/debug; made absolute), and defines die and log, whose messages start
# with the script's name.

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BIN_DIR=${1:-${BIN_DIR:-target/debug}}
case $BIN_DIR in /*) ;; *) BIN_DIR="$REPO/$BIN_DIR" ;; esac
STACK_SCRIPT=$(basename "$0" .sh)
# The workspace's programs the stack runs.
STACK_PROGRAMS="webinterface messagehandler scheduler videostream"

die() { echo "$STACK_SCRIPT: $*" >&2; exit 255; }
log() { echo "$STACK_SCRIPT: $*" >&2; }

# require_programs: dies unless BIN_DIR holds every program of the stack.
require_programs() {
    for b in $STACK_PROGRAMS; do
        [ -x "$BIN_DIR/$b" ] || die "$BIN_DIR/$b not found: build first (cargo build --bins) or pass BIN_DIR"
    done
}

# start_engine: when no Docker engine answers, starts dockerd (as root only) and waits up to a
# minute for it.
start_engine() {
    docker info >/dev/null 2>&1 && return
    [ "$(id -u)" = 0 ] || die "no Docker engine answers, and only root may start one"
    command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ] || die "dockerd not found: run scripts/setup.sh (docker.io)"
    log "no Docker engine answers: starting dockerd (log: /var/log/standhub-dockerd.log)"
    (setsid "$(command -v dockerd || echo /usr/sbin/dockerd)" >/var/log/standhub-dockerd.log 2>&1 &)
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || die "dockerd did not start: $(tail -n 5 /var/log/standhub-dockerd.log)"
}

# copy_checkout DIR: the repository's files (tracked, and untracked ones git does not ignore)
# copied to DIR.
copy_checkout() {
    mkdir -p "$1"
    git -C "$REPO" ls-files -co --exclude-standard -z | (cd "$REPO" && tar --null -T - -c) | tar -C "$1" -x \
        || die "copying the repository failed"
}

# build_standhub_image DIR LOG: standhub:latest from the Dockerfile of the copy DIR with the
# programs of BIN_DIR (in DIR/.prebuilt: --build-arg PREBUILT, no Rust built); docker's output
# goes to LOG.
build_standhub_image() {
    local dir=$1 build_log=$2
    mkdir -p "$dir/.prebuilt"
    for b in $STACK_PROGRAMS; do
        # Without debug info: a quarter of the size to send to the engine, the same code.
        objcopy --strip-debug "$BIN_DIR/$b" "$dir/.prebuilt/$b" 2>/dev/null || cp "$BIN_DIR/$b" "$dir/.prebuilt/$b"
    done
    docker build -q -t standhub:latest --build-arg RUST_IMAGE=debian:bookworm-slim --build-arg PREBUILT=.prebuilt \
        "$dir" >"$build_log" 2>&1 || die "docker build of standhub:latest failed: $(tail -n 20 "$build_log")"
}
