-- Flow History and retention at a million runs (`cargo xtask bench --only history`).
-- A flow's runs, and a flow's runs with one outcome, newest first: read through an index
-- in the page's order instead of every run of an outcome (runs_outcome) or every run.
CREATE INDEX runs_flow ON runs (flow, created_ms, run_id);
CREATE INDEX runs_flow_outcome ON runs (flow, outcome, created_ms, run_id);
-- Retention (`--history-days`): the ended runs past the history's days, oldest first, a
-- batch at a time, and the events no run holds any more, by the time they were received.
CREATE INDEX runs_ended ON runs ((COALESCE(finished_ms, created_ms)))
    WHERE state IN ('finished', 'deadLettered', 'cancelled');
CREATE INDEX events_received ON events (received_ms);
