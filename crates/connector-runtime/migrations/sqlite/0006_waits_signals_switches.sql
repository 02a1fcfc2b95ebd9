-- Durable time and signals. A `waiting` run is parked until `due_ms`, its wake time (the
-- end of a `wait: {for|until}`, or a signal's timeout): it holds no lease, and a claim finds
-- it through runs_wake once that time has come. `waiting_for` is what the run's JSON shows
-- (`{"wakeAt"}` or `{"signal","until"}`); `wait_signal` and `wait_step` are the signal's
-- name and the step it completes. `cancel_requested` asks a running run to end as
-- `cancelled` at its next step boundary.
ALTER TABLE runs ADD COLUMN waiting_for TEXT;
ALTER TABLE runs ADD COLUMN wait_signal TEXT;
ALTER TABLE runs ADD COLUMN wait_step TEXT;
ALTER TABLE runs ADD COLUMN cancel_requested BIGINT NOT NULL DEFAULT 0;
CREATE INDEX runs_wake ON runs (due_ms) WHERE state = 'waiting';

-- Signals accepted with an Idempotency-Key, scoped by the run: the same key again answers
-- as the first delivery did (202), even after the run moved on, and moves nothing.
CREATE TABLE signals (
    run_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    name TEXT NOT NULL,
    received_ms BIGINT NOT NULL,
    PRIMARY KEY (run_id, idempotency_key)
);

-- Flows as operated: a disabled flow's triggers start nothing, on every replica of the
-- store. `connector serve` and `flow run` record the flows they load (enabled).
CREATE TABLE flow_switches (
    flow TEXT PRIMARY KEY NOT NULL,
    enabled BIGINT NOT NULL,
    changed_ms BIGINT NOT NULL
);
