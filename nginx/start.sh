#!/bin/sh
# The compose service "nginx" starts with this script: it enables HTTPS (nginx/tls.conf) when a
# certificate is mounted on /etc/nginx/certs (fullchain.pem and privkey.pem, PEM), then runs
# nginx with the given arguments (default: -g 'daemon off;'). Without a certificate nginx serves
# plain HTTP only and says so. See README.md, "HTTPS and MQTT over TLS".
# The native test (test-cases/run-native-stack.sh) sets the folders with NGINX_CERTS (the
# certificate), NGINX_TLS_D (what nginx.conf includes), NGINX_STANDHUB (where tls.conf is) and
# NGINX_BIN.
set -eu
certs=${NGINX_CERTS:-/etc/nginx/certs}
enabled=${NGINX_TLS_D:-/etc/nginx/tls.d}
standhub=${NGINX_STANDHUB:-/etc/nginx/standhub}
mkdir -p "$enabled"
rm -f "$enabled"/*.conf
if [ -f "$certs/fullchain.pem" ] && [ -f "$certs/privkey.pem" ]; then
    cp "$standhub/tls.conf" "$enabled/tls.conf"
    echo "standhub: HTTPS on with $certs/fullchain.pem"
else
    echo "standhub: no certificate in $certs (fullchain.pem, privkey.pem): HTTPS off, plain HTTP only"
fi
[ $# -gt 0 ] || set -- -g 'daemon off;'
exec "${NGINX_BIN:-nginx}" "$@"
