# Test templates: the list on a stand's admin page, the template editor, importing, and the
# refusals of a template or of a start form's values. A translator edits the text right of
# "="; "{ $name }" is filled in by the program and must stay as it is.

## The list on a stand's admin page.
template-list-title = Test templates
template-list-hint = The tests this stand takes: operators start them from the stand page through their forms (admins may still send free-form tests). Editing a template makes a new version; runs keep the version they were started with.
template-list-none = No templates: everyone starts free-form tests.
template-col-name = Name
template-col-version = Version
template-col-parameters = Parameters
template-export = Export
template-delete = Delete
template-new = New template
template-import-label = Import a template's JSON (as “Export” gives it)
template-import = Import
# A parameter's type, as the editor's type list and the list of parameters show it.
template-kind-number = number
template-kind-integer = integer
template-kind-text = text
template-kind-choice = choice
template-kind-boolean = boolean
template-kinds-numeric = number and integer

## A template's refusals. $place names where, e.g. parameters[2] (duration).max: keep it.
template-place-problem = { $place }: { $problem }
# The words of a JSON reader, a regular expression or the verdict limits (English), as they are.
template-detail = { $detail }
template-name-length = give the test a name of 1-100 characters
template-description-length = at most 2000 characters
template-command-length = a command of 1-200 characters
template-too-many-parameters = at most 100 parameters
template-parameter-twice = a second parameter of this name
template-too-many-limits = at most 100 limits
template-parameter-name = 1-64 characters, no spaces around
# $kinds: template-kinds-numeric, template-kind-text or template-kind-choice; $key: unit, min, max, step, pattern or choices.
template-only-kinds = only { $kinds } fields have a { $key }
template-unit-length = at most 16 characters
template-integer-bound = an integer field's bound is a whole number
template-max-below-min = max { $max } is below min { $min }
template-step = a positive step (whole for an integer)
template-bad-pattern = not a regular expression: { $detail }
template-choice-empty = a choice needs at least one value
template-choice-kind = value { $i } is neither text nor a number
template-choice-twice = value { $value } twice
template-nul = text with a NUL character cannot be stored
template-not-json = not JSON: { $detail }
template-no-type = no type "{ $kind }"
template-not-a-number = "{ $value }" is not a number
template-invalid = the template is not valid: { $problem }
template-not-found = no test template { $id }
template-not-found-text = no test template "{ $id }"

## A value typed into a template's start form, refused (shown next to its field).
template-value-required = required
template-value-number = a number
template-value-whole-number = a whole number
# $bound: a number with its unit, e.g. 0.5 g.
template-value-at-least = at least { $bound }
template-value-at-most = at most { $bound }
template-value-steps = in steps of { $step }
template-value-text = text
template-value-text-length = at most { $n } characters
template-value-pattern = must match { $pattern }
template-value-pattern-unusable = the pattern is unusable: { $detail }
template-value-one-of = one of { $list }
template-value-boolean = true or false
template-value-no-such-parameter = the test "{ $test }" has no parameter "{ $name }"
# The API's answer: every refused field, joined.
template-values-refused = parameter values refused: { $problems }
template-field-problem = { $field }: { $problem }
template-problems-joined = { $first }; { $second }
template-row-key-problem = { $key }: { $problem }
template-not-saved = The template was not saved: { $problem }
template-store-not-found = no template { $id }
template-retired = template { $id } was deleted; it takes no new versions
template-changed-meanwhile = template { $id } was changed by someone else at the same moment; reload and try again

## The template editor (/admin/stands/{id}/templates/new, /admin/templates/{id}).
template-new-title = New test template
template-edit-title = Edit { $name } v{ $version }
template-heading = Test template “{ $name }”
# Followed by the stand's id as a link.
template-heading-version = version { $version }, stand
template-heading-stand = stand
template-older-version = This is an older version; the template is at version { $now } now. Saving makes version { $next } from this one.
template-description = Description (shown on the start form)
template-commands = Commands, one per line (sent as commandList)
# Followed by an example in JSON, then template-limits-measures.
template-limits = Limits on what the stand sends back, a JSON list (each result of a run of this test gets a verdict: pass, fail or error; empty: no verdict), e.g.
# The words in quotes and the measures' names are JSON: keep them.
template-limits-measures = measures: min, max, mean, rms, peak_frequency (with "sample_rate": "fs"), value_at (with "index"); or "scalar": "name" for a number in dataObj
template-parameters-legend = Parameters, in the order the form shows them and the stand receives them
# Followed by the two ways to write a choice.
template-parameters-hint = A blank row is ignored; save to get more rows. Choices: one per line,
template-parameters-hint-kinds = (a value that reads as a number is sent as one). Unit, min, max and step are for numbers and integers, the pattern (a regular expression the whole text must match) for text.
template-col-label = Label
template-col-help = Help
template-col-type = Type
template-col-unit = Unit
template-col-min = Min
template-col-max = Max
template-col-step = Step
template-col-pattern = Pattern
template-col-choices = Choices
template-col-default = Default
template-col-required = Required
template-param-name = Parameter { $n } name
template-param-label = Parameter { $n } label
template-param-help = Parameter { $n } help
template-param-type = Parameter { $n } type
template-param-unit = Parameter { $n } unit
template-param-min = Parameter { $n } min
template-param-max = Parameter { $n } max
template-param-step = Parameter { $n } step
template-param-pattern = Parameter { $n } pattern
template-param-choices = Parameter { $n } choices
template-param-default = Parameter { $n } default
template-param-required = Parameter { $n } required
template-row-error = Row { $n }: { $problem }
template-save-version = Save as a new version
template-save = Save the template
template-import-title = Import a template
template-import-hint = Paste a template's JSON, as “Export” gives it (or GET /api/templates/{"{"}id{"}"}/export).
template-json = Template JSON
template-or = or

## A template's start form on the stand page.
# The empty first entry of a choice that has no default.
template-choose = — choose —
template-version-short = v{ $version }
# A parameter in the stand admin page's list: its name, its type (template-kind-…), its unit.
template-field = { $name } ({ $kind })
template-field-with-unit = { $name } ({ $kind }, { $unit })
