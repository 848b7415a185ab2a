-- A run can be cancelled by an operator (a stand that never answered no longer blocks new
-- starts for max_test_seconds): the state, who and when. A result that arrives after the
-- cancel is still stored with the run.
ALTER TYPE run_state ADD VALUE IF NOT EXISTS 'cancelled';
ALTER TABLE runs ADD COLUMN cancelled_by text, ADD COLUMN cancelled_at timestamptz;
