-- Flows as data: a run is about a subject (what the flow's `subject` template renders,
-- not a user id), keeps the flow definition it started with (by content hash), may be a
-- re-run of another run, and journals each step before the next one starts. One run per
-- event and flow still holds for deliveries; a re-run is another run of the same event.
-- (SQLite rebuilds the table to the same shape; a test holds the two schemas equal.)
ALTER TABLE runs RENAME COLUMN user_id TO subject;
ALTER TABLE runs ADD COLUMN definition_hash TEXT;
ALTER TABLE runs ADD COLUMN rerun_of TEXT;
ALTER TABLE runs DROP CONSTRAINT runs_event_key_flow_key;
CREATE UNIQUE INDEX runs_once_per_event ON runs (event_key, flow) WHERE rerun_of IS NULL;

-- The flow definitions runs started with, by the hash of their text.
CREATE TABLE flow_definitions (
    hash TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    source TEXT NOT NULL
);

-- Every try's steps, in the order they were committed. `record` is the step's JSON
-- (input, output, error, attempts, timings); a step is committed before the next starts.
CREATE TABLE steps (
    run_id TEXT NOT NULL,
    seq BIGINT NOT NULL,
    try_no BIGINT NOT NULL,
    step_id TEXT NOT NULL,
    record TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
