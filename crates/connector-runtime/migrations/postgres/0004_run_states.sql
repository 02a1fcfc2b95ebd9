-- A run's state is one column: `queued`, `running`, `retrying`, `finished` or
-- `deadLettered`; `outcome` holds only the flows' own outcomes (null for a dead-lettered
-- run). Earlier rows kept `retrying` and `deadLettered` in `outcome`.
UPDATE runs SET state = 'retrying', outcome = NULL WHERE state = 'queued' AND outcome = 'retrying';
UPDATE runs SET state = 'deadLettered', outcome = NULL, output = NULL
    WHERE state = 'finished' AND outcome = 'deadLettered';
-- Crash loops: how many claims in a row ended with the process dying before any step was
-- committed (`deaths`), and the journal's length when the run was last claimed.
ALTER TABLE runs ADD COLUMN deaths BIGINT NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN claim_steps BIGINT NOT NULL DEFAULT 0;
-- A re-run asked for with an Idempotency-Key (scoped by the run re-run): the same key
-- again answers the first re-run instead of making another.
ALTER TABLE runs ADD COLUMN rerun_key TEXT;
CREATE UNIQUE INDEX runs_rerun_key ON runs (rerun_key) WHERE rerun_key IS NOT NULL;
