-- When the message handler received the message each of a stand's stored codes came from.
-- With several handlers on a shared subscription, batches of one stand's messages commit out
-- of order (202 received first by one handler, 200 after it by another, committed first); a
-- code replaces the stored one only when it was received later (store/stands/updates.rs).
ALTER TABLE stands
    ADD COLUMN status_received_at timestamptz,
    ADD COLUMN effective_received_at timestamptz,
    ADD COLUMN power_received_at timestamptz;

UPDATE stands SET
    status_received_at = CASE WHEN status_code IS NOT NULL THEN last_seen END,
    effective_received_at = CASE WHEN effective_code IS NOT NULL THEN last_seen END,
    power_received_at = CASE WHEN power_code IS NOT NULL THEN last_seen END;
