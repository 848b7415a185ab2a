-- results.data keeps the dataObj exactly as the stand sent it. As `json`, PostgreSQL parsed all
-- of it again on every insert to check it, although the handler (and the import) only store
-- text that serde_json has just parsed: for a 100,000-point result (2 MB) that check took ~8 ms
-- of the ~23 ms the server spent storing the text (scripts/storage-study.sql, README
-- "Storage"). As `text` it is stored unchanged; the one query that looks inside it (the
-- non-numeric series of a result) casts it. Existing rows keep their exact text.
ALTER TABLE results ALTER COLUMN data TYPE text;
DO $$
BEGIN
    ALTER TABLE results ALTER COLUMN data SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4; results.data stays compressed with pglz';
END
$$;
