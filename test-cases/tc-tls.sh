#!/usr/bin/env bash
# tc-tls: the TLS listeners from outside - nginx's HTTPS (HSTS, a Secure session cookie on
# login), Mosquitto's MQTT over TLS and websockets over TLS, each checked against the CA that
# signed the server's certificate.
#
# Parameters (environment variables, or flags: --nginx-tls-port 444):
#   HOST (127.0.0.1)  TLS_HOST (localhost: the name the certificate is for)
#   TLS_CA            the CA certificate (PEM) that signed the servers' certificate
#   NGINX_TLS_PORT (444)  MQTT_TLS_PORT (8883)  WS_TLS_PORT (8884)
#   ADMIN_USER, ADMIN_PASSWORD   a web account (the login case is skipped without it)
#   STAND_USER, STAND_PASSWORD   a broker account (the MQTT cases are skipped without it)
# Needs curl, mosquitto_pub (Debian: mosquitto-clients) and python3.
# Example: test-cases/tc-tls.sh --tls-ca certs/fullchain.pem --admin-user admin \
#              --admin-password "$PW" --stand-user teststand1 --stand-password s3cret

source "$(dirname "$0")/lib.sh"
tc_init "$@"
TLS_HOST=${TLS_HOST:-localhost}
NGINX_TLS_PORT=${NGINX_TLS_PORT:-444}
MQTT_TLS_PORT=${MQTT_TLS_PORT:-8883}
WS_TLS_PORT=${WS_TLS_PORT:-8884}
: "${TLS_CA:?set TLS_CA (the CA certificate that signed the server certificates)}"

tc_workdir
BASE="https://$TLS_HOST:$NGINX_TLS_PORT"
CURL=(curl -sS --max-time 20 --cacert "$TLS_CA" --resolve "$TLS_HOST:$NGINX_TLS_PORT:$HOST")

# --- nginx: HTTPS with the certificate, HSTS ---
if "${CURL[@]}" -D "$WORK/h" -o /dev/null "$BASE/login" 2>"$WORK/err"; then
    pass "nginx answers HTTPS on $NGINX_TLS_PORT with a certificate the CA signed"
    headers=$(tr -d '\r' <"$WORK/h")
    hsts=$(grep -i '^strict-transport-security: max-age=[1-9]' <<<"$headers")
    if [ -n "$hsts" ]; then
        pass "HTTPS responses carry HSTS ($hsts)"
    else fail "no Strict-Transport-Security header over HTTPS: ${headers//$'\n'/ }"; fi
else
    fail "nginx HTTPS on $NGINX_TLS_PORT: $(cat "$WORK/err")"
fi
if curl -sS --max-time 10 -o /dev/null --resolve "$TLS_HOST:$NGINX_TLS_PORT:$HOST" "$BASE/" 2>/dev/null; then
    fail "HTTPS accepted without the CA: the certificate check cannot fail"
else pass "without the CA the certificate is not trusted (the check is real)"; fi

# --- a login over HTTPS sets a Secure session cookie ---
if [ -n "${ADMIN_USER:-}" ] && [ -n "${ADMIN_PASSWORD:-}" ]; then
    jar="$WORK/jar"
    "${CURL[@]}" -c "$jar" -o "$WORK/login.html" "$BASE/login"
    csrf=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$WORK/login.html" | head -n 1)
    code=$("${CURL[@]}" -b "$jar" -c "$jar" -D "$WORK/lh" -o /dev/null -w '%{http_code}' \
        --data-urlencode "csrf=$csrf" --data-urlencode "username=$ADMIN_USER" \
        --data-urlencode "password=$ADMIN_PASSWORD" --data-urlencode "next=/" "$BASE/login")
    cookies=$(grep -i '^set-cookie:' "$WORK/lh" | tr -d '\r')
    if [ "${code:0:1}" = 3 ] && [ -n "$cookies" ] && ! grep -viq '; *secure' <<<"$cookies"; then
        pass "login over HTTPS: HTTP $code, every cookie Secure"
    else fail "login over HTTPS: HTTP $code, cookies: ${cookies:-none}"; fi
else
    skip "login over HTTPS: set ADMIN_USER and ADMIN_PASSWORD"
fi

# --- Mosquitto: MQTT over TLS, websockets over TLS ---
if [ -n "${STAND_USER:-}" ] && [ -n "${STAND_PASSWORD:-}" ]; then
    topic="$STAND_USER/inbound"
    msg="{\"protocolVersion\":1.1,\"sentBy\":\"$STAND_USER\",\"msgType\":\"status\",\"statusCode\":\"200\"}"
    if out=$(timeout 20 mosquitto_pub -h "$TLS_HOST" -p "$MQTT_TLS_PORT" --cafile "$TLS_CA" \
        -u "$STAND_USER" -P "$STAND_PASSWORD" -q 1 -t "$topic" -m "$msg" -i "$TC_TAG-tls" 2>&1); then
        pass "MQTT over TLS on $MQTT_TLS_PORT: a stand publishes (mosquitto_pub --cafile)"
    else fail "MQTT over TLS on $MQTT_TLS_PORT: $out"; fi
    if out=$(timeout 20 mosquitto_pub -h "$TLS_HOST" -p "$MQTT_TLS_PORT" -u "$STAND_USER" \
        -P "$STAND_PASSWORD" -q 1 -t "$topic" -m "$msg" -i "$TC_TAG-tls-plain" 2>&1); then
        fail "a plain MQTT client was accepted on the TLS port $MQTT_TLS_PORT"
    else pass "the TLS port $MQTT_TLS_PORT refuses plain MQTT"; fi
    if out=$(python3 "$TC_DIR/mqtt_ws.py" connect --url "wss://$TLS_HOST:$WS_TLS_PORT/mqtt" \
        --cafile "$TLS_CA" --user "$STAND_USER" --password "$STAND_PASSWORD" 2>&1); then
        pass "websockets over TLS on $WS_TLS_PORT: $out"
    else fail "websockets over TLS on $WS_TLS_PORT: $out"; fi
else
    skip "MQTT over TLS: set STAND_USER and STAND_PASSWORD"
fi

tc_finish
