-- result_series.values: the numbers of a numeric series as raw IEEE 754 doubles, 8 bytes each,
-- big-endian (the order float8send gives), in a bytea, instead of a float8[].
--
-- Why: PostgreSQL decodes a float8[] parameter one element at a time. Measured with the ingest
-- benchmark's statement log (README, "Ingest"): binding a 100,000-point result took ~4.5 ms,
-- nearly all of it the elements, and in a flood of data messages with two 100-point series the
-- bind was ~10 us of the ~64 us the server spent per message. A bytea parameter is one copy.
-- Reading back is as cheap (the store decodes the bytes; see domain::store::series). The values
-- stay exact: the same 64 bits, not text. The dataObj text in results.data is unchanged, so
-- ad-hoc SQL still has every number as the stand sent it.
CREATE FUNCTION pg_temp.float8_bytes(float8[]) RETURNS bytea
    LANGUAGE sql IMMUTABLE STRICT
    AS $$ SELECT coalesce(string_agg(float8send(v), ''::bytea ORDER BY o), ''::bytea)
          FROM unnest($1) WITH ORDINALITY AS t (v, o) $$;

ALTER TABLE result_series
    ALTER COLUMN "values" TYPE bytea USING pg_temp.float8_bytes("values");
ALTER TABLE result_series
    ADD CONSTRAINT result_series_values_length
    CHECK (NOT numeric OR octet_length("values") = 8 * len::bigint);

DO $$
BEGIN
    ALTER TABLE result_series ALTER COLUMN "values" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4; result_series.values stays compressed with pglz';
END
$$;
