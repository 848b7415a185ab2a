# Logging in and API tokens: the refusals a script or a person gets. The API answers them
# in English; the key (left of "=") is the error's stable "code". A translator edits the
# text right of "="; "{ $name }" is filled in by the program and must stay as it is.

# $value: what was typed; $max: the most days. "never" is a word the field takes: keep it.
auth-token-bad-expiry = expiry "{ $value }" is not valid: use a number of days, hours or minutes such as 90d, 12h or 30m (at most { $max }d), or never
# $at: a time in UTC, e.g. 2026-11-30 18:13.
auth-token-cannot-make-lasting = the API token of this request expires at { $at } UTC, so it cannot make a token that never expires: give an expiry such as 90d (capped at that time), or make it from a login session or with `webinterface createtoken`
auth-token-expired = this API token expired at { $at } UTC; ask an admin for a new one (webinterface createtoken, or the users page)
auth-token-revoked = this API token was revoked; ask an admin for a new one
auth-token-inactive = the account of this API token is deactivated
auth-form-too-large = the form is too large
