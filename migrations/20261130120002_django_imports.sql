-- What `webinterface import-django` took over from the old (Django) stack, by the old row's
-- table and id: a second import skips what is recorded here, so nothing is stored twice.
CREATE TABLE django_imports (
    -- the old table: 'package' (demo_module_inbound_teststand_package), 'result'
    -- (demo_module_result) or 'status' (demo_module_status)
    kind        text NOT NULL,
    old_id      bigint NOT NULL,
    -- the new result's id (NULL for status rows, which become status history)
    result_id   bigint REFERENCES results (id) ON DELETE SET NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, old_id)
);
