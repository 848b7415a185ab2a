#!/usr/bin/env bash
# compose-images: the Docker fixtures the engine tests share, made once and kept: a running
# engine (dockerd started when none answers, as root), the base images the compose files name
# built from Debian packages (docker/stand-ins/build.sh; kept between runs), and
# standhub:latest from the project's Dockerfile with the programs of BIN_DIR (no Rust is
# built: --build-arg PREBUILT; docker's layer cache makes a second build with the same
# programs take seconds). The same recipe as run-compose-stack.sh's first steps.
#
#   test-cases/compose-images.sh [BIN_DIR]      (default target/debug)
#
# Exit 0 when the engine answers and the images exist; otherwise 255 with the reason.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
BIN_DIR=${1:-${BIN_DIR:-target/debug}}
case $BIN_DIR in /*) ;; *) BIN_DIR="$REPO/$BIN_DIR" ;; esac
die() { echo "compose-images: $*" >&2; exit 255; }

for b in webinterface messagehandler scheduler videostream; do
    [ -x "$BIN_DIR/$b" ] || die "$BIN_DIR/$b not found: build first (cargo build --bins) or pass BIN_DIR"
done
if ! docker info >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || die "no Docker engine answers, and only root may start one"
    echo "compose-images: starting dockerd (log: /var/log/standhub-dockerd.log)" >&2
    (setsid "$(command -v dockerd || echo /usr/sbin/dockerd)" >/var/log/standhub-dockerd.log 2>&1 &)
    for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || die "dockerd did not start: $(tail -n 5 /var/log/standhub-dockerd.log)"
fi
"$REPO/docker/stand-ins/build.sh" || die "the stand-in base images could not be built"

ctx=$(mktemp -d "${TMPDIR:-/tmp}/standhub-image.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
git -C "$REPO" ls-files -co --exclude-standard -z | (cd "$REPO" && tar --null -T - -c) | tar -C "$ctx" -x \
    || die "copying the repository failed"
mkdir -p "$ctx/.prebuilt"
for b in webinterface messagehandler scheduler videostream; do
    # Without debug info: a quarter of the size to send to the engine, the same code.
    objcopy --strip-debug "$BIN_DIR/$b" "$ctx/.prebuilt/$b" 2>/dev/null || cp "$BIN_DIR/$b" "$ctx/.prebuilt/$b"
done
docker build -q -t standhub:latest --build-arg RUST_IMAGE=debian:bookworm-slim --build-arg PREBUILT=.prebuilt \
    "$ctx" >"$ctx/build.log" 2>&1 || die "docker build of standhub:latest failed: $(tail -n 20 "$ctx/build.log")"
echo "compose-images: the engine answers; base images and standhub:latest ready"
