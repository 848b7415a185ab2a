# Karantænen: beskeder som modtageren ikke kunne tage imod. Ret teksten til højre for "=";
# "{ $navn }" udfyldes af programmet og skal stå uændret.

quarantine-total = { $n } afviste beskeder
quarantine-new = Flere beskeder er blevet afvist, siden siden blev indlæst.
quarantine-empty = Intet er blevet afvist.
quarantine-topic = Emne
quarantine-reason = Årsag
quarantine-size = Størrelse
quarantine-payload = Indhold
quarantine-bytes = { $n } byte
quarantine-shown-hex = ikke UTF-8: vist som hex-bytes
quarantine-shown-text = UTF-8-tekst
quarantine-download = hent de rå bytes
quarantine-payload-dropped = indholdet er droppet: emnets karantænekvote var fuld
quarantine-payload-too-large = indholdet er ikke gemt: større end MAX_PAYLOAD_BYTES
quarantine-payload-prefix = kun de første { $n } byte er gemt

# Fejl (API'et svarer dem på engelsk, med nøglen som deres "code").
quarantine-not-found = den karantænesatte besked { $id } findes ikke
quarantine-payload-not-kept = karantænesat besked { $id }: dens bytes er ikke gemt (større end MAX_PAYLOAD_BYTES, eller droppet under emnets QUARANTINE_TOPIC_BYTES); dens størrelse og SHA-256 er
