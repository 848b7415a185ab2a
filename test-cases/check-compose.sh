#!/usr/bin/env bash
# check-compose: the compose files are valid and promise what the README promises, without
# running Docker: `docker-compose config` (Debian's docker-compose 1.29, or `docker compose`)
# on docker-compose.yml and docker-compose-win.yml with a .env made from .env.example.
#
# Parameters: REPO (the repository root; default: this script's parent folder),
#             COMPOSE (the compose command; default docker-compose, else "docker compose").
# Prints PASS/FAIL per case; the exit code is the number of failures.

source "$(dirname "$0")/lib.sh"
tc_parse_flags "$@"
REPO=${REPO:-$(cd "$TC_DIR/.." && pwd)}
if [ -z "${COMPOSE:-}" ]; then
    if command -v docker-compose >/dev/null 2>&1; then COMPOSE=docker-compose
    else COMPOSE="docker compose"; fi
fi
read -r -a DC <<<"$COMPOSE"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$REPO/docker-compose.yml" "$REPO/docker-compose-win.yml" "$REPO/.env.example" "$work/"
cd "$work" || exit 255

# --- .env.example commits no secret, and without secrets compose refuses to start ---
secrets="SECRET_KEY POSTGRES_PASSWORD MQTT_HANDLER_PASSWORD MQTT_WEB_PASSWORD POSTGRES_WEB_PASSWORD POSTGRES_HANDLER_PASSWORD POSTGRES_SCHEDULER_PASSWORD POSTGRES_VIDEO_PASSWORD"
leaked=""
for s in $secrets; do
    grep -Eq "^$s=.+" .env.example && leaked="$leaked $s"
done
if [ -z "$leaked" ]; then pass ".env.example leaves every secret empty ($secrets)"
else fail ".env.example commits values for:$leaked"; fi

cp .env.example .env
out=$("${DC[@]}" -f docker-compose.yml config 2>&1)
if [ $? -ne 0 ] && grep -q "in .env" <<<"$out"; then pass "compose refuses to start without the secrets, naming the one missing"
else fail "compose with empty secrets: expected a refusal naming the variable, got: $(tail -n 2 <<<"$out")"; fi

# --- valid with the secrets filled in ---
for s in $secrets; do sed -i "s/^$s=\$/$s=test${s,,}value/" .env; done
for f in docker-compose.yml docker-compose-win.yml; do
    if "${DC[@]}" -f "$f" config >"$f.out" 2>"$f.err"; then pass "$COMPOSE -f $f config"
    else fail "$COMPOSE -f $f config: $(tail -n 3 "$f.err")"; fi
done

# --- the services and ports of the spec ---
services=$("${DC[@]}" -f docker-compose.yml config --services 2>/dev/null | sort | tr '\n' ' ')
missing=""
for s in nginx webinterface messagehandler scheduler videostream db mosquitto migrate; do
    grep -qw -- "$s" <<<"$services" || missing="$missing $s"
done
if [ -z "$missing" ]; then pass "services: $services"
else fail "services missing:$missing (have: $services)"; fi

# "service published:target" for every published port.
ports() {
    awk '
        /^  [a-z][a-z0-9_-]*:$/ { svc = $1; sub(":", "", svc) }
        /^version:|^volumes:|^networks:/ { svc = "" }
        /published:/ { pub = $NF; gsub(/"/, "", pub) }
        /target:/ && svc != "" { print svc " " pub ":" $NF }
    ' "$1"
}
ports docker-compose.yml.out >ports.txt
for want in "nginx 81:80" "webinterface 8001:8001" "videostream 5555:5555" "mosquitto 8000:8000" "mosquitto 8081:8081" \
    "nginx 444:443" "mosquitto 8883:8883" "mosquitto 8884:8884"; do
    if grep -qx "$want" ports.txt; then pass "port ${want#* } published by ${want%% *}"
    else fail "port ${want#* } not published by ${want%% *} (published: $(tr '\n' ',' <ports.txt))"; fi
done

# --- the camera through port 81: the web points browsers at the relay's nginx path ---
for f in docker-compose.yml docker-compose-win.yml; do
    web=$(awk -v s="  webinterface:" '$0 == s {on = 1; next} /^  [a-z][a-z0-9_-]*:$/ {on = 0} on' "$f.out")
    if grep -Eq "^ +VIDEOSTREAM_URL: /videostream$" <<<"$web"; then
        pass "$f: webinterface's VIDEOSTREAM_URL defaults to the nginx path /videostream"
    else fail "$f: webinterface's VIDEOSTREAM_URL is not /videostream: $(grep VIDEOSTREAM_URL <<<"$web")"; fi
done

# --- ordering and health ---
# section SERVICE: that service's lines of the resolved configuration.
section() {
    awk -v s="  $1:" '$0 == s {on = 1; next} /^  [a-z][a-z0-9_-]*:$/ {on = 0} on' docker-compose.yml.out
}
for s in webinterface messagehandler scheduler videostream; do
    if section "$s" | grep -A1 "^      migrate:" | grep -q "condition: service_completed_successfully"; then
        pass "$s starts after the migrate job completed"
    else fail "$s does not wait for the migrate job to complete"; fi
done
if section migrate | grep -A1 "^      db:" | grep -q "condition: service_healthy"; then
    pass "migrations wait for a healthy database"
else fail "migrate does not wait for a healthy database"; fi
for s in db mosquitto webinterface messagehandler scheduler videostream nginx; do
    if section "$s" | grep -q "healthcheck:"; then
        pass "$s has a health check"
    else fail "$s has no health check"; fi
done
for s in db mosquitto webinterface messagehandler scheduler videostream nginx; do
    if section "$s" | grep -q "restart: unless-stopped"; then
        pass "$s restarts unless stopped"
    else fail "$s has no restart policy"; fi
done

# --- every setting .env.example names reaches the containers, but the native-only ones ---
native_only=" DATABASE_URL MQTT_URL WEB_BIND VIDEOSTREAM_BIND CAMERA_ALLOW_LOOPBACK STANDHUB_DATA_DIR MQTT_BIND MQTT_WS_BIND MQTT_ALLOW_ANONYMOUS STANDHUB_ADMIN_PASSWORD "
unused=""
for v in $(sed -n 's/^#\{0,1\} \{0,1\}\([A-Z][A-Z0-9_]*\)=.*/\1/p' "$REPO/.env.example" | sort -u); do
    [[ $native_only == *" $v "* ]] && continue
    for f in docker-compose.yml docker-compose-win.yml; do
        grep -q "\${$v[:}-]" "$REPO/$f" || unused="$unused $v($f)"
    done
done
if [ -z "$unused" ]; then pass "every setting of .env.example is passed on by both compose files (native-only ones aside)"
else fail "settings of .env.example that never reach a container:$unused"; fi
# --- the broker writes the service accounts itself and never chowns the checkout ---
mq=$(section mosquitto)
if grep -q "MQTT_HANDLER_PASSWORD" <<<"$mq" && grep -q "/mosquitto/config/start.sh" <<<"$mq"; then
    pass "mosquitto gets the service passwords (a rotation recreates it) and starts with mosquitto/start.sh"
else fail "mosquitto lacks the service passwords in its environment or its start.sh entrypoint"; fi
if grep -q "/mosquitto/log" <<<"$mq"; then pass "mosquitto's /mosquitto/log is mounted (no anonymous volume per recreate)"
else fail "mosquitto's image volume /mosquitto/log is not mounted: an anonymous volume is left at every recreate"; fi
# --- least privilege: each program connects as its own role, only migrate as the owner ---
for pair in webinterface:standhub_web messagehandler:standhub_handler scheduler:standhub_scheduler videostream:standhub_video; do
    s=${pair%%:*} role=${pair#*:}
    if section "$s" | grep -Eq "^ +DATABASE_URL: postgres://$role:"; then
        pass "$s connects to PostgreSQL as $role"
    else fail "$s does not connect as $role: $(section "$s" | grep DATABASE_URL)"; fi
done
if section db | grep -q "/docker-entrypoint-initdb.d/10-service-roles.sh"; then
    pass "the db service makes the services' roles (postgres/10-service-roles.sh)"
else fail "postgres/10-service-roles.sh is not mounted into the db service"; fi

# --- the Windows file is the same stack, only its bind mounts differ ---
stripped() { grep -v '^#' "$1" | sed -e 's#/c/docker/#./#g'; }
if diff <(stripped "$REPO/docker-compose.yml") <(stripped "$REPO/docker-compose-win.yml") >win.diff; then
    pass "docker-compose-win.yml differs from docker-compose.yml only in its /c/docker paths"
else fail "docker-compose-win.yml and docker-compose.yml differ: $(head -n 6 win.diff | tr '\n' ' ')"; fi

# --- nothing secret is tracked by git ---
if git -C "$REPO" rev-parse >/dev/null 2>&1; then
    for f in .env mosquitto/passwd certs/privkey.pem; do
        if git -C "$REPO" check-ignore -q "$f"; then pass "$f is ignored by git"
        else fail "$f is not in .gitignore"; fi
    done
else
    skip "git checks: $REPO is not a git work tree"
fi

tc_finish
