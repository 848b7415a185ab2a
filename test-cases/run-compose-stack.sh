#!/usr/bin/env bash
# run-compose-stack: the docker-compose deployment on a real Docker engine, as an operator runs
# it by the README, and every test case against it.
#
#   test-cases/run-compose-stack.sh [BIN_DIR]
#
# Starts dockerd when no engine answers (as root), builds the base images the compose files
# name from Debian packages (docker/stand-ins/build.sh; kept between runs), and standhub:latest
# from the project's Dockerfile with the programs of BIN_DIR (default target/debug; builds no
# Rust: --build-arg PREBUILT). Then, in a copy of the repository owned by an unprivileged
# operator (uid OPERATOR_UID, 4242), follows "Deployment with docker-compose": .env from
# .env.example with the README's secret loop, the old operators' `docker volume create
# data-volume` and `docker volume create mqtt-volume` (compose must use them), `docker-compose
# up -d`, first admin and token, a stand's broker account, `docker-compose exec db psql
# --username=team2 --dbname=webinterface_dev`; checks health within a minute, runs every test-cases/tc-*.sh
# against the published ports of 127.0.0.1 (never container addresses), and then the
# operator's day: migrations again, restart, down + up, an image upgrade (rows kept each time),
# a broker password rotation and TLS switched on by the documented commands, the operator's
# files untouched, the handler's and scheduler's health, `scheduler --help`, no volume left
# behind, and docker-compose-win.yml up with a login. Prints each step's time. Everything it
# made (containers, the volumes data-volume and mqtt-volume, the copy) is removed at the end;
# the images are kept. Exit code: the number of failed cases (255: could not start).
#
# Refuses to run when the stack's host ports are taken or its fixed-name volumes exist from
# something else (it would use an operator's real data-volume): a leftover volume is removed
# only when this test made it — labelled by compose for the project standhubci, or created by
# the test's own `docker volume create` (its name and the birth time of its folder on this
# host are recorded in VOLUME_RECORD, default /var/tmp/standhub-compose-test.volumes, until it
# is removed; docker's CreatedAt is no identity: it moves when a container first mounts it).
# Environment: BIN_DIR, OPERATOR_UID (4242), KEEP_STACK=1 (leave it running, print how to
# reach it), HEALTHY_SECONDS (60), VOLUME_RECORD.
# Needs: root (or an engine and the ports), docker.io, docker-compose, debootstrap, curl,
# openssl, python3, mosquitto-clients (scripts/setup.sh installs them).
set -uo pipefail

source "$(dirname "$0")/stack-lib.sh"
source "$HERE/lib.sh"
OP=${OPERATOR_UID:-4242}
HEALTHY_SECONDS=${HEALTHY_SECONDS:-60}
PROJECT=standhubci
export COMPOSE_PROJECT_NAME=$PROJECT
SERVICES="db mosquitto webinterface messagehandler scheduler videostream nginx"
VOLUMES="data-volume mqtt-volume"
VOLUME_RECORD=${VOLUME_RECORD:-/var/tmp/standhub-compose-test.volumes}


# --- timing: every step's duration, printed as it ends and again at the end ---
STEP_NAMES=()
STEP_TIMES=()
STEP_NAME=
STEP_START=0
TOTAL_START=$SECONDS
step() {
    step_end
    STEP_NAME=$1
    STEP_START=$SECONDS
    echo "=== step: $STEP_NAME"
}
step_end() {
    [ -n "$STEP_NAME" ] || return 0
    local took=$((SECONDS - STEP_START))
    STEP_NAMES+=("$STEP_NAME")
    STEP_TIMES+=("$took")
    echo "    ($STEP_NAME: ${took} s)"
    STEP_NAME=
}

require_programs
for t in docker docker-compose curl openssl python3 mosquitto_pub mosquitto_sub setpriv; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found: run scripts/setup.sh"
done
[ "$(id -u)" = 0 ] || die "run as root: the test starts dockerd and plays an unprivileged operator (uid $OP)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/standhub-compose.XXXXXX")
chmod 755 "$WORK"
APP="$WORK/standhub-ci"
CAMERA_PID=
WIN_LINK=false
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    step_end
    if [ "${KEEP_STACK:-0}" = 1 ]; then
        log "stack left running in $APP (docker-compose there); admin tc-admin / $ADMIN_PASSWORD"
        return
    fi
    if [ -d "$APP" ]; then
        if [ "$rc" -ne 0 ]; then
            (cd "$APP" && docker-compose logs --no-color --tail 40) >"$WORK/compose.log" 2>&1
            log "last log lines of the stack: $WORK/compose.log"
        fi
        (cd "$APP" && docker-compose down -v --remove-orphans) >/dev/null 2>&1
    fi
    forget_test_volumes
    [ -n "$CAMERA_PID" ] && kill "$CAMERA_PID" 2>/dev/null
    $WIN_LINK && rm -f /c/docker && rmdir /c 2>/dev/null
    if [ "$rc" -eq 0 ]; then rm -rf "$WORK"; else log "work folder kept: $WORK"; fi
}
trap cleanup EXIT
trap 'exit 254' INT TERM

# volume_created VOLUME: when the volume's folder on this host was made (its birth time, in
# nanoseconds; empty when there is no such volume or the file system does not know: then no
# volume counts as the test's own but by compose's label).
volume_created() {
    local dir born
    dir=$(docker volume inspect -f '{{.Mountpoint}}' "$1" 2>/dev/null) && [ -n "$dir" ] || return 0
    born=$(stat -c '%.9W' "$dir" 2>/dev/null) || return 0
    case $born in ""|0|0.0*|-*) ;; *) echo "$born" ;; esac
}
# made_by_this_test VOLUME: the volume is one this test made: compose's label of our project
# (runs before the pre-created volumes), or our `docker volume create` (name and birth time
# recorded). An operator's volume of the same name matches neither.
made_by_this_test() {
    local owner created
    owner=$(docker volume inspect -f '{{index .Labels "com.docker.compose.project"}}' "$1" 2>/dev/null)
    [ "$owner" = "$PROJECT" ] && return 0
    created=$(volume_created "$1")
    [ -n "$created" ] && [ -f "$VOLUME_RECORD" ] && grep -qxF "$1 $created" "$VOLUME_RECORD"
}
# forget_test_volumes: removes the volumes this test made (still there when docker-compose down
# -v could not run) and their record.
forget_test_volumes() {
    local v
    [ -f "$VOLUME_RECORD" ] || return 0
    for v in $VOLUMES; do
        made_by_this_test "$v" && docker volume rm -f "$v" >/dev/null 2>&1
    done
    for v in $VOLUMES; do
        docker volume inspect "$v" >/dev/null 2>&1 && made_by_this_test "$v" && return 0
    done
    rm -f "$VOLUME_RECORD"
}

# dc ARGS: docker-compose in the operator's folder (as the README runs it, from there).
dc() { (cd "$APP" && docker-compose "$@"); }
# as_operator CMD: a command as the unprivileged operator who cloned the repository.
as_operator() { (cd "$APP" && setpriv --reuid="$OP" --regid="$OP" --clear-groups -- "$@"); }
# health SERVICE: the container's health (or its state when it has no health check).
health() {
    local id
    id=$(dc ps -q "$1" 2>/dev/null)
    [ -n "$id" ] || { echo missing; return; }
    docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$id" 2>/dev/null
}
# healths: "service=health" of every container of the stack, a line each (one docker-compose
# and one docker call, however many services).
healths() {
    local ids
    ids=$(dc ps -q 2>/dev/null)
    [ -n "$ids" ] || return 0
    # shellcheck disable=SC2086
    docker inspect -f '{{index .Config.Labels "com.docker.compose.service"}}={{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' $ids 2>/dev/null
}
# wait_healthy SECONDS: every long-running service healthy within SECONDS; prints the time.
wait_healthy() {
    local limit=$1 start=$SECONDS s now mine bad
    while :; do
        now=$(healths)
        bad=""
        for s in $SERVICES; do
            mine=$(grep "^$s=" <<<"$now")
            # Every container of the service healthy (two while one is being replaced).
            [ -n "$mine" ] && ! grep -qv "=healthy\$" <<<"$mine" \
                || bad="$bad $(tr '\n' ' ' <<<"${mine:-$s=missing}")"
        done
        [ -z "$bad" ] && { echo "$((SECONDS - start))"; return 0; }
        [ $((SECONDS - start)) -lt "$limit" ] || { echo "not healthy after $limit s:$bad"; return 1; }
        sleep 1
    done
}
# healthy_check WHAT: a PASS/FAIL line for "every service healthy" after WHAT.
healthy_check() {
    local out
    if out=$(wait_healthy "$HEALTHY_SECONDS"); then pass "every service healthy $out s after $1"
    else fail "after $1: $out"; fi
}
# psql_db SQL: a query as the schema owner inside the db service.
psql_db() { dc exec -T db sh -c 'psql -X -At -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c "$1"' _ "$1"; }
# The rows an operator cares about (what the cases stored); nothing here changes by itself.
ROW_SQL="SELECT 'users=' || (SELECT count(*) FROM users) || ' stands=' || (SELECT count(*) FROM stands)
  || ' results=' || (SELECT count(*) FROM results) || ' series=' || (SELECT count(*) FROM result_series)
  || ' api_tokens=' || (SELECT count(*) FROM api_tokens)"
rows() { psql_db "$ROW_SQL" 2>&1 | tr -d '\r'; }
rows_check() {
    local now code
    now=$(rows)
    if [ "$now" = "$ROWS" ]; then pass "every row kept after $1 ($now)"
    else fail "rows after $1: $now (before: $ROWS)"; fi
    code=$(api_status)
    if [ "$code" = 200 ]; then pass "the API token still works through nginx after $1"
    else fail "GET /api/stands with the API token after $1: HTTP $code $(head -c 200 "$WORK/api.body")"; fi
}
# set_env NAME VALUE: the operator edits .env.
set_env() {
    if grep -q "^$1=" "$APP/.env"; then as_operator sed -i "s|^$1=.*|$1=$2|" .env
    else as_operator sh -c "printf '%s\n' '$1=$2' >>.env"; fi
}
# login USER PASSWORD: the login form on nginx (port 81); prints the status (303 = logged in).
login() { tc_login "$WORK/jar.$RANDOM" http://127.0.0.1:81 "$1" "$2"; }
# api_status: the status of GET /api/stands through nginx with the API token (body in
# $WORK/api.body).
api_status() {
    curl -s -o "$WORK/api.body" -w '%{http_code}' --max-time 10 -H "Authorization: Bearer $API_TOKEN" \
        http://127.0.0.1:81/api/stands
}
dangling() { docker volume ls -q -f dangling=true | sort; }
# run_case SCRIPT ARGS: a test-cases script against the stack; its failures count as ours.
run_case() {
    local script=$1 rc
    shift
    echo "--- $script $*"
    bash "$APP/test-cases/$script" "$@"
    rc=$?
    TC_FAILURES=$((TC_FAILURES + rc))
    [ "$rc" = 0 ] || echo "FAIL: $script: $rc case(s) failed"
}

# ----------------------------------------------------------------------------------------
step "engine"
start_engine
pass "Docker engine $(docker version -f '{{.Server.Version}}' 2>/dev/null) answers"
for p in 81 444 8000 8001 8081 8883 8884 5555; do
    tcp_open 127.0.0.1 "$p" && die "port $p of this host is taken: the stack publishes it (stop what listens there)"
done
for v in $VOLUMES; do
    if docker volume inspect "$v" >/dev/null 2>&1; then
        owner=$(docker volume inspect -f '{{index .Labels "com.docker.compose.project"}}' "$v")
        made_by_this_test "$v" || die "the volume $v exists (project '${owner:-none}', created $(docker volume inspect -f '{{.CreatedAt}}' "$v"), not by this test): it may be a real stack's data; run this test on another engine"
        docker volume rm "$v" >/dev/null || die "cannot remove the leftover test volume $v"
    fi
done
rm -f "$VOLUME_RECORD"
DANGLING_BEFORE=$(dangling)

step "base images from Debian packages (docker/stand-ins)"
"$REPO/docker/stand-ins/build.sh" || die "the stand-in base images could not be built"

step "the operator's checkout"
copy_checkout "$APP"
chown -R "$OP:$OP" "$APP"
OPERATOR_FILES=$(cd "$APP" && find . | sort)

step "standhub:latest from the Dockerfile with the test build's programs"
build_standhub_image "$APP" "$WORK/build.log"
rm -rf "$APP/.prebuilt"
pass "standhub:latest built from the Dockerfile (PREBUILT=target binaries)"

step "README step 1: .env with its secrets"
as_operator cp .env.example .env
# The README's loop, as written.
as_operator bash -c 'for v in SECRET_KEY POSTGRES_PASSWORD POSTGRES_WEB_PASSWORD POSTGRES_HANDLER_PASSWORD POSTGRES_SCHEDULER_PASSWORD POSTGRES_VIDEO_PASSWORD MQTT_HANDLER_PASSWORD MQTT_WEB_PASSWORD; do sed -i "s/^$v=\$/$v=$(openssl rand -hex 24)/" .env; done'
# Settings of .env.example that must reach the containers (the slow-client case needs 5 s).
set_env WEB_HEADER_TIMEOUT_SECONDS 5
set_env WEB_MAX_CONNECTIONS 900
set_env VIDEOSTREAM_MAX_CONNECTIONS 300
set_env COOKIE_SECURE false
# The secrets the cases need, read from .env but not exported: docker-compose prefers the
# shell's environment to .env, and the operator's shell does not have them either.
env_value() { sed -n "s/^$1=//p" "$APP/.env" | tail -n 1; }
SECRET_KEY=$(env_value SECRET_KEY)
MQTT_HANDLER_PASSWORD=$(env_value MQTT_HANDLER_PASSWORD)
MQTT_WEB_PASSWORD=$(env_value MQTT_WEB_PASSWORD)

step "the old operators' habit: docker volume create before the first start"
# As the old README had it, right before the first start (the guard above has made sure no
# volume of these names exists). Each is recorded as soon as it exists, so the next run knows a
# leftover of a killed run for its own. First the guard itself: a data-volume someone else made
# (here: unrecorded) is not ours.
if docker volume create data-volume >/dev/null 2>&1; then
    if made_by_this_test data-volume; then fail "the leftover-volume guard takes a data-volume this test did not make for its own"
    else pass "the leftover-volume guard refuses a data-volume made by plain docker volume create (an operator's)"; fi
    docker volume rm data-volume >/dev/null 2>&1 || die "cannot remove the guard's probe volume data-volume"
fi
for v in $VOLUMES; do
    if docker volume create "$v" >"$WORK/volume-$v.log" 2>&1; then
        born=$(volume_created "$v")
        [ -n "$born" ] && echo "$v $born" >>"$VOLUME_RECORD"
        pass "docker volume create $v"
    else fail "docker volume create $v: $(tail -n 2 "$WORK/volume-$v.log")"; fi
done
VOLUMES_CREATED=$(for v in $VOLUMES; do echo "$v $(volume_created "$v")"; done)

step "README step 2: docker-compose up -d"
dc up -d >"$WORK/up.log" 2>&1 || { cat "$WORK/up.log"; fail "docker-compose up -d failed"; exit 1; }
healthy_check "docker-compose up -d"
tcp_open 127.0.0.1 81 || { dc ps; die "nothing answers on port 81 after docker-compose up -d"; }
# mounted SERVICE DEST: the name of the volume mounted on DEST in the service's container.
mounted() { docker inspect -f "{{range .Mounts}}{{if eq .Destination \"$2\"}}{{.Name}}{{end}}{{end}}" "$(dc ps -q "$1")"; }
for pair in db:data-volume:/var/lib/postgresql/data mosquitto:mqtt-volume:/mosquitto/data; do
    IFS=: read -r s v dest <<<"$pair"
    got=$(mounted "$s" "$dest")
    born=$(volume_created "$v")
    if [ "$got" = "$v" ] && [ -n "$born" ] && grep -qxF "$v $born" <<<"$VOLUMES_CREATED"; then
        pass "$s uses the pre-created $v on $dest (the same volume: its folder was born at $(volume_created "$v"))"
    else fail "$s mounts '${got:-nothing}' on $dest, wanted the pre-created $v ($(grep "^$v " <<<"$VOLUMES_CREATED"); now: $(volume_created "$v"))"; fi
done
warned=$(grep -i "already exists\|not created by" "$WORK/up.log" | tr -d '\r' | head -n 2 | tr '\n' ' ')
[ -z "$warned" ] || echo "    (docker-compose says: $warned)"

step "README steps 3 and 4: first admin, API token, a stand's broker account"
ADMIN_PASSWORD="admin-$RANDOM$RANDOM$RANDOM"
printf '%s\n' "$ADMIN_PASSWORD" | dc exec -T webinterface webinterface createsuperuser --username tc-admin \
    --email tc-admin@example.org --password-stdin >"$WORK/createsuperuser.log" 2>&1 \
    || die "createsuperuser failed: $(tail -n 5 "$WORK/createsuperuser.log")"
API_TOKEN=$(dc exec -T webinterface webinterface createtoken tc-admin 2>/dev/null | tr -d '\r' \
    | grep -v '^[[:space:]]*$' | tail -n 1 | awk '{print $NF}')
[ -n "$API_TOKEN" ] || die "createtoken printed no token"
STAND_USER=teststand1
STAND_PASSWORD="stand-$RANDOM$RANDOM"
if out=$(printf '%s\n' "$STAND_PASSWORD" | dc exec -T mosquitto sh /mosquitto/config/add-user.sh "$STAND_USER" 2>&1) \
    && grep -q "broker reloaded" <<<"$out"; then pass "add-user.sh in the broker container set $STAND_USER and reloaded the broker"
else fail "add-user.sh $STAND_USER: $out"; fi
c=$(login tc-admin "$ADMIN_PASSWORD")
if [ "$c" = 303 ]; then pass "the admin logs in on port 81"; else fail "login on port 81: HTTP $c"; fi
# The old README's look into the database, as written (-T and the query on stdin: no terminal).
out=$(printf 'SELECT current_user, current_database(), (SELECT count(*) FROM users WHERE username = %s) AS admins;\n' "'tc-admin'" \
    | dc exec -T db psql --username=team2 --dbname=webinterface_dev 2>&1 | tr -d '\r')
if grep -Eq '^ *team2 *\| *webinterface_dev *\| *1 *$' <<<"$out"; then
    pass "docker-compose exec db psql --username=team2 --dbname=webinterface_dev opens the database (the admin is there)"
else fail "docker-compose exec -T db psql --username=team2 --dbname=webinterface_dev: $(head -n 5 <<<"$out" | tr '\n' ' ')"; fi

step "the test cases against the published ports"
GATEWAY=$(docker network inspect -f '{{range .IPAM.Config}}{{.Gateway}}{{end}}' "${PROJECT}_default")
CAMERA_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
python3 "$HERE/fake_camera.py" --host 0.0.0.0 --port "$CAMERA_PORT" >"$WORK/camera.log" 2>&1 &
CAMERA_PID=$!
wait_until 10 tcp_open 127.0.0.1 "$CAMERA_PORT" || die "the fake camera did not start: $(cat "$WORK/camera.log")"
# The camera as the relay container reaches the host: the compose network's gateway.
export HOST=127.0.0.1 WEB_PORT=81 DIRECT_PORT=8001 MQTT_PORT=8000 WS_PORT=8081 VIDEO_PORT=5555
export API_TOKEN STAND_USER STAND_PASSWORD ADMIN_USER=tc-admin ADMIN_PASSWORD
export CAMERA_URL="http://$GATEWAY:$CAMERA_PORT/video.mjpg" WEB_HEADER_TIMEOUT_SECONDS=5
# PostgreSQL is not published: the host's own server may answer on 5432, so the case looks at
# a port nothing listens on, and the db service's published ports are checked here.
if [ -z "$(docker port "$(dc ps -q db)")" ]; then pass "the db service publishes no port"
else fail "the db service publishes: $(docker port "$(dc ps -q db)")"; fi
PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
export PG_PORT
run_case tc-broker.sh --handler-password "$MQTT_HANDLER_PASSWORD" --web-mqtt-password "$MQTT_WEB_PASSWORD"
for tc in tc-ingest.sh tc-web.sh tc-security.sh; do
    run_case "$tc"
done
run_case tc-video.sh --secret-key "$SECRET_KEY"
# Host clients reach nginx through Docker's port proxy, all from the gateway: one shared client.
run_case tc-auth.sh --shared-client 1
# tc-tls is run below, once TLS is switched on.
ROWS=$(rows)
grep -q "results=[1-9]" <<<"$ROWS" || fail "the cases stored no result: $ROWS"
pass "rows after the cases: $ROWS"

step "settings of .env reach the containers"
for pair in webinterface:WEB_MAX_CONNECTIONS=900 webinterface:WEB_HEADER_TIMEOUT_SECONDS=5 \
    webinterface:COOKIE_SECURE=false webinterface:SHARED_CLIENTS=gateway videostream:VIDEOSTREAM_MAX_CONNECTIONS=300; do
    s=${pair%%:*} want=${pair#*:}
    if docker inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$(dc ps -q "$s")" | grep -qx "$want"; then
        pass "$s has $want from .env"
    else fail "$s lacks $want (set in .env)"; fi
done

step "migrations again"
if out=$(dc run --rm migrate 2>&1); then pass "docker-compose run --rm migrate: $(tail -n 1 <<<"$out" | tr -d '\r')"
else fail "docker-compose run --rm migrate: $(tail -n 3 <<<"$out")"; fi
out=$(dc exec -T webinterface webinterface migrate 2>&1)
if [ $? -ne 0 ] && grep -q "docker-compose run --rm migrate" <<<"$out"; then
    pass "webinterface migrate in the webinterface service refuses and names docker-compose run --rm migrate"
else fail "webinterface migrate in the webinterface service: $(tail -n 3 <<<"$out")"; fi

step "the operator's tools: scheduler --help, the health of handler and scheduler"
if out=$(cd "$APP" && timeout 30 docker-compose exec -T scheduler scheduler --help 2>&1) \
    && grep -qi "usage" <<<"$out"; then pass "scheduler --help prints its usage and exits"
else fail "scheduler --help (exit $?): $(head -n 3 <<<"$out")"; fi
dc stop mosquitto >/dev/null 2>&1
if wait_until 45 sh -c "[ \"\$(docker inspect -f '{{.State.Health.Status}}' $(dc ps -q messagehandler))\" = unhealthy ]"; then
    pass "the handler turns unhealthy in docker-compose ps while the broker is away"
else fail "the handler stayed $(health messagehandler) with the broker stopped"; fi
# mosquitto/README.md: a stand's account while the broker is not running.
if out=$(printf '%s\n' "$STAND_PASSWORD" | dc run --rm --no-deps -T mosquitto sh /mosquitto/config/add-user.sh teststand2 2>&1) \
    && grep -q "user 'teststand2' set" <<<"$out"; then pass "add-user.sh through docker-compose run while the broker is stopped"
else fail "docker-compose run --rm --no-deps mosquitto sh add-user.sh: $(tail -n 2 <<<"$out")"; fi
dc start mosquitto >/dev/null 2>&1
healthy_check "the broker came back"

# `docker-compose logs <service>` reads well: plain text lines with their level, no JSON, no
# terminal colour codes of the services' own (the containers' output is a pipe; --no-color
# leaves out docker-compose's colouring of its service prefixes).
logs=$(dc logs --no-color --tail 200 webinterface messagehandler 2>&1)
if grep -q ' INFO ' <<<"$logs" && ! grep -q $'\e\[' <<<"$logs" && ! grep -q '{"timestamp"' <<<"$logs"; then
    pass "docker-compose logs reads as plain text (levels, no JSON, no colour codes)"
else fail "docker-compose logs: $(head -n 3 <<<"$logs" | cat -v)"; fi

step "restart"
dc restart >"$WORK/restart.log" 2>&1 || fail "docker-compose restart: $(tail -n 3 "$WORK/restart.log")"
healthy_check "docker-compose restart"
rows_check "docker-compose restart"

step "down and up -d"
dc down >"$WORK/down.log" 2>&1 || fail "docker-compose down: $(tail -n 3 "$WORK/down.log")"
dc up -d >"$WORK/up2.log" 2>&1 || fail "docker-compose up -d after down: $(tail -n 3 "$WORK/up2.log")"
healthy_check "docker-compose down and up -d"
rows_check "docker-compose down and up -d"
c=$(login tc-admin "$ADMIN_PASSWORD")
if [ "$c" = 303 ]; then pass "the admin still logs in after down and up"; else fail "login after down and up: HTTP $c"; fi

step "image upgrade"
old_web=$(dc ps -q webinterface)
printf 'FROM standhub:latest\nLABEL org.standhub.build="%s"\n' "$(date +%s%N)" \
    | docker build -q -t standhub:latest - >"$WORK/upgrade.log" 2>&1 || fail "building the new image: $(cat "$WORK/upgrade.log")"
dc up -d >"$WORK/up3.log" 2>&1 || fail "docker-compose up -d with the new image: $(tail -n 3 "$WORK/up3.log")"
healthy_check "docker-compose up -d with a new image"
if [ "$(dc ps -q webinterface)" != "$old_web" ]; then pass "the new image replaced the webinterface container"
else fail "docker-compose up -d kept the old webinterface container"; fi
migrate_exit=$(docker inspect -f '{{.State.ExitCode}}' "$(dc ps -a -q migrate | head -n 1)" 2>/dev/null)
if [ "$migrate_exit" = 0 ]; then pass "the migrate job ran again with the new image"; else fail "migrate job exit: ${migrate_exit:-none}"; fi
rows_check "the image upgrade"

step "nginx follows a web interface recreated at a new address"
address_of() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(dc ps -q "$1")"; }
old_ip=$(address_of webinterface)
dc rm -sf webinterface >/dev/null 2>&1
# Something else takes the freed address first, as happens on a busy host.
placeholder=$(docker run -d --rm --network "${PROJECT}_default" busybox sleep 300)
dc up -d webinterface >"$WORK/up-web.log" 2>&1 || fail "docker-compose up -d webinterface: $(tail -n 3 "$WORK/up-web.log")"
new_ip=$(address_of webinterface)
api_ok() { [ "$(api_status)" = 200 ]; }
started=$SECONDS
if [ "$new_ip" = "$old_ip" ]; then fail "the recreated web interface kept its address $old_ip: nothing to follow"
elif wait_until 30 api_ok; then pass "nginx reaches the web interface at its new address ($old_ip -> $new_ip) $((SECONDS - started)) s after it came up"
else fail "nginx still cannot reach the web interface 30 s after it moved from $old_ip to $new_ip"; fi
docker rm -f "$placeholder" >/dev/null 2>&1
healthy_check "the web interface was recreated"

step "broker password rotation (.env, docker-compose up -d)"
NEW_HANDLER="rotated$(openssl rand -hex 12)" NEW_WEB="rotated$(openssl rand -hex 12)"
set_env MQTT_HANDLER_PASSWORD "$NEW_HANDLER"
set_env MQTT_WEB_PASSWORD "$NEW_WEB"
dc up -d >"$WORK/up4.log" 2>&1 || fail "docker-compose up -d after the rotation: $(tail -n 3 "$WORK/up4.log")"
healthy_check "the password rotation"
# broker_takes USER PASSWORD: the broker accepts the login (mosquitto_sub connects and subscribes).
broker_takes() {
    local out
    out=$(mosquitto_sub -h 127.0.0.1 -p 8000 -u "$1" -P "$2" -t "$2/none" -E -W 5 2>&1) && ! grep -qi "refused\|not authori" <<<"$out"
}
if broker_takes messagehandler "$NEW_HANDLER"; then pass "the broker takes the handler's new password"
else fail "the broker refuses the handler's new password"; fi
if broker_takes messagehandler "$MQTT_HANDLER_PASSWORD"; then fail "the broker still takes the handler's old password"
else pass "the broker refuses the handler's old password"; fi
run_case tc-broker.sh --handler-password "$NEW_HANDLER" --web-mqtt-password "$NEW_WEB"
run_case tc-ingest.sh
ROWS=$(rows)

step "TLS switched on (README step 10)"
# As the operator: the folder is theirs (it is in the checkout, not made by Docker as root).
if as_operator openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=DNS:localhost -keyout certs/privkey.pem -out certs/fullchain.pem >"$WORK/openssl.log" 2>&1; then
    pass "the operator writes the certificate and key into ./certs"
else fail "the operator cannot write into ./certs ($(stat -c '%U:%G %a' "$APP/certs" 2>&1)): $(tail -n 1 "$WORK/openssl.log")"; fi
dc up -d >"$WORK/up5.log" 2>&1 || fail "docker-compose up -d with a certificate: $(tail -n 3 "$WORK/up5.log")"
tls_up() { curl -s -o /dev/null --cacert "$APP/certs/fullchain.pem" https://localhost:444/nginx-health \
    && timeout 5 openssl s_client -connect 127.0.0.1:8883 </dev/null >/dev/null 2>&1; }
if wait_until 30 tls_up; then pass "HTTPS on 444 and MQTT over TLS on 8883 answer after docker-compose up -d"
else fail "TLS did not come up within 30 s of docker-compose up -d"; fi
healthy_check "TLS switched on"
run_case tc-tls.sh --tls-host localhost --tls-ca "$APP/certs/fullchain.pem" --nginx-tls-port 444 \
    --mqtt-tls-port 8883 --ws-tls-port 8884

step "the operator's files"
changed=$(cd "$APP" && comm -12 <(echo "$OPERATOR_FILES") <(find . | sort) | while read -r f; do
    [ "$(stat -c %u "$f")" = "$OP" ] || echo "$f"; done)
if [ -z "$changed" ]; then pass "every file of the checkout still belongs to the operator"
else fail "files of the checkout changed owner: $(head -n 5 <<<"$changed" | tr '\n' ' ')"; fi
if as_operator sh -c 'echo x >mosquitto/.pull-test && rm mosquitto/.pull-test && touch mosquitto/acl'; then
    pass "the operator can still update mosquitto/ (git pull)"
else fail "the operator cannot write into mosquitto/ ($(stat -c '%U %a' "$APP/mosquitto"))"; fi
if docker run --rm -v data-volume:/vol busybox ls -l /vol >"$WORK/busybox.log" 2>&1 && grep -q ' PG_VERSION$' "$WORK/busybox.log"; then
    pass "README step 5: docker run --rm -v data-volume:/vol busybox ls -l /vol shows the database's files"
else fail "docker run --rm -v data-volume:/vol busybox ls -l /vol: $(tail -n 2 "$WORK/busybox.log")"; fi
dc up -d --force-recreate >"$WORK/up6.log" 2>&1 || fail "docker-compose up -d --force-recreate: $(tail -n 3 "$WORK/up6.log")"
healthy_check "docker-compose up -d --force-recreate"
left=$(comm -13 <(echo "$DANGLING_BEFORE") <(dangling))
if [ -z "$left" ]; then pass "no volume left behind by recreating, restarting, down and up"
else fail "volumes left behind: $(echo "$left" | wc -l) ($(head -n 3 <<<"$left" | tr '\n' ' '))"; fi

step "docker-compose-win.yml"
dc down >/dev/null 2>&1
if [ ! -e /c/docker ]; then
    mkdir -p /c && ln -s "$APP" /c/docker && WIN_LINK=true
fi
if [ "$(readlink -f /c/docker)" = "$(readlink -f "$APP")" ]; then
    export COMPOSE_FILE=docker-compose-win.yml
    dc up -d >"$WORK/win.log" 2>&1 || fail "docker-compose -f docker-compose-win.yml up -d: $(tail -n 3 "$WORK/win.log")"
    if out=$(wait_healthy "$HEALTHY_SECONDS"); then
        pass "docker-compose-win.yml: every service healthy after $out s"
    else fail "docker-compose-win.yml: $out"; fi
    c=$(login tc-admin "$ADMIN_PASSWORD")
    if [ "$c" = 303 ]; then pass "docker-compose-win.yml: the admin logs in on port 81"; else fail "docker-compose-win.yml login: HTTP $c"; fi
    rows_check "docker-compose-win.yml up"
else
    fail "/c/docker exists and is not this checkout: cannot run docker-compose-win.yml"
fi
step_end

echo "=== steps"
for i in "${!STEP_NAMES[@]}"; do
    printf '%5s s  %s\n' "${STEP_TIMES[$i]}" "${STEP_NAMES[$i]}"
done
printf '%5s s  %s\n' "$((SECONDS - TOTAL_START))" "in all"
tc_finish
