# The admin pages: stands, a stand's MQTT account, users and API tokens, the scheduler's job
# runs and the raw message tool. A translator edits the text right of "="; "{ $name }" is
# filled in by the program and must stay as it is. Lines starting with # are notes.

## The scheduler's job runs (/admin/jobs). These are the scheduler's own jobs, not test runs.
jobs-title = Scheduler job runs
# $n: how many job runs the table lists.
jobs-intro = The latest { $n } job runs of the scheduler (retention, run time-out, offline
    detection, pruning), newest first. These are the scheduler's own jobs, not test runs on a stand.
    A failed job run is tried again at the job's next tick.
jobs-col-job = Job
jobs-col-started = Started
jobs-col-took = Took
jobs-col-outcome = Outcome
jobs-col-rows = Rows
jobs-col-instance = Instance
jobs-col-error = Error
# A duration in milliseconds.
jobs-took-ms = { $ms } ms
jobs-outcome-running = running
jobs-outcome-ok = ok
jobs-outcome-failed = failed
jobs-none = No job has run yet: is the scheduler running?

## Shared by the admin pages.
admin-edit = Edit
admin-add = Add
admin-save = Save
admin-saved = Saved.

## Stands (/admin/stands, /admin/stands/{id}).
admin-stands-col-id = Id
admin-stands-col-name = Name
admin-stands-col-camera = Camera
admin-stands-col-max-duration = Max duration
admin-stands-col-topics = Topics
# A duration in seconds.
admin-stands-seconds = { $n } s
admin-stands-add = Add a stand
admin-stands-new-id = Id (letters, digits, _ or -, e.g. prøvestand_3)
# The topic layouts a stand is answered on until it is heard.
admin-topics-label = Topics (until the stand is heard; then it is answered as it wrote)
admin-topics-standard = standard
admin-topics-legacy = old stack
admin-topics-guide = module guide
# $label: one of admin-topics-standard, -legacy, -guide; $topic: an MQTT topic.
admin-topics-choice = { $label }: commands on { $topic }
admin-stand-title = Edit { $id }
admin-stand-heading = Stand { $id }
admin-stand-send-raw = Send a raw message
admin-stand-send-raw-hint = to this stand's outbound topic (firmware bring-up).
admin-stand-description = Description
admin-stand-camera-url = Camera URL (MJPEG; empty for none)
admin-stand-max-seconds = Max test duration (seconds)
admin-stand-mqtt-account = MQTT account
# Followed by the stand's user name, then admin-stand-account-since in brackets.
admin-stand-account-user = The stand logs in to the broker as user
admin-stand-account-since = password set { $since }
admin-stand-account-may = It may publish only to its own inbound topics and read only its outbound ones.
# Followed by the stand's user name, then admin-stand-account-none-end.
admin-stand-account-none = No account yet: the stand cannot log in to the broker. Make one and give the stand its user name
admin-stand-account-none-end = and password.
admin-stand-account-new-password = New password
admin-stand-account-make = Make the account
admin-stand-account-delete = Delete the account
# Followed by a command (mosquitto/add-user.sh <id>), then admin-stand-account-elsewhere-end.
admin-stand-account-elsewhere = The broker keeps its own accounts: on its host,
admin-stand-account-elsewhere-end = makes the stand's (docker-compose). The user name is the stand id; the account may publish only to the stand's inbound topics and read only its outbound ones.
admin-stand-bad-topics = topics must be standard, legacy or guide, not "{ $value }"
admin-stand-id-fixed = a stand's id cannot be changed
admin-stand-id-missing = give the stand's id
admin-stand-name-empty = the name cannot be empty
admin-stand-id-empty = stand id is empty
admin-stand-id-too-long = stand id is { $n } characters long; at most 64 are allowed
admin-stand-id-bad-character = stand id "{ $id }" may only contain letters, digits, '_' and '-'
# $reason: one of the admin-camera-url-… messages.
admin-camera-url-bad = invalid camera URL "{ $url }": { $reason }
admin-camera-url-scheme = only http:// and https:// cameras are supported
admin-camera-url-no-host = the URL has no host
# $reason: the URL reader's own words (English).
admin-camera-url-parser = { $reason }

## A stand's MQTT account, made or deleted (shown once).
admin-account-title = MQTT account of { $id }
admin-account-heading = MQTT account of stand { $id }
admin-account-logs-in-with = The stand logs in to the broker with:
admin-account-user = User
admin-account-password = Password
admin-account-shown-once = It is shown only this once.
admin-account-old-password-ends = The stand's previous password, if it had one, no longer works (within 2 seconds). It may publish only to its own inbound topics and read only its outbound ones.
admin-account-deleted = The account is deleted: the stand can no longer log in to the broker (within 2 seconds).
admin-account-back = Back to the stand
admin-account-elsewhere = this broker keeps its own accounts: make the stand's with `mosquitto/add-user.sh { $id }` on the broker's host
admin-account-unknown-action = unknown action "{ $action }": use new or remove

## Users and API tokens (/admin/users).
admin-users-col-user = User
admin-users-col-role-status = Role and status
admin-users-col-role = Role
admin-users-col-password = Password
admin-users-col-last-login = Last login
admin-users-role-of = Role of { $name }
admin-users-active = active
admin-users-new-password-for = New password for { $name }
admin-users-set-password = Set
admin-users-add = Add a user
admin-users-username = User name
admin-users-email = E-mail
admin-tokens-title = API tokens
admin-tokens-for-user = For user
admin-tokens-label = Label
admin-tokens-expires-in = Expires in
# "never" is a word the field takes as it is: keep it in English.
admin-tokens-expires-in-hint = e.g. 90d, 12h, 30m, or never
admin-tokens-make = Make a token
admin-tokens-col-made = Made
admin-tokens-col-expires = Expires
admin-tokens-col-last-used = Last used
admin-tokens-expired = expired { $at }
admin-tokens-revoked = revoked
admin-tokens-revoke = Revoke
admin-token-new = New token (shown once, copy it now):
admin-token-revoked = Token revoked.
admin-token-not-found = no token { $id }
# $role: a role's name (role-admin, role-operator, role-viewer).
admin-user-added = User { $name } added as { $role }.
admin-user-password-set = Password of { $name } changed.
admin-user-not-yourself = you cannot remove your own admin role or deactivate yourself
admin-user-id-not-found = no user { $id }
admin-user-unknown-role = unknown role "{ $role }"; use admin, operator or viewer

## The raw message tool (/admin/raw-messages). The protocol's field names (protocolVersion,
## sentBy, msgType, statusCode, commandList, parameterObj, dataObj) stay as they are.
raw-title = Send a raw message
raw-intro = For bringing up stand firmware: a message of the protocol with every field as you set it, published at QoS 2 to one of a stand's outbound topics (where commands go; inbound topics, wildcards and other topics are refused). The message is checked against the protocol schema first, and recorded with your name. It is not a test run: start tests from the stand's page.
raw-stand-by-topic = — by the topic below —
raw-stand-option = { $id } (commands on { $topic })
raw-topic = Topic (empty: the stand's outbound topic)
raw-status-code-hint = (three digits, 100–699)
raw-json-array = (JSON array)
raw-json-object = (JSON object)
raw-send = Send
raw-sent-lately = Sent lately
raw-col-sent = Sent
raw-col-by = By
raw-col-topic = Topic
raw-col-payload = Payload
raw-col-outcome = Outcome
raw-outcome-pending = pending
raw-outcome-sent = sent
raw-outcome-failed = failed
raw-none = No raw message has been sent yet.
raw-sent = Sent to { $topic } (message { $id }): the broker confirmed it.
raw-nothing-sent-see-fields = Nothing was sent: see the fields marked below ({ $n }).
# The API's answer: $problems lists raw-field-problem messages joined by raw-problems-joined.
raw-nothing-sent = nothing was sent: { $problems }
raw-field-problem = { $field }: { $problem }
raw-problems-joined = { $first }; { $second }
raw-no-problem = no problem named
raw-no-such-stand = there is no stand { $id }
# $problem: why the text is not a stand id (admin-stand-id-…).
raw-not-a-stand-id = not a stand id: { $problem }
raw-choose-stand = choose a stand, or give one of its outbound topics
raw-topic-not-outbound = "{ $topic }" is not a stand's outbound topic: raw messages go only where commands go (such as rig1/outbound or Testdevice/rig1/Outbound); inbound topics, wildcards (+, #), $SYS/… and other topics are refused
raw-topic-other-stand = "{ $topic }" is stand { $owner }'s outbound topic, not stand { $stand }'s
raw-topic-no-stand = "{ $topic }" would be stand { $owner }'s outbound topic, but there is no stand { $owner }
# $detail: the protocol schema checker's own words (English).
raw-schema-problem = { $detail }
raw-status-code-bad = statusCode "{ $value }" is not a three-digit code from 100 to 699: a three-digit code from 100 to 699
raw-too-large = { $bytes } bytes, more than the { $max } sent at most
# $detail: the JSON reader's own words (English).
raw-not-json = not JSON: { $detail }
# $reason: the broker client's own words (English).
raw-not-confirmed = { $reason }; recorded as failed

## Why a command or raw message was not confirmed by the MQTT broker. $reason and $code are
## the MQTT client's own words (English).
publish-unreachable = the MQTT broker at { $url } cannot be reached: { $reason }
publish-refused = the MQTT broker at { $url } refused the connection: { $code }
publish-timed-out = the MQTT broker at { $url } did not confirm the message within { $seconds } s
