# The API documentation page, and the API's own refusals of a request's form. The operations'
# descriptions come from the OpenAPI document and stay in English, as the API answers.
# A translator edits the text right of "="; "{ $name }" is filled in by the program.

docs-title = API documentation
# Followed by the document's address.
docs-document = The machine-readable OpenAPI 3.1 document:
docs-document-use = (import it into Postman, Swagger UI or a client generator).
docs-english = The API and its documentation below are in English.
docs-operations = Operations
docs-old-name = (old name)
docs-least-role = Least role:
docs-parameter = Parameter
docs-in = In
docs-required = Required
docs-schema = Schema
docs-body = Body:
docs-status = Status
docs-response-body = Body
docs-schemas = Schemas

# A request the API refuses for its form. $reason is the web framework's own text (English).
api-body-not-json = send the body as JSON with Content-Type: application/json
api-body-refused = { $reason }
api-body-too-large = the body is larger than the API takes (2 MB at most)
api-body-does-not-fit = the JSON body does not fit: { $reason }
api-query-refused = { $reason }
api-path-does-not-fit = the path does not fit: { $reason }
api-nul = text may not contain NUL characters (\u0000)
api-route-not-found = no such API route; the API is described at /docs/api (the page) and /api/openapi.json (the OpenAPI document)
