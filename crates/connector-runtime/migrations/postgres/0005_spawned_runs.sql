-- Runs started by a flow's `spawn` step: linked to the run that started them, and how
-- many spawns deep they are (bounded at run time). Such a run is keyed on (spawning run,
-- step, item) through `event_key`, so the unique index on (event_key, flow) creates it
-- once however often the spawning step runs again.
ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
ALTER TABLE runs ADD COLUMN spawn_depth BIGINT NOT NULL DEFAULT 0;
CREATE INDEX runs_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;
