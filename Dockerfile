# One image for every binary of the workspace (webinterface, messagehandler, scheduler,
# videostream, ...). docker-compose picks the program with `command:`, e.g.
#   docker run --rm IMAGE webinterface --help
#
# Stages: "skeleton" reduces the workspace to its manifests and empty sources, so "builder"
# can compile all dependencies in a layer that stays cached until Cargo.toml/Cargo.lock change;
# then the real sources are built. "runtime" is a slim Debian with the binaries only.
#
# Binaries built already (CI's compose test, which has them from the test build):
#   docker build --build-arg RUST_IMAGE=debian:bookworm-slim --build-arg PREBUILT=.prebuilt .
# takes them from the folder .prebuilt/ of the build context (git-ignored; the programs of
# target/debug or target/release copied there) instead of compiling: no Rust image is needed,
# and the stages below run the same steps but the two `cargo build`s.

ARG RUST_IMAGE=rust:1.95-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

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
WORKDIR /app
ENV CARGO_TERM_COLOR=never SQLX_OFFLINE=true
# 1. Dependencies only: cached as long as the manifests and the lock file are unchanged.
COPY --from=skeleton /app/ ./
RUN [ -n "$PREBUILT" ] || cargo build --release --locked --workspace --bins
# 2. The real sources. Touch them so Cargo rebuilds the workspace crates (and the vendored
#    rumqttc and rumqttd, path dependencies) over the stubs.
COPY . .
RUN mkdir -p /out/bin \
 && if [ -n "$PREBUILT" ]; then \
      find "$PREBUILT" -maxdepth 1 -type f -perm -u+x -exec cp {} /out/bin/ \; ; \
    else \
      find crates vendor -name '*.rs' -exec touch {} + \
      && cargo build --release --locked --workspace --bins \
      && find target/release -maxdepth 1 -type f -perm -u+x -exec cp {} /out/bin/ \; ; \
    fi \
 && [ -x /out/bin/webinterface ] \
 && ls -l /out/bin \
 && mkdir -p /out/share \
 && find crates -mindepth 2 -maxdepth 2 -type d \( -name static -o -name templates -o -name assets \) \
      -exec cp -r --parents {} /out/share/ \;

FROM ${RUNTIME_IMAGE} AS runtime
# ca-certificates: TLS to cameras/brokers; curl: compose health checks; tini: PID 1 that
# forwards signals, so `docker-compose stop` shuts the services down cleanly.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 standhub \
 && useradd --system --uid 10001 --gid standhub --home-dir /app --shell /usr/sbin/nologin standhub
WORKDIR /app
COPY --from=builder /out/bin/ /usr/local/bin/
# Files some programs may read at run time, at the same paths as in the builder (/app/...):
# migrations, the protocol schema, and the crates' static/, templates/ and assets/ folders.
COPY --chown=root:root migrations/ /app/migrations/
COPY --chown=root:root schemas/ /app/schemas/
COPY --from=builder /out/share/ /app/
USER standhub
ENV RUST_LOG=info LOG_FORMAT=json PRODUCTION=true
EXPOSE 8001 5555
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["webinterface", "serve"]
