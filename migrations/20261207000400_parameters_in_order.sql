-- Parameters keep the order the operator or the stand gave them, end to end: `jsonb` stored
-- objects with their keys sorted (and the pages, API, CSV and xlsx showed them so). `json`
-- keeps the text as written. Rows stored before keep the sorted order they were stored in.
ALTER TABLE runs ALTER COLUMN parameters DROP DEFAULT;
ALTER TABLE runs ALTER COLUMN parameters TYPE json USING parameters::json;
ALTER TABLE runs ALTER COLUMN parameters SET DEFAULT '{}'::json;
ALTER TABLE results ALTER COLUMN parameters TYPE json USING parameters::json;
ALTER TABLE outbound_commands ALTER COLUMN payload TYPE json USING payload::json;
