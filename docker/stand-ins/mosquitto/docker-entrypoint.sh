#!/bin/sh
# As the official eclipse-mosquitto image's entrypoint: as root, give everything under
# /mosquitto (what is mounted there included) to user mosquitto, then run the command.
set -e
if [ "$(id -u)" = 0 ]; then
    [ -d /mosquitto ] && chown -R mosquitto:mosquitto /mosquitto || true
fi
exec "$@"
