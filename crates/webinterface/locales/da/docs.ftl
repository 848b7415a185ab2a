# Siden med API-dokumentationen, og API'ets afvisninger af en forespørgsels form.
# Operationernes beskrivelser kommer fra OpenAPI-dokumentet og forbliver på engelsk, ligesom
# API'ets svar. Ret teksten til højre for "="; "{ $navn }" udfyldes af programmet.

docs-title = API-dokumentation
# Efterfølges af dokumentets adresse.
docs-document = Det maskinlæsbare OpenAPI 3.1-dokument:
docs-document-use = (importér det i Postman, Swagger UI eller en klientgenerator).
docs-english = API'et og dokumentationen nedenfor er på engelsk.
docs-operations = Operationer
docs-old-name = (gammelt navn)
docs-least-role = Mindste rolle:
docs-parameter = Parameter
docs-in = I
docs-required = Påkrævet
docs-schema = Skema
docs-body = Indhold:
docs-status = Status
docs-response-body = Indhold
docs-schemas = Skemaer

# En forespørgsel API'et afviser pga. dens form. $reason er webrammeværkets egen tekst (engelsk).
api-body-not-json = send indholdet som JSON med Content-Type: application/json
api-body-refused = { $reason }
api-body-too-large = indholdet er større end API'et tager imod (højst 2 MB)
api-body-does-not-fit = JSON-indholdet passer ikke: { $reason }
api-query-refused = { $reason }
api-path-does-not-fit = stien passer ikke: { $reason }
api-nul = tekst må ikke indeholde NUL-tegn (\u0000)
api-route-not-found = der er ingen sådan API-rute; API'et er beskrevet på /docs/api (siden) og /api/openapi.json (OpenAPI-dokumentet)
