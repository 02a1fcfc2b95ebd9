//! A throwaway `redis-server` for tests and benchmarks: a free loopback port, a temporary
//! directory, no persistence, killed on drop.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `redis-server` started by [`RedisServer::start`].
#[derive(Debug)]
pub struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

/// Why no server could be started.
#[derive(Debug)]
pub enum Unavailable {
    /// `redis-server` is not installed (the Debian package `redis-server` has it).
    NotInstalled,
    /// It is installed but did not start or answer.
    Failed(String),
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unavailable::NotInstalled => {
                f.write_str("redis-server is not installed (apt-get install -y redis-server)")
            }
            Unavailable::Failed(why) => write!(f, "redis-server did not start: {why}"),
        }
    }
}

impl RedisServer {
    /// Starts a server on a free loopback port.
    pub fn start() -> Result<RedisServer, Unavailable> {
        let port = free_port().map_err(|e| Unavailable::Failed(e.to_string()))?;
        RedisServer::start_on(port)
    }

    /// Starts a server on `port` (again, after [`kill`](RedisServer::kill)).
    pub fn start_on(port: u16) -> Result<RedisServer, Unavailable> {
        let dir = std::env::temp_dir().join(format!(
            "connector-redis-{}-{port}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).map_err(|e| Unavailable::Failed(e.to_string()))?;
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(&dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => Unavailable::NotInstalled,
                _ => Unavailable::Failed(e.to_string()),
            })?;
        let mut server = RedisServer {
            child: Some(child),
            port,
            dir,
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(5) {
                server.kill();
                return Err(Unavailable::Failed(format!(
                    "nothing listens on port {port} after 5 s"
                )));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        Ok(server)
    }

    /// Starts a server, or prints why not and returns `None` (a test then skips) when the
    /// binary is absent. Any other failure panics: a broken install must not pass as a skip.
    pub fn start_or_skip(test: &str) -> Option<RedisServer> {
        match RedisServer::start() {
            Ok(server) => Some(server),
            Err(Unavailable::NotInstalled) => {
                eprintln!(
                    "SKIPPED {test}: redis-server is not installed (apt-get install -y redis-server)"
                );
                None
            }
            Err(e) => panic!("{test}: {e}"),
        }
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:PORT/0`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// Kills the server (SIGKILL) and waits for it to go.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback port free right now.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}
