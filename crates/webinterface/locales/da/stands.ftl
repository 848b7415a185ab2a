# En stand som oversigten, standens side og de levende opdateringer viser den.

state-offline = offline
state-off = slukket
state-busy = optaget
state-error = fejl
state-ready = klar
state-unknown = ukendt
verdict-pass = bestået
verdict-fail = ikke bestået
verdict-error = fejl
verdict-pending = afventer
yes = ja
no = nej

col-stand = Stand
col-state = Tilstand
col-last-status = Seneste status
col-power = Strøm
col-last-seen = Sidst hørt
col-run = Kørsel
col-last-verdict = Seneste udfald
col-code = Kode
col-meaning = Betydning
col-received = Modtaget
col-result = Resultat
col-points = Punkter
col-kept = Gemt

status-with-meaning = { $code } { $meaning }
status-200 = OK, modtaget og accepteret; standen er ledig
status-202 = Accepteret, arbejder stadig
status-400 = Ugyldig forespørgsel: beskeden fulgte ikke protokollen
status-404 = Ikke fundet: komponenten er ikke tilgængelig
status-405 = Metoden er ikke tilladt: kommandoen er ikke tilladt eller ikke forstået
status-500 = Intern fejl på standen
status-600 = Tændt
status-610 = Slukket (lukker ned)
status-1xx = Information
status-2xx = Succes
status-3xx = Omdirigering
status-4xx = Klientfejl
status-5xx = Serverfejl på standen
status-power = Strøm
power-on = { $code } tændt
power-off = { $code } slukket

stand-no-results = Ingen resultater endnu.
start-hint-state = Standen er
start-hint-busy = en test kan ikke starte før den er klar. En kørsel der venter på en stand der ikke svarer, kan annulleres under Seneste kørsler.
start-hint-off = en test kan ikke starte før den er klar.
start-hint-unsure = den kan måske stadig tage en test; du bliver bedt om at bekræfte.

live-too-many-streams = du har allerede { $max } strømme med levende opdateringer åbne (én pr. åben side); luk nogle sider og genindlæs

# Oversigten.
dashboard-title = Prøvestande
# Efterfølges af det emne standene publicerer på ({stand}/inbound).
dashboard-no-stands = Ingen stande endnu. De vises her, første gang de publicerer på
# Efterfølges af et link "tilføj en" (kun administratorer).
dashboard-no-stands-or = , eller
dashboard-add-stand = tilføj en
# Mærket for levende opdateringer på oversigten og standens side.
live-connecting = forbinder…
live-on = live
live-off = genforbinder…

# En stands side.
stand-max-duration = Længste testvarighed
# En varighed i sekunder.
stand-seconds = { $s } s
stand-commands-go-to = Kommandoer sendes til
stand-camera = Kamera
stand-camera-alt = Kamera ved { $name }
stand-start-title = Start en test
stand-field-required = skal udfyldes
stand-field-pattern = skal passe til { $pattern }
# Efterfølges af skabelonens kommandoer.
stand-sends-commands = Sender kommandoerne:
stand-keep-forever = Gem resultatet for altid
stand-start-anyway = Start alligevel
# En testskabelons versionsnummer.
stand-template-version = v{ $version }
stand-start-template = Start “{ $name }”
stand-free-form = Fri test
stand-free-form-note = (kun administratorer: parametre og kommandoer som skrevet)
stand-commands-label = Kommandoer, én pr. linje
stand-start-button = Start test
# $role er en rolles navn (role-operator, role-viewer, …).
stand-watch-only = Din rolle ({ $role }) må se med, men ikke starte test.
stand-recent-runs = Seneste kørsler
stand-no-runs = Ingen kørsler endnu.
stand-recent-results = Seneste resultater
stand-all-results = alle resultater fra denne stand →
stand-status-history = Statushistorik

# Et stand-id der ikke er gyldigt.
stand-bad-id = standen "{ $id }" findes ikke
stand-id-empty = stand-id'et er tomt
stand-id-too-long = stand-id'et er { $chars } tegn langt; højst 64 er tilladt
stand-id-bad-character = stand-id'et "{ $id }" må kun indeholde bogstaver, cifre, '_' og '-'
