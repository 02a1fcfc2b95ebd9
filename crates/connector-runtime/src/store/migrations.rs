//! The store's migrations, compiled into the binary: the files under `migrations/sqlite`
//! and `migrations/postgres`, listed here by name. They reach sqlx through its public
//! [`MigrationSource`] trait, as `sqlx::migrate!` would give them, but without sqlx's
//! macro crates (which build a second copy of sqlx and its drivers for the compiler).
//!
//! A migration is `NNNN_words.sql` in both folders; listing it here is the one step more.
//! The test `every_migration_file_is_listed` fails while a file is missing from the list.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// One migration: the file's name (`0001_runs.sql`) and its SQL.
type File = (&'static str, &'static str);

macro_rules! migrations {
    ($($name:literal),* $(,)?) => {
        /// The SQLite migrations, in order.
        pub(super) const SQLITE: &[File] =
            &[$(($name, include_str!(concat!("../../migrations/sqlite/", $name)))),*];
        /// The Postgres migrations, in order.
        pub(super) const POSTGRES: &[File] =
            &[$(($name, include_str!(concat!("../../migrations/postgres/", $name)))),*];
    };
}

migrations![
    "0001_runs.sql",
    "0002_flows_as_data.sql",
    "0003_schedules.sql",
    "0004_run_states.sql",
    "0005_spawned_runs.sql",
    "0006_waits_signals_switches.sql",
    "0007_tables.sql",
    "0008_history_at_scale.sql",
];

/// A list of embedded migration files, as sqlx reads a migrations folder.
#[derive(Debug, Clone, Copy)]
struct Embedded(&'static [File]);

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        Box::pin(async move {
            self.0
                .iter()
                .map(|&(name, sql)| migration(name, sql))
                .collect()
        })
    }
}

/// One file as `sqlx::migrate!` reads it: the version before the first `_`, the rest of
/// the name (underscores as spaces) as the description, `-- no-transaction` on the first
/// line to run it outside a transaction.
fn migration(name: &'static str, sql: &'static str) -> Result<Migration, BoxDynError> {
    let stem = name
        .strip_suffix(".sql")
        .ok_or_else(|| format!("migration {name} does not end in .sql"))?;
    let (version, words) = stem
        .split_once('_')
        .ok_or_else(|| format!("migration {name} is not NNNN_words.sql"))?;
    let version: i64 = version
        .parse()
        .map_err(|_| format!("migration {name} does not start with a number"))?;
    Ok(Migration::new(
        version,
        Cow::Owned(words.replace('_', " ")),
        MigrationType::Simple,
        Cow::Borrowed(sql),
        sql.starts_with("-- no-transaction"),
    ))
}

/// The migrator for one of the lists above.
pub(super) async fn migrator(
    files: &'static [File],
) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded(files)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_disk(backend: &str) -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn every_migration_file_is_listed() {
        for (backend, listed) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let listed: Vec<&str> = listed.iter().map(|(name, _)| *name).collect();
            assert_eq!(listed, on_disk(backend), "migrations/{backend}");
        }
    }

    /// The indexes the files of one backend leave, by name (created, less dropped).
    fn indexes(files: &[File]) -> Vec<String> {
        let mut names = std::collections::BTreeSet::new();
        for (_, sql) in files {
            let words: Vec<&str> = sql.split_whitespace().collect();
            for (i, w) in words.iter().enumerate() {
                let next = |k: usize| words.get(i + k).copied().unwrap_or_default();
                if w.eq_ignore_ascii_case("CREATE") {
                    let at = if next(1).eq_ignore_ascii_case("UNIQUE") {
                        2
                    } else {
                        1
                    };
                    if next(at).eq_ignore_ascii_case("INDEX") {
                        names.insert(next(at + 1).to_owned());
                    }
                } else if w.eq_ignore_ascii_case("DROP") && next(1).eq_ignore_ascii_case("INDEX") {
                    names.remove(next(2));
                }
            }
        }
        names.into_iter().collect()
    }

    #[test]
    fn both_backends_create_the_same_indexes() {
        let sqlite = indexes(SQLITE);
        assert!(sqlite.contains(&"runs_ended".to_owned()), "{sqlite:?}");
        assert!(
            sqlite.contains(&"runs_flow_outcome".to_owned()),
            "{sqlite:?}"
        );
        assert_eq!(sqlite, indexes(POSTGRES));
    }

    #[test]
    fn names_read_as_sqlx_reads_a_folder() {
        let m = migration("0002_flows_as_data.sql", "SELECT 1").unwrap();
        assert_eq!(m.version, 2);
        assert_eq!(m.description, "flows as data");
        assert!(!m.no_tx);
        assert!(migration("runs.sql", "").is_err());
        assert!(migration("x_runs.sql", "").is_err());
    }
}
