//! One transaction on either backend, with the few statement shapes the tables need
//! (execute, rows, one number, one text), each bound from a list of typed arguments so
//! that the same SQL text runs on SQLite and Postgres.

use sqlx::{Postgres, Sqlite, Transaction};

use super::super::{Pool, Store};

/// A typed argument (typed even when null: Postgres checks a parameter's type).
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    Text(Option<String>),
    Real(Option<f64>),
    Int(Option<i64>),
}

/// A row as stored: its id, its columns' JSON, when it was created and last updated.
pub(crate) type StoredRow = (String, String, i64, i64);

/// An open transaction.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

macro_rules! bound {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Text(v) => query.bind(v.clone()),
                Arg::Real(v) => query.bind(*v),
                Arg::Int(v) => query.bind(*v),
            };
        }
        query
    }};
}

macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            Tx::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

impl Tx {
    /// Begins a transaction that writes: on SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so that a read first never has to be upgraded later.
    pub(crate) async fn begin(store: &Store) -> Result<Tx, sqlx::Error> {
        Ok(match &store.pool {
            Pool::Sqlite(pool) => Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// True on Postgres.
    pub(crate) fn postgres(&self) -> bool {
        matches!(self, Tx::Postgres(_))
    }

    /// Runs a statement; the rows it changed.
    pub(crate) async fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, sqlx::Error> {
        Ok(
            on_tx!(self, conn => bound!(sqlx::query(sql), args).execute(conn).await?.rows_affected()),
        )
    }

    /// Rows of `(row_id, data, created_ms, updated_ms)`.
    pub(crate) async fn rows(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> Result<Vec<StoredRow>, sqlx::Error> {
        on_tx!(self, conn => bound!(sqlx::query_as::<_, StoredRow>(sql), args).fetch_all(conn).await)
    }

    /// One number (a count).
    pub(crate) async fn number(&mut self, sql: &str, args: &[Arg]) -> Result<i64, sqlx::Error> {
        let (n,): (i64,) =
            on_tx!(self, conn => bound!(sqlx::query_as(sql), args).fetch_one(conn).await?);
        Ok(n)
    }

    /// Pairs of texts (names and definitions).
    pub(crate) async fn pairs(
        &mut self,
        sql: &str,
        args: &[Arg],
    ) -> Result<Vec<(String, String)>, sqlx::Error> {
        on_tx!(self, conn => bound!(sqlx::query_as::<_, (String, String)>(sql), args).fetch_all(conn).await)
    }

    /// Commits.
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }

    /// Rolls back (also what dropping it does).
    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.rollback().await,
            Tx::Postgres(tx) => tx.rollback().await,
        }
    }
}
