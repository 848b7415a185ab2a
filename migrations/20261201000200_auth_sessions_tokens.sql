-- Issue 11, sessions and tokens.
--
-- Sessions know their user, so a password change or a deactivation ends all of that user's
-- sessions at once, and when they started, for the absolute lifetime (SESSION_MAX_DAYS).
-- Existing sessions get their user from their data ({"user_id":N}); their lifetime counts
-- from this migration. A session whose user cannot be found is dropped (it could not log
-- anyone in anyway).
ALTER TABLE sessions ADD COLUMN user_id bigint REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE sessions ADD COLUMN created_at timestamptz NOT NULL DEFAULT now();
UPDATE sessions s SET user_id = u.id
FROM users u
WHERE u.id::text = substring(convert_from(s.data, 'UTF8') FROM '"user_id":\s*([0-9]+)');
DELETE FROM sessions WHERE user_id IS NULL;
ALTER TABLE sessions ALTER COLUMN user_id SET NOT NULL;
CREATE INDEX sessions_user ON sessions (user_id);

-- API tokens can expire; NULL is "never" (tokens made before this migration keep working).
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;

-- The login rate limit counts recent failures per user name and per address: one partial
-- index for each (the old index could not serve the per-address count, so every login scanned
-- the whole table), and one on the time for the scheduler's pruning.
DROP INDEX login_attempts_recent;
CREATE INDEX login_attempts_failed_user ON login_attempts (lower(username), attempted_at)
    WHERE NOT succeeded;
CREATE INDEX login_attempts_failed_remote ON login_attempts (remote, attempted_at)
    WHERE NOT succeeded;
CREATE INDEX login_attempts_time ON login_attempts (attempted_at);
