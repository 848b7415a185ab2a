-- Large values are compressed with lz4 instead of PostgreSQL's default pglz. Measured with
-- scripts/storage-study.sql (README, "Storage"): for a 100,000-point result, pglz spent
-- ~150 ms compressing the dataObj text at insert and ~20 ms on the float8[] series, where lz4
-- spends a few ms; lz4 keeps the text ~22% larger for full-precision doubles and about the same
-- for short readings. Both settings store the values exactly. Only rows written from now on are
-- affected. A server built without lz4 keeps pglz (a notice, not a failed migration).
DO $$
BEGIN
    ALTER TABLE results ALTER COLUMN data SET COMPRESSION lz4;
    ALTER TABLE result_series ALTER COLUMN "values" SET COMPRESSION lz4;
    ALTER TABLE quarantine ALTER COLUMN payload SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4; large values stay compressed with pglz';
END
$$;
