#!/usr/bin/env bash
# tc-web: the web interface through nginx (pages, static files, headers, API, errors).
#
# Parameters (environment variables, or flags: --web-port 81):
#   HOST (127.0.0.1)  WEB_PORT (81, nginx)  DIRECT_PORT (8001, the web interface itself;
#   set it empty to skip that case)  API_TOKEN (a token from `webinterface createtoken USER`;
#   the API cases are skipped without it)
# Needs curl and python3.

source "$(dirname "$0")/lib.sh"
tc_init "$@"
DIRECT_PORT=${DIRECT_PORT-8001}
tc_workdir

is_json() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/body" 2>/dev/null; }

if tcp_open "$HOST" "$WEB_PORT"; then pass "nginx listens on $HOST:$WEB_PORT"
else fail "nothing listens on $HOST:$WEB_PORT"; fi

c=$(fetch "$BASE/healthz")
if [ "$c" = 200 ]; then pass "/healthz through nginx: 200"
else fail "/healthz through nginx: HTTP $c"; fi

if [ -n "$DIRECT_PORT" ]; then
    c=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://$HOST:$DIRECT_PORT/healthz")
    if [ "$c" = 200 ]; then pass "web interface answers directly on $HOST:$DIRECT_PORT"
    else fail "web interface on $HOST:$DIRECT_PORT: HTTP $c"; fi
fi

# The start page wants a login: a browser (it asks for HTML) is sent to /login or gets the
# login page itself.
c=$(fetch "$BASE/" -H 'Accept: text/html')
loc=$(header Location)
if { [ "${c:0:1}" = 3 ] && [[ "$loc" == *login* ]]; } || { [ "$c" = 401 ] || [ "$c" = 200 ] && grep -qi "password" "$WORK/body"; }; then
    pass "/ without a session leads a browser to the login (HTTP $c${loc:+ -> $loc})"
else fail "/ without a session: HTTP $c${loc:+ -> $loc}"; fi

# A script (no HTML asked for) fetching a download without a login gets 401 naming the token
# header, not a login page saved as the CSV.
c=$(fetch "$BASE/results/1.csv" -L)
if [ "$c" = 401 ] && is_json && grep -q "Authorization: Bearer" "$WORK/body"; then
    pass "a download fetched by a script without a login: 401 naming the token header"
else fail "a download fetched by a script without a login: HTTP $c ($(head -c 200 "$WORK/body"))"; fi

c=$(fetch "$BASE/login")
if [ "$c" = 200 ] && grep -qi "<form" "$WORK/body" && grep -qi "password" "$WORK/body"; then
    pass "login page through nginx is a form with a password field"
else fail "login page through nginx: HTTP $c"; fi
for h in X-Content-Type-Options X-Frame-Options Referrer-Policy Content-Security-Policy; do
    v=$(header "$h")
    if [ -n "$v" ]; then pass "security header $h: $v"
    else fail "no $h header on the login page"; fi
done
# The web interface's own headers must not be doubled by nginx's.
dups=$(grep -io '^[a-z-]*:' "$WORK/headers" | tr 'A-Z' 'a-z' | sort | uniq -d | grep -E 'x-frame|x-content-type|referrer-policy|content-security' | tr '\n' ' ')
if [ -z "$dups" ]; then pass "no security header is sent twice"
else fail "security headers sent twice: $dups"; fi

# A static file the login page links to, through nginx.
static=$(grep -oE '(href|src)="/static/[^"]+"' "$WORK/body" | head -n 1 | sed -E 's/^(href|src)="//; s/"$//')
if [ -z "$static" ]; then
    fail "the login page links no file under /static/"
else
    c=$(fetch "$BASE$static")
    size=$(wc -c <"$WORK/body")
    cc=$(header Cache-Control)
    if [ "$c" = 200 ] && [ "$size" -gt 0 ]; then pass "static file $static through nginx ($size bytes, Cache-Control: ${cc:-none})"
    else fail "static file $static through nginx: HTTP $c, $size bytes"; fi
    c=$(fetch "$BASE$static" -H 'Accept-Encoding: gzip')
    ce=$(header Content-Encoding)
    if [ "$c" = 200 ]; then pass "static file with Accept-Encoding: gzip: 200 (Content-Encoding: ${ce:-identity})"
    else fail "static file with Accept-Encoding: gzip: HTTP $c"; fi
fi
c=$(fetch "$BASE/static/does-not-exist-$TC_TAG.css")
if [ "$c" = 404 ]; then pass "a missing static file is a 404"
else fail "a missing static file: HTTP $c"; fi

# Uploads: a body above nginx's limit is refused by nginx, not passed on.
c=$(head -c 40000000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' --max-time 30 -X POST \
    -H 'Content-Type: application/octet-stream' --data-binary @- "$BASE/login")
if [ "$c" = 413 ]; then pass "a 40 MB request body is refused with 413"
else fail "a 40 MB request body: HTTP $c (expected 413)"; fi

# --- API ---
c=$(fetch "$BASE/api/stands")
if [ "$c" = 401 ] && is_json; then pass "API without credentials: 401 with a JSON error"
else fail "API without credentials: HTTP $c $(head -c 120 "$WORK/body")"; fi

if [ -z "${API_TOKEN:-}" ]; then
    skip "API cases with a token: set API_TOKEN"
else
    AUTH=(-H "Authorization: Bearer $API_TOKEN")
    c=$(fetch "$BASE/api/stands" "${AUTH[@]}")
    if [ "$c" = 200 ] && python3 -c 'import json,sys; assert isinstance(json.load(open(sys.argv[1])), list)' "$WORK/body" 2>/dev/null; then
        pass "GET /api/stands with a bearer token through nginx: a JSON list"
    else fail "GET /api/stands with a token: HTTP $c $(head -c 120 "$WORK/body")"; fi

    c=$(fetch "$BASE/api/stands" -H "Authorization: Bearer wrong-$API_TOKEN")
    if [ "$c" = 401 ]; then pass "a wrong token is refused (401)"
    else fail "a wrong token: HTTP $c"; fi

    c=$(fetch "$BASE/api/stands/no-such-stand-$TC_TAG" "${AUTH[@]}")
    if [ "$c" = 404 ] && is_json; then pass "an unknown stand is a JSON 404"
    else fail "unknown stand: HTTP $c $(head -c 120 "$WORK/body")"; fi

    c=$(fetch "$BASE/api/stands/bad%20id%2F" "${AUTH[@]}")
    if [ "${c:0:1}" = 4 ] && ! grep -qi "panicked\|backtrace" "$WORK/body"; then pass "a malformed stand id is a 4xx without internals (HTTP $c)"
    else fail "malformed stand id: HTTP $c $(head -c 120 "$WORK/body")"; fi

    c=$(fetch "$BASE/api/results?page=1&per_page=5" "${AUTH[@]}")
    if [ "$c" = 200 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "items" in d and "total" in d' "$WORK/body" 2>/dev/null; then
        pass "GET /api/results: items and total"
    else fail "GET /api/results: HTTP $c $(head -c 120 "$WORK/body")"; fi
fi

tc_finish
