-- The whole data model of the stand hub: stands and their status, runs, results with their
-- series, the quarantine of rejected messages, outbound commands, accounts, and job runs.
-- Append-only: later changes go into new migration files.

CREATE TABLE stands (
    id               text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
    name             text NOT NULL,
    description      text NOT NULL DEFAULT '',
    camera_url       text,
    max_test_seconds integer NOT NULL DEFAULT 3600 CHECK (max_test_seconds > 0),
    -- answered on Testdevice/{id}/Outbound instead of {id}/outbound
    legacy_topics    boolean NOT NULL DEFAULT false,
    auto_registered  boolean NOT NULL DEFAULT false,
    -- latest status code below 600, as shown
    status_code      smallint,
    -- latest status code that has an effect on the state (200, 202, 4xx, 5xx)
    effective_code   smallint,
    -- latest power code (600 and above)
    power_code       smallint,
    last_seen        timestamptz,
    -- set by the stand's last will or by offline detection, cleared by any message
    offline          boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- One row per status message; "latest" is always read with this index, newest first.
CREATE TABLE status_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stand_id    text NOT NULL REFERENCES stands (id) ON DELETE CASCADE ON UPDATE CASCADE,
    code        smallint NOT NULL,
    sent_by     text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX status_history_stand_newest ON status_history (stand_id, received_at DESC, id DESC);
CREATE INDEX status_history_received_at ON status_history (received_at);

CREATE TYPE user_role AS ENUM ('admin', 'operator', 'viewer');

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.@+-]{1,150}$'),
    email         text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    role          user_role NOT NULL DEFAULT 'viewer',
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_login    timestamptz
);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '',
    -- SHA-256 of the token; the token itself is shown once and never stored
    token_hash   bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked      boolean NOT NULL DEFAULT false
);

CREATE TABLE sessions (
    id          text PRIMARY KEY,
    data        bytea NOT NULL,
    expiry_date timestamptz NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expiry_date);

CREATE TABLE login_attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username     text NOT NULL,
    remote       text NOT NULL DEFAULT '',
    succeeded    boolean NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_recent ON login_attempts (lower(username), attempted_at DESC);

CREATE TYPE run_state AS ENUM ('sent', 'running', 'completed', 'failed', 'timed_out');

-- A test started from the web interface.
CREATE TABLE runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stand_id     text NOT NULL REFERENCES stands (id) ON DELETE CASCADE ON UPDATE CASCADE,
    state        run_state NOT NULL DEFAULT 'sent',
    requested_by text NOT NULL,
    user_id      bigint REFERENCES users (id) ON DELETE SET NULL,
    requested_at timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    parameters   jsonb NOT NULL DEFAULT '{}',
    commands     jsonb NOT NULL DEFAULT '[]',
    keep         boolean NOT NULL DEFAULT false,
    error        text
);
-- At most one run in progress per stand.
CREATE UNIQUE INDEX runs_one_in_progress ON runs (stand_id) WHERE state IN ('sent', 'running');
CREATE INDEX runs_stand_newest ON runs (stand_id, requested_at DESC);

-- The command message published for a run (or any other outbound message).
CREATE TABLE outbound_commands (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       bigint REFERENCES runs (id) ON DELETE CASCADE,
    stand_id     text NOT NULL REFERENCES stands (id) ON DELETE CASCADE ON UPDATE CASCADE,
    topic        text NOT NULL,
    payload      jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    error        text
);

-- A data message from a stand.
CREATE TABLE results (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stand_id         text NOT NULL REFERENCES stands (id) ON DELETE CASCADE ON UPDATE CASCADE,
    run_id           bigint UNIQUE REFERENCES runs (id) ON DELETE SET NULL,
    sent_by          text NOT NULL,
    protocol_version double precision NOT NULL,
    status_code      smallint NOT NULL,
    received_at      timestamptz NOT NULL DEFAULT now(),
    commands         jsonb,
    parameters       jsonb,
    -- the dataObj exactly as received (json keeps the text, key order and number spelling)
    data             json NOT NULL,
    keep             boolean NOT NULL DEFAULT false,
    point_count      bigint NOT NULL DEFAULT 0
);
CREATE INDEX results_newest ON results (received_at DESC, id DESC);
CREATE INDEX results_stand_newest ON results (stand_id, received_at DESC);
CREATE INDEX results_retention ON results (received_at) WHERE NOT keep;

-- Each series of a result, in the order it came; numeric ones also as float8[] so plots and
-- exports of a million points read one binary array instead of parsing JSON.
CREATE TABLE result_series (
    result_id bigint NOT NULL REFERENCES results (id) ON DELETE CASCADE,
    position  integer NOT NULL,
    name      text NOT NULL,
    numeric   boolean NOT NULL,
    len       integer NOT NULL,
    "values"  double precision[],
    PRIMARY KEY (result_id, position),
    CHECK (numeric = ("values" IS NOT NULL))
);

-- Rejected inbound messages: nothing is dropped silently.
CREATE TABLE quarantine (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic       text NOT NULL,
    reason      text NOT NULL,
    size        bigint NOT NULL,
    -- NULL when the payload was above MAX_PAYLOAD_BYTES: only its size is kept
    payload     bytea,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quarantine_newest ON quarantine (received_at DESC, id DESC);

-- Receipts of QoS 2 deliveries stored but whose exchange the broker has not completed (no
-- PUBREL yet). A delivery on a later connection with the same payload is the broker's
-- redelivery of a stored message: acknowledged, not stored twice. Deleted on PUBREL.
CREATE TABLE inbound_receipts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id    text NOT NULL,
    connection   bigint NOT NULL,
    packet_id    integer NOT NULL,
    payload_hash bytea NOT NULL,
    stored_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inbound_receipts_hash ON inbound_receipts (client_id, payload_hash);
CREATE INDEX inbound_receipts_packet ON inbound_receipts (client_id, packet_id, id DESC);

CREATE TABLE job_runs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job          text NOT NULL,
    instance     text NOT NULL DEFAULT '',
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    outcome      text NOT NULL DEFAULT 'running' CHECK (outcome IN ('running', 'ok', 'failed')),
    rows_touched bigint NOT NULL DEFAULT 0,
    error        text
);
CREATE INDEX job_runs_newest ON job_runs (job, started_at DESC);
