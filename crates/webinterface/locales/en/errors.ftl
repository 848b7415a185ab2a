# Error messages. The API answers them in English with the key (left of "=") as the error's
# stable "code"; pages show them in the reader's language.

error-unauthorized = authentication required: log in or send Authorization: Bearer <token>
# $have and $need are role names (role-admin, role-operator, role-viewer).
error-forbidden = your role ({ $have }) may not do this; it needs { $need }
error-csrf = CSRF token missing or wrong: reload the page and try again
error-method-not-allowed = { $method } is not a method this path takes; the Allow header lists those it takes (the API is described at /docs/api)
error-too-many-logins = too many failed logins for this name from here; wait { $minutes } min and try again
error-busy = the server is busy checking other logins; try again in a few seconds
error-internal = internal error
login-wrong-password = Wrong user name or password.

stand-exists = a stand { $id } exists already
stand-not-found = no stand { $id }
stand-bad-duration = the maximum test duration must be at least 1 second
user-exists = a user named "{ $name }" already exists
user-bad-name = user name "{ $name }" is not valid: use 1-150 characters of letters, digits and _ . @ + -
user-not-found = no user "{ $name }"
page-not-found = there is no page { $path } here; the dashboard links to every page
