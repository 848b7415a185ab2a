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
