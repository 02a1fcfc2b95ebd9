//! Flow History's pages: runs newest first, filtered by flow, outcome, state, subject
//! (a substring) and time, paged by a cursor. The statement is built with sqlx's
//! `QueryBuilder`, every value bound, never written into the SQL.

use super::model::RunRow;
use super::queries::RUN_COLUMNS;
use super::{HistoryQuery, Page, Pool, Store, StoreError};

/// Milliseconds since the epoch of an RFC 3339 time (before the epoch, or unreadable: 0).
fn millis(text: &str) -> i64 {
    humantime::parse_rfc3339_weak(text)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A filter's value, unless empty.
fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Runs a subject filter looks at, at most, per page: the newest that match the other
/// filters (and the cursor). A substring cannot be found through an index, so without a
/// bound one page could read every run; with it, a page may hold fewer runs than its
/// limit (none, even) and still have a next cursor, which goes on from where its look
/// ended.
pub const SUBJECT_SCAN: i64 = 10_000;

/// Pushes the filters of `$query` but the subject's, and its cursor, on `$sql`.
macro_rules! push_filters {
    ($sql:expr, $query:expr) => {{
        let sql = &mut $sql;
        let query: &HistoryQuery = $query;
        for (column, value) in [
            ("outcome", &query.outcome),
            ("state", &query.state),
            ("flow", &query.flow),
        ] {
            if let Some(value) = text(value) {
                sql.push(format!(" AND {column} = ")).push_bind(value);
            }
        }
        if let Some(since) = text(&query.since) {
            sql.push(" AND created_ms >= ").push_bind(millis(&since));
        }
        if let Some(until) = text(&query.until) {
            sql.push(" AND created_ms < ").push_bind(millis(&until));
        }
        if let Some((created, id)) = query.cursor.as_deref().and_then(|c| c.split_once(':')) {
            let created: i64 = created.parse().unwrap_or(i64::MAX);
            sql.push(" AND (created_ms < ")
                .push_bind(created)
                .push(" OR (created_ms = ")
                .push_bind(created)
                .push(" AND run_id < ")
                .push_bind(id.to_owned())
                .push("))");
        }
    }};
}

/// The rows of one page (one more than `limit`, to know whether another page follows), on
/// the pool `$pool` of the database `$db`; `$find` is its substring function. With a
/// subject, also the key of the last run looked at when the look reached [`SUBJECT_SCAN`].
macro_rules! page_rows {
    ($pool:expr, $db:ty, $query:expr, $limit:expr, $find:expr) => {{
        let query: &HistoryQuery = $query;
        const ORDER: &str = " ORDER BY created_ms DESC, run_id DESC";
        match text(&query.subject) {
            None => {
                let mut sql = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {RUN_COLUMNS} FROM runs WHERE 1 = 1"
                ));
                push_filters!(sql, query);
                sql.push(ORDER).push(" LIMIT ").push_bind($limit + 1);
                let rows: Vec<RunRow> = sql.build_query_as().fetch_all($pool).await?;
                (rows, None)
            }
            Some(subject) => {
                // The newest SUBJECT_SCAN runs the other filters keep, then the subject
                // among them.
                let mut sql = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {RUN_COLUMNS} FROM (SELECT {RUN_COLUMNS} FROM runs WHERE 1 = 1"
                ));
                push_filters!(sql, query);
                sql.push(ORDER)
                    .push(" LIMIT ")
                    .push_bind(SUBJECT_SCAN)
                    .push(format!(
                        ") AS recent WHERE {}(COALESCE(subject, ''), ",
                        $find
                    ))
                    .push_bind(subject)
                    .push(")")
                    .push(" > 0")
                    .push(ORDER)
                    .push(" LIMIT ")
                    .push_bind($limit + 1);
                let rows: Vec<RunRow> = sql.build_query_as().fetch_all($pool).await?;
                let looked_to = if rows.len() as i64 > $limit {
                    None
                } else {
                    let mut last = sqlx::QueryBuilder::<$db>::new(
                        "SELECT created_ms, run_id FROM runs WHERE 1 = 1",
                    );
                    push_filters!(last, query);
                    last.push(ORDER)
                        .push(" LIMIT 1 OFFSET ")
                        .push_bind(SUBJECT_SCAN - 1);
                    let row: Option<(i64, String)> =
                        last.build_query_as().fetch_optional($pool).await?;
                    row
                };
                (rows, looked_to)
            }
        }
    }};
}

impl Store {
    /// A page of runs, newest first.
    pub async fn history(&self, query: &HistoryQuery) -> Result<Page, StoreError> {
        let limit = i64::from(query.limit.unwrap_or(50).clamp(1, 500));
        let (mut rows, looked_to): (Vec<RunRow>, Option<(i64, String)>) = match &self.pool {
            Pool::Sqlite(pool) => page_rows!(pool, sqlx::Sqlite, query, limit, "INSTR"),
            Pool::Postgres(pool) => page_rows!(pool, sqlx::Postgres, query, limit, "STRPOS"),
        };
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(50));
        let next_cursor = if more {
            rows.last()
                .map(|r| format!("{}:{}", r.created_ms, r.run_id))
        } else {
            // A subject's look that stopped at its bound goes on from where it stopped.
            looked_to.map(|(created, id)| format!("{created}:{id}"))
        };
        let mut runs = Vec::with_capacity(rows.len());
        for row in rows {
            let steps = self.steps(&row.run_id).await?;
            runs.push(row.into_run(steps));
        }
        Ok(Page { runs, next_cursor })
    }
}
