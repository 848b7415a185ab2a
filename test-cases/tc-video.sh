#!/usr/bin/env bash
# tc-video: the video relay, directly and through nginx, as an outsider and as an admin.
#
# Parameters (environment variables, or flags: --video-port 5555):
#   HOST (127.0.0.1)  WEB_PORT (81, nginx)  VIDEO_PORT (5555, the relay itself)
#   API_TOKEN    an admin's token (`webinterface createtoken ADMIN`): installing takes one;
#                the install cases are skipped without it
#   SECRET_KEY   the stack's SECRET_KEY, to sign stream links as the stand page does; the
#                streaming cases are skipped without it
#   CAMERA_URL   an MJPEG camera the relay can reach (e.g. test-cases/fake_camera.py; a camera
#                on this machine needs CAMERA_ALLOW_LOOPBACK=true for the relay); the streaming
#                cases are skipped without it
#   STAND (tc-video-<tag>)   the stand id to install the camera on (removed again at the end)
# Needs curl and python3.

source "$(dirname "$0")/lib.sh"
tc_init "$@"
VIDEO_PORT=${VIDEO_PORT:-5555}
STAND=${STAND:-tc-video-$TC_TAG}
DIRECT="http://$HOST:$VIDEO_PORT"
NGINX="http://$HOST:$WEB_PORT"
FRAMES="$TC_DIR/mjpeg_frames.py"

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
auth=(-H "Authorization: Bearer ${API_TOKEN:-}")

# A signed stream link's query for a stand (what the web interface's stand page embeds):
# HMAC-SHA256 with SECRET_KEY of "videostream-link", the stand and the expiry, each followed by
# a zero byte. $2: seconds from now to the expiry (negative: already expired).
link() {
    python3 - "$1" "${2:-300}" <<'EOF'
import hashlib, hmac, os, sys, time
stand, ahead = sys.argv[1], int(sys.argv[2])
exp = int(time.time()) + ahead
msg = b"".join(p + b"\0" for p in (b"videostream-link", stand.encode(), str(exp).encode()))
sig = hmac.new(os.environ["SECRET_KEY"].encode(), msg, hashlib.sha256).hexdigest()
print(f"exp={exp}&sig={sig}")
EOF
}

c=$(code "$DIRECT/healthz")
if [ "$c" = 200 ]; then pass "relay answers /healthz on $HOST:$VIDEO_PORT"
else fail "relay /healthz on $HOST:$VIDEO_PORT: HTTP $c"; fi

# --- as an outsider: no install, no viewing ---
probe="tc-probe-$TC_TAG"
c=$(code -X PUT --data-urlencode "data=http://169.254.169.254/" "$DIRECT/install-test-stand/$probe")
if [ "$c" = 401 ]; then pass "unauthenticated PUT /install-test-stand on the relay is refused (HTTP 401)"
else fail "unauthenticated PUT /install-test-stand on the relay: HTTP $c (expected 401)"; fi
c=$(code -X put --data-urlencode "data=http://169.254.169.254/" "$DIRECT/install-test-stand/$probe")
if [ "$c" = 401 ]; then pass "unauthenticated lowercase put is refused too (HTTP 401)"
else fail "unauthenticated lowercase put: HTTP $c (expected 401)"; fi
for m in PUT put POST DELETE GET; do
    c=$(code -X "$m" --data-urlencode "data=http://169.254.169.254/" "$NGINX/videostream/install-test-stand/$probe")
    if [ "${c:0:1}" = 4 ]; then pass "$m /videostream/install-test-stand through nginx is refused (HTTP $c)"
    else fail "$m /videostream/install-test-stand through nginx: HTTP $c (expected 4xx)"; fi
done
c=$(code -X POST "$NGINX/videostream/vstream/test-stand/$probe")
if [ "$c" = 403 ] || [ "$c" = 405 ]; then pass "POST to the relay's pages through nginx is refused (HTTP $c)"
else fail "POST /videostream/vstream/... through nginx: HTTP $c (expected 403)"; fi
if [ -n "${API_TOKEN:-}" ]; then
    got=$(curl -s --max-time 10 "${auth[@]}" "$DIRECT/install-test-stand/$probe")
    if [ "$got" = "{\"$probe\":null}" ]; then pass "the refused requests installed nothing"
    else fail "after the refused requests: $got"; fi
fi
for url in "$NGINX/videostream/vstream/test-stand/$probe" "$NGINX/vstream-direct/test-stand/$probe" \
           "$DIRECT/vstream-direct/test-stand/$probe"; do
    c=$(code "$url")
    if [ "$c" = 401 ]; then pass "viewing without a signed link is refused (HTTP 401: $url)"
    else fail "viewing without a signed link: HTTP $c (expected 401: $url)"; fi
done
h=$(curl -s -D - -o /dev/null --max-time 10 "$NGINX/videostream/vstream/test-stand/$probe")
csp=$(grep -i '^content-security-policy:' <<<"$h")
if grep -q "default-src 'none'" <<<"$csp" && ! grep -q "unsafe-inline" <<<"$csp" \
    && [ "$(grep -ci '^content-security-policy:' <<<"$h")" = 1 ]; then
    pass "through nginx the relay's own CSP applies ($(tr -d '\r' <<<"$csp"))"
else fail "CSP of the relay through nginx: $(tr -d '\r' <<<"$csp")"; fi
if grep -qi '^x-content-type-options: nosniff' <<<"$h"; then pass "relay responses through nginx: nosniff"
else fail "relay responses through nginx lack X-Content-Type-Options: nosniff"; fi

if [ -z "${SECRET_KEY:-}" ]; then
    skip "signed-link cases: set SECRET_KEY to the stack's"
    tc_finish
fi

# A stand without a camera: a clear page, no stream.
none="tc-nocam-$TC_TAG"
body=$(curl -s --max-time 10 "$NGINX/videostream/vstream/test-stand/$none?$(link "$none")")
if grep -qi "no camera" <<<"$body"; then pass "viewer page of a stand without a camera says so (through nginx)"
else fail "viewer page of a stand without a camera: $(head -c 200 <<<"$body")"; fi
r=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' --max-time 10 "$DIRECT/vstream-direct/test-stand/$none?$(link "$none")")
if [ "${r%% *}" -ge 400 ] 2>/dev/null || [[ "$r" != *multipart/x-mixed-replace* ]]; then pass "no stream for a stand without a camera (HTTP $r)"
else fail "a stand without a camera streams: HTTP $r"; fi
for bad in "$(link "$none" -60)" "$(link "other-$none")" "$(link "$none")0"; do
    c=$(code "$NGINX/videostream/vstream/test-stand/$none?$bad")
    if [ "$c" = 403 ]; then pass "an expired, misdirected or tampered link is refused (HTTP 403)"
    else fail "a bad link ($bad): HTTP $c (expected 403)"; fi
done

if [ -z "${CAMERA_URL:-}" ] || [ -z "${API_TOKEN:-}" ]; then
    skip "streaming cases: set CAMERA_URL to an MJPEG camera the relay can reach and API_TOKEN"
    tc_finish
fi

# Cameras may not point at the stack itself or at metadata addresses.
for url in "http://169.254.169.254/latest/meta-data/" "$DIRECT/healthz"; do
    c=$(code -X PUT "${auth[@]}" --data-urlencode "data=$url" "$DIRECT/install-test-stand/$STAND")
    if [ "$c" = 400 ]; then pass "a camera URL at $url is refused (HTTP 400)"
    else fail "camera URL $url: HTTP $c (expected 400)"; fi
done

# Install the camera (the old API: PUT with form field data=<url>, now with an admin token).
c=$(code -X PUT "${auth[@]}" --data-urlencode "data=$CAMERA_URL" "$DIRECT/install-test-stand/$STAND")
if [ "${c:0:1}" = 2 ]; then pass "PUT /install-test-stand/$STAND with a token installs $CAMERA_URL (HTTP $c)"
else fail "PUT /install-test-stand/$STAND: HTTP $c"; fi

got=$(curl -s --max-time 10 "${auth[@]}" "$DIRECT/install-test-stand/$STAND")
if python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d.get(sys.argv[2]) == sys.argv[3] else 1)' "$got" "$STAND" "$CAMERA_URL" 2>/dev/null; then
    pass "GET /install-test-stand/$STAND returns the camera URL"
else fail "GET /install-test-stand/$STAND: $got"; fi

q=$(link "$STAND")
out=$(python3 "$FRAMES" --frames 3 "$DIRECT/vstream-direct/test-stand/$STAND?$q" 2>&1)
if [ $? -eq 0 ]; then pass "MJPEG stream from the relay directly with a signed link ($(tail -n 1 <<<"$out"))"
else fail "MJPEG stream from the relay directly: $(tr '\n' ' ' <<<"$out")"; fi

out=$(python3 "$FRAMES" --frames 3 "$NGINX/videostream/vstream-direct/test-stand/$STAND?$q" 2>&1)
if [ $? -eq 0 ]; then pass "MJPEG stream through nginx /videostream/ with a signed link ($(tail -n 1 <<<"$out"))"
else fail "MJPEG stream through nginx /videostream/: $(tr '\n' ' ' <<<"$out")"; fi

c=$(code "$NGINX/videostream/vstream-direct/test-stand/$STAND")
if [ "$c" = 401 ]; then pass "the installed camera's stream without a link is refused (HTTP 401)"
else fail "the installed camera's stream without a link: HTTP $c (expected 401)"; fi

# Two viewers at once both get frames (one upstream serves many viewers).
python3 "$FRAMES" --frames 5 "$NGINX/videostream/vstream-direct/test-stand/$STAND?$q" >"/tmp/$TC_TAG-v1" 2>&1 &
v1=$!
python3 "$FRAMES" --frames 5 "$DIRECT/vstream-direct/test-stand/$STAND?$q" >"/tmp/$TC_TAG-v2" 2>&1
r2=$?
wait "$v1"
r1=$?
if [ $r1 -eq 0 ] && [ $r2 -eq 0 ]; then pass "two viewers at once both receive frames"
else fail "two viewers at once: $(cat "/tmp/$TC_TAG-v1" "/tmp/$TC_TAG-v2" | tr '\n' ' ')"; fi
rm -f "/tmp/$TC_TAG-v1" "/tmp/$TC_TAG-v2"

body=$(curl -s --max-time 10 "$NGINX/videostream/vstream/test-stand/$STAND?$q")
if grep -q "vstream-direct/test-stand/$STAND?exp=" <<<"$body"; then pass "viewer page through nginx shows the stream with its link"
else fail "viewer page through nginx does not reference the stream: $(head -c 200 <<<"$body")"; fi

# Remove it again (empty data).
c=$(code -X PUT "${auth[@]}" --data-urlencode "data=" "$DIRECT/install-test-stand/$STAND")
got=$(curl -s --max-time 10 "${auth[@]}" "$DIRECT/install-test-stand/$STAND")
if [ "${c:0:1}" = 2 ] && ! grep -qF "$CAMERA_URL" <<<"$got"; then pass "PUT with empty data removes the camera"
else fail "removing the camera: HTTP $c, then $got"; fi

tc_finish
