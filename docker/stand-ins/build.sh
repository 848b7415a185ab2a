#!/usr/bin/env bash
# Builds, from Debian packages only, the base images docker-compose.yml names, for an engine
# that cannot pull from a registry (this project's CI):
#   debian:bookworm-slim  a bookworm root file system made by debootstrap, `docker import`ed
#   postgres:15           Debian's postgresql-15 with the official image's entrypoint contract
#   eclipse-mosquitto:2   Debian's mosquitto 2.0 with the official image's users and paths
#   nginx:1.27            Debian's nginx 1.22 (bookworm has no 1.27) with curl
#   busybox               Debian's busybox-static, for looking into volumes
# and, only when asked (`build.sh rust`; the compose test does not need it):
#   rust:1.95-bookworm    this machine's Rust 1.95 toolchain (rustup's) with gcc, for the full
#                         Dockerfile build without a registry
# What each keeps of the official image and what differs: docker/stand-ins/README.md.
#
#   docker/stand-ins/build.sh [--force] [rust]
#
# An image that exists already is kept (--force builds them all again). Needs a running Docker
# engine, and debootstrap (Debian package) for the first image; runs as root (debootstrap).
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
force=false
rust=false
for arg in "$@"; do
    case $arg in
        --force) force=true ;;
        rust) rust=true ;;
        *) echo "usage: $0 [--force] [rust]" >&2; exit 2 ;;
    esac
done
log() { echo "stand-ins: $*" >&2; }
have_image() { ! $force && docker image inspect "$1" >/dev/null 2>&1; }

if have_image debian:bookworm-slim; then
    log "debian:bookworm-slim exists"
else
    command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] \
        || { log "debootstrap not found: apt-get install debootstrap (scripts/setup.sh does)"; exit 1; }
    root=$(mktemp -d "${TMPDIR:-/tmp}/bookworm-rootfs.XXXXXX")
    trap 'rm -rf "$root"' EXIT
    log "debootstrap bookworm (minbase) from $MIRROR"
    started=$SECONDS
    debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$root.log" 2>&1 \
        || { tail -n 20 "$root.log" >&2; log "debootstrap failed (log above)"; exit 1; }
    rm -f "$root.log"
    # As the official slim image: updates and security sources, no package lists or caches.
    cat >"$root/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb ${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} bookworm-security main
SOURCES
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" -c . | docker import \
        -c 'CMD ["bash"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        - debian:bookworm-slim >/dev/null
    rm -rf "$root"
    trap - EXIT
    log "debian:bookworm-slim imported ($((SECONDS - started)) s)"
fi

for spec in postgres:15=postgres eclipse-mosquitto:2=mosquitto nginx:1.27=nginx busybox:latest=busybox; do
    image=${spec%%=*} dir=${spec#*=}
    if have_image "$image"; then
        log "$image exists"
        continue
    fi
    started=$SECONDS
    log "building $image from docker/stand-ins/$dir"
    docker build -q -t "$image" "$HERE/$dir" >/dev/null \
        || { log "building $image failed: docker build -t $image $HERE/$dir shows why"; exit 1; }
    log "$image built ($((SECONDS - started)) s)"
done

# rust:1.95-bookworm from rustup's toolchain on this machine (RUST_TOOLCHAIN: its folder).
if $rust; then
    if have_image rust:1.95-bookworm; then
        log "rust:1.95-bookworm exists"
    else
        tc=${RUST_TOOLCHAIN:-${RUSTUP_HOME:-$HOME/.rustup}/toolchains/1.95.0-x86_64-unknown-linux-gnu}
        tc=$(readlink -f "$tc")
        "$tc/bin/rustc" -V | grep -q '^rustc 1\.95\.' \
            || { log "no Rust 1.95 toolchain at $tc (rustup toolchain install 1.95.0, or set RUST_TOOLCHAIN)"; exit 1; }
        started=$SECONDS
        ctx=$(mktemp -d "${TMPDIR:-/tmp}/rust-stand-in.XXXXXX")
        trap 'rm -rf "$ctx"' EXIT
        cp "$HERE/rust/Dockerfile" "$ctx/"
        # The certificate authorities this machine adds to Debian's (an intercepting proxy's).
        mkdir -p "$ctx/ca"
        find /usr/local/share/ca-certificates -maxdepth 1 -name '*.crt' -exec cp {} "$ctx/ca/" \; 2>/dev/null || true
        # Only what `cargo build` needs: the three programs, rustc's libraries, the standard
        # library and linker of this target (not docs, sources, clippy, rustfmt, other targets).
        mkdir -p "$ctx/toolchain/bin" "$ctx/toolchain/lib/rustlib"
        cp -a "$tc/bin/cargo" "$tc/bin/rustc" "$tc/bin/rustdoc" "$ctx/toolchain/bin/"
        cp -a "$tc"/lib/*.so* "$ctx/toolchain/lib/"
        cp -a "$tc/lib/rustlib/x86_64-unknown-linux-gnu" "$ctx/toolchain/lib/rustlib/"
        log "building rust:1.95-bookworm from $tc ($(du -sh "$ctx/toolchain" | cut -f1) of it)"
        docker build -q -t rust:1.95-bookworm "$ctx" >/dev/null \
            || { log "building rust:1.95-bookworm failed: docker build -t rust:1.95-bookworm on a copy of docker/stand-ins/rust shows why"; exit 1; }
        rm -rf "$ctx"
        trap - EXIT
        log "rust:1.95-bookworm built ($((SECONDS - started)) s)"
    fi
fi
