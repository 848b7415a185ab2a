#!/bin/sh
# The compose service "mosquitto" starts with this script: it enables MQTT over TLS on 8883 and
# websockets over TLS on 8884 (mosquitto/tls.conf) when a certificate is mounted on
# /mosquitto/certs (fullchain.pem and privkey.pem, PEM), then runs Mosquitto. Without a
# certificate only the plain listeners (8000, 8081) run, and it says so. See README.md,
# "HTTPS and MQTT over TLS". The native test (test-cases/run-native-stack.sh) sets the folders
# with MOSQUITTO_CERTS, MOSQUITTO_TLS_D (what mosquitto.conf includes) and MOSQUITTO_CONFIG.
set -eu
certs=${MOSQUITTO_CERTS:-/mosquitto/certs}
enabled=${MOSQUITTO_TLS_D:-/mosquitto/tls.d}
config=${MOSQUITTO_CONFIG:-/mosquitto/config}
mkdir -p "$enabled"
rm -f "$enabled"/*.conf "$enabled"/*.pem
if [ -f "$certs/fullchain.pem" ] && [ -f "$certs/privkey.pem" ]; then
    # Mosquitto reads the key after dropping to user mosquitto: give it a copy it can read.
    cp "$certs/fullchain.pem" "$certs/privkey.pem" "$enabled/"
    chmod 600 "$enabled/privkey.pem"
    if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
        chown mosquitto: "$enabled" "$enabled/fullchain.pem" "$enabled/privkey.pem"
    fi
    cp "$config/tls.conf" "$enabled/tls.conf"
    echo "standhub: MQTT over TLS and websockets over TLS on (mosquitto/tls.conf)"
else
    echo "standhub: no certificate in $certs (fullchain.pem, privkey.pem): TLS listeners off"
fi
mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
exec "$mosquitto" -c "$config/mosquitto.conf"
