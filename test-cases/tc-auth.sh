#!/usr/bin/env bash
# tc-auth: the login rate limit through nginx keys on the real client, not on nginx.
#
# Parameters (environment variables, or flags: --web-port 81):
#   HOST (127.0.0.1)  WEB_PORT (81, nginx)  API_TOKEN (an admin's token from
#   `webinterface createtoken USER`; makes two users for the cases, which are skipped without it)
#   FLOOD_ADDR (127.0.0.3) and OTHER_ADDR (127.0.0.2): two local source addresses of this
#   machine (curl --interface) for two clients; the flooding one is locked out for 15 minutes,
#   so it is not the address other cases use. The cases are skipped when they cannot be used.
#   SHARED_CLIENT (0; flag --shared-client 1): 1 when both source addresses reach the web
#   interface as one shared client (its SHARED_CLIENTS), e.g. through Docker's port proxy under
#   docker-compose, where every client on the Docker host comes from the network's gateway.
#   Failures from a shared client count per address and user name, so the cases check that the
#   flooded name stays refused there and that the host is not locked out as a whole.
# Needs curl.

source "$(dirname "$0")/lib.sh"
tc_init "$@"
FLOOD_ADDR=${FLOOD_ADDR:-127.0.0.3}
OTHER_ADDR=${OTHER_ADDR:-127.0.0.2}
SHARED_CLIENT=${SHARED_CLIENT:-0}
case $SHARED_CLIENT in
    0 | 1) ;;
    *) echo "SHARED_CLIENT must be 0 or 1, not $SHARED_CLIENT" >&2; exit 255 ;;
esac
tc_workdir

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
    tc_login "$WORK/jar.$n" "$BASE" "$user" "$password" --interface "$addr" "$@"
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
VICTIM_PASSWORD="x-$RANDOM$RANDOM$RANDOM"
OTHER_PASSWORD="other-$RANDOM$RANDOM"
for u in "$VICTIM:$VICTIM_PASSWORD" "$OTHER:$OTHER_PASSWORD"; do
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

if [ "$SHARED_CLIENT" = 1 ]; then
    # 40 guesses at 40 names from the shared client: each name counts on its own there, so the
    # address passes its limit of 30 and a new name is still checked (401), not refused.
    parallel 40 "$FLOOD_ADDR" "${TC_TAG}n" each
    bad=$(tally 401) limited=$(tally 429) busy=$(tally 503)
    total=$((first + bad))
    # Guesses that got 503 were not counted: one at a time until the address is past 30.
    for i in $(seq 60); do
        { [ "$limited" != 0 ] || [ "$total" -gt 30 ]; } && break
        case $(login "s$i" "$FLOOD_ADDR" "${TC_TAG}s$i" wrong) in
            401) total=$((total + 1)) ;;
            429) limited=$((limited + 1)); break ;;
        esac
    done
    c=$(login n1 "$FLOOD_ADDR" "${TC_TAG}fresh" wrong)
    if [ "$limited" = 0 ] && [ "$total" -gt 30 ] && [ "$c" = 401 ]; then
        pass "the host is NOT locked out as a whole: $total failed logins from $FLOOD_ADDR (a shared client), more than the per-address limit of 30, and a new name is still checked (401, not 429)"
    else fail "shared client: $total failures recorded from $FLOOD_ADDR ($busy busy), $limited refused with 429 (expected none), a new name then got HTTP $c (expected 401): $(tr '\n' ' ' <"$WORK/statuses")"; fi

    # The flooded name stays refused from the flooding address, right password and forged
    # client headers or not.
    c=$(login f1 "$FLOOD_ADDR" "$VICTIM" "$VICTIM_PASSWORD")
    f=$(login f2 "$FLOOD_ADDR" "$VICTIM" "$VICTIM_PASSWORD" -H 'X-Real-IP: 10.1.2.3' -H 'X-Forwarded-For: 10.1.2.3')
    if [ "$c" = 429 ] && [ "$f" = 429 ]; then pass "the flooded name $VICTIM stays refused from $FLOOD_ADDR, forged X-Real-IP/X-Forwarded-For or not"
    else fail "the flooded name $VICTIM from $FLOOD_ADDR: HTTP $c, with forged client headers HTTP $f (expected 429 both)"; fi
else
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
fi

# Another client (another address, nginx in between for both) still logs in; with a shared
# client, another user from the other address (the same client to the web interface).
who="another client ($OTHER_ADDR)"
[ "$SHARED_CLIENT" = 1 ] && who="another user ($OTHER) from $OTHER_ADDR (the same shared client)"
c=$(login o1 "$OTHER_ADDR" "$OTHER" "$OTHER_PASSWORD")
if [ "$c" = 303 ]; then pass "$who still logs in through nginx"
else fail "$who cannot log in through nginx: HTTP $c (expected 303)"; fi

tc_finish
