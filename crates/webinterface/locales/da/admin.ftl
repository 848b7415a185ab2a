# Administrationssiderne: prøvestande, en stands MQTT-konto, brugere og API-nøgler,
# planlæggerens jobkørsler og værktøjet til rå beskeder. Ret teksten til højre for "=";
# "{ $name }" udfyldes af programmet og skal blive stående. Linjer med # er noter.

## Planlæggerens jobkørsler (/admin/jobs). Det er planlæggerens egne job, ikke testkørsler.
jobs-title = Planlæggerens jobkørsler
jobs-intro = Planlæggerens seneste { $n } jobkørsler (opbevaring, tidsgrænse for kørsler,
    registrering af offline stande, oprydning), nyeste først. Det er planlæggerens egne job, ikke
    testkørsler på en stand. En jobkørsel, der fejler, prøves igen ved jobbets næste tik.
jobs-col-job = Job
jobs-col-started = Startet
jobs-col-took = Varighed
jobs-col-outcome = Udfald
jobs-col-rows = Rækker
jobs-col-instance = Instans
jobs-col-error = Fejl
jobs-took-ms = { $ms } ms
jobs-outcome-running = kører
jobs-outcome-ok = ok
jobs-outcome-failed = fejlet
jobs-none = Intet job er kørt endnu: kører planlæggeren?

## Fælles for administrationssiderne.
admin-edit = Rediger
admin-add = Tilføj
admin-save = Gem
admin-saved = Gemt.

## Prøvestande (/admin/stands, /admin/stands/{id}).
admin-stands-col-id = Id
admin-stands-col-name = Navn
admin-stands-col-camera = Kamera
admin-stands-col-max-duration = Maks. varighed
admin-stands-col-topics = Emner
admin-stands-seconds = { $n } s
admin-stands-add = Tilføj en stand
admin-stands-new-id = Id (bogstaver, cifre, _ eller -, f.eks. prøvestand_3)
admin-topics-label = Emner (indtil standen er hørt; derefter svares der, som den selv skrev)
admin-topics-standard = standard
admin-topics-legacy = gammel stak
admin-topics-guide = modulvejledning
admin-topics-choice = { $label }: kommandoer på { $topic }
admin-stand-title = Rediger { $id }
admin-stand-heading = Stand { $id }
admin-stand-send-raw = Send en rå besked
admin-stand-send-raw-hint = til standens udgående emne (opstart af firmware).
admin-stand-description = Beskrivelse
admin-stand-camera-url = Kamera-URL (MJPEG; tom for intet kamera)
admin-stand-max-seconds = Maks. testvarighed (sekunder)
admin-stand-mqtt-account = MQTT-konto
admin-stand-account-user = Standen logger ind på brokeren som bruger
admin-stand-account-since = adgangskode sat { $since }
admin-stand-account-may = Den må kun publicere på sine egne indgående emner og kun læse sine udgående.
admin-stand-account-none = Ingen konto endnu: standen kan ikke logge ind på brokeren. Opret en, og giv standen dens brugernavn
admin-stand-account-none-end = og adgangskode.
admin-stand-account-new-password = Ny adgangskode
admin-stand-account-make = Opret kontoen
admin-stand-account-delete = Slet kontoen
admin-stand-account-elsewhere = Brokeren har sine egne konti: på dens vært opretter
admin-stand-account-elsewhere-end = standens konto (docker-compose). Brugernavnet er standens id; kontoen må kun publicere på standens indgående emner og kun læse dens udgående.
admin-stand-bad-topics = emner skal være standard, legacy eller guide, ikke "{ $value }"
admin-stand-id-fixed = en stands id kan ikke ændres
admin-stand-id-missing = angiv standens id
admin-stand-name-empty = navnet må ikke være tomt
admin-stand-id-empty = standens id er tomt
admin-stand-id-too-long = standens id er { $n } tegn langt; højst 64 er tilladt
admin-stand-id-bad-character = standens id "{ $id }" må kun indeholde bogstaver, cifre, '_' og '-'
admin-camera-url-bad = ugyldig kamera-URL "{ $url }": { $reason }
admin-camera-url-scheme = kun http://- og https://-kameraer understøttes
admin-camera-url-no-host = URL'en har ingen vært
admin-camera-url-parser = { $reason }

## En stands MQTT-konto, oprettet eller slettet (vises én gang).
admin-account-title = MQTT-konto for { $id }
admin-account-heading = MQTT-konto for stand { $id }
admin-account-logs-in-with = Standen logger ind på brokeren med:
admin-account-user = Bruger
admin-account-password = Adgangskode
admin-account-shown-once = Den vises kun denne ene gang.
admin-account-old-password-ends = Standens tidligere adgangskode, hvis den havde en, virker ikke længere (inden for 2 sekunder). Den må kun publicere på sine egne indgående emner og kun læse sine udgående.
admin-account-deleted = Kontoen er slettet: standen kan ikke længere logge ind på brokeren (inden for 2 sekunder).
admin-account-back = Tilbage til standen
admin-account-elsewhere = denne broker har sine egne konti: opret standens med `mosquitto/add-user.sh { $id }` på brokerens vært
admin-account-unknown-action = ukendt handling "{ $action }": brug new eller remove

## Brugere og API-nøgler (/admin/users).
admin-users-col-user = Bruger
admin-users-col-role-status = Rolle og status
admin-users-col-role = Rolle
admin-users-col-password = Adgangskode
admin-users-col-last-login = Seneste login
admin-users-role-of = Rolle for { $name }
admin-users-active = aktiv
admin-users-new-password-for = Ny adgangskode for { $name }
admin-users-set-password = Sæt
admin-users-add = Tilføj en bruger
admin-users-username = Brugernavn
admin-users-email = E-mail
admin-tokens-title = API-nøgler
admin-tokens-for-user = Til bruger
admin-tokens-label = Betegnelse
admin-tokens-expires-in = Udløber om
admin-tokens-expires-in-hint = f.eks. 90d, 12h, 30m eller never (aldrig)
admin-tokens-make = Opret en nøgle
admin-tokens-col-made = Oprettet
admin-tokens-col-expires = Udløber
admin-tokens-col-last-used = Senest brugt
admin-tokens-expired = udløbet { $at }
admin-tokens-revoked = tilbagekaldt
admin-tokens-revoke = Tilbagekald
admin-token-new = Ny nøgle (vises kun én gang, kopier den nu):
admin-token-revoked = Nøglen er tilbagekaldt.
admin-token-not-found = ingen nøgle { $id }
admin-user-added = Brugeren { $name } er tilføjet som { $role }.
admin-user-password-set = Adgangskoden for { $name } er ændret.
admin-user-not-yourself = du kan ikke fjerne din egen administratorrolle eller deaktivere dig selv
admin-user-id-not-found = ingen bruger { $id }
admin-user-unknown-role = ukendt rolle "{ $role }"; brug admin, operator eller viewer

## Værktøjet til rå beskeder (/admin/raw-messages). Protokollens feltnavne (protocolVersion,
## sentBy, msgType, statusCode, commandList, parameterObj, dataObj) bevares.
raw-title = Send en rå besked
raw-intro = Til opstart af standens firmware: en besked efter protokollen med hvert felt, som du angiver det, publiceret med QoS 2 på et af standens udgående emner (hvor kommandoer sendes; indgående emner, jokertegn og andre emner afvises). Beskeden kontrolleres først mod protokollens skema og registreres med dit navn. Det er ikke en testkørsel: start test fra standens side.
raw-stand-by-topic = — ud fra emnet nedenfor —
raw-stand-option = { $id } (kommandoer på { $topic })
raw-topic = Emne (tomt: standens udgående emne)
raw-status-code-hint = (tre cifre, 100–699)
raw-json-array = (JSON-liste)
raw-json-object = (JSON-objekt)
raw-send = Send
raw-sent-lately = Sendt for nylig
raw-col-sent = Sendt
raw-col-by = Af
raw-col-topic = Emne
raw-col-payload = Indhold
raw-col-outcome = Udfald
raw-outcome-pending = afventer
raw-outcome-sent = sendt
raw-outcome-failed = fejlet
raw-none = Der er endnu ikke sendt nogen rå besked.
raw-sent = Sendt til { $topic } (besked { $id }): brokeren har bekræftet den.
raw-nothing-sent-see-fields = Intet blev sendt: se de markerede felter nedenfor ({ $n }).
raw-nothing-sent = intet blev sendt: { $problems }
raw-field-problem = { $field }: { $problem }
raw-problems-joined = { $first }; { $second }
raw-no-problem = intet problem angivet
raw-no-such-stand = der findes ingen stand { $id }
raw-not-a-stand-id = ikke et stand-id: { $problem }
raw-choose-stand = vælg en stand, eller angiv et af dens udgående emner
raw-topic-not-outbound = "{ $topic }" er ikke en stands udgående emne: rå beskeder sendes kun derhen, hvor kommandoer sendes (f.eks. rig1/outbound eller Testdevice/rig1/Outbound); indgående emner, jokertegn (+, #), $SYS/… og andre emner afvises
raw-topic-other-stand = "{ $topic }" er stand { $owner }'s udgående emne, ikke stand { $stand }'s
raw-topic-no-stand = "{ $topic }" ville være stand { $owner }'s udgående emne, men der findes ingen stand { $owner }
raw-schema-problem = protokollens skema afviser: { $detail }
raw-status-code-bad = statusCode "{ $value }" er ikke en trecifret kode fra 100 til 699
raw-too-large = { $bytes } byte, mere end de højst { $max }, der kan sendes
raw-not-json = ikke JSON: { $detail }
raw-not-confirmed = { $reason }; registreret som fejlet

## Hvorfor MQTT-brokeren ikke bekræftede en kommando eller rå besked. $reason og $code er
## MQTT-klientens egne ord (engelsk).
publish-unreachable = MQTT-brokeren på { $url } kan ikke nås: { $reason }
publish-refused = MQTT-brokeren på { $url } afviste forbindelsen: { $code }
publish-timed-out = MQTT-brokeren på { $url } bekræftede ikke beskeden inden for { $seconds } s
