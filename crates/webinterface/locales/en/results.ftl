# Results: the list with its filters, one result's page, its verdict and plots, downloads.
# A translator edits the text right of "="; "{ $name }" is filled in by the program and must
# stay as it is. The API answers the error messages in English, with the key as their "code".

# The list.
results-found = { $n } found
results-new = New results have arrived since this page was loaded.
results-show-new = Show them
results-any = any
results-user = User
results-user-hint = who started or sent it
results-from = From
results-to = To
results-not-kept = not kept
results-verdict = Verdict
results-filter = Filter
results-clear = clear
results-none-match = No results match.
# "By" of a result whose run was started by one user and sent by another name.
result-by-sent-by = { $user } (sent by { $sender })
results-newer = ← newer
results-older = older →
results-page = page { $page }
result-deleted = Result { $id } was deleted.
# A result without a verdict (its run had no template, or the template no limits).
result-verdict-none = none

# One result.
result-title = Result { $id }
result-kept-forever = kept forever
result-template = Test template
result-requested-by = Requested by
result-requested-at = Requested at
result-sent-by = Sent by
result-status-code = Status code
result-commands = Commands
result-sample-rate = Sample rate
result-rate-hz = { $rate } Hz
result-rate-none = not given (axes in samples)
# $by is a user name, $at a time.
result-run-cancelled = { $run } — cancelled by { $by } at { $at }; this result arrived after the cancel
result-run-unsolicited = — (unsolicited)
result-now-kept = This result is kept forever.
result-no-longer-kept = This result is no longer kept forever.
result-download-csv = Download CSV
result-download-csv-classic = CSV, classic layout
result-download-csv-classic-title = Test date, sender and commands, then the parameters, then the series, as the old stack wrote it
result-download-xlsx = Download Excel (.xlsx)
result-download-xlsx-classic = Excel, classic layout
result-download-xlsx-classic-title = Sheets Data (test date and sender, then the series), chart and Parameters, as the old stack wrote them
result-keep = Keep forever
result-stop-keeping = Stop keeping forever
result-delete = Delete
result-delete-confirm = Delete result { $id } and all its series?
result-verdict-pending-hint = Being measured against the test's limits; reload in a few seconds.
result-measurement = Measurement
result-limits = Limits
result-outcome = Outcome
result-no-parameters = No parameters.
result-series-pages = Pages of series
result-series-range = Series { $from }–{ $to } of { $total }
result-series-previous = Previous series
result-series-next = Next series
result-series-points = { $n } points
result-raw-values = { $n } values, not all numbers: shown as received

# The plots (drawn in the browser).
result-plot-against-label = Plot against
result-plot-index = sample index / time
result-plot-against-hint = Pick a series as the x axis to plot the others against it (x–y).
result-plot-loading = Loading the plot…
result-plot-spectrum-of = Power spectrum of { $name }
result-plot-hint = Drag across a plot to zoom in, double-click to zoom out; hover for values. Plots are drawn from a reduced set of points that keeps every minimum and maximum; downloads have every point.
result-plot-time = time (s)
result-plot-sample = sample
result-plot-value = value
result-plot-frequency-hz = frequency (Hz)
result-plot-frequency-cycles = frequency (cycles/sample)
result-plot-power = power (dB)
# $y and $x are series names.
result-plot-against = { $y } against { $x }
result-plot-zoomed = (zoomed: double-click to zoom out)
result-plot-failed = The plot could not be loaded: { $error }

# Errors.
result-not-found = no result { $id }
result-bad-id = no result "{ $id }"
result-series-not-found = result { $id } has no numeric series { $position }
result-bad-sample-index = { $name }="{ $value }" is not a sample index
result-bad-position = { $name } must be a series position
result-xlsx-too-long = series "{ $name }" has { $count } values, more than an Excel sheet holds ({ $max }); download the CSV
result-xlsx-too-many-series = { $count } series, more than an Excel sheet has columns ({ $max }); download the CSV
result-xlsx-too-many-parameters = { $count } parameters, more than an Excel sheet has columns ({ $max }); download the CSV
result-old-not-imported = result { $old } of the old stack was not imported here, so it has no page. An administrator can bring the old results over with `webinterface import-django`; results stored since are listed under Results.
# The list's filters: $name is the field (from, to, page, per_page), $value as given.
results-filter-bad-time = { $name }="{ $value }" is not a date (YYYY-MM-DD) or an RFC 3339 time
results-filter-bad-number = { $name }="{ $value }" must be a whole number from { $min } to { $max }
# $reason is one of the stand-id-… texts.
results-filter-bad-stand = stand="{ $value }": { $reason }
results-filter-user-too-long = user= is longer than 150 characters
results-filter-from-after-to = from= must be before to=
results-filter-bad-kept = kept="{ $value }" must be true or false
results-filter-bad-verdict = verdict="{ $value }" must be pass, fail, error, pending or none
