#!/usr/bin/env bash
# tc-broker: the MQTT broker from outside - listeners, credentials, per-stand ACL.
#
# Parameters (environment variables, or flags: --mqtt-port 8000):
#   HOST (127.0.0.1)  MQTT_PORT (8000)  WS_PORT (8081)
#   STAND_USER, STAND_PASSWORD   a stand's broker account (its user name is its stand id)
#   OTHER_STAND (tc-other-stand) another stand's id (no password needed)
#   HANDLER_USER (messagehandler), HANDLER_PASSWORD   the message handler's account
#   WEB_MQTT_USER (webinterface), WEB_MQTT_PASSWORD   the web interface's account (optional:
#                                the outbound cases are skipped without it)
# Needs mosquitto_pub/mosquitto_sub (Debian: mosquitto-clients) and python3.
# Example: test-cases/tc-broker.sh --stand-user teststand1 --stand-password s3cret \
#              --handler-password "$MQTT_HANDLER_PASSWORD" --web-mqtt-password "$MQTT_WEB_PASSWORD"

source "$(dirname "$0")/lib.sh"
tc_init "$@"
WS_PORT=${WS_PORT:-8081}
OTHER_STAND=${OTHER_STAND:-tc-other-stand}
HANDLER_USER=${HANDLER_USER:-messagehandler}
WEB_MQTT_USER=${WEB_MQTT_USER:-webinterface}
: "${STAND_USER:?set STAND_USER (a stand id with a broker account)}"
: "${STAND_PASSWORD:?set STAND_PASSWORD}"
: "${HANDLER_PASSWORD:?set HANDLER_PASSWORD (the messagehandler broker account)}"

WS="$TC_DIR/mqtt_ws.py"
B=(-h "$HOST" -p "$MQTT_PORT")
STAND=(-u "$STAND_USER" -P "$STAND_PASSWORD")
HANDLER=(-u "$HANDLER_USER" -P "$HANDLER_PASSWORD")
WEB=(-u "$WEB_MQTT_USER" -P "${WEB_MQTT_PASSWORD:-}")

# creds ROLE: sets C to the mosquitto client flags of stand, handler or web.
creds() {
    case $1 in
        stand) C=("${STAND[@]}") ;;
        handler) C=("${HANDLER[@]}") ;;
        web) C=("${WEB[@]}") ;;
    esac
}

# first_delivered CLIENT_ID SUB_ROLE "TOPIC FILTERS" [PUB_ROLE TOPIC MESSAGE]...
# Opens a persistent session of SUB_ROLE subscribed to the filters, goes away, publishes each
# QoS 1 message in order (each acknowledged by the broker before the next), then reconnects and
# prints the first message delivered ("topic payload"). The ACL drops forbidden messages, so
# when the last message is an allowed one, it is the first delivered. No sleeps: every step
# waits for the broker's answer.
first_delivered() {
    local id=$1 topics=$3 t
    local -a sc tf
    creds "$2"
    sc=("${C[@]}")
    shift 3
    tf=()
    for t in $topics; do tf+=(-t "$t"); done
    mosquitto_sub "${B[@]}" "${sc[@]}" -i "$id" -c -q 1 "${tf[@]}" -E || return 1
    while [ $# -gt 0 ]; do
        creds "$1"
        mosquitto_pub "${B[@]}" "${C[@]}" -q 1 -t "$2" -m "$3" || return 1
        shift 3
    done
    timeout 20 mosquitto_sub "${B[@]}" "${sc[@]}" -i "$id" -c -q 1 "${tf[@]}" -C 1 -W 10 -v
    # A clean connection with the same client id drops the persistent session again.
    mosquitto_sub "${B[@]}" "${sc[@]}" -i "$id" -q 1 "${tf[@]}" -E >/dev/null 2>&1
}

# --- listeners ---
if tcp_open "$HOST" "$MQTT_PORT"; then pass "broker listens on $HOST:$MQTT_PORT (MQTT)"
else fail "nothing listens on $HOST:$MQTT_PORT (MQTT)"; fi
if tcp_open "$HOST" "$WS_PORT"; then pass "broker listens on $HOST:$WS_PORT (websockets)"
else fail "nothing listens on $HOST:$WS_PORT (websockets)"; fi

# --- credentials ---
out=$(mosquitto_pub "${B[@]}" -q 1 -t "$STAND_USER/inbound" -m anonymous 2>&1)
if [ $? -ne 0 ] && grep -qi "not authori" <<<"$out"; then pass "MQTT refuses a client without credentials"
else fail "MQTT accepted a client without credentials ($out)"; fi

out=$(mosquitto_pub "${B[@]}" -u "$STAND_USER" -P "wrong-$STAND_PASSWORD" -q 1 -t "$STAND_USER/inbound" -m wrong 2>&1)
if [ $? -ne 0 ] && grep -qi "not authori" <<<"$out"; then pass "MQTT refuses a wrong password"
else fail "MQTT accepted a wrong password ($out)"; fi

out=$(python3 "$WS" connect --url "ws://$HOST:$WS_PORT/mqtt" 2>&1)
if [ $? -ne 0 ] && grep -q "CONNACK 5" <<<"$out"; then pass "websockets listener speaks MQTT and refuses a client without credentials"
else fail "websockets listener without credentials: $out"; fi

out=$(python3 "$WS" connect --url "ws://$HOST:$WS_PORT/mqtt" --user "$STAND_USER" --password "$STAND_PASSWORD" 2>&1)
if [ $? -eq 0 ]; then pass "websockets listener accepts the stand's credentials"
else fail "websockets listener refused the stand's credentials: $out"; fi

# --- round trips ---
msg="status from $STAND_USER $TC_TAG"
got=$(first_delivered "$TC_TAG-h1" handler "$STAND_USER/inbound" \
    stand "$STAND_USER/inbound" "$msg" 2>&1)
if [ "$got" = "$STAND_USER/inbound $msg" ]; then pass "MQTT round trip: stand publishes on $STAND_USER/inbound, message handler receives it"
else fail "MQTT round trip on $STAND_USER/inbound: got '$got'"; fi

got=$(first_delivered "$TC_TAG-h2" handler "Testdevice/+/Inbound" \
    stand "Testdevice/$STAND_USER/Inbound" "$msg" 2>&1)
if [ "$got" = "Testdevice/$STAND_USER/Inbound $msg" ]; then pass "MQTT round trip on the legacy topic Testdevice/$STAND_USER/Inbound"
else fail "MQTT round trip on Testdevice/$STAND_USER/Inbound: got '$got'"; fi

out=$(python3 "$WS" roundtrip --url "ws://$HOST:$WS_PORT/mqtt" --topic "$STAND_USER/inbound" \
    --sub-user "$HANDLER_USER" --sub-password "$HANDLER_PASSWORD" \
    --pub-user "$STAND_USER" --pub-password "$STAND_PASSWORD" 2>&1)
if [ $? -eq 0 ]; then pass "websockets round trip on $STAND_USER/inbound"
else fail "websockets round trip on $STAND_USER/inbound: $out"; fi

# --- ACL: a stand writes only its own inbound topic ---
got=$(first_delivered "$TC_TAG-h3" handler "$OTHER_STAND/inbound $STAND_USER/inbound Testdevice/+/Inbound" \
    stand "$OTHER_STAND/inbound" "forged by $STAND_USER" \
    stand "Testdevice/$OTHER_STAND/Inbound" "forged by $STAND_USER" \
    stand "$STAND_USER/inbound" "own $TC_TAG" 2>&1)
if [ "$got" = "$STAND_USER/inbound own $TC_TAG" ]; then pass "a stand's messages on another stand's inbound topics ($OTHER_STAND) are refused"
else fail "a stand wrote another stand's inbound topic: first delivered '$got'"; fi

# --- outbound: only the web interface writes it, only its stand reads it ---
if [ -z "${WEB_MQTT_PASSWORD:-}" ]; then
    skip "outbound cases: set WEB_MQTT_PASSWORD (the webinterface broker account)"
else
    got=$(first_delivered "$TC_TAG-s1" stand "$STAND_USER/outbound" \
        web "$STAND_USER/outbound" "command $TC_TAG" 2>&1)
    if [ "$got" = "$STAND_USER/outbound command $TC_TAG" ]; then pass "MQTT round trip: web interface publishes on $STAND_USER/outbound, the stand receives it"
    else fail "MQTT round trip on $STAND_USER/outbound: got '$got'"; fi

    got=$(first_delivered "$TC_TAG-s2" stand "$OTHER_STAND/outbound $STAND_USER/outbound" \
        web "$OTHER_STAND/outbound" "for the other stand" \
        web "$STAND_USER/outbound" "mine $TC_TAG" 2>&1)
    if [ "$got" = "$STAND_USER/outbound mine $TC_TAG" ]; then pass "a stand cannot read another stand's outbound topic ($OTHER_STAND)"
    else fail "a stand read another stand's outbound topic: first delivered '$got'"; fi

    got=$(first_delivered "$TC_TAG-s3" stand "$STAND_USER/outbound" \
        stand "$STAND_USER/outbound" "forged command" \
        web "$STAND_USER/outbound" "real $TC_TAG" 2>&1)
    if [ "$got" = "$STAND_USER/outbound real $TC_TAG" ]; then pass "a stand cannot publish on its own outbound (command) topic"
    else fail "a stand published on its outbound topic: first delivered '$got'"; fi
fi

tc_finish
