#!/usr/bin/env bash
# tc-security: the stack from outside as an attacker on the lab LAN would see it (issue 11).
#
# Parameters (environment variables, or flags: --web-port 81):
#   HOST (127.0.0.1)  WEB_PORT (81, nginx)  DIRECT_PORT (8001, the web interface itself)
#   MQTT_PORT (8000)  API_TOKEN (a viewer's or admin's token from `webinterface createtoken`)
#   ADMIN_USER, ADMIN_PASSWORD   an account for the login case (only the login form is
#                                checked without them)
#   STAND_USER, STAND_PASSWORD   a stand's broker account (for the quarantine case)
#   PG_PORT (5432)  PostgreSQL's port as seen from outside: compose does not publish it (the
#                   case checks that nothing answers); the native stack does (the case checks
#                   that no role gets in without its password)
#   WEB_HEADER_TIMEOUT_SECONDS (30)  the web interface's header time-out (slow-client case)
# Needs curl, python3, mosquitto_pub (mosquitto-clients), and psql for a published PG_PORT.
#
# One function per check (check_...); add a check by writing one and listing it in CHECKS.

source "$(dirname "$0")/lib.sh"
tc_init "$@"
DIRECT_PORT=${DIRECT_PORT-8001}
PG_PORT=${PG_PORT:-5432}
WEB_HEADER_TIMEOUT_SECONDS=${WEB_HEADER_TIMEOUT_SECONDS:-30}
tc_workdir


# After login, `next=/%09/evil.example` (a tab: browsers drop it and read //evil.example) must
# lead to this site, and the login form must not carry it.
check_open_redirect() {
    local jar="$WORK/jar" code next csrf location target
    code=$(fetch "$BASE/login?next=/%09/evil.example" -c "$jar")
    next=$(python3 -c 'import re,sys,html; m=re.search(r"name=\"next\"[^>]*value=\"([^\"]*)\"|value=\"([^\"]*)\"[^>]*name=\"next\"", open(sys.argv[1]).read()); print(html.unescape((m.group(1) or m.group(2))) if m else "<none>")' "$WORK/body")
    if [ "$code" = 200 ] && [ "$next" = / ]; then pass "login form: next=/%09/evil.example becomes /"
    else fail "login form: HTTP $code, next field $(printf '%q' "$next")"; return; fi
    if [ -z "${ADMIN_USER:-}" ] || [ -z "${ADMIN_PASSWORD:-}" ]; then return; fi
    csrf=$(python3 -c 'import re,sys; m=re.search(r"name=\"csrf\"[^>]*value=\"([^\"]*)\"|value=\"([^\"]*)\"[^>]*name=\"csrf\"", open(sys.argv[1]).read()); print((m.group(1) or m.group(2)) if m else "")' "$WORK/body")
    code=$(fetch "$BASE/login" -b "$jar" -c "$jar" --data-urlencode "csrf=$csrf" \
        --data-urlencode "username=$ADMIN_USER" --data-urlencode "password=$ADMIN_PASSWORD" \
        --data-urlencode "next=/	/evil.example")
    location=$(header location)
    target=$(python3 -c 'import sys; from urllib.parse import urljoin, urlsplit; print(urlsplit(urljoin(sys.argv[1], sys.argv[2].replace("\t", ""))).netloc)' "$BASE/login" "$location")
    if [ "$code" = 303 ] && [ "$target" = "$HOST:$WEB_PORT" ]; then
        pass "login with next=/<tab>/evil.example redirects on site ($location)"
    else fail "login with next=/<tab>/evil.example: HTTP $code, Location $(printf '%q' "$location")"; fi
}

# The security headers, and the app's own strict CSP (no 'unsafe-inline') through nginx.
check_security_headers() {
    local url csp
    for url in "$BASE/login" "$BASE/static/app.css" ${DIRECT_PORT:+"http://$HOST:$DIRECT_PORT/login"}; do
        fetch "$url" >/dev/null
        csp=$(header content-security-policy)
        if [ "$(header_count content-security-policy)" = 1 ] && [ -n "$csp" ] \
            && ! grep -q "unsafe-inline\|unsafe-eval" <<<"$csp" \
            && grep -q "script-src 'self'" <<<"$csp" && grep -q "frame-ancestors 'none'" <<<"$csp"; then
            pass "$url: one strict Content-Security-Policy ($csp)"
        else fail "$url: Content-Security-Policy x$(header_count content-security-policy): $csp"; fi
        if [ "$(header x-content-type-options)" = nosniff ] && [ -n "$(header x-frame-options)" ] \
            && [ -n "$(header referrer-policy)" ]; then
            pass "$url: nosniff, X-Frame-Options, Referrer-Policy"
        else fail "$url: security headers missing: $(tr '\r\n' ' ' <"$WORK/headers")"; fi
    done
}

# Mosquitto refuses a client without credentials.
check_anonymous_mqtt_refused() {
    local out
    if out=$(timeout 10 mosquitto_pub -h "$HOST" -p "$MQTT_PORT" -q 1 -t "tc-anon/inbound" -m x 2>&1); then
        fail "anonymous MQTT publish accepted on $HOST:$MQTT_PORT"
    elif grep -qi "not authori" <<<"$out"; then pass "anonymous MQTT refused on $HOST:$MQTT_PORT ($out)"
    else fail "anonymous MQTT on $HOST:$MQTT_PORT failed otherwise: $out"; fi
}

# A 2 MiB rejected message is listed by its size and a prefix, not its bytes.
check_quarantine_list_small() {
    if [ -z "${API_TOKEN:-}" ] || [ -z "${STAND_USER:-}" ] || [ -z "${STAND_PASSWORD:-}" ]; then
        fail "quarantine case needs API_TOKEN, STAND_USER and STAND_PASSWORD"
        return
    fi
    python3 -c 'import sys; sys.stdout.buffer.write((b"\xff" + sys.argv[1].encode() * (2097152 // len(sys.argv[1]) + 1))[:2097152])' \
        "$TC_TAG-not-json-" >"$WORK/big"
    if ! timeout 20 mosquitto_pub -h "$HOST" -p "$MQTT_PORT" -u "$STAND_USER" -P "$STAND_PASSWORD" \
        -q 2 -t "$STAND_USER/inbound" -f "$WORK/big" 2>"$WORK/pub.err"; then
        fail "publishing 2 MiB as $STAND_USER: $(cat "$WORK/pub.err")"
        return
    fi
    listed() {
        fetch "$BASE/api/quarantine?per_page=50" -H "Authorization: Bearer $API_TOKEN" >/dev/null
        python3 - "$WORK/body" "$STAND_USER/inbound" <<'PY'
import json, sys
items = json.load(open(sys.argv[1]))["items"]
sys.exit(0 if any(i["topic"] == sys.argv[2] and i["size"] == 2097152 for i in items) else 1)
PY
    }
    if ! wait_until 30 listed; then fail "the 2 MiB message did not reach the quarantine in 30 s"; return; fi
    local bytes
    bytes=$(wc -c <"$WORK/body")
    if [ "$bytes" -lt 262144 ] && python3 - "$WORK/body" "$STAND_USER/inbound" <<'PY'
import json, sys
item = next(i for i in json.load(open(sys.argv[1]))["items"]
            if i["topic"] == sys.argv[2] and i["size"] == 2097152)
assert item["payload_base64"] is None, "the whole payload is in the list"
assert len(item["prefix_base64"] or "") <= 1368, "more than a prefix"
PY
    then pass "quarantine list: the 2 MiB message listed by size and prefix ($bytes bytes for 50 entries at most)"
    else fail "quarantine list is $bytes bytes or carries whole payloads"; fi
}

# A client sending its request headers a byte a second is cut by the web interface.
check_slowloris_cut() {
    if [ -z "$DIRECT_PORT" ]; then fail "slow-client case needs DIRECT_PORT (the web interface's port)"; return; fi
    local limit=$((WEB_HEADER_TIMEOUT_SECONDS + 10)) out
    out=$(python3 - "$HOST" "$DIRECT_PORT" "$limit" <<'PY'
import socket, sys, time
host, port, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.create_connection((host, port), timeout=5)
request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4096 + b"\r\n\r\n"
start = time.time()
for b in request:
    try:
        s.sendall(bytes([b]))
        s.settimeout(1.0)
        data = s.recv(4096)
        if data == b"" or data.startswith(b"HTTP/1.1 408"):
            print(f"cut after {time.time() - start:.1f} s"); sys.exit(0)
        if data.startswith(b"HTTP/1.1 200"):
            print("answered"); sys.exit(1)
    except socket.timeout:
        pass
    except OSError as e:
        print(f"cut after {time.time() - start:.1f} s ({e.__class__.__name__})"); sys.exit(0)
    if time.time() - start > limit:
        print(f"still connected after {limit:.0f} s"); sys.exit(1)
print("sent everything"); sys.exit(1)
PY
    )
    if [ $? = 0 ]; then pass "a client sending headers a byte a second is cut ($out)"
    else fail "slow client on $HOST:$DIRECT_PORT: $out"; fi
}

# PostgreSQL: not published (compose), or no way in without a role's password (native).
check_database_closed() {
    if ! tcp_open "$HOST" "$PG_PORT"; then
        pass "PostgreSQL does not answer on $HOST:$PG_PORT"
        return
    fi
    local psql=psql role out
    [ -n "${PG_BIN_DIR:-}" ] && [ -x "$PG_BIN_DIR/psql" ] && psql="$PG_BIN_DIR/psql"
    for role in postgres standhub_web standhub_handler; do
        if out=$(PGPASSWORD="wrong-$TC_TAG" PGCONNECT_TIMEOUT=5 "$psql" -X -w -h "$HOST" -p "$PG_PORT" \
            -U "$role" -d standhub -c "SELECT 1" 2>&1); then
            fail "PostgreSQL on $HOST:$PG_PORT let $role in with a wrong password"
        elif grep -q "password authentication failed" <<<"$out"; then
            pass "PostgreSQL on $HOST:$PG_PORT refuses $role without its password"
        else fail "PostgreSQL on $HOST:$PG_PORT as $role: $out"; fi
    done
}

CHECKS=(
    check_open_redirect
    check_security_headers
    check_anonymous_mqtt_refused
    check_quarantine_list_small
    check_slowloris_cut
    check_database_closed
)
for c in "${CHECKS[@]}"; do "$c"; done
tc_finish
