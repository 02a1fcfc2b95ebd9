//! A SQLite store in a temporary file, removed when dropped (the demo, tests).

use std::path::PathBuf;

/// A temporary SQLite file: `url()` for [`Store::open`](super::Store::open); the file and its
/// WAL companions are removed on drop.
#[derive(Debug)]
pub struct TempDb {
    path: PathBuf,
}

impl Default for TempDb {
    fn default() -> Self {
        TempDb::new()
    }
}

impl TempDb {
    /// A fresh path in the system's temporary folder.
    pub fn new() -> TempDb {
        use rand::Rng;
        use rand::distr::Alphanumeric;
        let name: String = rand::rng()
            .sample_iter(Alphanumeric)
            .take(16)
            .map(char::from)
            .collect();
        TempDb {
            path: std::env::temp_dir().join(format!("connector-{name}.db")),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// `sqlite://<path>`.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}
