#!/usr/bin/env bash
# tc-video: the video relay, directly and through nginx.
#
# Parameters (environment variables, or flags: --video-port 5555):
#   HOST (127.0.0.1)  WEB_PORT (81, nginx)  VIDEO_PORT (5555, the relay itself)
#   CAMERA_URL   an MJPEG camera the relay can reach (e.g. test-cases/fake_camera.py); the
#                streaming cases are skipped without it
#   STAND (tc-video-<tag>)   the stand id to install the camera on (removed again at the end)
# Needs curl and python3.

source "$(dirname "$0")/lib.sh"
tc_parse_flags "$@"
HOST=${HOST:-127.0.0.1}
WEB_PORT=${WEB_PORT:-81}
VIDEO_PORT=${VIDEO_PORT:-5555}
STAND=${STAND:-tc-video-$TC_TAG}
DIRECT="http://$HOST:$VIDEO_PORT"
NGINX="http://$HOST:$WEB_PORT"
FRAMES="$TC_DIR/mjpeg_frames.py"

code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }

c=$(code "$DIRECT/healthz")
if [ "$c" = 200 ]; then pass "relay answers /healthz on $HOST:$VIDEO_PORT"
else fail "relay /healthz on $HOST:$VIDEO_PORT: HTTP $c"; fi

# A stand without a camera: a clear page, no stream.
none="tc-nocam-$TC_TAG"
body=$(curl -s --max-time 10 "$NGINX/videostream/vstream/test-stand/$none")
if grep -qi "camera" <<<"$body"; then pass "viewer page of a stand without a camera says so (through nginx)"
else fail "viewer page of a stand without a camera: $(head -c 200 <<<"$body")"; fi
r=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' --max-time 10 "$DIRECT/vstream-direct/test-stand/$none")
if [ "${r%% *}" -ge 400 ] 2>/dev/null || [[ "$r" != *multipart/x-mixed-replace* ]]; then pass "no stream for a stand without a camera (HTTP $r)"
else fail "a stand without a camera streams: HTTP $r"; fi

if [ -z "${CAMERA_URL:-}" ]; then
    skip "streaming cases: set CAMERA_URL to an MJPEG camera the relay can reach"
    tc_finish
fi

# Install the camera (the old API: PUT with form field data=<url>).
c=$(code -X PUT --data-urlencode "data=$CAMERA_URL" "$DIRECT/install-test-stand/$STAND")
if [ "${c:0:1}" = 2 ]; then pass "PUT /install-test-stand/$STAND installs $CAMERA_URL (HTTP $c)"
else fail "PUT /install-test-stand/$STAND: HTTP $c"; fi

got=$(curl -s --max-time 10 "$DIRECT/install-test-stand/$STAND")
if python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if d.get(sys.argv[2]) == sys.argv[3] else 1)' "$got" "$STAND" "$CAMERA_URL" 2>/dev/null; then
    pass "GET /install-test-stand/$STAND returns the camera URL"
else fail "GET /install-test-stand/$STAND: $got"; fi

out=$(python3 "$FRAMES" --frames 3 "$DIRECT/vstream-direct/test-stand/$STAND" 2>&1)
if [ $? -eq 0 ]; then pass "MJPEG stream from the relay directly ($(tail -n 1 <<<"$out"))"
else fail "MJPEG stream from the relay directly: $(tr '\n' ' ' <<<"$out")"; fi

out=$(python3 "$FRAMES" --frames 3 "$NGINX/videostream/vstream-direct/test-stand/$STAND" 2>&1)
if [ $? -eq 0 ]; then pass "MJPEG stream through nginx /videostream/ ($(tail -n 1 <<<"$out"))"
else fail "MJPEG stream through nginx /videostream/: $(tr '\n' ' ' <<<"$out")"; fi

# Two viewers at once both get frames (one upstream serves many viewers).
python3 "$FRAMES" --frames 5 "$NGINX/videostream/vstream-direct/test-stand/$STAND" >"/tmp/$TC_TAG-v1" 2>&1 &
v1=$!
python3 "$FRAMES" --frames 5 "$DIRECT/vstream-direct/test-stand/$STAND" >"/tmp/$TC_TAG-v2" 2>&1
r2=$?
wait "$v1"
r1=$?
if [ $r1 -eq 0 ] && [ $r2 -eq 0 ]; then pass "two viewers at once both receive frames"
else fail "two viewers at once: $(cat "/tmp/$TC_TAG-v1" "/tmp/$TC_TAG-v2" | tr '\n' ' ')"; fi
rm -f "/tmp/$TC_TAG-v1" "/tmp/$TC_TAG-v2"

body=$(curl -s --max-time 10 "$NGINX/videostream/vstream/test-stand/$STAND")
if grep -q "vstream-direct/test-stand/$STAND" <<<"$body"; then pass "viewer page through nginx shows the stream"
else fail "viewer page through nginx does not reference the stream: $(head -c 200 <<<"$body")"; fi

# Remove it again (empty data).
c=$(code -X PUT --data-urlencode "data=" "$DIRECT/install-test-stand/$STAND")
got=$(curl -s --max-time 10 "$DIRECT/install-test-stand/$STAND")
if [ "${c:0:1}" = 2 ] && ! grep -qF "$CAMERA_URL" <<<"$got"; then pass "PUT with empty data removes the camera"
else fail "removing the camera: HTTP $c, then $got"; fi

tc_finish
