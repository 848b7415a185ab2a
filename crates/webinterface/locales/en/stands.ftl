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
