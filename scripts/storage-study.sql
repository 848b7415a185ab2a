-- How much a stored point costs, and how fast it is written and read, for each column
-- compression PostgreSQL 15 offers: results.data (the dataObj's exact JSON text; `json` until
-- migration 20261201041000, `text` since: text_lz4 is today's column) and
-- result_series."values" (float8[]). Run against any PostgreSQL 15 built with lz4:
--   psql -h 127.0.0.1 -U postgres -f scripts/storage-study.sql
-- It works in a scratch schema and drops it at the end. Timings are server-side (\timing),
-- i.e. exactly the cost the column setting adds to an insert or a read.
\set ON_ERROR_STOP on
\pset pager off
DROP SCHEMA IF EXISTS storage_study CASCADE;
CREATE SCHEMA storage_study;
SET search_path = storage_study;

-- 2 x 20 results of 100,000 points, in two shapes: full-precision doubles (sin, as the ingest
-- benchmark sends) and three-decimal readings (what an ADC-based stand typically sends).
-- The sources are stored uncompressed: PostgreSQL copies an already compressed value as it is,
-- which would hide the cost (and the result) of the setting under test.
CREATE TABLE src (r int, kind text, arr float8[], txt text);
ALTER TABLE src ALTER COLUMN arr SET STORAGE EXTERNAL, ALTER COLUMN txt SET STORAGE EXTERNAL;
INSERT INTO src
SELECT r, kind, arr, array_to_json(arr)::text
FROM generate_series(1, 20) AS r,
     LATERAL (VALUES ('full'), ('3dp')) AS k(kind),
     LATERAL (SELECT array_agg(CASE WHEN kind = 'full' THEN sin((p + r) * 0.001)
                                    ELSE round(sin((p + r) * 0.001)::numeric, 3)::float8 END
                               ORDER BY p) AS arr
              FROM generate_series(0, 99999) AS p) AS a;

CREATE TABLE json_pglz  (kind text, data json);
CREATE TABLE json_lz4   (kind text, data json);
CREATE TABLE json_none  (kind text, data json);
CREATE TABLE text_lz4   (kind text, data text);
CREATE TABLE arr_pglz   (kind text, v float8[]);
CREATE TABLE arr_lz4    (kind text, v float8[]);
CREATE TABLE arr_none   (kind text, v float8[]);
ALTER TABLE json_pglz ALTER COLUMN data SET COMPRESSION pglz;
ALTER TABLE json_lz4  ALTER COLUMN data SET COMPRESSION lz4;
ALTER TABLE json_none ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE text_lz4  ALTER COLUMN data SET COMPRESSION lz4;
ALTER TABLE arr_pglz  ALTER COLUMN v SET COMPRESSION pglz;
ALTER TABLE arr_lz4   ALTER COLUMN v SET COMPRESSION lz4;
ALTER TABLE arr_none  ALTER COLUMN v SET STORAGE EXTERNAL;

\timing on
\echo '--- write 20 results of 100,000 points, full-precision doubles then three decimals (ms) ---'
\echo json_pglz full
INSERT INTO json_pglz SELECT kind, txt::json FROM src WHERE kind = 'full';
\echo json_lz4 full
INSERT INTO json_lz4 SELECT kind, txt::json FROM src WHERE kind = 'full';
\echo json_none full
INSERT INTO json_none SELECT kind, txt::json FROM src WHERE kind = 'full';
\echo text_lz4 full
INSERT INTO text_lz4 SELECT kind, txt FROM src WHERE kind = 'full';
\echo arr_pglz full
INSERT INTO arr_pglz SELECT kind, arr FROM src WHERE kind = 'full';
\echo arr_lz4 full
INSERT INTO arr_lz4 SELECT kind, arr FROM src WHERE kind = 'full';
\echo arr_none full
INSERT INTO arr_none SELECT kind, arr FROM src WHERE kind = 'full';
\echo json_pglz 3dp
INSERT INTO json_pglz SELECT kind, txt::json FROM src WHERE kind = '3dp';
\echo json_lz4 3dp
INSERT INTO json_lz4 SELECT kind, txt::json FROM src WHERE kind = '3dp';
\echo json_none 3dp
INSERT INTO json_none SELECT kind, txt::json FROM src WHERE kind = '3dp';
\echo text_lz4 3dp
INSERT INTO text_lz4 SELECT kind, txt FROM src WHERE kind = '3dp';
\echo arr_pglz 3dp
INSERT INTO arr_pglz SELECT kind, arr FROM src WHERE kind = '3dp';
\echo arr_lz4 3dp
INSERT INTO arr_lz4 SELECT kind, arr FROM src WHERE kind = '3dp';
\echo arr_none 3dp
INSERT INTO arr_none SELECT kind, arr FROM src WHERE kind = '3dp';
\echo '--- read them back whole (ms) ---'
SELECT sum(length(data::text)) FROM json_pglz;
SELECT sum(length(data::text)) FROM json_lz4;
SELECT sum(length(data::text)) FROM json_none;
SELECT sum(length(data)) FROM text_lz4;
SELECT sum(cardinality(v)) FROM arr_pglz;
SELECT sum(cardinality(v)) FROM arr_lz4;
SELECT sum(cardinality(v)) FROM arr_none;
\timing off

\echo '--- bytes stored per point (column value as stored) ---'
SELECT t.name, x.kind, round(avg(x.bytes) / 100000.0, 2) AS bytes_per_point,
       round(avg(x.raw) / 100000.0, 2) AS raw_bytes_per_point
FROM (
  SELECT 'json pglz' AS name, kind, pg_column_size(data) AS bytes, octet_length(data::text) AS raw FROM json_pglz
  UNION ALL SELECT 'json lz4', kind, pg_column_size(data), octet_length(data::text) FROM json_lz4
  UNION ALL SELECT 'json none', kind, pg_column_size(data), octet_length(data::text) FROM json_none
  UNION ALL SELECT 'text lz4', kind, pg_column_size(data), octet_length(data) FROM text_lz4
  UNION ALL SELECT 'float8[] pglz', kind, pg_column_size(v), 8 * cardinality(v) FROM arr_pglz
  UNION ALL SELECT 'float8[] lz4', kind, pg_column_size(v), 8 * cardinality(v) FROM arr_lz4
  UNION ALL SELECT 'float8[] none', kind, pg_column_size(v), 8 * cardinality(v) FROM arr_none
) AS x(name, kind, bytes, raw)
JOIN (VALUES ('json pglz'), ('json lz4'), ('json none'), ('text lz4'), ('float8[] pglz'), ('float8[] lz4'), ('float8[] none')) AS t(name) USING (name)
GROUP BY t.name, x.kind ORDER BY x.kind, t.name;

\echo '--- exactness: every stored text and array equals its source ---'
SELECT (SELECT count(*) FROM json_lz4 j JOIN src s USING (kind) WHERE j.data::text = s.txt) AS json_lz4_rows_equal_to_a_source,
       (SELECT count(*) FROM text_lz4 t JOIN src s USING (kind) WHERE t.data = s.txt) AS text_lz4_rows_equal_to_a_source,
       (SELECT count(*) FROM arr_lz4 a JOIN src s USING (kind) WHERE a.v = s.arr) AS arr_lz4_rows_equal_to_a_source;

RESET search_path;
DROP SCHEMA storage_study CASCADE;
