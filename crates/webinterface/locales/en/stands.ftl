# A stand as the dashboard, the stand page and live updates show it.

state-offline = offline
state-off = off
state-busy = busy
state-error = error
state-ready = ready
state-unknown = unknown
verdict-pass = pass
verdict-fail = fail
verdict-error = error
verdict-pending = pending
yes = yes
no = no

col-stand = Stand
col-state = State
col-last-status = Last status
col-power = Power
col-last-seen = Last seen
col-run = Run
col-last-verdict = Last verdict
col-code = Code
col-meaning = Meaning
col-received = Received
col-result = Result
col-points = Points
col-kept = Kept

# A status: its code and what it means, e.g. "202 Accepted, still working".
status-with-meaning = { $code } { $meaning }
status-200 = OK, received and accepted; stand is free
status-202 = Accepted, still working
status-400 = Bad request: the message did not follow the protocol
status-404 = Not found: component not available
status-405 = Method not allowed: command not allowed or not understood
status-500 = Internal error on the stand
status-600 = Power on
status-610 = Power off (shutting down)
status-1xx = Information
status-2xx = Success
status-3xx = Redirection
status-4xx = Client error
status-5xx = Server error on the stand
status-power = Power
power-on = { $code } on
power-off = { $code } off

stand-no-results = No results yet.
start-hint-state = The stand is
start-hint-busy = a test cannot start until it is ready. A run that waits for a stand that does not answer can be cancelled under Recent runs.
start-hint-off = a test cannot start until it is ready.
start-hint-unsure = it may still take a test; you will be asked to confirm.

live-too-many-streams = you already have { $max } live update streams open (one per open page); close some pages and reload

# The dashboard.
dashboard-title = Stands
# Followed by the topic stands publish on ({stand}/inbound).
dashboard-no-stands = No stands yet. They appear here when they first publish on
# Followed by a link "add one" (admins only).
dashboard-no-stands-or = , or
dashboard-add-stand = add one
# The live badge of the dashboard and the stand page.
live-connecting = connecting…
live-on = live
live-off = reconnecting…

# A stand's page.
stand-max-duration = Max test duration
# A duration in seconds.
stand-seconds = { $s } s
stand-commands-go-to = Commands go to
stand-camera = Camera
stand-camera-alt = Camera of { $name }
stand-start-title = Start a test
stand-field-required = required
stand-field-pattern = must match { $pattern }
# Followed by the template's commands.
stand-sends-commands = Sends the commands:
stand-keep-forever = Keep the result forever
stand-start-anyway = Start anyway
# A test template's version number.
stand-template-version = v{ $version }
stand-start-template = Start “{ $name }”
stand-free-form = Free-form test
stand-free-form-note = (admins only: parameters and commands as typed)
stand-commands-label = Commands, one per line
stand-start-button = Start test
# $role is a role's name (role-operator, role-viewer, …).
stand-watch-only = Your role ({ $role }) may watch but not start tests.
stand-recent-runs = Recent runs
stand-no-runs = No runs yet.
stand-recent-results = Recent results
stand-all-results = all results of this stand →
stand-status-history = Status history

# A stand id that is not one.
stand-bad-id = no stand "{ $id }"
stand-id-empty = stand id is empty
stand-id-too-long = stand id is { $chars } characters long; at most 64 are allowed
stand-id-bad-character = stand id "{ $id }" may only contain letters, digits, '_' and '-'
