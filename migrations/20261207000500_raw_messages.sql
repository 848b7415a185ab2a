-- The raw messages admins send to stands from the web interface's tool (to a stand's outbound
-- topic only): who sent what, where and when, and whether the broker confirmed it. The payload
-- is json, not jsonb, so it keeps its keys in the order sent. The user's name is kept too, as a
-- run's requested_by is, should the account go.
CREATE TABLE raw_messages (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint REFERENCES users (id) ON DELETE SET NULL,
    username   text NOT NULL,
    stand_id   text NOT NULL,
    topic      text NOT NULL,
    payload    json NOT NULL,
    sent_at    timestamptz NOT NULL DEFAULT now(),
    outcome    text NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'sent', 'failed')),
    error      text
);
CREATE INDEX raw_messages_newest ON raw_messages (sent_at DESC, id DESC);
