-- inbound_receipts is a queue: every QoS 2 message adds a row and its PUBREL deletes it, so
-- after a flood the table holds thousands of dead rows until autovacuum comes by, while its
-- statistics say it is nearly empty. The old indexes led with client_id (one value: the
-- handler), and with those statistics the planner scanned them by client_id alone, visiting
-- every dead entry: after a flood of 20,000 statuses each batch's receipt lookup took 3-10 ms
-- instead of 0.1 ms, and light-load latency went from ~2 ms to ~20 ms until a vacuum. Leading
-- with the selective column leaves the planner no such plan.
DROP INDEX inbound_receipts_hash;
DROP INDEX inbound_receipts_packet;
CREATE INDEX inbound_receipts_hash ON inbound_receipts (payload_hash, client_id);
CREATE INDEX inbound_receipts_packet ON inbound_receipts (packet_id, client_id, id DESC);
-- And vacuum it after a fixed number of deleted rows, not a fraction of a table that is
-- usually empty.
ALTER TABLE inbound_receipts SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 5000
);
