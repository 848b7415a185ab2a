# shellcheck shell=bash disable=SC2034
# Shared helpers of the test-case scripts (sourced, not run).
#
# Every parameter is an environment variable and may also be given as a flag: --mqtt-port 18000
# sets MQTT_PORT=18000 (dashes become underscores, upper case). Each case prints one line
# "PASS: ..." or "FAIL: ..." (or "SKIP: ..." when a parameter it needs is missing); the script's
# exit code is the number of failures.

TC_FAILURES=0
TC_PASSES=0
TC_SKIPS=0
TC_DIR=$(cd "$(dirname "$0")" && pwd)
# A tag unique to this run, for client ids, stand ids and messages.
TC_TAG="tc$$$(date +%s)"

tc_parse_flags() {
    while [ $# -gt 0 ]; do
        case $1 in
            -h|--help)
                sed -n '2,/^$/p' "$0" | sed 's/^# \{0,1\}//'
                exit 0
                ;;
            --*=*)
                name=${1%%=*}; value=${1#*=}; shift
                ;;
            --*)
                if [ $# -lt 2 ]; then echo "missing value for $1" >&2; exit 255; fi
                name=$1; value=$2; shift 2
                ;;
            *)
                echo "unexpected argument: $1 (parameters are --name value or NAME=value)" >&2
                exit 255
                ;;
        esac
        name=$(printf '%s' "${name#--}" | tr 'a-z-' 'A-Z_')
        export "$name=$value"
    done
}

# tc_init "$@": reads the flags, then gives the parameters most cases share their defaults:
# HOST (127.0.0.1), WEB_PORT (81, nginx), MQTT_PORT (8000), and sets BASE to nginx's address.
tc_init() {
    tc_parse_flags "$@"
    HOST=${HOST:-127.0.0.1}
    WEB_PORT=${WEB_PORT:-81}
    MQTT_PORT=${MQTT_PORT:-8000}
    BASE="http://$HOST:$WEB_PORT"
}

# tc_workdir: a scratch folder WORK, removed when the script exits.
tc_workdir() {
    WORK=$(mktemp -d)
    trap 'rm -rf "$WORK"' EXIT
}

# fetch URL [curl args]: body to $WORK/body, headers to $WORK/headers, prints the status.
fetch() {
    local url=$1
    shift
    curl -s --max-time 15 -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' "$@" "$url"
}
# header NAME: the first value of response header NAME of the last fetch.
header() { grep -i "^$1:" "$WORK/headers" | head -n 1 | cut -d: -f2- | tr -d '\r' | sed 's/^ *//'; }
# header_count NAME: how many NAME headers the last fetch's response had.
header_count() { grep -ci "^$1:" "$WORK/headers"; }

pass() { TC_PASSES=$((TC_PASSES + 1)); echo "PASS: $*"; }
fail() { TC_FAILURES=$((TC_FAILURES + 1)); echo "FAIL: $*"; }
skip() { TC_SKIPS=$((TC_SKIPS + 1)); echo "SKIP: $*"; }

# check "description" command...: PASS when the command succeeds.
check() {
    desc=$1; shift
    if out=$("$@" 2>&1); then pass "$desc"; else fail "$desc${out:+ -- $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ')}"; fi
}

# Is something accepting TCP connections on host $1 port $2?
tcp_open() { timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# Wait up to $1 seconds for a command to succeed (polls twice a second). For waiting on a
# condition the scripts cannot be told about (a message stored by another process).
wait_until() {
    limit=$1; shift
    end=$(($(date +%s) + limit))
    while ! "$@" >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$end" ] || return 1
        sleep 0.5
    done
}

# tc_login JAR BASE USER PASSWORD [curl args]: one login through the form of BASE/login (its
# CSRF cookie kept in the cookie jar JAR); the curl args go with both requests. Prints the
# status and a newline (303: logged in).
tc_login() {
    local jar=$1 base=$2 user=$3 password=$4 csrf
    shift 4
    csrf=$(curl -s --max-time 20 "$@" -c "$jar" "$base/login" \
        | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 "$@" -b "$jar" \
        --data-urlencode "csrf=$csrf" --data-urlencode "username=$user" \
        --data-urlencode "password=$password" "$base/login"
}

tc_finish() {
    echo "$(basename "$0"): $TC_PASSES passed, $TC_FAILURES failed, $TC_SKIPS skipped"
    exit "$TC_FAILURES"
}
