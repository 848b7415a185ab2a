# Login og API-nøgler: de afvisninger, et script eller en person får. API'et svarer på
# engelsk; nøglen (til venstre for "=") er fejlens faste "code". Ret teksten til højre for
# "="; "{ $name }" udfyldes af programmet og skal blive stående.

auth-token-bad-expiry = udløbstiden "{ $value }" er ugyldig: brug et antal dage, timer eller minutter som 90d, 12h eller 30m (højst { $max }d), eller never
auth-token-cannot-make-lasting = API-nøglen i denne forespørgsel udløber { $at } UTC, så den kan ikke oprette en nøgle, der aldrig udløber: angiv en udløbstid som 90d (begrænset til det tidspunkt), eller opret den fra en login-session eller med `webinterface createtoken`
auth-token-expired = denne API-nøgle udløb { $at } UTC; bed en administrator om en ny (webinterface createtoken eller brugersiden)
auth-token-revoked = denne API-nøgle er tilbagekaldt; bed en administrator om en ny
auth-token-inactive = kontoen for denne API-nøgle er deaktiveret
auth-form-too-large = formularen er for stor
