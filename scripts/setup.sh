#!/usr/bin/env bash
# Installs what the tests need and a fresh Debian/Ubuntu machine may lack: PostgreSQL server
# binaries, Mosquitto and its clients, Nginx, Chromium with its driver (browser tests), wrk
# (load benchmarks), docker-compose with Debian's Docker engine and debootstrap (the compose test
# runs the stack on the engine), Debian's python3 with
# paho-mqtt (the stand written like the module guide's example; paho-mqtt 2.x too, in the
# virtualenv .tools/paho2), cargo-nextest, and
# schemathesis (the API fuzzer of crates/webinterface/tests/openapi.rs) in a virtualenv under
# the git-ignored .tools/. Safe to run again: it installs only what is missing.
#
#   scripts/setup.sh          everything the tests need (scripts/test.sh runs it)
#   scripts/setup.sh --run    only what the launcher needs: PostgreSQL's server binaries
#                             (scripts/run.sh runs it)
set -euo pipefail
run_only=false
[ "${1:-}" = "--run" ] && run_only=true

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }
# Installs the Debian packages named in `missing`, if any.
install_missing() {
  [ ${#missing[@]} -gt 0 ] || return 0
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
have psql || missing+=(postgresql-client)
if $run_only; then
  install_missing
  echo "setup: done (what the launcher needs)"
  exit 0
fi
have mosquitto || missing+=(mosquitto)
have mosquitto_pub || missing+=(mosquitto-clients)
have nginx || missing+=(nginx)
have chromium || missing+=(chromium)
have chromedriver || missing+=(chromium-driver)
have wrk || missing+=(wrk)
have docker-compose || missing+=(docker-compose)
# The compose test on a real engine: Debian's Docker engine, and debootstrap for the base images
# it cannot pull (docker/stand-ins/build.sh).
have dockerd || missing+=(docker.io)
have debootstrap || missing+=(debootstrap)
have curl || missing+=(curl)
have openssl || missing+=(openssl)
# The system python3 (not a pyenv or venv one) with the Debian package, as the tests run it.
/usr/bin/python3 -c 'import paho.mqtt.client' >/dev/null 2>&1 || missing+=(python3 python3-paho-mqtt)

install_missing

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "setup: installing cargo-nextest"
  cargo install --locked cargo-nextest
fi
SCHEMATHESIS_VERSION=4.32.5
st=".tools/schemathesis/bin/schemathesis"
cd "$(dirname "$0")/.."
if ! "$st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "setup: installing schemathesis $SCHEMATHESIS_VERSION into .tools/schemathesis"
  have python3 || { echo "setup: python3 is needed for schemathesis" >&2; exit 1; }
  python3 -m venv .tools/schemathesis 2>/dev/null || {
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y -qq --no-install-recommends python3-venv
    python3 -m venv .tools/schemathesis
  }
  .tools/schemathesis/bin/pip install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi
# paho-mqtt 2.x (its new callback API) for the module guide's stand, beside Debian's 1.x.
PAHO2_VERSION=2.1.0
p2=".tools/paho2/bin/python"
if ! "$p2" -c "import paho.mqtt; assert paho.mqtt.__version__ == '$PAHO2_VERSION'" 2>/dev/null; then
  echo "setup: installing paho-mqtt $PAHO2_VERSION into .tools/paho2"
  python3 -m venv .tools/paho2
  .tools/paho2/bin/pip install -q "paho-mqtt==$PAHO2_VERSION"
fi
echo "setup: done"
