#!/usr/bin/env bash
# tc-auth: the login rate limit through nginx keys on the real client, not on nginx.
#
# Parameters (environment variables, or flags: --web-port 81):
#   HOST (127.0.0.1)  WEB_PORT (81, nginx)  API_TOKEN (an admin's token from
#   `webinterface createtoken USER`; makes two users for the cases, which are skipped without it)
#   FLOOD_ADDR (127.0.0.3) and OTHER_ADDR (127.0.0.2): two local source addresses of this
#   machine (curl --interface) for two clients; the flooding one is locked out for 15 minutes,
#   so it is not the address other cases use. The cases are skipped when they cannot be used.
# Needs curl.

source "$(dirname "$0")/lib.sh"
tc_parse_flags "$@"
HOST=${HOST:-127.0.0.1}
WEB_PORT=${WEB_PORT:-81}
FLOOD_ADDR=${FLOOD_ADDR:-127.0.0.3}
OTHER_ADDR=${OTHER_ADDR:-127.0.0.2}
BASE="http://$HOST:$WEB_PORT"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ -z "${API_TOKEN:-}" ]; then
    skip "login limit through nginx: no API_TOKEN to make the test users"
    tc_finish
fi
for a in "$FLOOD_ADDR" "$OTHER_ADDR"; do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 --interface "$a" "$BASE/login")" != 200 ]; then
        skip "login limit through nginx: cannot reach $BASE/login from source address $a"
        tc_finish
    fi
done

# login N ADDR USER PASSWORD [curl args]: one login from source ADDR with its own cookie jar
# (the form's CSRF cookie); prints the status.
login() {
    local n=$1 addr=$2 user=$3 password=$4
    shift 4
    local jar="$WORK/jar.$n" csrf
    csrf=$(curl -s --max-time 20 --interface "$addr" -c "$jar" "$BASE/login" \
        | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -n 1)
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 --interface "$addr" -b "$jar" "$@" \
        --data-urlencode "csrf=$csrf" --data-urlencode "username=$user" \
        --data-urlencode "password=$password" "$BASE/login"
}

# parallel COUNT ADDR USER_PREFIX SAME: COUNT wrong-password logins at once, one status a line
# in $WORK/statuses (USER_PREFIX alone when SAME=same, else USER_PREFIX<i>).
parallel() {
    local count=$1 addr=$2 prefix=$3 same=$4 i user
    rm -f "$WORK"/status.*
    for i in $(seq "$count"); do
        user=$prefix
        [ "$same" = same ] || user="$prefix$i"
        login "p$i" "$addr" "$user" "wrong password $i" >"$WORK/status.$i" &
    done
    wait
    cat "$WORK"/status.* >"$WORK/statuses"
}
tally() { grep -cx "$1" "$WORK/statuses"; }

VICTIM="${TC_TAG}v"
OTHER="${TC_TAG}o"
OTHER_PASSWORD="other-$RANDOM$RANDOM"
for u in "$VICTIM:x-$RANDOM$RANDOM$RANDOM" "$OTHER:$OTHER_PASSWORD"; do
    c=$(curl -s -o "$WORK/body" -w '%{http_code}' --max-time 15 -H "Authorization: Bearer $API_TOKEN" \
        -H 'Content-Type: application/json' \
        -d "{\"username\":\"${u%%:*}\",\"role\":\"viewer\",\"password\":\"${u#*:}\"}" "$BASE/api/users")
    [ "$c" = 201 ] || { fail "making user ${u%%:*}: HTTP $c $(cat "$WORK/body")"; tc_finish; }
done

# 40 guesses at one user at once: at most 5 are checked (401), the rest refused (429; or 503
# when the machine cannot check a password within 2 s, which is not counted either).
parallel 40 "$FLOOD_ADDR" "$VICTIM" same
bad=$(tally 401) limited=$(($(tally 429) + $(tally 503)))
if [ "$bad" -ge 1 ] && [ "$bad" -le 5 ] && [ $((bad + limited)) = 40 ]; then
    pass "40 parallel bad logins for one user through nginx: $bad checked, $limited refused"
else fail "40 parallel bad logins for one user: $bad checked (at most 5), $limited refused: $(tr '\n' ' ' <"$WORK/statuses")"; fi
first=$bad

# 40 guesses at 40 names from one client: the per-address limit (30) holds.
parallel 40 "$FLOOD_ADDR" "${TC_TAG}n" each
bad=$(tally 401) limited=$(($(tally 429) + $(tally 503)))
if [ $((first + bad)) -le 30 ] && [ $((bad + limited)) = 40 ]; then
    pass "40 parallel bad logins for 40 names from $FLOOD_ADDR: $((first + bad)) failures recorded for the address"
else fail "40 parallel bad logins for 40 names: $bad checked (at most $((30 - first))), $limited refused: $(tr '\n' ' ' <"$WORK/statuses")"; fi
# Guesses that got 503 were not counted: one at a time until the address is refused.
for i in $(seq 40); do
    [ "$(login "s$i" "$FLOOD_ADDR" "${TC_TAG}s$i" wrong)" = 429 ] && break
done

# The flooding client is locked out, even with the right password and a forged client header.
c=$(login f1 "$FLOOD_ADDR" "$OTHER" "$OTHER_PASSWORD" -H 'X-Real-IP: 10.1.2.3' -H 'X-Forwarded-For: 10.1.2.3')
if [ "$c" = 429 ]; then pass "the flooding client is locked out, forged X-Real-IP/X-Forwarded-For or not"
else fail "the flooding client with forged client headers: HTTP $c (expected 429)"; fi

# Another client (another address, nginx in between for both) still logs in.
c=$(login o1 "$OTHER_ADDR" "$OTHER" "$OTHER_PASSWORD")
if [ "$c" = 303 ]; then pass "another client ($OTHER_ADDR) still logs in through nginx"
else fail "another client ($OTHER_ADDR) cannot log in through nginx: HTTP $c (expected 303)"; fi

tc_finish
