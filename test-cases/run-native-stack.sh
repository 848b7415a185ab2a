#!/usr/bin/env bash
# run-native-stack: the docker-compose topology without Docker, then every test case against it.
#
#   test-cases/run-native-stack.sh [BIN_DIR]
#
# Starts, on free ports of 127.0.0.1 and in a temporary folder: a private PostgreSQL cluster,
# Mosquitto with a copy of mosquitto/mosquitto.conf (only listener ports and file paths
# changed) and mosquitto/acl, nginx with a copy of nginx/nginx.conf (only the upstream
# addresses and the listen port changed), both through their compose start scripts with a
# test certificate made here (openssl), so their TLS listeners (nginx/tls.conf,
# mosquitto/tls.conf: only ports and paths changed) run too, a fake MJPEG camera, and the four services
# (webinterface, messagehandler, scheduler, videostream) as separate processes from BIN_DIR.
# Each service connects to PostgreSQL as its own role (postgres/10-service-roles.sh, the
# grants of the migrations); only `webinterface migrate` uses the owner.
# Then runs `webinterface migrate`, `createsuperuser`, `createtoken`, and every
# test-cases/tc-*.sh with the hosts, ports and credentials as parameters. Everything is
# stopped on exit. Exit code: 0 when every case passed, else the number of failed cases
# (at least 1; 255 when the stack could not be started).
#
# Environment: BIN_DIR (default target/debug; builds nothing), PG_BIN_DIR (default: newest
# /usr/lib/postgresql/*/bin), KEEP_WORKDIR=1 keeps the logs, STACK_HOLD=1 keeps the stack
# running after the cases until Ctrl-C (prints how to reach it).
# Needs: PostgreSQL server, mosquitto, mosquitto-clients, nginx, curl, python3. As root the
# cluster runs as user postgres (runuser) and Mosquitto drops to user mosquitto.
set -uo pipefail

source "$(dirname "$0")/stack-lib.sh"

# --- prerequisites ---
require_programs
for t in mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd nginx curl python3 openssl; do
    command -v "$t" >/dev/null 2>&1 || [ -x "/usr/sbin/$t" ] || die "$t not found (Debian: postgresql mosquitto mosquitto-clients nginx curl python3)"
done
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ -z "${PG_BIN_DIR:-}" ]; then
    PG_BIN_DIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
[ -n "$PG_BIN_DIR" ] && [ -x "$PG_BIN_DIR/initdb" ] || die "PostgreSQL server binaries not found: install postgresql or set PG_BIN_DIR"

ROOT=false
[ "$(id -u)" = 0 ] && ROOT=true
as_postgres() { if $ROOT; then runuser -u postgres -- "$@"; else "$@"; fi; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/standhub-native.XXXXXX")
chmod 755 "$WORK"
PIDS=()
PG_STARTED=false
CASE_PID=

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$CASE_PID" ] && kill -0 "$CASE_PID" 2>/dev/null; then
        read -r -a children <<<"$(ps -o pid= --ppid "$CASE_PID" 2>/dev/null | tr '\n' ' ')"
        kill "${children[@]}" "$CASE_PID" 2>/dev/null
    fi
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill "${PIDS[$i]}" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        # Up to 10 s for a clean exit, then kill.
        for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if $PG_STARTED; then
        as_postgres "$PG_BIN_DIR/pg_ctl" -D "$WORK/pg" -m fast -w stop >/dev/null 2>&1
    fi
    if [ "${KEEP_WORKDIR:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
        log "logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# N free TCP ports on 127.0.0.1 (all distinct).
free_ports() {
    python3 - "$1" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
}
read -r PG_PORT MQTT_PORT WS_PORT WEB_PORT VIDEO_PORT NGINX_PORT CAMERA_PORT \
    MQTT_TLS_PORT WS_TLS_PORT NGINX_TLS_PORT <<<"$(free_ports 10)"

# --- a test certificate for the TLS listeners (self-signed: it is its own CA) ---
CERTS="$WORK/certs"
mkdir -p "$CERTS"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
    -keyout "$CERTS/privkey.pem" -out "$CERTS/fullchain.pem" >"$WORK/openssl.log" 2>&1 \
    || die "openssl could not make a test certificate: $(tail -n 5 "$WORK/openssl.log")"
chmod 600 "$CERTS/privkey.pem"
TLS_CA="$CERTS/fullchain.pem"

# wait_port NAME PORT PID: until something accepts connections on PORT (60 s at most).
wait_port() {
    local name=$1 port=$2 pid=$3
    for _ in $(seq 120); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        kill -0 "$pid" 2>/dev/null || die "$name exited; log: $(tail -n 20 "$WORK/$name.log")"
        sleep 0.5
    done
    die "$name does not listen on $port after 60 s; log: $(tail -n 20 "$WORK/$name.log")"
}
# wait_http NAME URL PID: until URL answers 200.
wait_http() {
    local name=$1 url=$2 pid=$3
    for _ in $(seq 120); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url")" = 200 ] && return 0
        kill -0 "$pid" 2>/dev/null || die "$name exited; log: $(tail -n 20 "$WORK/$name.log")"
        sleep 0.5
    done
    die "$name: $url not 200 after 60 s; log: $(tail -n 20 "$WORK/$name.log")"
}
# start NAME COMMAND...: runs it in the background, output to $WORK/NAME.log.
start() {
    local name=$1
    shift
    "$@" >"$WORK/$name.log" 2>&1 </dev/null &
    PIDS+=($!)
    LAST_PID=$!
}

# --- PostgreSQL ---
mkdir -p "$WORK/pg"
$ROOT && chown postgres: "$WORK/pg"
# Trust only on the cluster's own socket (this script's set-up); over TCP every role needs
# its password, as in docker-compose.
as_postgres "$PG_BIN_DIR/initdb" -D "$WORK/pg" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C --no-sync \
    >"$WORK/initdb.log" 2>&1 || die "initdb failed: $(tail -n 5 "$WORK/initdb.log")"
cat >>"$WORK/pg/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$WORK/pg'
fsync = off
EOF
as_postgres "$PG_BIN_DIR/pg_ctl" -D "$WORK/pg" -l "$WORK/pg/server.log" -w -t 60 start >/dev/null \
    || die "PostgreSQL did not start: $(tail -n 5 "$WORK/pg/server.log")"
PG_STARTED=true
as_postgres "$PG_BIN_DIR/createdb" -h "$WORK/pg" -p "$PG_PORT" -U postgres standhub || die "createdb failed"
# The owner (only `webinterface migrate` uses it) and each service's own role, made by the
# same script docker-compose runs (postgres/10-service-roles.sh); the grants come with the
# migrations.
PG_OWNER_PASSWORD="owner-$RANDOM$RANDOM"
export POSTGRES_WEB_PASSWORD="web-$RANDOM$RANDOM" POSTGRES_HANDLER_PASSWORD="handler-$RANDOM$RANDOM"
export POSTGRES_SCHEDULER_PASSWORD="scheduler-$RANDOM$RANDOM" POSTGRES_VIDEO_PASSWORD="video-$RANDOM$RANDOM"
as_postgres "$PG_BIN_DIR/psql" -X -q -h "$WORK/pg" -p "$PG_PORT" -U postgres -d standhub \
    -c "ALTER ROLE postgres PASSWORD '$PG_OWNER_PASSWORD'" >/dev/null || die "setting the owner's password failed"
as_postgres env POSTGRES_WEB_PASSWORD="$POSTGRES_WEB_PASSWORD" \
    POSTGRES_HANDLER_PASSWORD="$POSTGRES_HANDLER_PASSWORD" POSTGRES_SCHEDULER_PASSWORD="$POSTGRES_SCHEDULER_PASSWORD" \
    POSTGRES_VIDEO_PASSWORD="$POSTGRES_VIDEO_PASSWORD" PGHOST="$WORK/pg" PGPORT=$PG_PORT POSTGRES_USER=postgres \
    POSTGRES_DB=standhub PATH="$PG_BIN_DIR:$PATH" sh "$REPO/postgres/10-service-roles.sh" >"$WORK/roles.log" 2>&1 \
    || die "postgres/10-service-roles.sh failed: $(tail -n 5 "$WORK/roles.log")"
pg_url() { echo "postgres://$1:$2@127.0.0.1:$PG_PORT/standhub"; }
export DATABASE_URL; DATABASE_URL=$(pg_url postgres "$PG_OWNER_PASSWORD")
WEB_DATABASE_URL=$(pg_url standhub_web "$POSTGRES_WEB_PASSWORD")
HANDLER_DATABASE_URL=$(pg_url standhub_handler "$POSTGRES_HANDLER_PASSWORD")
SCHEDULER_DATABASE_URL=$(pg_url standhub_scheduler "$POSTGRES_SCHEDULER_PASSWORD")
VIDEO_DATABASE_URL=$(pg_url standhub_video "$POSTGRES_VIDEO_PASSWORD")
log "PostgreSQL on $PG_PORT (roles standhub_web, _handler, _scheduler, _video)"

# --- Mosquitto: the project's config, only listener ports and paths changed ---
M="$WORK/mosquitto"
mkdir -p "$M/config" "$M/data"
sed -e "s#^listener 8000\$#listener $MQTT_PORT 127.0.0.1#" \
    -e "s#^listener 8081\$#listener $WS_PORT 127.0.0.1#" \
    -e "s#/mosquitto/config/#$M/config/#g" \
    -e "s#/mosquitto/data/#$M/data/#g" \
    -e "s#^include_dir /mosquitto/tls.d\$#include_dir $M/tls.d#" \
    -e "s#^acl_file /mosquitto/acl.d/acl\$#acl_file $M/acl.d/acl#" \
    "$REPO/mosquitto/mosquitto.conf" >"$M/config/mosquitto.conf"
grep -q "^include_dir $M/tls.d\$" "$M/config/mosquitto.conf" \
    || die "mosquitto/mosquitto.conf has no 'include_dir /mosquitto/tls.d' line to move"
sed -e "s#^listener 8883\$#listener $MQTT_TLS_PORT 127.0.0.1#" \
    -e "s#^listener 8884\$#listener $WS_TLS_PORT 127.0.0.1#" \
    -e "s#/mosquitto/tls.d/#$M/tls.d/#g" \
    "$REPO/mosquitto/tls.conf" >"$M/config/tls.conf"
grep -q "^listener $MQTT_TLS_PORT " "$M/config/tls.conf" && grep -q "^listener $WS_TLS_PORT " "$M/config/tls.conf" \
    || die "mosquitto/tls.conf has no 'listener 8883' and 'listener 8884' lines to move"
grep -q "^listener $MQTT_PORT " "$M/config/mosquitto.conf" && grep -q "^listener $WS_PORT " "$M/config/mosquitto.conf" \
    || die "mosquitto/mosquitto.conf has no 'listener 8000' and 'listener 8081' lines to move"
cp "$REPO/mosquitto/acl" "$M/config/acl"
HANDLER_PASSWORD="handler-$RANDOM$RANDOM"
WEB_MQTT_PASSWORD="web-$RANDOM$RANDOM"
STAND_USER="tc-stand-1"
STAND_PASSWORD="stand-$RANDOM$RANDOM"
adduser() { printf '%s\n' "$2" | "$REPO/mosquitto/add-user.sh" --no-reload -f "$M/config/passwd" "$1" >/dev/null || die "add-user.sh $1 failed"; }
adduser messagehandler "$HANDLER_PASSWORD"
adduser webinterface "$WEB_MQTT_PASSWORD"
adduser "$STAND_USER" "$STAND_PASSWORD"
if $ROOT && id mosquitto >/dev/null 2>&1; then chown -R mosquitto: "$M"; fi
start mosquitto env MOSQUITTO_CERTS="$CERTS" MOSQUITTO_TLS_D="$M/tls.d" MOSQUITTO_ACL_D="$M/acl.d" MOSQUITTO_CONFIG="$M/config" MOSQUITTO_PID_FILE="$M/mosquitto.pid" \
    PATH="$PATH:/usr/sbin" sh "$REPO/mosquitto/start.sh"
wait_port mosquitto "$MQTT_PORT" "$LAST_PID"
wait_port mosquitto "$WS_PORT" "$LAST_PID"
wait_port mosquitto "$MQTT_TLS_PORT" "$LAST_PID"
log "Mosquitto on $MQTT_PORT (websockets $WS_PORT, TLS $MQTT_TLS_PORT, websockets over TLS $WS_TLS_PORT)"

# --- a fake camera ---
start camera python3 "$HERE/fake_camera.py" --port "$CAMERA_PORT"
wait_port camera "$CAMERA_PORT" "$LAST_PID"
CAMERA_URL="http://127.0.0.1:$CAMERA_PORT/video.mjpg"

# --- the web interface's CLI: migrations, first admin, API token ---
export SECRET_KEY="native-stack-secret-$RANDOM$RANDOM$RANDOM$RANDOM"
export PRODUCTION=${STACK_PRODUCTION:-true}
export RUST_LOG=${RUST_LOG:-info}
export OFFLINE_AFTER_SECONDS=300 AUTO_REGISTER=true
unset MQTT_URL WEB_BIND VIDEOSTREAM_BIND
cd "$WORK" || die "cd $WORK"   # no .env here: only this environment counts
"$BIN_DIR/webinterface" migrate >"$WORK/migrate.log" 2>&1 || die "webinterface migrate failed: $(tail -n 20 "$WORK/migrate.log")"
ADMIN_PASSWORD="admin-$RANDOM$RANDOM$RANDOM"
printf '%s\n' "$ADMIN_PASSWORD" | "$BIN_DIR/webinterface" createsuperuser --username tc-admin \
    --email tc-admin@example.org --password-stdin >"$WORK/createsuperuser.log" 2>&1 \
    || die "webinterface createsuperuser failed: $(tail -n 20 "$WORK/createsuperuser.log")"
"$BIN_DIR/webinterface" createtoken tc-admin >"$WORK/createtoken.out" 2>"$WORK/createtoken.log" \
    || die "webinterface createtoken failed: $(tail -n 20 "$WORK/createtoken.log")"
# The token is the last word printed.
API_TOKEN=$(grep -v '^[[:space:]]*$' "$WORK/createtoken.out" | tail -n 1 | awk '{print $NF}')
[ -n "$API_TOKEN" ] || die "webinterface createtoken printed no token"
log "migrated, admin tc-admin and an API token made"

# --- the four services ---
MQTT_HOST=127.0.0.1:$MQTT_PORT
# Each as its own PostgreSQL role, as in docker-compose.
start webinterface env WEB_BIND="127.0.0.1:$WEB_PORT" DATABASE_URL="$WEB_DATABASE_URL" \
    WEB_HEADER_TIMEOUT_SECONDS="${WEB_HEADER_TIMEOUT_SECONDS:-5}" \
    MQTT_URL="mqtt://webinterface:$WEB_MQTT_PASSWORD@$MQTT_HOST" "$BIN_DIR/webinterface" serve
WEB_PID=$LAST_PID
start messagehandler env MQTT_URL="mqtt://messagehandler:$HANDLER_PASSWORD@$MQTT_HOST" \
    DATABASE_URL="$HANDLER_DATABASE_URL" "$BIN_DIR/messagehandler"
HANDLER_PID=$LAST_PID
start scheduler env DATABASE_URL="$SCHEDULER_DATABASE_URL" "$BIN_DIR/scheduler"
SCHEDULER_PID=$LAST_PID
# The fake camera listens on loopback, which cameras may not by default; the stack's own ports
# (this database, broker, web interface and the relay itself) stay refused.
start videostream env VIDEOSTREAM_BIND="127.0.0.1:$VIDEO_PORT" CAMERA_ALLOW_LOOPBACK=true \
    MQTT_URL="mqtt://$MQTT_HOST" WEB_BIND="127.0.0.1:$WEB_PORT" DATABASE_URL="$VIDEO_DATABASE_URL" \
    "$BIN_DIR/videostream"
VIDEO_PID=$LAST_PID
wait_http webinterface "http://127.0.0.1:$WEB_PORT/healthz" "$WEB_PID"
wait_http videostream "http://127.0.0.1:$VIDEO_PORT/healthz" "$VIDEO_PID"
log "web on $WEB_PORT, video relay on $VIDEO_PORT"

# --- nginx: the project's config, only upstream addresses and the listen port changed ---
N="$WORK/nginx"
mkdir -p "$N"
sed -e "s#server webinterface:8001;#server 127.0.0.1:$WEB_PORT;#" \
    -e "s#server videostream:5555;#server 127.0.0.1:$VIDEO_PORT;#" \
    -e "s#listen 80 default_server;#listen 127.0.0.1:$NGINX_PORT default_server;#" \
    -e "s#/etc/nginx/tls.d/#$N/tls.d/#" \
    "$REPO/nginx/nginx.conf" >"$N/nginx.conf"
mkdir -p "$N/standhub"
sed -e "s#listen 443 ssl;#listen 127.0.0.1:$NGINX_TLS_PORT ssl;#" \
    -e "s#/etc/nginx/certs/#$CERTS/#g" \
    "$REPO/nginx/tls.conf" >"$N/standhub/tls.conf"
grep -q "include $N/tls.d/" "$N/nginx.conf" && grep -q "listen 127.0.0.1:$NGINX_TLS_PORT ssl" "$N/standhub/tls.conf" \
    || die "nginx/nginx.conf or nginx/tls.conf lacks the include or listen lines the test rewrites"
grep -q "127.0.0.1:$WEB_PORT;" "$N/nginx.conf" && grep -q "127.0.0.1:$VIDEO_PORT;" "$N/nginx.conf" \
    && grep -q "listen 127.0.0.1:$NGINX_PORT" "$N/nginx.conf" \
    || die "nginx/nginx.conf lacks the upstream or listen lines the test rewrites"
"$NGINX" -t -e "$N/error.log" -c "$N/nginx.conf" -g "pid $N/nginx.pid;" >"$N/check.log" 2>&1 \
    || die "nginx -t failed: $(cat "$N/check.log")"
# (nginx -t above ran without a certificate enabled: the plain-HTTP-only configuration.)
start nginx env NGINX_UPSTREAM_HOSTS="" NGINX_CERTS="$CERTS" NGINX_TLS_D="$N/tls.d" NGINX_STANDHUB="$N/standhub" NGINX_BIN="$NGINX" \
    sh "$REPO/nginx/start.sh" -e "$N/error.log" -c "$N/nginx.conf" -g "pid $N/nginx.pid; daemon off;"
wait_http nginx "http://127.0.0.1:$NGINX_PORT/nginx-health" "$LAST_PID"
log "nginx on $NGINX_PORT (HTTPS $NGINX_TLS_PORT)"

# --- the cases ---
export HOST=127.0.0.1 MQTT_PORT WS_PORT VIDEO_PORT CAMERA_URL API_TOKEN PG_PORT
export PG_BIN_DIR WEB_HEADER_TIMEOUT_SECONDS=${WEB_HEADER_TIMEOUT_SECONDS:-5}
DIRECT_PORT=$WEB_PORT   # the web interface itself
WEB_PORT=$NGINX_PORT     # the cases reach the web through nginx
export WEB_PORT DIRECT_PORT
export STAND_USER STAND_PASSWORD HANDLER_PASSWORD WEB_MQTT_PASSWORD
export MQTT_TLS_PORT WS_TLS_PORT NGINX_TLS_PORT TLS_CA
export ADMIN_USER=tc-admin ADMIN_PASSWORD
failed=0
summary=()
for tc in "$HERE"/tc-*.sh; do
    name=$(basename "$tc")
    echo "=== $name"
    # In the background and waited for, so that a signal stops the run at once.
    bash "$tc" &
    CASE_PID=$!
    wait "$CASE_PID"
    rc=$?
    CASE_PID=
    failed=$((failed + rc))
    summary+=("$name: $rc failed")
done
for p in "$HANDLER_PID" "$SCHEDULER_PID" "$WEB_PID" "$VIDEO_PID"; do
    if ! kill -0 "$p" 2>/dev/null; then
        echo "FAIL: a service (pid $p) exited during the cases"
        failed=$((failed + 1))
    fi
done
echo "=== summary"
printf '%s\n' "${summary[@]}"

if [ "${STACK_HOLD:-0}" = 1 ]; then
    echo "stack running: nginx http://127.0.0.1:$NGINX_PORT (tc-admin / $ADMIN_PASSWORD), MQTT $MQTT_PORT," \
        "websockets $WS_PORT, stand $STAND_USER / $STAND_PASSWORD, logs $WORK; Ctrl-C stops it"
    while sleep 3600; do :; done
fi

if [ "$failed" -gt 0 ]; then
    echo "run-native-stack: $failed case(s) failed; logs in $WORK"
    exit $((failed > 254 ? 254 : failed))
fi
echo "run-native-stack: every case passed"
