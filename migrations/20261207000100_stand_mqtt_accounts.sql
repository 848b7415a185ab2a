-- The stands' own accounts on the all-in-one launcher's embedded broker: the user name is the
-- stand id, and the account may publish only to that stand's inbound topics and subscribe
-- only to its outbound ones (the broker enforces it). Made by `webinterface stand-account`
-- or the admin's stand page, which print the password once; only its SHA-256 is kept (the
-- passwords are 96 random bits, so a fast hash is enough). The launcher's broker reads the
-- table; docker-compose's Mosquitto keeps its own accounts (mosquitto/add-user.sh).
-- No reference to `stands`: an account may be made before its stand's first message, as
-- with add-user.sh.
CREATE TABLE stand_mqtt_accounts (
    stand_id        text PRIMARY KEY,
    password_sha256 bytea NOT NULL CHECK (octet_length(password_sha256) = 32),
    created_at      timestamptz NOT NULL DEFAULT now()
);
