-- Events seen, keyed on their uuid (or the delivery's eventId and the index): the
-- de-duplication key survives restarts and is shared by every process on the store.
CREATE TABLE events (
    event_key TEXT PRIMARY KEY NOT NULL,
    event_type TEXT NOT NULL,
    received_ms BIGINT NOT NULL
);

-- One run per event and flow: the queue and Flow History in one table. A run is
-- `queued` (due at due_ms), `running` (claimed by lease_owner until lease_until_ms) or
-- `finished`; its outcome is the last try's.
CREATE TABLE runs (
    run_id TEXT PRIMARY KEY NOT NULL,
    event_key TEXT NOT NULL,
    flow TEXT NOT NULL,
    user_id TEXT,
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
    UNIQUE (event_key, flow)
);

CREATE INDEX runs_due ON runs (state, due_ms);
CREATE INDEX runs_created ON runs (created_ms, run_id);
CREATE INDEX runs_outcome ON runs (outcome, created_ms);
