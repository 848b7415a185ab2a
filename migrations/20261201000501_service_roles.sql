-- Least privilege in PostgreSQL (issue 11): each service connects as its own role with only
-- the grants it needs; only the role that runs `webinterface migrate` owns the schema.
--
--   standhub_web        the web interface: reads and writes the data (it is the admin's tool),
--                       never owns or alters the schema
--   standhub_handler    the message handler: stands, status, runs, results, quarantine,
--                       receipts (not the accounts: users, sessions, tokens)
--   standhub_scheduler  the scheduler: its job records, run time-outs, offline marks, the
--                       deletions of retention and pruning
--   standhub_video      the relay: stands and their camera URLs; the accounts only to check a
--                       login (users without the password hash)
--
-- The roles are made here NOLOGIN when they do not exist yet and the migrating role may
-- create roles; deployments give them a password and LOGIN (docker-compose:
-- postgres/10-service-roles.sh; the native topology: test-cases/run-native-stack.sh).
-- When they cannot be made, nothing is granted and the services keep using the owner's URL.
--
-- A later migration that adds a table grants what the handler, scheduler and relay need of
-- it; the web interface gets read and write on new tables by the default privileges below.
DO $$
DECLARE
    r text;
    can_create boolean;
BEGIN
    SELECT rolsuper OR rolcreaterole INTO can_create FROM pg_roles WHERE rolname = current_user;
    FOREACH r IN ARRAY ARRAY['standhub_web', 'standhub_handler', 'standhub_scheduler',
                             'standhub_video'] LOOP
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) THEN
            IF NOT can_create THEN
                RAISE NOTICE 'role % does not exist and % may not create it: not granted',
                    r, current_user;
                CONTINUE;
            END IF;
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', r);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- made at the same moment by another migration of the same cluster
            END;
        END IF;
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), r);
        EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', r);
        EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', r);
        EXECUTE format('REVOKE CREATE ON SCHEMA public FROM %I', r);
    END LOOP;

    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'standhub_web') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO standhub_web;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public
            GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO standhub_web;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public
            GRANT USAGE, SELECT ON SEQUENCES TO standhub_web;
    END IF;

    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'standhub_handler') THEN
        GRANT SELECT, INSERT, UPDATE ON stands TO standhub_handler;
        GRANT SELECT, INSERT ON status_history TO standhub_handler;
        GRANT SELECT, UPDATE ON runs TO standhub_handler;
        GRANT SELECT ON outbound_commands TO standhub_handler;
        GRANT SELECT, INSERT ON results, result_series TO standhub_handler;
        GRANT SELECT, INSERT, UPDATE ON quarantine TO standhub_handler;
        GRANT SELECT, INSERT, UPDATE, DELETE ON inbound_receipts TO standhub_handler;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public
            GRANT USAGE, SELECT ON SEQUENCES TO standhub_handler;
    END IF;

    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'standhub_scheduler') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON job_runs TO standhub_scheduler;
        GRANT SELECT, UPDATE ON stands, runs TO standhub_scheduler;
        GRANT SELECT, DELETE ON results, result_series, status_history, quarantine,
            inbound_receipts, sessions, login_attempts TO standhub_scheduler;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public
            GRANT USAGE, SELECT ON SEQUENCES TO standhub_scheduler;
    END IF;

    IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'standhub_video') THEN
        GRANT SELECT, INSERT ON stands TO standhub_video;
        GRANT UPDATE (camera_url) ON stands TO standhub_video;
        GRANT SELECT (id, username, email, role, active, created_at, last_login)
            ON users TO standhub_video;
        GRANT SELECT ON api_tokens, sessions TO standhub_video;
        GRANT UPDATE (last_used_at) ON api_tokens TO standhub_video;
    END IF;
END
$$;
