# Det alle sider har til fælles: toppen, menuen, bunden, tider, roller, tilstande og titlerne
# på fejlsider. Ret teksten til højre for "="; "{ $navn }" udfyldes af programmet og skal
# stå uændret. Linjer der begynder med # er noter til oversætteren.

site-name = Prøvestande
nav-dashboard = Oversigt
nav-results = Resultater
nav-quarantine = Karantæne
nav-api = API
nav-stands = Stande
nav-users = Brugere
nav-jobs = Job
nav-raw-messages = Rå beskeder
nav-account = Konto
nav-log-out = Log ud
footer-time-zone = Tider vises i { $zone }.

time-never = aldrig
role-admin = administrator
role-operator = operatør
role-viewer = læser

error-page-back = Tilbage til oversigten
http-400 = Ugyldig forespørgsel
http-401 = Ikke logget ind
http-403 = Ingen adgang
http-404 = Ikke fundet
http-405 = Metoden er ikke tilladt
http-409 = Konflikt
http-413 = For stor
http-415 = Medietypen understøttes ikke
http-422 = Afvist
http-429 = For mange forespørgsler
http-500 = Intern serverfejl
http-502 = Fejl i gateway
http-503 = Tjenesten er ikke tilgængelig
http-504 = Gateway svarede ikke i tide
http-other = Fejl { $code }

# Login-siden.
login-title = Log ind
login-username = Brugernavn
login-password = Adgangskode
login-submit = Log ind

# Kontosiden. Et sprogs navn skrives på det sprog, i begge filer.
language-name-da = Dansk
language-name-en = English
account-title = Din konto
account-who = Du er logget ind som { $name } ({ $role }).
account-language = Sprog
account-language-legend = Vis siderne på
account-language-browser = browserens sprog
account-language-save = Gem sprog
account-language-saved = Sproget er gemt.
account-language-unknown = sproget "{ $code }" findes ikke her; vælg da eller en, eller intet for browserens
account-password = Adgangskode
account-password-current = Nuværende adgangskode
account-password-new = Ny adgangskode (mindst { $min } tegn)
account-password-repeat = Ny adgangskode igen
account-password-save = Skift adgangskode
account-password-changed = Adgangskoden er skiftet. Dine andre logins og dine API-tokens er afsluttet.
account-password-mismatch = de to nye adgangskoder er forskellige; skriv den samme to gange
account-password-wrong = den nuværende adgangskode er forkert
account-password-needs-session = skift adgangskoden fra en login-session (kontosiden), ikke med et API-token
password-too-short = adgangskoden skal have mindst { $min } tegn
