-- When each scheduled flow was first loaded on this store: only fire times after it count
-- as missed. (A fire time's run is keyed on the flow and the time, by the runs table's
-- unique index, so replicas on one store start it once.)
CREATE TABLE schedules (
    flow TEXT PRIMARY KEY NOT NULL,
    first_seen_ms BIGINT NOT NULL
);
