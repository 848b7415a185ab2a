-- Verdicts (issue 26): after a result of a run started from a test template is stored, the
-- message handler measures what the template's limits name and records each measurement and
-- the verdict here — outside the ingest transaction, so ingest speed does not change. A result
-- of a templated run without a row here is "pending" (seconds at most). verdict is NULL when the
-- template had no limits: such a result has no verdict, never "pass".
CREATE TABLE result_verdicts (
    result_id    bigint PRIMARY KEY REFERENCES results (id) ON DELETE CASCADE,
    -- the result's stand, for the dashboard's last verdict per stand (its index below)
    stand_id     text NOT NULL REFERENCES stands (id) ON DELETE CASCADE ON UPDATE CASCADE,
    verdict      text CHECK (verdict IN ('pass', 'fail', 'error')),
    -- [{name, label, value, low, high, unit, outcome, reason}] in the template's order
    measurements json NOT NULL DEFAULT '[]',
    evaluated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX result_verdicts_by_verdict ON result_verdicts (verdict, result_id);
CREATE INDEX result_verdicts_stand_newest ON result_verdicts (stand_id, result_id DESC)
    WHERE verdict IS NOT NULL;

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'standhub_handler') THEN
        GRANT SELECT, INSERT ON result_verdicts TO standhub_handler;
    END IF;
    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'standhub_scheduler') THEN
        GRANT SELECT, DELETE ON result_verdicts TO standhub_scheduler;
    END IF;
END
$$;
