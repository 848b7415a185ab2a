# Kørsler: at starte en test på en stand, kørslens tilstande, startformularens parametre,
# annullering. Ret teksten til højre for "="; "{ $navn }" udfyldes af programmet og skal stå
# uændret. API'et svarer fejlbeskederne på engelsk, med nøglen som deres "code".

# En kørsels tilstand.
run-state-sent = sendt
run-state-running = kører
run-state-completed = fuldført
run-state-failed = fejlet
run-state-timed-out = tiden udløb
run-state-cancelled = annulleret

# Standens side: kørsler.
run-col-by = Af
run-col-requested = Bestilt
run-col-note = Bemærkning
run-confirmed-unheard = startet efter bekræftelse (standens tilstand ukendt eller tavs)
# $time er hvor længe, fx "4 min 12 s" (run-waited-…).
run-waiting = venter på standen i { $time }
run-waited-s = { $s } s
run-waited-min-s = { $m } min { $s } s
run-waited-h-min = { $h } t { $m } min
run-cancel = Annuller kørsel
run-started = Kørsel { $run } blev sendt til standen; brokeren bekræftede den.

# Startformularens parametre.
param-title = Parametre
param-col-name = Navn
param-col-value = Værdi
# $n er rækkens nummer.
param-name-label = Parameternavn { $n }
param-value-label = Parameterværdi { $n }
param-add = Tilføj parameter
param-rule = En værdi sendes kun som et tal, når den er skrevet præcis som tallet skrives tilbage (42, -3, 2.5), som true eller false, når den er præcis det ord, og ellers som tekst, så 007, 1.10 og 1e3 kommer frem som skrevet.

# Hvorfor en start blev afvist eller kræver bekræftelse. $state er navnet på en stands
# tilstand (state-busy, …), $why en af teksterne run-not-ready-… eller run-ask-….
run-stand-not-ready = standen { $stand } har tilstanden { $state }: { $why }. En test kan ikke starte nu; intet blev sendt.
run-not-ready-busy = den er optaget af en test
run-not-ready-off = den er slukket
run-not-ready-offline = den er offline (intet hørt fra den for nylig)
run-not-ready-error = den har meldt en fejl
run-not-ready = den er ikke klar
run-stand-unconfirmed = standen { $stand } har tilstanden { $state }: { $why }. Den kan måske stadig tage en test (stande med protokol v1.1 behøver ikke melde deres tilstand); send "confirm": true for at starte alligevel; intet blev sendt.
run-ask-start-anyway = Standen { $stand } har tilstanden { $state }: { $why }. Stande med protokol v1.1 behøver ikke melde deres tilstand, så den kan måske stadig tage testen. Start den alligevel?
run-ask-never-reported = den har aldrig meldt sin tilstand
run-ask-quiet = der er ikke hørt noget fra den for nylig
run-ask-error = dens seneste melding var en fejl
run-ask-not-ready = dens tilstand er ikke klar

# Fejl ved start og annullering.
run-parameters-not-object = parametrene skal være et JSON-objekt af navn/værdi-par
run-needs-template = standen { $stand } startes gennem sine testskabeloner: send "template": <id> (GET /api/stands/{ $stand }/templates viser dem); kun administratorer må starte en test uden skabelon. Intet blev sendt.
run-template-sends-commands = en skabelon sender sine egne kommandoer: udelad "commands"
run-template-values-refused = Nogle værdier blev afvist: se de markerede felter.
# $reason er brokerens fejl (på engelsk).
run-not-confirmed = { $reason }; kørsel { $run } er markeret som fejlet
run-template-not-found = standen { $stand } har ingen testskabelon { $id }
run-template-bad-id = testskabelonen "{ $id }" findes ikke
run-template-deleted = testskabelon { $id } ({ $name }) er slettet; intet blev sendt
run-template-edited = testskabelon { $id } ({ $name } v{ $version }) er blevet ændret: start dens version { $newer_version } (id { $newer }); intet blev sendt
run-form-value-without-name = parameterrække { $row } har en værdi, men intet navn
run-form-parameter-twice = parameteren "{ $name }" er angivet to gange
run-not-found = kørsel { $id } findes ikke
run-bad-id = kørsel "{ $id }" findes ikke
# $state er navnet på en kørsels tilstand (run-state-…).
run-ended = kørsel { $id } er allerede afsluttet ({ $state }); kun en igangværende kørsel kan annulleres
