#!/usr/bin/env bash
# Load benchmark of the web interface: the dashboard (`/`) and `GET /api/stands` with 100
# stands (20 status rows each), driven by wrk with an API token.
#
#   crates/webinterface/benches/load.sh            # private PostgreSQL cluster in a temp dir
#   DATABASE_URL=postgres://… crates/webinterface/benches/load.sh   # an existing, empty database
#
# Needs: wrk (apt-get install wrk), PostgreSQL binaries (initdb, pg_ctl) unless DATABASE_URL
# is given. Knobs: STANDS (100), DURATION (15s), CONNECTIONS (50), THREADS (2).
set -euo pipefail

root="$(cd "$(dirname "$0")/../../.." && pwd)"
STANDS="${STANDS:-100}"
DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-50}"
THREADS="${THREADS:-2}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }

# PROFILE=debug measures the dev build (dependencies at opt-level 2) when a release build
# is too slow to make; the README figures say which profile they came from.
PROFILE="${PROFILE:-release}"
if [[ -n "${BIN:-}" ]]; then
    echo "using $BIN" >&2
elif [[ "$PROFILE" == release ]]; then
    echo "building the release binary…" >&2
    (cd "$root" && cargo build --release -p webinterface --bin webinterface >&2)
else
    (cd "$root" && cargo build -p webinterface --bin webinterface >&2)
fi
target="${CARGO_TARGET_DIR:-$root/target}"
bin="${BIN:-$target/$PROFILE/webinterface}"

work="$(mktemp -d)"
cleanup() {
    [[ -n "${server:-}" ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
    if [[ -n "${pgdata:-}" ]]; then as_pg "$pgbin/pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [[ -z "${DATABASE_URL:-}" ]]; then
    pgbin="$(dirname "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1)")"
    export PATH="$pgbin:$PATH"
    pgdata="$work/pg"
    pgport="$(free_port)"
    pguser=bench
    # initdb refuses root: as root, the cluster belongs to the postgres user.
    as_pg() { if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
    if [[ "$(id -u)" == 0 ]]; then chown postgres "$work"; fi
    as_pg "$pgbin/initdb" -D "$pgdata" -U "$pguser" --auth=trust >/dev/null
    as_pg "$pgbin/pg_ctl" -D "$pgdata" -o "-p $pgport -k $work -c listen_addresses=127.0.0.1 -c fsync=off" -l "$work/pg.log" start >/dev/null
    createdb -h 127.0.0.1 -p "$pgport" -U "$pguser" bench
    export DATABASE_URL="postgres://$pguser@127.0.0.1:$pgport/bench"
fi
export MQTT_URL="${MQTT_URL:-mqtt://127.0.0.1:1}" RUST_LOG=warn
export SECRET_KEY="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"

"$bin" migrate >&2
psql -q "$DATABASE_URL" <<SQL
INSERT INTO stands (id, name, status_code, effective_code, power_code, last_seen)
SELECT 'stand' || i, 'Stand ' || i, 200, 200, 600, now() FROM generate_series(1, $STANDS) i;
INSERT INTO status_history (stand_id, code, sent_by, received_at)
SELECT 'stand' || i, 200, 'stand' || i, now() - make_interval(secs => j)
FROM generate_series(1, $STANDS) i, generate_series(1, 20) j;
ANALYZE;
SQL
WEBINTERFACE_PASSWORD=benchmark-password "$bin" createsuperuser --username bench >&2
token="$("$bin" createtoken bench --name load)"

port="$(free_port)"
WEB_BIND="127.0.0.1:$port" "$bin" serve &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done

echo "== $STANDS stands, $THREADS threads, $CONNECTIONS connections, $DURATION each =="
for path in / /api/stands; do
    echo "-- GET $path"
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency \
        -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" \
        | grep -E "Requests/sec|Latency|50%|90%|99%|Non-2xx|Socket errors"
done
