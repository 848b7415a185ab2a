# The quarantine: messages the handler could not accept. A translator edits the text right of
# "="; "{ $name }" is filled in by the program and must stay as it is.

quarantine-total = { $n } rejected messages
quarantine-new = More messages have been rejected since this page was loaded.
quarantine-empty = Nothing was rejected.
quarantine-topic = Topic
quarantine-reason = Reason
quarantine-size = Size
quarantine-payload = Payload
quarantine-bytes = { $n } bytes
quarantine-shown-hex = not UTF-8: shown as hex bytes
quarantine-shown-text = UTF-8 text
quarantine-download = download raw bytes
quarantine-payload-dropped = payload dropped: its topic's quarantine quota was full
quarantine-payload-too-large = payload not kept: larger than MAX_PAYLOAD_BYTES
quarantine-payload-prefix = only the first { $n } bytes are kept

# Errors (the API answers them in English, with the key as their "code").
quarantine-not-found = no quarantined message { $id }
quarantine-payload-not-kept = quarantined message { $id }: its bytes are not kept (larger than MAX_PAYLOAD_BYTES, or dropped under its topic's QUARANTINE_TOPIC_BYTES); its size and SHA-256 are
