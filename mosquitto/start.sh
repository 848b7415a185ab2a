#!/bin/sh
# The entrypoint of the compose service "mosquitto" (in place of the image's own, which would
# chown the mounted ./mosquitto of the checkout). At every start it
#   - writes the service accounts messagehandler and webinterface into the password file from
#     MQTT_HANDLER_PASSWORD and MQTT_WEB_PASSWORD when they are set (compose sets them from
#     .env, so a rotated password takes effect with `docker-compose up -d`);
#   - gives the broker's data folder (the volume) to user mosquitto, as the image's entrypoint
#     does, and nothing else;
#   - enables MQTT over TLS on 8883 and websockets over TLS on 8884 (mosquitto/tls.conf) when a
#     certificate is mounted on /mosquitto/certs (fullchain.pem and privkey.pem, PEM);
# then runs Mosquitto, and every CERT_POLL_SECONDS (5) looks at the certificate: when it
# appears, changes (a renewal) or goes, the broker is restarted with the TLS listeners on or
# off. SIGHUP (add-user.sh) reaches the broker; SIGTERM stops it. Arguments naming mosquitto
# (the image's command) are ignored; any other command is run instead of all this, as the
# image's entrypoint would (`docker-compose run --rm --no-deps mosquitto sh
# /mosquitto/config/add-user.sh NAME`). See README.md, "HTTPS and MQTT over TLS". The native test
# (test-cases/run-native-stack.sh) sets the folders with MOSQUITTO_CERTS, MOSQUITTO_TLS_D (what
# mosquitto.conf includes), MOSQUITTO_CONFIG and MOSQUITTO_DATA.
set -eu
case ${1:-} in
    "" | mosquitto | */mosquitto) ;;
    *) exec "$@" ;;
esac
certs=${MOSQUITTO_CERTS:-/mosquitto/certs}
enabled=${MOSQUITTO_TLS_D:-/mosquitto/tls.d}
config=${MOSQUITTO_CONFIG:-/mosquitto/config}
data=${MOSQUITTO_DATA:-/mosquitto/data}
pidfile=${MOSQUITTO_PID_FILE:-/tmp/mosquitto.pid}
root=false
[ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1 && root=true

if [ -n "${MQTT_HANDLER_PASSWORD:-}" ] || [ -n "${MQTT_WEB_PASSWORD:-}" ]; then
    for account in messagehandler:"${MQTT_HANDLER_PASSWORD:-}" webinterface:"${MQTT_WEB_PASSWORD:-}"; do
        [ -n "${account#*:}" ] || continue
        printf '%s\n' "${account#*:}" | sh "$config/add-user.sh" --no-reload "${account%%:*}" >/dev/null
    done
    echo "standhub: service accounts messagehandler, webinterface written to $config/passwd"
fi
if $root && [ -d "$data" ]; then chown -R mosquitto:mosquitto "$data"; fi

cert_state() {
    if [ -f "$certs/fullchain.pem" ] && [ -f "$certs/privkey.pem" ]; then
        cat "$certs/fullchain.pem" "$certs/privkey.pem" | cksum
    else echo none; fi
}
enable_tls() {
    mkdir -p "$enabled"
    rm -f "$enabled"/*.conf "$enabled"/*.pem
    if [ "$1" != none ]; then
        # Mosquitto reads the key after dropping to user mosquitto: give it a copy it can read.
        cp "$certs/fullchain.pem" "$certs/privkey.pem" "$enabled/"
        chmod 600 "$enabled/privkey.pem"
        if $root; then chown mosquitto: "$enabled" "$enabled/fullchain.pem" "$enabled/privkey.pem"; fi
        cp "$config/tls.conf" "$enabled/tls.conf"
        echo "standhub: MQTT over TLS and websockets over TLS on (mosquitto/tls.conf)"
    else
        echo "standhub: no certificate in $certs (fullchain.pem, privkey.pem): TLS listeners off"
    fi
}
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
broker=
run_broker() {
    "$mosquitto" -c "$config/mosquitto.conf" &
    broker=$!
    echo "$broker" >"$pidfile"
}
stopping=false
trap 'stopping=true; kill -TERM "$broker" 2>/dev/null' TERM INT
trap 'kill -HUP "$broker" 2>/dev/null' HUP

state=$(cert_state)
enable_tls "$state"
run_broker
while kill -0 "$broker" 2>/dev/null; do
    sleep "${CERT_POLL_SECONDS:-5}" &
    wait $! || true
    $stopping && break
    now=$(cert_state)
    if [ "$now" != "$state" ]; then
        echo "standhub: the certificate in $certs changed: restarting the broker"
        state=$now
        kill -TERM "$broker" 2>/dev/null
        wait "$broker" || true
        enable_tls "$state"
        run_broker
    fi
done
rc=0
wait "$broker" || rc=$?
rm -f "$pidfile"
exit "$rc"
