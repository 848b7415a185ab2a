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
