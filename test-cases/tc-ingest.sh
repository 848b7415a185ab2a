#!/usr/bin/env bash
# tc-ingest: a stand's messages, published with mosquitto_pub, arrive in the API end to end
# (broker -> message handler -> database -> web interface -> nginx).
#
# Parameters (environment variables, or flags: --api-token ...):
#   HOST (127.0.0.1)  MQTT_PORT (8000)  WEB_PORT (81, nginx)
#   STAND_USER, STAND_PASSWORD   a stand's broker account; its user name is its stand id
#   API_TOKEN    a token from `webinterface createtoken USER`
#   WAIT_SECONDS (30)   how long to wait for a message to show up in the API
# The stand is registered on its first message (AUTO_REGISTER=true, the default).
# Needs mosquitto_pub (mosquitto-clients), curl and python3.

source "$(dirname "$0")/lib.sh"
tc_init "$@"
WAIT_SECONDS=${WAIT_SECONDS:-30}
: "${STAND_USER:?set STAND_USER (a stand id with a broker account)}"
: "${STAND_PASSWORD:?set STAND_PASSWORD}"
: "${API_TOKEN:?set API_TOKEN (webinterface createtoken USER)}"
STAND=$STAND_USER

publish() { # TOPIC PAYLOAD
    mosquitto_pub -h "$HOST" -p "$MQTT_PORT" -u "$STAND_USER" -P "$STAND_PASSWORD" \
        -i "$TC_TAG-pub" -q 2 -t "$1" -m "$2"
}
api() { curl -sf --max-time 10 -H "Authorization: Bearer $API_TOKEN" "$BASE$1"; }
# json_check PATH PYTHON-EXPRESSION: true when the expression over the response `d` holds.
json_check() {
    local body
    body=$(api "$1") || return 1
    python3 -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(0 if eval(sys.argv[2]) else 1)' "$body" "$2" 2>/dev/null
}
status_msg() { # CODE
    printf '{"protocolVersion":1.1,"sentBy":"%s","msgType":"status","statusCode":"%s"}' "$STAND" "$1"
}

# --- status over the current topic layout ---
if publish "$STAND/inbound" "$(status_msg 202)"; then pass "stand $STAND published status 202 on $STAND/inbound (QoS 2)"
else fail "publishing on $STAND/inbound"; fi
if wait_until "$WAIT_SECONDS" json_check "/api/stands/$STAND" 'str(d["status_code"]) == "202" and d["state"] == "busy"'; then
    pass "GET /api/stands/$STAND shows status 202, state busy"
else fail "GET /api/stands/$STAND after status 202: $(api "/api/stands/$STAND" | head -c 300)"; fi

# --- status over the legacy layout ---
if publish "Testdevice/$STAND/Inbound" "$(status_msg 200)"; then pass "status 200 published on the legacy topic Testdevice/$STAND/Inbound"
else fail "publishing on Testdevice/$STAND/Inbound"; fi
if wait_until "$WAIT_SECONDS" json_check "/api/stands/$STAND" 'str(d["status_code"]) == "200" and d["state"] == "ready"'; then
    pass "GET /api/stands/$STAND shows status 200, state ready"
else fail "GET /api/stands/$STAND after status 200: $(api "/api/stands/$STAND" | head -c 300)"; fi

if json_check "/api/stands/$STAND/status?limit=5" '[str(x["code"]) for x in d[:2]] == ["200", "202"]'; then
    pass "status history, newest first: 200, 202"
else fail "status history: $(api "/api/stands/$STAND/status?limit=5" | head -c 300)"; fi

if json_check /api/stands "any(s[\"id\"] == \"$STAND\" for s in d)"; then pass "the stand is listed by GET /api/stands"
else fail "GET /api/stands does not list $STAND"; fi

# --- a result ---
data=$(printf '{"protocolVersion":1.1,"sentBy":"%s","msgType":"data","statusCode":"200","commandList":["run"],"parameterObj":{"fs":1000,"tc_tag":"%s"},"dataObj":{"u":[1,2,3.5,-4e-3],"i":[0.25,0.5]}}' "$STAND" "$TC_TAG")
if publish "$STAND/inbound" "$data"; then pass "stand published a data message"
else fail "publishing a data message"; fi
newest_tagged() {
    json_check "/api/results?stand=$STAND&per_page=5" 'len(d["items"]) > 0' || return 1
    local id
    id=$(api "/api/results?stand=$STAND&per_page=5" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])') || return 1
    json_check "/api/results/$id" "d[\"parameters\"].get(\"tc_tag\") == \"$TC_TAG\"" || return 1
    echo "$id"
}
if wait_until "$WAIT_SECONDS" newest_tagged; then
    id=$(newest_tagged)
    pass "the result is listed by GET /api/results?stand=$STAND (id $id)"
    if json_check "/api/results/$id" 'd["series"] == {"u": [1, 2, 3.5, -0.004], "i": [0.25, 0.5]} and d["stand"] == "'"$STAND"'" and d["commands"] == ["run"]'; then
        pass "GET /api/results/$id has the series, stand and commands exactly as sent"
    else fail "GET /api/results/$id: $(api "/api/results/$id" | head -c 300)"; fi
    csv=$(curl -sf --max-time 10 -H "Authorization: Bearer $API_TOKEN" "$BASE/results/$id.csv")
    if [ "$(head -n 1 <<<"$csv" | tr -d '\r')" = "u,i" ] && [ "$(wc -l <<<"$csv")" -eq 5 ]; then
        pass "CSV download through nginx: header u,i and 4 rows"
    else fail "CSV download: $(head -c 200 <<<"$csv")"; fi
else
    fail "no result with tc_tag $TC_TAG in GET /api/results?stand=$STAND: $(api "/api/results?stand=$STAND&per_page=1" | head -c 300)"
fi

# --- a bad message ends in the quarantine ---
bad="not json $TC_TAG"
if publish "$STAND/inbound" "$bad"; then pass "stand published a message that is not JSON"
else fail "publishing a bad message"; fi
b64=$(printf '%s' "$bad" | base64 | tr -d '\n')
if wait_until "$WAIT_SECONDS" json_check "/api/quarantine?page=1" "any(x[\"payload_base64\"] == \"$b64\" and x[\"topic\"] == \"$STAND/inbound\" for x in d[\"items\"])"; then
    pass "the bad message is in GET /api/quarantine with its topic, reason and raw bytes"
else fail "the bad message is not in GET /api/quarantine: $(api "/api/quarantine?page=1" | head -c 300)"; fi

tc_finish
