//! A throwaway PostgreSQL server for the runtime's scenarios, as the runtime's tests start
//! one: `initdb` and `pg_ctl` on a free loopback port in a temporary folder (as the
//! `postgres` user when the benchmark runs as root, which `initdb` refuses), stopped and
//! removed on drop.
//!
//! Commits are not flushed one by one (`synchronous_commit = off`): a commit survives the
//! server being killed, only a power cut may lose the last ones, which is what the SQLite
//! store's WAL with `synchronous = NORMAL` promises; the two are compared on equal terms.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The folder with `initdb` and `pg_ctl`: `PG_BIN`, the `PATH`, or Debian's
/// `/usr/lib/postgresql/*/bin`.
fn bin() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path().join("bin"))
                .collect()
        })
        .unwrap_or_default();
    debian.sort();
    debian.reverse();
    on_path
        .into_iter()
        .chain(debian)
        .find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A running server; stopped and its folder removed on drop.
pub(crate) struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
}

impl Postgres {
    fn run(bin: &Path, tool: &str, args: &[&str]) -> Result<Output, String> {
        let program = bin.join(tool);
        let mut command = if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&program);
            c
        } else {
            Command::new(&program)
        };
        let out = command
            .args(args)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        if out.status.success() {
            Ok(out)
        } else {
            Err(format!(
                "{tool}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// Starts one, or says why not (no binaries: install the Debian package `postgresql`
    /// or set `PG_BIN`).
    pub(crate) fn start() -> Result<Postgres, String> {
        let bin = bin().ok_or(
            "no initdb/pg_ctl: install the Debian package postgresql, or set PG_BIN".to_owned(),
        )?;
        let dir = std::env::temp_dir().join(format!(
            "connector-bench-pg-{}-{}",
            std::process::id(),
            free_port()?
        ));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let server = Postgres {
            bin,
            dir,
            port: free_port()?,
        };
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&server.dir)
                .status()
                .map_err(|e| format!("chown: {e}"))?;
            if !status.success() {
                return Err(format!("chown {} failed", server.dir.display()));
            }
        }
        let data = server.data();
        Self::run(
            &server.bin,
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        )?;
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {} -c max_connections=200 \
             -c synchronous_commit=off -c shared_buffers=256MB -c max_wal_size=4GB",
            server.port,
            server.dir.display()
        );
        let log = server.dir.join("postgres.log");
        Self::run(
            &server.bin,
            "pg_ctl",
            &[
                "-D",
                &data,
                "-o",
                &options,
                "-l",
                &log.to_string_lossy(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        )?;
        Ok(server)
    }

    fn data(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    /// The URL of database `name` (`postgres` exists; others are made with [`Self::create`]).
    pub(crate) fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Makes an empty database `name` (letters, digits and `_`).
    pub(crate) async fn create(&self, name: &str) -> Result<String, String> {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("not a database name: {name}"));
        }
        execute(&self.url("postgres"), &format!("CREATE DATABASE {name}")).await?;
        Ok(self.url(name))
    }
}

/// Runs `sql` (one or more statements) on the database at `url`, on a connection of its own.
pub(crate) async fn execute(url: &str, sql: &str) -> Result<(), String> {
    let pool = sqlx::PgPool::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    sqlx::raw_sql(sql)
        .execute(&pool)
        .await
        .map_err(|e| e.to_string())?;
    pool.close().await;
    Ok(())
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data();
        let _ = Self::run(
            &self.bin,
            "pg_ctl",
            &["-D", &data, "-m", "immediate", "-w", "stop"],
        );
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
