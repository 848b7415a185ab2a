#!/usr/bin/env bash
# Installs what the tests need and a fresh Debian/Ubuntu machine may lack: PostgreSQL server
# binaries, Mosquitto and its clients, Nginx, Chromium with its driver (browser tests), wrk
# (load benchmarks), docker-compose (to validate the compose files), Debian's python3 with
# paho-mqtt (the stand written like the module guide's example) and cargo-nextest.
# Safe to run again: it installs only what is missing.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
have psql || missing+=(postgresql-client)
have mosquitto || missing+=(mosquitto)
have mosquitto_pub || missing+=(mosquitto-clients)
have nginx || missing+=(nginx)
have chromium || missing+=(chromium)
have chromedriver || missing+=(chromium-driver)
have wrk || missing+=(wrk)
have docker-compose || missing+=(docker-compose)
have curl || missing+=(curl)
# The system python3 (not a pyenv or venv one) with the Debian package, as the tests run it.
/usr/bin/python3 -c 'import paho.mqtt.client' >/dev/null 2>&1 || missing+=(python3 python3-paho-mqtt)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "setup: installing cargo-nextest"
  cargo install --locked cargo-nextest
fi
echo "setup: done"
