-- Global bounds on the quarantine (hostile input round two): besides the per-topic quota,
-- at most QUARANTINE_MAX_ROWS entries over all topics (the oldest deleted first) and at most
-- QUARANTINE_TOTAL_BYTES of payloads (the oldest dropped first: `payload` NULL,
-- `payload_dropped` true), so spraying many topics or many tiny bad messages cannot fill
-- the database. The handler enforces them when it quarantines, so it now deletes from the
-- quarantine. No new index: the oldest entries are found on `quarantine_newest`
-- (received_at DESC, id DESC).
DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'standhub_handler') THEN
        GRANT DELETE ON quarantine TO standhub_handler;
    END IF;
END
$$;
