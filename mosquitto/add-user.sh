#!/bin/sh
# Adds (or changes the password of) a Mosquitto user: a stand, named exactly like its stand id,
# or a service (messagehandler, webinterface, monitor). See mosquitto/README.md.
#
#   mosquitto/add-user.sh [-f PASSWD_FILE] [--delete] [--no-reload] NAME
#
# The password is asked for twice on a terminal; when stdin is not a terminal its first line is
# the password (printf '%s\n' "$PW" | add-user.sh NAME). It never appears on a command line.
# POSIX sh: runs on the host (needs mosquitto_passwd, Debian package "mosquitto") and in the
# eclipse-mosquitto container:
#   docker-compose exec mosquitto sh /mosquitto/config/add-user.sh NAME        (broker running)
#   docker-compose run --rm --no-deps mosquitto sh /mosquitto/config/add-user.sh NAME
set -eu

usage() {
    echo "usage: $0 [-f PASSWD_FILE] [--delete] [--no-reload] NAME" >&2
    echo "  NAME: a stand id or service user, 1-64 letters or digits (Unicode, e.g. ø), _ or -" >&2
    echo "  PASSWD_FILE: default \$MOSQUITTO_PASSWD_FILE, else 'passwd' next to this script" >&2
    exit 2
}

script_dir=$(cd "$(dirname "$0")" && pwd)
file=${MOSQUITTO_PASSWD_FILE:-$script_dir/passwd}
delete=false
reload=true
name=

while [ $# -gt 0 ]; do
    case $1 in
        -f) [ $# -ge 2 ] || usage; file=$2; shift 2 ;;
        --delete) delete=true; shift ;;
        --no-reload) reload=false; shift ;;
        -h|--help) usage ;;
        -*) echo "unknown option: $1" >&2; usage ;;
        *) [ -z "$name" ] || usage; name=$1; shift ;;
    esac
done
[ -n "$name" ] || usage

# The same rule as stand ids: the ACL substitutes the user name into topics, so it must not
# contain '/', '+' or '#'. Checked byte-wise (LC_ALL=C) so it works the same with any locale
# and with busybox: the ASCII characters must be letters, digits, '_' or '-', and non-ASCII
# (UTF-8) characters are taken as letters; the length counts characters, not bytes.
ascii_part=$(printf '%s' "$name" | LC_ALL=C tr -d '\200-\377')
chars=$(printf '%s' "$name" | LC_ALL=C tr -d '\200-\277' | wc -c | tr -d ' ')
if ! printf '%s\n' "$ascii_part" | LC_ALL=C grep -Eq '^[A-Za-z0-9_-]*$' \
    || [ "$chars" -lt 1 ] || [ "$chars" -gt 64 ]; then
    echo "error: '$name' is not a valid name: use 1-64 letters, digits, _ or -" >&2
    exit 2
fi

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

# Inside the broker container the broker is PID 1: tell it to re-read the file.
if $reload; then
    if [ "$(cat /proc/1/comm 2>/dev/null || true)" = mosquitto ] && kill -HUP 1 2>/dev/null; then
        echo "broker reloaded"
    else
        echo "reload a running broker to apply: docker-compose kill -s HUP mosquitto" \
            "(native: kill -HUP <mosquitto pid>)"
    fi
fi
