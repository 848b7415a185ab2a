# The image of the programs docker-compose.yml and docker-compose-win.yml run: webinterface
# (also the `migrate` job), messagehandler, scheduler and videostream, the health checks'
# `messagehandler healthcheck` / `scheduler healthcheck` and curl. Nothing else of the
# workspace: not the all-in-one launcher `standhub`, not `embedded-broker` (BINS below).
# docker-compose picks the program with `command:`, e.g.
#   docker run --rm IMAGE webinterface --help
#
# Stages: "skeleton" reduces the workspace to its manifests and empty sources, so "builder"
# can compile the dependencies of those programs in a layer that stays cached until
# Cargo.toml/Cargo.lock change; then the real sources are built. "runtime" is a slim Debian
# with the programs only (templates, static files, migrations and the protocol schema are
# compiled into them; migrations/ and schemas/ are there too, for SCHEMA_PATH and reference).
#
# Binaries built already (CI's compose test, which has them from the test build):
#   docker build --build-arg RUST_IMAGE=debian:bookworm-slim --build-arg PREBUILT=.prebuilt .
# takes them from the folder .prebuilt/ of the build context (git-ignored; the programs named
# in BINS, from target/debug or target/release, copied there; others there are not taken)
# instead of compiling: no Rust image is needed, and the stages below run the same steps but
# the two `cargo build`s.

ARG RUST_IMAGE=rust:1.95-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim
# The programs the image carries: what the compose files' `command:`s and health checks run.
ARG BINS="webinterface messagehandler scheduler videostream"

FROM ${RUST_IMAGE} AS skeleton
WORKDIR /app
COPY . .
# Keep Cargo.toml/Cargo.lock and every .rs file as an empty stub (same paths, so every target
# Cargo.toml declares still exists); drop everything else.
# (No "{}" in the stub text: find would substitute it.)
RUN find . -name '*.rs' -not -path './target/*' -exec sh -c 'for f; do echo "fn main() { }" > "$f"; done' _ {} + \
 && find . -type f -not -name '*.rs' -not -name 'Cargo.toml' -not -name 'Cargo.lock' -delete \
 && find . -type d -empty -delete

FROM ${RUST_IMAGE} AS builder
ARG PREBUILT=
ARG BINS
WORKDIR /app
ENV CARGO_TERM_COLOR=never SQLX_OFFLINE=true
# 1. Dependencies only (of the programs in BINS): cached as long as the manifests and the lock
#    file are unchanged.
COPY --from=skeleton /app/ ./
RUN [ -n "$PREBUILT" ] || cargo build --release --locked $(for b in $BINS; do printf -- '--bin %s ' "$b"; done)
# 2. The real sources. Touch them so Cargo rebuilds the workspace crates (and the vendored
#    rumqttc and rumqttd, path dependencies) over the stubs. The programs lose their debug
#    sections (the release profile's line tables, the standard library's and the C code's
#    DWARF: 314 of their 378 MB), as the compose test's prebuilt ones do; the symbols stay, so
#    a backtrace still names the functions. Prebuilt programs are taken as given.
COPY . .
RUN mkdir -p /out/bin \
 && if [ -n "$PREBUILT" ]; then \
      for b in $BINS; do cp "$PREBUILT/$b" /out/bin/ || exit 1; done; \
    else \
      find crates vendor -name '*.rs' -exec touch {} + \
      && cargo build --release --locked $(for b in $BINS; do printf -- '--bin %s ' "$b"; done) \
      && for b in $BINS; do objcopy --strip-debug "target/release/$b" "/out/bin/$b" || exit 1; done; \
    fi \
 && ls -l /out/bin

FROM ${RUNTIME_IMAGE} AS runtime
# ca-certificates: TLS to cameras/brokers; curl: compose health checks; tini: PID 1 that
# forwards signals, so `docker-compose stop` shuts the services down cleanly.
# apt's package caches (/var/cache/apt/*.bin, the .debs: 86 MB) go too, whatever the base
# image's apt configuration (the official slim image deletes them, a debootstrap one does not).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl tini \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && groupadd --system --gid 10001 standhub \
 && useradd --system --uid 10001 --gid standhub --home-dir /app --shell /usr/sbin/nologin standhub
WORKDIR /app
COPY --from=builder /out/bin/ /usr/local/bin/
# The migrations and the protocol schema (both compiled in; the schema file for SCHEMA_PATH).
COPY --chown=root:root migrations/ /app/migrations/
COPY --chown=root:root schemas/ /app/schemas/
USER standhub
ENV RUST_LOG=info LOG_FORMAT=json PRODUCTION=true
EXPOSE 8001 5555
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["webinterface", "serve"]
