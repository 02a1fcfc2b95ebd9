-- Tables (durable state for flows): each table declared in a flows folder's `tables.yaml`
-- as it was last applied (its columns and key, as JSON). Each table's rows live in a table
-- of its own, `_tbl_<name>` (created, altered and dropped as `tables.yaml` changes), with
-- one typed and indexed column per declared column beside the row's JSON.
CREATE TABLE table_defs (
    name TEXT PRIMARY KEY NOT NULL,
    definition TEXT NOT NULL,
    updated_ms BIGINT NOT NULL
);
