//! Running the runtime as a service: two listeners, the worker pool, the periodic chores,
//! and a graceful shutdown threaded through one `CancellationToken`.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::RuntimeError;
use crate::listener::{self, ConnectionTable};
use crate::service::Service;
use crate::time::now_ms;
use crate::{admin, intake, worker};

/// How a service run ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StopReport {
    /// Runs in flight when the shutdown began.
    pub in_flight: usize,
    /// Runs still in flight when the grace period ended, put back in the queue.
    pub released: u64,
    /// Runs left queued in the store for the next start.
    pub queued: i64,
}

/// A runtime that checked its credential and bound its listeners, ready to [`serve`](Started::serve).
#[derive(Debug)]
pub struct Started {
    service: Service,
    hook: TcpListener,
    admin: TcpListener,
}

/// Checks the settings and the credential (a refused one is an error: the service would
/// fail every run), then binds both listeners.
pub async fn start(service: Service) -> Result<Started, RuntimeError> {
    service.config().validate()?;
    if let Some(why) = crate::triggers::missing(service.flows(), service.config())
        .or_else(|| crate::signals::missing(service.flows().all(), service.config()))
    {
        return Err(RuntimeError::Config(why));
    }
    service
        .check_credential()
        .await
        .map_err(RuntimeError::CredentialRefused)?;
    let bind = |addr: SocketAddr| async move {
        TcpListener::bind(addr)
            .await
            .map_err(|source| RuntimeError::Bind { addr, source })
    };
    let hook = bind(service.config().listen).await?;
    let admin = bind(service.config().admin_listen).await?;
    Ok(Started {
        service,
        hook,
        admin,
    })
}

/// A token cancelled on the first SIGTERM or SIGINT (the same signal to the program). A
/// second signal while stopping exits the process at once with [`EXIT_ON_SECOND_SIGNAL`]:
/// runs still in flight are not committed, and their leases expire so that the next start
/// (or another replica) runs them again.
pub fn shutdown_on_signals() -> CancellationToken {
    let token = CancellationToken::new();
    let cancel = token.clone();
    // Registered before this returns: a signal that comes right after (a supervisor that
    // stops the service as soon as it says it is up) is a graceful stop, not a kill.
    let signals = Signals::new();
    tokio::spawn(async move {
        let Some(mut signals) = signals else {
            return;
        };
        signals.next().await;
        tracing::info!("shutdown signal received; a second one exits at once");
        cancel.cancel();
        signals.next().await;
        tracing::warn!(
            "second shutdown signal: exiting now; runs in flight run again when their leases expire"
        );
        std::process::exit(EXIT_ON_SECOND_SIGNAL);
    });
    token
}

/// The exit code after a second SIGTERM or SIGINT (128 + SIGINT, as shells report it).
pub const EXIT_ON_SECOND_SIGNAL: i32 = 130;

/// SIGTERM and SIGINT as one stream.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Option<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let term = signal(SignalKind::terminate()).ok();
            let int = signal(SignalKind::interrupt()).ok();
            if term.is_none() && int.is_none() {
                return None;
            }
            Some(Signals { term, int })
        }
        #[cfg(not(unix))]
        {
            Some(Signals {})
        }
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        {
            let term = async {
                match &mut self.term {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            let int = async {
                match &mut self.int {
                    Some(s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = term => {}
                () = int => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The chores of the runtime itself: the credential check.
async fn upkeep(service: Service, stop: CancellationToken) {
    let config = service.config().clone();
    let mut credential = tokio::time::interval(config.credential_check);
    credential.tick().await;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = credential.tick() => {
                if let Err(e) = service.check_credential().await {
                    tracing::error!(error = %e, "the service refused the credential; not ready");
                }
            }
        }
    }
}

/// Retention (`--history-days`): at start and every hour, the runs that ended before the
/// history's days and the events they held are deleted, [`crate::PRUNE_BATCH`] runs a
/// transaction, while the workers go on.
async fn retention(service: Service, stop: CancellationToken) {
    let history = i64::try_from(service.config().history.as_millis()).unwrap_or(i64::MAX);
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = every.tick() => {}
        }
        let before = now_ms().saturating_sub(history);
        let started = std::time::Instant::now();
        match service
            .store()
            .prune(before, crate::PRUNE_BATCH, &stop)
            .await
        {
            Ok(pruned) if pruned.runs == 0 && pruned.events == 0 => {}
            Ok(pruned) => tracing::info!(
                runs = pruned.runs,
                events = pruned.events,
                batches = pruned.batches,
                seconds = started.elapsed().as_secs_f64(),
                "pruned runs past the history's retention"
            ),
            Err(e) => tracing::warn!(error = %e, "cannot prune the history"),
        }
    }
}

impl Started {
    /// The hook listener's address.
    pub fn hook_addr(&self) -> SocketAddr {
        self.hook
            .local_addr()
            .unwrap_or(self.service.config().listen)
    }

    /// The admin listener's address.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin
            .local_addr()
            .unwrap_or(self.service.config().admin_listen)
    }

    /// Serves until `stop` is cancelled, then stops accepting (503), lets runs in flight
    /// finish within the grace period, puts back the ones that did not, and returns.
    ///
    /// One shutdown signal, the service's, with children: its first stage (`stopping`)
    /// ends claiming and the triggers' chores and turns the hook to 503; the root, at the
    /// end, closes both listeners and ends the other chores.
    pub async fn serve(self, stop: CancellationToken) -> StopReport {
        let Started {
            service,
            hook,
            admin,
        } = self;
        let closing = service.shutdown().clone();
        let stopping = service.stopping().clone();
        let table = ConnectionTable::new(service.config().limits.clone());
        if table.cap() < service.config().limits.max_connections {
            tracing::warn!(
                cap = table.cap(),
                asked = service.config().limits.max_connections,
                "the descriptor limit lowers the connection cap"
            );
        }
        let serve_on = |listener: TcpListener, router: axum::Router| {
            tokio::spawn(listener::serve(
                listener,
                router,
                table.clone(),
                closing.child_token(),
                Duration::from_secs(2),
            ))
        };
        let hook_task = serve_on(hook, intake::router(service.clone()));
        let admin_bound = admin.local_addr().unwrap_or(service.config().admin_listen);
        let admin_task = serve_on(admin, admin::router_on(service.clone(), admin_bound));
        let tracker = TaskTracker::new();
        let pool = tokio::spawn(worker::pool(
            service.clone(),
            stopping.child_token(),
            tracker.clone(),
        ));
        let mut chores: Vec<_> = crate::triggers::chores(&service, &stopping)
            .into_iter()
            .map(tokio::spawn)
            .collect();
        chores.push(tokio::spawn(upkeep(service.clone(), closing.child_token())));
        // Retention ends with the first stage: a deletion under way stops between batches.
        chores.push(tokio::spawn(retention(
            service.clone(),
            stopping.child_token(),
        )));

        tokio::select! {
            () = stop.cancelled() => {}
            () = stopping.cancelled() => {}
        }
        service.begin_shutdown();
        let _ = pool.await;
        tracker.close();
        let in_flight = tracker.len();
        tracing::info!(
            in_flight,
            grace_s = service.config().grace.as_secs_f64(),
            "stopping: deliveries answered 503, finishing runs in flight"
        );
        let mut report = StopReport {
            in_flight,
            ..StopReport::default()
        };
        if tokio::time::timeout(service.config().grace, tracker.wait())
            .await
            .is_err()
        {
            report.released = service.store().release(service.owner()).await.unwrap_or(0);
            tracing::warn!(
                released = report.released,
                "grace period over: runs still in flight put back in the queue"
            );
        }
        report.queued = service
            .store()
            .queue()
            .await
            .map(|(depth, _)| depth)
            .unwrap_or(0);
        tracing::info!(
            in_flight = report.in_flight,
            released = report.released,
            queued = report.queued,
            "stopped; queued runs run at the next start"
        );
        closing.cancel();
        for chore in chores {
            let _ = chore.await;
        }
        for task in [hook_task, admin_task] {
            let _ = tokio::time::timeout(Duration::from_secs(3), task).await;
        }
        service.store().close().await;
        report
    }
}
