# What every page shares: the header, the menu, the footer, times, roles, states, and the
# titles of error pages. A translator edits the text right of "="; "{ $name }" is filled in
# by the program and must stay as it is. Lines starting with # are notes for translators.

site-name = Stand hub
nav-dashboard = Dashboard
nav-results = Results
nav-quarantine = Quarantine
nav-api = API
nav-stands = Stands
nav-users = Users
nav-jobs = Jobs
nav-raw-messages = Raw messages
nav-account = Account
nav-log-out = Log out
# The zone's name, e.g. Europe/Copenhagen.
footer-time-zone = Times are shown in { $zone }.

time-never = never
role-admin = admin
role-operator = operator
role-viewer = viewer

# Error pages: the title is the status, the text says what went wrong.
error-page-back = Back to the dashboard
http-400 = Bad request
http-401 = Not logged in
http-403 = Forbidden
http-404 = Not found
http-405 = Method not allowed
http-409 = Conflict
http-413 = Too large
http-415 = Unsupported media type
http-422 = Refused
http-429 = Too many requests
http-500 = Internal server error
http-502 = Bad gateway
http-503 = Service unavailable
http-504 = Gateway timeout
http-other = Error { $code }

# The login page.
login-title = Log in
login-username = User name
login-password = Password
login-submit = Log in

# The account page. A language's name is written in that language, in both files.
language-name-da = Dansk
language-name-en = English
account-title = Your account
account-who = You are logged in as { $name } ({ $role }).
account-language = Language
account-language-legend = Show the pages in
account-language-browser = the browser's language
account-language-save = Save language
account-language-saved = Language saved.
account-language-unknown = there is no language "{ $code }" here; choose da or en, or nothing for the browser's
account-password = Password
account-password-current = Current password
account-password-new = New password (at least { $min } characters)
account-password-repeat = New password again
account-password-save = Change password
account-password-changed = Password changed. Your other logins and your API tokens have ended.
account-password-mismatch = the two new passwords differ; type the same one twice
account-password-wrong = the current password is wrong
account-password-needs-session = change your password from a login session (the account page), not with an API token
password-too-short = the password must have at least { $min } characters
