-- A run started on a stand whose state was unknown or quiet (offline by silence, or an
-- error report), after the operator confirmed "start anyway".
ALTER TABLE runs ADD COLUMN confirmed_unheard boolean NOT NULL DEFAULT false;
