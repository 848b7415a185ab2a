# Runs: starting a test on a stand, its states, the start form's parameters, cancelling.
# A translator edits the text right of "="; "{ $name }" is filled in by the program and must
# stay as it is. The API answers the error messages in English, with the key as their "code".

# A run's state.
run-state-sent = sent
run-state-running = running
run-state-completed = completed
run-state-failed = failed
run-state-timed-out = timed out
run-state-cancelled = cancelled

# The stand page's runs.
run-col-by = By
run-col-requested = Requested
run-col-note = Note
run-confirmed-unheard = started on confirmation (stand state unknown or quiet)
# $time is how long, e.g. "4 min 12 s" (run-waited-…).
run-waiting = waiting for the stand for { $time }
run-waited-s = { $s } s
run-waited-min-s = { $m } min { $s } s
run-waited-h-min = { $h } h { $m } min
run-cancel = Cancel run
run-started = Run { $run } was sent to the stand; the broker confirmed it.

# The start form's parameters.
param-title = Parameters
param-col-name = Name
param-col-value = Value
# $n is the row's number.
param-name-label = Parameter name { $n }
param-value-label = Parameter value { $n }
param-add = Add parameter
param-rule = A value is sent as a number only when it is written exactly as that number is written back (42, -3, 2.5), as true or false when it is exactly that word, and as text otherwise, so 007, 1.10 and 1e3 arrive as typed.

# Why a start was refused or needs confirmation. $state is a stand state's name (state-busy, …),
# $why one of the run-not-ready-… or run-ask-… texts.
run-stand-not-ready = stand { $stand } is { $state }: { $why }. A test cannot start now; nothing was sent.
run-not-ready-busy = it is busy with a test
run-not-ready-off = it is powered off
run-not-ready-offline = it is offline (nothing heard from it recently)
run-not-ready-error = it reported an error
run-not-ready = it is not ready
run-stand-unconfirmed = stand { $stand } is { $state }: { $why }. It may still take a test (protocol v1.1 stands need not report); send "confirm": true to start anyway; nothing was sent.
run-ask-start-anyway = Stand { $stand } is { $state }: { $why }. Protocol v1.1 stands need not report, so it may still take the test. Start it anyway?
run-ask-never-reported = it has never reported its state
run-ask-quiet = nothing has been heard from it recently
run-ask-error = its last report was an error
run-ask-not-ready = its state is not ready

# Errors of starting and cancelling.
run-parameters-not-object = parameters must be a JSON object of name/value pairs
run-needs-template = stand { $stand } is started through its test templates: send "template": <id> (GET /api/stands/{ $stand }/templates lists them); only admins may start a test without one. Nothing was sent.
run-template-sends-commands = a template sends its own commands: leave "commands" out
run-template-values-refused = Some values were refused: see the fields marked.
# $reason is the broker's error (English).
run-not-confirmed = { $reason }; run { $run } is marked failed
run-template-not-found = stand { $stand } has no test template { $id }
run-template-bad-id = no test template "{ $id }"
run-template-deleted = test template { $id } ({ $name }) was deleted; nothing was sent
run-template-edited = test template { $id } ({ $name } v{ $version }) was edited: start its version { $newer_version } (id { $newer }); nothing was sent
run-form-value-without-name = parameter row { $row } has a value but no name
run-form-parameter-twice = parameter "{ $name }" is given twice
run-not-found = no run { $id }
run-bad-id = no run "{ $id }"
# $state is a run state's name (run-state-…).
run-ended = run { $id } has ended already ({ $state }); only a run in progress can be cancelled
