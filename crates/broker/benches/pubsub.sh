#!/usr/bin/env bash
# QoS 2 throughput of the embedded broker with clients that do not set TCP_NODELAY
# (mosquitto_pub / mosquitto_sub): one subscriber (`-q 2 -t bench/# -C N`), one publisher
# (`-q 2 -t bench/x -l`, N lines of a ~100-byte status JSON on stdin). Time is measured from
# the start of mosquitto_pub (the subscriber is already subscribed) to the subscriber's exit
# after its N-th message; RUNS runs back to back against one broker, msg/s per run.
#
#   cargo build --release -p broker && crates/broker/benches/pubsub.sh             # both
#   crates/broker/benches/pubsub.sh embedded    # only target/release/embedded-broker
#   crates/broker/benches/pubsub.sh mosquitto   # only a private Mosquitto
#
# The Mosquitto comparison is a private Mosquitto with default settings (not the project's
# mosquitto/mosquitto.conf) except `max_queued_messages 0`: its default of 1000 drops messages
# for a subscriber that falls behind, so a run would never see all N. Needs: mosquitto, mosquitto-clients, python3 (to find
# free ports). Knobs: N (20000), RUNS (3), BIN (the embedded-broker binary), TIMEOUT (120 s
# per run), CLIENT_OPTS (extra options of both clients, e.g. `--nodelay`).
set -euo pipefail

root="$(cd "$(dirname "$0")/../../.." && pwd)"
N="${N:-20000}"
RUNS="${RUNS:-3}"
CLIENT_OPTS="${CLIENT_OPTS:-}"
target="${CARGO_TARGET_DIR:-$root/target}"
BIN="${BIN:-$target/release/embedded-broker}"
which_brokers="${1:-both}"
for tool in mosquitto_pub mosquitto_sub python3 stdbuf; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done

work="$(mktemp -d)"
broker_pid=""
stop_broker() {
    if [[ -n "$broker_pid" ]]; then
        kill "$broker_pid" 2>/dev/null || true
        wait "$broker_pid" 2>/dev/null || true
        broker_pid=""
    fi
}
cleanup() {
    stop_broker
    rm -rf "$work"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() {
    for _ in $(seq 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.05
    done
    echo "broker did not listen on port $1" >&2
    exit 1
}

# N status lines (~100 bytes each), made once.
python3 - "$N" >"$work/lines" <<'EOF'
import sys
for i in range(int(sys.argv[1])):
    print('{"stand":"bench-01","state":"running","step":%d,"temperature_c":21.5,"pressure_kpa":101.3,"door":"closed"}' % i)
EOF
echo "payload: $(head -1 "$work/lines" | wc -c) bytes incl. newline, N=$N, RUNS=$RUNS" >&2

run_once() {
    local port="$1" ready="$work/sub.out"
    : >"$ready"
    # -d prints the SUBACK, so we know the subscription is in place before publishing.
    # (stdbuf: line-buffered, or the SUBACK line waits in stdio's buffer.)
    timeout "${TIMEOUT:-120}" stdbuf -oL mosquitto_sub $CLIENT_OPTS -p "$port" -q 2 -t 'bench/#' -C "$N" -d >"$ready" 2>&1 &
    local sub=$!
    for _ in $(seq 200); do
        grep -q SUBACK "$ready" && break
        sleep 0.01
    done
    grep -q SUBACK "$ready" || { echo "subscriber got no SUBACK" >&2; kill "$sub"; exit 1; }
    local start end
    start=$(date +%s.%N)
    mosquitto_pub $CLIENT_OPTS -p "$port" -q 2 -t bench/x -l <"$work/lines"
    wait "$sub"
    end=$(date +%s.%N)
    local got
    got=$(grep -c '^{"stand"' "$ready" || true)
    [[ "$got" == "$N" ]] || { echo "subscriber got $got of $N messages" >&2; exit 1; }
    python3 -c "import sys; s, e, n = map(float, sys.argv[1:]); print(f'{n / (e - s):8.0f} msg/s  ({e - s:.2f} s)')" \
        "$start" "$end" "$N"
}

bench() {
    local name="$1" port="$2"
    wait_port "$port"
    echo "== $name (port $port)"
    for run in $(seq "$RUNS"); do
        printf 'run %d: ' "$run"
        run_once "$port"
    done
    stop_broker
}

if [[ "$which_brokers" == both || "$which_brokers" == embedded ]]; then
    [[ -x "$BIN" ]] || { echo "$BIN missing: cargo build --release -p broker" >&2; exit 1; }
    port="$(free_port)"
    ws_port="$(free_port)"
    "$BIN" "127.0.0.1:$port" "127.0.0.1:$ws_port" 2>"$work/broker.log" &
    broker_pid=$!
    bench "embedded-broker ($BIN)" "$port"
fi
if [[ "$which_brokers" == both || "$which_brokers" == mosquitto ]]; then
    command -v mosquitto >/dev/null || { echo "mosquitto is not installed" >&2; exit 1; }
    port="$(free_port)"
    # Default settings except an unlimited queue: the default max_queued_messages 1000 drops
    # QoS 2 messages for a subscriber that falls behind, and the run would never finish.
    printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n' "$port" >"$work/mosquitto.conf"
    mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
    broker_pid=$!
    bench "mosquitto $(mosquitto -h 2>/dev/null | head -1 | awk '{print $3}') (defaults, max_queued_messages 0)" "$port"
fi
