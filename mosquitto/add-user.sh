#!/bin/sh
# Adds (or changes the password of) a Mosquitto user: a stand, named exactly like its stand id,
# or a service (messagehandler, webinterface, monitor). See mosquitto/README.md.
#
#   mosquitto/add-user.sh [-f PASSWD_FILE] [--delete] [--no-reload] NAME
#   mosquitto/add-user.sh --check NAME...  only checks names: prints the valid ones, exits 2
#                                          when any is not valid
#
# The password is asked for twice on a terminal; when stdin is not a terminal its first line is
# the password (printf '%s\n' "$PW" | add-user.sh NAME). It never appears on a command line.
# POSIX sh: runs on the host (needs mosquitto_passwd, Debian package "mosquitto") and in the
# eclipse-mosquitto container:
#   docker-compose exec mosquitto sh /mosquitto/config/add-user.sh NAME        (broker running)
#   docker-compose run --rm --no-deps mosquitto sh /mosquitto/config/add-user.sh NAME
set -eu

usage() {
    echo "usage: $0 [-f PASSWD_FILE] [--delete] [--no-reload] NAME  |  $0 --check NAME..." >&2
    echo "  NAME: a stand id or service user, 1-64 letters (Latin incl. æøå, Greek, Cyrillic)," >&2
    echo "        digits, _ or -" >&2
    echo "  PASSWD_FILE: default \$MOSQUITTO_PASSWD_FILE, else 'passwd' next to this script" >&2
    exit 2
}

script_dir=$(cd "$(dirname "$0")" && pwd)
file=${MOSQUITTO_PASSWD_FILE:-$script_dir/passwd}
delete=false
reload=true
check=false
name=

while [ $# -gt 0 ]; do
    case $1 in
        -f) [ $# -ge 2 ] || usage; file=$2; shift 2 ;;
        --delete) delete=true; shift ;;
        --no-reload) reload=false; shift ;;
        --check) check=true; shift; break ;;
        -h|--help) usage ;;
        -*) echo "unknown option: $1" >&2; usage ;;
        *) [ -z "$name" ] || usage; name=$1; shift ;;
    esac
done
$check || [ -n "$name" ] || usage

# Stand ids (StandId in the app) are 1-64 Unicode letters or digits, '_' or '-'; the ACL
# substitutes the user name into topics, so it must hold no '/', '+' or '#' either. A POSIX
# shell (busybox in the broker container, any locale) cannot ask Unicode which characters are
# letters, so this accepts a subset of stand ids, checked byte-wise (LC_ALL=C) on the UTF-8:
# ASCII letters, digits, '_' and '-'; the Latin letters U+00C0-U+024F (Danish æ ø å, and
# é ü ß ł ...) but × and ÷; Greek U+0391-U+03A9 and U+03B1-U+03C9 (not U+03A2); Cyrillic
# U+0401, U+0410-U+044F and U+0451. Everything else (spaces, no-break or zero-width spaces,
# combining accents as in a decomposed å, emoji, other scripts) is refused. The length counts
# characters, not bytes. crates/standhub/tests/broker_acl.rs checks that every name accepted
# here is a valid stand id.
c3=$(printf '\303'); c9=$(printf '\311'); ce=$(printf '\316')
cf=$(printf '\317'); d0=$(printf '\320'); d1=$(printf '\321')
lo=$(printf '\200'); x8f=$(printf '\217'); x91=$(printf '\221'); x81=$(printf '\201')
x89=$(printf '\211'); x90=$(printf '\220'); xa1=$(printf '\241'); xa3=$(printf '\243')
xa9=$(printf '\251'); xb1=$(printf '\261'); hi=$(printf '\277')
x96=$(printf '\226'); x98=$(printf '\230'); xb6=$(printf '\266'); xb8=$(printf '\270')
latin="$c3[$lo-$x96$x98-$xb6$xb8-$hi]|[$(printf '\304')-$(printf '\310')][$lo-$hi]|$c9[$lo-$x8f]"
greek="$ce[$x91-$xa1$xa3-$xa9$xb1-$hi]|$cf[$lo-$x89]"
cyrillic="$d0[$x81$x90-$hi]|$d1[$lo-$x8f$x91]"
# valid_name NAME: succeeds when NAME is allowed, else says why on stderr.
valid_name() {
    chars=$(printf '%s' "$1" | LC_ALL=C tr -d '\200-\277' | wc -c | tr -d ' ')
    lines=$(printf '%s\n' "$1" | wc -l | tr -d ' ')
    if [ "$lines" -ne 1 ] || [ "$chars" -lt 1 ] || [ "$chars" -gt 64 ] \
        || ! printf '%s\n' "$1" | LC_ALL=C grep -Eq "^([A-Za-z0-9_-]|$latin|$greek|$cyrillic)*\$"; then
        echo "error: '$1' is not a valid name: use 1-64 letters, digits, _ or -" >&2
        return 1
    fi
}

if $check; then
    [ $# -gt 0 ] || usage
    all=0
    for n in "$@"; do
        if valid_name "$n"; then printf '%s\n' "$n"; else all=2; fi
    done
    exit "$all"
fi
valid_name "$name" || exit 2

if ! command -v mosquitto_passwd >/dev/null 2>&1; then
    echo "error: mosquitto_passwd not found: install Mosquitto (Debian: apt-get install mosquitto)" >&2
    echo "       or run this script in the broker container (see mosquitto/README.md)" >&2
    exit 1
fi

umask 077
if [ ! -e "$file" ]; then
    : > "$file"
    echo "created $file"
fi

if $delete; then
    mosquitto_passwd -D "$file" "$name"
    echo "deleted user '$name' from $file"
else
    if [ -t 0 ]; then
        stty -echo
        trap 'stty echo' EXIT INT TERM
        printf 'Password for %s: ' "$name" >&2
        IFS= read -r password
        printf '\nRepeat it: ' >&2
        IFS= read -r again
        printf '\n' >&2
        stty echo
        trap - EXIT INT TERM
        if [ "$password" != "$again" ]; then
            echo "error: the passwords do not match" >&2
            exit 1
        fi
    else
        IFS= read -r password || true
    fi
    if [ -z "$password" ]; then
        echo "error: empty password" >&2
        exit 1
    fi
    # mosquitto_passwd reads the password twice from stdin when it is not a terminal.
    printf '%s\n%s\n' "$password" "$password" | mosquitto_passwd "$file" "$name" >/dev/null
    echo "user '$name' set in $file"
fi

# Mosquitto 2 reads the file as its own user, and warns about files others can read.
chmod 600 "$file" 2>/dev/null || true
if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
    chown mosquitto:mosquitto "$file" 2>/dev/null || true
fi

# Inside the broker container, mosquitto/start.sh runs the broker and writes its pid to
# MOSQUITTO_PID_FILE (/tmp/mosquitto.pid): tell it to re-read the file.
if $reload; then
    pid=$(cat "${MOSQUITTO_PID_FILE:-/tmp/mosquitto.pid}" 2>/dev/null || true)
    if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = mosquitto ] \
        && kill -HUP "$pid" 2>/dev/null; then
        echo "broker reloaded"
    else
        echo "reload a running broker to apply: docker-compose kill -s HUP mosquitto" \
            "(native: kill -HUP <mosquitto pid>)"
    fi
fi
