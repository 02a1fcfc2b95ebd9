//! A SQLite store in a temporary folder, removed when dropped (the demo, tests).

use std::path::{Path, PathBuf};

/// A temporary SQLite file: `url()` for [`Store::open`](super::Store::open). It lives in a
/// private folder of its own (`tempfile`), so the file and its WAL companions go with the
/// folder on drop.
#[derive(Debug)]
pub struct TempDb {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
}

impl Default for TempDb {
    fn default() -> Self {
        TempDb::new()
    }
}

impl TempDb {
    /// A fresh file in a new folder of the system's temporary folder; should the folder
    /// not be creatable there, a fresh name beside it (removed on drop all the same).
    pub fn new() -> TempDb {
        match tempfile::Builder::new().prefix("connector-").tempdir() {
            Ok(dir) => TempDb {
                path: dir.path().join("connector.db"),
                dir: Some(dir),
            },
            Err(_) => TempDb {
                path: std::env::temp_dir()
                    .join(format!("connector-{}.db", uuid::Uuid::new_v4().simple())),
                dir: None,
            },
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `sqlite://<path>`.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        if self.dir.is_none() {
            for suffix in ["", "-wal", "-shm"] {
                let mut path = self.path.clone().into_os_string();
                path.push(suffix);
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TempDb;

    #[test]
    fn the_file_and_its_companions_go_with_the_value() {
        let db = TempDb::new();
        let wal = db.path().with_extension("db-wal");
        std::fs::write(db.path(), b"x").unwrap();
        std::fs::write(&wal, b"x").unwrap();
        assert!(db.url().starts_with("sqlite://"));
        let path = db.path().to_owned();
        drop(db);
        assert!(!path.exists() && !wal.exists());
    }
}
