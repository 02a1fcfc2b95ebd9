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

/// The rows of one page (one more than `limit`, to know whether another page follows), on
/// the pool `$pool` of the database `$db`; `$find` is its substring function.
macro_rules! page_rows {
    ($pool:expr, $db:ty, $query:expr, $limit:expr, $find:expr) => {{
        let query: &HistoryQuery = $query;
        let text = |value: &Option<String>| {
            value
                .as_deref()
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let mut sql =
            sqlx::QueryBuilder::<$db>::new(format!("SELECT {RUN_COLUMNS} FROM runs WHERE 1 = 1"));
        for (column, value) in [
            ("outcome", &query.outcome),
            ("state", &query.state),
            ("flow", &query.flow),
        ] {
            if let Some(value) = text(value) {
                sql.push(format!(" AND {column} = ")).push_bind(value);
            }
        }
        if let Some(subject) = text(&query.subject) {
            sql.push(format!(" AND {}(COALESCE(subject, ''), ", $find))
                .push_bind(subject)
                .push(") > 0");
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
        sql.push(" ORDER BY created_ms DESC, run_id DESC LIMIT ")
            .push_bind($limit + 1);
        sql.build_query_as::<RunRow>().fetch_all($pool).await?
    }};
}

impl Store {
    /// A page of runs, newest first.
    pub async fn history(&self, query: &HistoryQuery) -> Result<Page, StoreError> {
        let limit = i64::from(query.limit.unwrap_or(50).clamp(1, 500));
        let mut rows: Vec<RunRow> = match &self.pool {
            Pool::Sqlite(pool) => page_rows!(pool, sqlx::Sqlite, query, limit, "INSTR"),
            Pool::Postgres(pool) => page_rows!(pool, sqlx::Postgres, query, limit, "STRPOS"),
        };
        let more = rows.len() as i64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(50));
        let next_cursor = more
            .then(|| {
                rows.last()
                    .map(|r| format!("{}:{}", r.created_ms, r.run_id))
            })
            .flatten();
        let mut runs = Vec::with_capacity(rows.len());
        for row in rows {
            let steps = self.steps(&row.run_id).await?;
            runs.push(row.into_run(steps));
        }
        Ok(Page { runs, next_cursor })
    }
}
