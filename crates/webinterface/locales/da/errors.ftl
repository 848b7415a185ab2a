# Fejlbeskeder. API'et svarer dem på engelsk med nøglen (til venstre for "=") som fejlens
# faste "code"; siderne viser dem på læserens sprog.

error-unauthorized = du skal logge ind (eller sende Authorization: Bearer <token>)
error-forbidden = din rolle ({ $have }) må ikke gøre dette; det kræver { $need }
error-csrf = formularens sikkerhedsnøgle mangler eller er forkert: genindlæs siden og prøv igen
error-method-not-allowed = { $method } er ikke en metode denne adresse tager; headeren Allow viser dem den tager (API'et er beskrevet på /docs/api)
error-too-many-logins = for mange mislykkede logins for dette navn herfra; vent { $minutes } min. og prøv igen
error-busy = serveren har travlt med at kontrollere andre logins; prøv igen om et par sekunder
error-internal = intern fejl
login-wrong-password = Forkert brugernavn eller adgangskode.

stand-exists = standen { $id } findes allerede
stand-not-found = standen { $id } findes ikke
stand-bad-duration = den længste testvarighed skal være mindst 1 sekund
user-exists = en bruger med navnet "{ $name }" findes allerede
user-bad-name = brugernavnet "{ $name }" er ikke gyldigt: brug 1-150 tegn af bogstaver, cifre og _ . @ + -
user-not-found = brugeren "{ $name }" findes ikke
page-not-found = siden { $path } findes ikke her; oversigten linker til alle sider
