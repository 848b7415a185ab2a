#!/bin/sh
# The compose service "nginx" starts with this script: it enables HTTPS (nginx/tls.conf) when a
# certificate is mounted on /etc/nginx/certs (fullchain.pem and privkey.pem, PEM), then runs
# nginx with the given arguments (default: -g 'daemon off;'). Without a certificate nginx serves
# plain HTTP only and says so. Every CERT_POLL_SECONDS (5) it looks at the certificate: when it
# appears, changes (a renewal) or goes, HTTPS is switched accordingly and nginx reloads (no
# connection is dropped). It looks at the upstreams' addresses too (NGINX_UPSTREAM_HOSTS,
# default "webinterface videostream"): nginx resolves them only when it loads its
# configuration, so when compose recreates one of them with a new address (`up -d` after a
# changed setting), nginx reloads instead of answering 502 until it is restarted by hand. SIGQUIT/SIGTERM/SIGHUP reach nginx. See README.md, "HTTPS and MQTT
# over TLS". The native test (test-cases/run-native-stack.sh) sets the folders with NGINX_CERTS
# (the certificate), NGINX_TLS_D (what nginx.conf includes), NGINX_STANDHUB (where tls.conf
# is) and NGINX_BIN.
set -eu
certs=${NGINX_CERTS:-/etc/nginx/certs}
enabled=${NGINX_TLS_D:-/etc/nginx/tls.d}
standhub=${NGINX_STANDHUB:-/etc/nginx/standhub}
cert_state() {
    if [ -f "$certs/fullchain.pem" ] && [ -f "$certs/privkey.pem" ]; then
        cat "$certs/fullchain.pem" "$certs/privkey.pem" | cksum
    else echo none; fi
}
switch_https() {
    mkdir -p "$enabled"
    rm -f "$enabled"/*.conf
    if [ "$1" != none ]; then
        cp "$standhub/tls.conf" "$enabled/tls.conf"
        echo "standhub: HTTPS on with $certs/fullchain.pem"
    else
        echo "standhub: no certificate in $certs (fullchain.pem, privkey.pem): HTTPS off, plain HTTP only"
    fi
}
upstreams=${NGINX_UPSTREAM_HOSTS-webinterface videostream}
# The upstreams' current addresses, one line each (empty for a name that does not resolve).
upstream_state() {
    for h in $upstreams; do
        printf '%s %s\n' "$h" "$(getent hosts "$h" | awk '{print $1}' | sort | tr '\n' ' ')"
    done
}
[ $# -gt 0 ] || set -- -g 'daemon off;'
addresses=$(upstream_state)
state=$(cert_state)
switch_https "$state"
"${NGINX_BIN:-nginx}" "$@" &
server=$!
stopping=false
for sig in TERM INT QUIT; do
    trap "stopping=true; kill -$sig \$server 2>/dev/null" "$sig"
done
trap 'kill -HUP "$server" 2>/dev/null' HUP
while kill -0 "$server" 2>/dev/null; do
    sleep "${CERT_POLL_SECONDS:-5}" &
    wait $! || true
    $stopping && break
    now=$(cert_state)
    if [ "$now" != "$state" ]; then
        state=$now
        switch_https "$state"
        echo "standhub: the certificate in $certs changed: nginx reloads"
        kill -HUP "$server"
    fi
    now=$(upstream_state)
    if [ "$now" != "$addresses" ]; then
        addresses=$now
        echo "standhub: an upstream's address changed ($(echo "$now" | tr '\n' ';')): nginx reloads"
        kill -HUP "$server"
    fi
done
rc=0
wait "$server" || rc=$?
exit "$rc"
