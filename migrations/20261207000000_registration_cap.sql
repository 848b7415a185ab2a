-- When a stand registered itself with its first message (NULL for stands an admin made or
-- that registered before this column): the message handler registers at most
-- HANDLER_MAX_NEW_STANDS_PER_MINUTE stands in any minute, counted here, across handlers.
ALTER TABLE stands ADD COLUMN registered_at timestamptz;
CREATE INDEX stands_registered_at ON stands (registered_at) WHERE registered_at IS NOT NULL;

-- Why a message was rejected, as a fixed word (`Rejection::kind`: `schema`, `too_large`,
-- `registration_limit`, …) beside the sentence in `reason`; NULL for rows from before it.
-- /metrics counts the quarantine by it.
ALTER TABLE quarantine ADD COLUMN kind text;
