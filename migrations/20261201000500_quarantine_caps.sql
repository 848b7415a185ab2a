-- Bounds on what the quarantine keeps, so one stand cannot fill the disk (issue 11):
-- * per message at most QUARANTINE_MESSAGE_BYTES of the payload is kept (a prefix); `size`
--   and `payload_sha256` still describe the whole message;
-- * per topic (a stand may publish only on its own inbound topic) at most
--   QUARANTINE_TOPIC_BYTES of payloads: above it the oldest payloads are dropped first
--   (`payload` NULL, `payload_dropped` true); the rows themselves (topic, reason, size, hash,
--   time) stay until the scheduler prunes them by age.
ALTER TABLE quarantine ADD COLUMN payload_sha256 bytea;
ALTER TABLE quarantine ADD COLUMN payload_dropped boolean NOT NULL DEFAULT false;
-- The bytes kept per topic, newest first, are summed on every batch that quarantines.
CREATE INDEX quarantine_topic_kept ON quarantine (topic, received_at DESC, id DESC)
    WHERE payload IS NOT NULL;
