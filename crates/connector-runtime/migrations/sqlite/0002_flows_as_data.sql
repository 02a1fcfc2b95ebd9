-- Flows as data: a run is about a subject (what the flow's `subject` template renders,
-- not a user id), keeps the flow definition it started with (by content hash), may be a
-- re-run of another run, and journals each step before the next one starts. One run per
-- event and flow still holds for deliveries; a re-run is another run of the same event.
-- SQLite cannot drop a table constraint, so the table is rebuilt (Postgres alters it).
CREATE TABLE runs_v2 (
    run_id TEXT PRIMARY KEY NOT NULL,
    event_key TEXT NOT NULL,
    flow TEXT NOT NULL,
    subject TEXT,
    event TEXT NOT NULL,
    state TEXT NOT NULL,
    outcome TEXT,
    tries BIGINT NOT NULL DEFAULT 0,
    schedule_from BIGINT NOT NULL DEFAULT 0,
    due_ms BIGINT NOT NULL,
    lease_owner TEXT,
    lease_until_ms BIGINT,
    created_ms BIGINT NOT NULL,
    started_ms BIGINT,
    finished_ms BIGINT,
    cards TEXT NOT NULL DEFAULT '[]',
    output TEXT,
    error TEXT,
    definition_hash TEXT,
    rerun_of TEXT
);
INSERT INTO runs_v2 (run_id, event_key, flow, subject, event, state, outcome, tries, schedule_from,
    due_ms, lease_owner, lease_until_ms, created_ms, started_ms, finished_ms, cards, output, error)
SELECT run_id, event_key, flow, user_id, event, state, outcome, tries, schedule_from,
    due_ms, lease_owner, lease_until_ms, created_ms, started_ms, finished_ms, cards, output, error
FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v2 RENAME TO runs;
CREATE INDEX runs_due ON runs (state, due_ms);
CREATE INDEX runs_created ON runs (created_ms, run_id);
CREATE INDEX runs_outcome ON runs (outcome, created_ms);
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
