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
source "$(dirname "$0")/stack-lib.sh"

require_programs
start_engine
"$REPO/docker/stand-ins/build.sh" || die "the stand-in base images could not be built"

ctx=$(mktemp -d "${TMPDIR:-/tmp}/standhub-image.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
copy_checkout "$ctx"
build_standhub_image "$ctx" "$ctx/build.log"
echo "compose-images: the engine answers; base images and standhub:latest ready"
