#!/bin/sh
# The entrypoint of the compose service "mosquitto" (in place of the image's own, which would
# chown the mounted ./mosquitto of the checkout). At every start it
#   - writes the service accounts messagehandler and webinterface into the password file from
#     MQTT_HANDLER_PASSWORD and MQTT_WEB_PASSWORD when they are set (compose sets them from
#     .env, so a rotated password takes effect with `docker-compose up -d`);
#   - gives the broker's data folder (the volume) to user mosquitto, as the image's entrypoint
#     does, and nothing else;
#   - in migration mode (MQTT_LEGACY_STAND_USER and MQTT_LEGACY_STAND_PASSWORD set) writes the
#     old stack's shared stand account into the password file too, and removes it again when
#     the mode is turned off (the name it wrote is kept in legacy-stand-user beside passwd);
#   - writes the ACL the broker reads (/mosquitto/acl.d/acl): mosquitto/acl, plus in migration
#     mode the shared account's rules (every stand's old inbound topics, their outbound ones);
#   - enables MQTT over TLS on 8883 and websockets over TLS on 8884 (mosquitto/tls.conf) when a
#     certificate is mounted on /mosquitto/certs (fullchain.pem and privkey.pem, PEM);
# then runs Mosquitto with its log filtered: mosquitto.conf has `log_type debug`, the only level
# at which Mosquitto 2.0 logs a refused publish ("Denied PUBLISH from <client> (... '<topic>'
# ...)"), and the per-packet lines that level adds (Received/Sending PUBLISH, PUBACK, PINGREQ,
# ...) are dropped here so the log keeps connections, refusals, warnings and errors; and every
# CERT_POLL_SECONDS (5) looks at the certificate: when it appears, changes (a renewal) or goes,
# the broker is restarted with the TLS listeners on or off. SIGHUP (`docker-compose kill -s HUP
# mosquitto`) writes the ACL again and reaches the broker (add-user.sh signals the broker
# itself: the password file is read in place); SIGTERM stops it. Arguments naming mosquitto
# (the image's command) are ignored; any other command is run instead of all this, as the
# image's entrypoint would (`docker-compose run --rm --no-deps mosquitto sh
# /mosquitto/config/add-user.sh NAME`). See README.md, "HTTPS and MQTT over TLS". The native test
# (test-cases/run-native-stack.sh) sets the folders with MOSQUITTO_CERTS, MOSQUITTO_TLS_D (what
# mosquitto.conf includes), MOSQUITTO_ACL_D (where the ACL it reads is written),
# MOSQUITTO_CONFIG and MOSQUITTO_DATA.
set -eu
case ${1:-} in
    "" | mosquitto | */mosquitto) ;;
    *) exec "$@" ;;
esac
certs=${MOSQUITTO_CERTS:-/mosquitto/certs}
enabled=${MOSQUITTO_TLS_D:-/mosquitto/tls.d}
acl_d=${MOSQUITTO_ACL_D:-/mosquitto/acl.d}
config=${MOSQUITTO_CONFIG:-/mosquitto/config}
data=${MOSQUITTO_DATA:-/mosquitto/data}
pidfile=${MOSQUITTO_PID_FILE:-/tmp/mosquitto.pid}
here=$(cd "$(dirname "$0")" && pwd)
add_user() { sh "$here/add-user.sh" -f "$config/passwd" --no-reload "$@"; }
root=false
[ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1 && root=true

if [ -n "${MQTT_HANDLER_PASSWORD:-}" ] || [ -n "${MQTT_WEB_PASSWORD:-}" ]; then
    for account in messagehandler:"${MQTT_HANDLER_PASSWORD:-}" webinterface:"${MQTT_WEB_PASSWORD:-}"; do
        [ -n "${account#*:}" ] || continue
        printf '%s\n' "${account#*:}" | add_user "${account%%:*}" >/dev/null
    done
    echo "standhub: service accounts messagehandler, webinterface written to $config/passwd"
fi

# Migration mode: the old stack's one account for every stand (see README.md, "Stands of the old
# stack: the shared account"). Off unless both variables are set.
legacy=${MQTT_LEGACY_STAND_USER:-}
marker="$config/legacy-stand-user"
if [ -n "$legacy" ]; then
    case $legacy in
        messagehandler | webinterface | monitor)
            echo "standhub: MQTT_LEGACY_STAND_USER may not be the service account $legacy: choose the old stack's stand user (e.g. team2)" >&2
            exit 2 ;;
    esac
    if [ -z "${MQTT_LEGACY_STAND_PASSWORD:-}" ]; then
        echo "standhub: MQTT_LEGACY_STAND_USER=$legacy needs MQTT_LEGACY_STAND_PASSWORD (the old stands' password) in .env" >&2
        exit 2
    fi
    printf '%s\n' "$MQTT_LEGACY_STAND_PASSWORD" | add_user "$legacy" >/dev/null || exit 2
    printf '%s\n' "$legacy" >"$marker"
    echo "standhub: WARNING: migration mode: the shared stand account '$legacy' may publish to every" \
        "stand's old inbound topics and read their outbound ones: anyone holding its password can speak" \
        "for any stand. Move each stand to its own account, then unset MQTT_LEGACY_STAND_USER."
elif [ -f "$marker" ]; then
    old=$(cat "$marker")
    if [ -n "$old" ]; then
        add_user --delete "$old" >/dev/null 2>&1 || true
        echo "standhub: migration mode off: the shared stand account '$old' was removed"
    fi
    rm -f "$marker"
fi

# The ACL the broker reads: the project's, plus the shared account's rules in migration mode.
write_acl() {
    mkdir -p "$acl_d"
    {
        cat "$config/acl"
        if [ -n "$legacy" ]; then
            printf '\n# Migration mode (MQTT_LEGACY_STAND_USER, written by start.sh): the old stack'"'"'s shared\n'
            printf '# stand account speaks on every stand'"'"'s old topics.\n'
            printf 'user %s\n' "$legacy"
            printf 'topic write Testdevice/+/Inbound\ntopic write Testdevice/+/inbound\n'
            printf 'topic read Testdevice/+/Outbound\ntopic read Testdevice/+/outbound\n'
        fi
    } >"$acl_d/acl.new"
    mv "$acl_d/acl.new" "$acl_d/acl"
    if $root; then chown -R mosquitto: "$acl_d"; fi
}
write_acl
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
# The broker's log goes through a pipe (a FIFO, so $! stays the broker's pid) to awk, which drops
# the per-packet lines of `log_type debug` and keeps the rest, one line at a time.
log_pipe="$acl_d/log.pipe"
# mawk (Debian's awk) reads a pipe a block at a time unless told to read line by line.
awk=awk
if awk -W version 2>&1 | grep -q mawk; then awk="awk -W interactive"; fi
run_broker() {
    rm -f "$log_pipe"
    mkfifo "$log_pipe"
    $awk '!/: (Received|Sending) (PUBLISH|PUBACK|PUBREC|PUBREL|PUBCOMP|PINGREQ|PINGRESP|CONNACK|SUBACK|UNSUBACK|UNSUBSCRIBE|DISCONNECT)( |$)/ && !/: No will message specified\.$/ { print; fflush() }' <"$log_pipe" &
    "$mosquitto" -c "$config/mosquitto.conf" >"$log_pipe" 2>&1 &
    broker=$!
    echo "$broker" >"$pidfile"
}
stopping=false
trap 'stopping=true; kill -TERM "$broker" 2>/dev/null' TERM INT
trap 'write_acl; kill -HUP "$broker" 2>/dev/null' HUP

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
rm -f "$pidfile" "$log_pipe"
exit "$rc"
