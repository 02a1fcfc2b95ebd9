//! The durable store: the queue of runs and Flow History, in SQLite (one process, a file)
//! or Postgres (replicas sharing one queue). Both speak the same SQL but for the claim,
//! where Postgres skips rows other replicas hold (`FOR UPDATE SKIP LOCKED`). Migrations are
//! files under `migrations/`, compiled in (`migrations.rs`) and run at start.

mod enqueue;
mod history;
mod journal;
mod migrations;
mod model;
mod operate;
mod queries;
mod rerun;
mod retention;
mod spawn;
mod tables;
mod temp;

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use enqueue::{Accepted, Delivered, Enqueued, NewRun};
pub use history::SUBJECT_SCAN;
pub(crate) use model::Claimed;
pub use model::{HistoryQuery, Page};
pub use operate::{Cancel, Signalled, signal_answer};
pub(crate) use queries::Completion;
pub(crate) use queries::fresh_key;
pub use queries::{COUNTS_RECENT, Rerun, Resume};
pub use retention::{PRUNE_BATCH, Pruned};
pub use spawn::{NewSpawn, Spawned};
pub(crate) use tables::StepWrite;
pub use tables::{Applied, ImportError, TablesError};
pub use temp::TempDb;

/// The default store: `connector.db` in the working directory.
pub const DEFAULT_STORE: &str = "sqlite://connector.db";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The URL is neither `sqlite://...` nor `postgres://...`.
    #[error("the store URL must start with sqlite:// or postgres:// (got {0})")]
    Scheme(String),
    /// There is no store there (`connector history` on a path that was never served).
    #[error("no store at {0}: run `connector serve` with this store first, or pass --store")]
    Missing(String),
    /// The database refused or failed.
    #[error("store: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("store migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The flow is disabled in this store (`connector flow disable`): no run was started.
    #[error("flow {0} is disabled in this store: `connector flow enable {0}` first")]
    Disabled(String),
}

#[derive(Clone, Debug)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A handle on the store; clones share the pool.
#[derive(Clone, Debug)]
pub struct Store {
    pool: Pool,
}

/// Runs the same statement on whichever pool the store has.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            Pool::Sqlite($pool) => $body,
            Pool::Postgres($pool) => $body,
        }
    };
}
use on_pool;

/// Hides the password of a database URL for messages.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("****"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "(an unparsable URL)".to_owned(),
    }
}

impl Store {
    /// Opens (creating a SQLite file if needed) and migrates the store at `url`.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url, true).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens a store that must exist already (`connector history`), and migrates it.
    pub async fn open_existing(url: &str) -> Result<Store, StoreError> {
        let store = Store::connect(url, false).await?;
        store.migrate().await?;
        Ok(store)
    }

    async fn connect(url: &str, create: bool) -> Result<Store, StoreError> {
        if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(create)
                // WAL with NORMAL sync: a commit survives the process being killed (the
                // log is in the OS's hands); only a power cut may lose the last commits.
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await
                .map_err(|e| match e {
                    sqlx::Error::Database(_) if !create => StoreError::Missing(url.to_owned()),
                    other => StoreError::Database(other),
                })?;
            Ok(Store {
                pool: Pool::Sqlite(pool),
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPoolOptions::new()
                .max_connections(10)
                .acquire_timeout(Duration::from_secs(5))
                .connect(url)
                .await?;
            Ok(Store {
                pool: Pool::Postgres(pool),
            })
        } else {
            Err(StoreError::Scheme(redact_url(url)))
        }
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                migrations::migrator(migrations::SQLITE)
                    .await?
                    .run(pool)
                    .await?
            }
            Pool::Postgres(pool) => {
                migrations::migrator(migrations::POSTGRES)
                    .await?
                    .run(pool)
                    .await?
            }
        }
        Ok(())
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> Result<(), StoreError> {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(|_| ()))?;
        Ok(())
    }

    /// Every table of the store with its columns, sorted (migrations excluded): both
    /// backends must give the same answer, which a test holds.
    pub async fn schema(&self) -> Result<Vec<(String, Vec<String>)>, StoreError> {
        let rows: Vec<(String, String)> = match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE '\\_%' ESCAPE '\\' AND m.name NOT LIKE 'sqlite%'",
                )
                .fetch_all(pool)
                .await?
            }
            Pool::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '\\_%'",
                )
                .fetch_all(pool)
                .await?
            }
        };
        let mut tables: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for (table, column) in rows {
            tables.entry(table).or_default().push(column);
        }
        Ok(tables
            .into_iter()
            .map(|(t, mut c)| {
                c.sort();
                (t, c)
            })
            .collect())
    }

    /// Every index on the store's tables as `table.index`, sorted (primary keys and the
    /// tables' row tables excluded): both backends must give the same answer, which a test
    /// holds.
    pub async fn indexes(&self) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String, String)> = match &self.pool {
            Pool::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' \
                     AND name NOT LIKE 'sqlite%' AND tbl_name NOT LIKE '\\_%' ESCAPE '\\'",
                )
                .fetch_all(pool)
                .await?
            }
            Pool::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT tablename::text, indexname::text FROM pg_indexes \
                     WHERE schemaname = current_schema() AND indexname NOT LIKE '%\\_pkey' \
                     AND tablename NOT LIKE '\\_%'",
                )
                .fetch_all(pool)
                .await?
            }
        };
        let mut names: Vec<String> = rows.into_iter().map(|(t, i)| format!("{t}.{i}")).collect();
        names.sort();
        Ok(names)
    }

    /// Closes the pool.
    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await);
    }
}
