//! The runtime's shared state: the store, the flows, the metrics, readiness, and the signal
//! that wakes idle workers. Cheap to clone.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::RuntimeConfig;
use crate::flow::Flows;
use crate::metrics::Metrics;
use crate::store::Store;

/// A check of the service credential (for Okta: one cheap authenticated call).
pub type CredentialCheck =
    Arc<dyn Fn() -> Pin<Box<dyn Future<Output = connector_core::Result<()>> + Send>> + Send + Sync>;

const CREDENTIAL_UNKNOWN: u8 = 0;
const CREDENTIAL_ACCEPTED: u8 = 1;
const CREDENTIAL_REFUSED: u8 = 2;

struct Inner {
    store: Store,
    flows: Flows,
    metrics: Arc<Metrics>,
    config: RuntimeConfig,
    owner: String,
    wake: Notify,
    credential: std::sync::Mutex<Option<CredentialCheck>>,
    credential_state: AtomicU8,
    /// The one shutdown signal: cancelled when the runtime is done (listeners close,
    /// chores end). Every other token is a child of it.
    shutdown: CancellationToken,
    /// Its child cancelled when the shutdown begins: no new runs are claimed or started
    /// and the hook answers 503, while runs in flight finish.
    stopping: CancellationToken,
}

/// The runtime: intake, workers, Flow History and metrics over one store.
#[derive(Clone)]
pub struct Service {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("store", &self.inner.store.backend())
            .field("flows", &self.inner.flows)
            .field("owner", &self.inner.owner)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// A runtime on `store` running `flows`.
    pub fn new(store: Store, flows: Flows, config: RuntimeConfig) -> Service {
        let suffix = uuid::Uuid::new_v4().simple();
        let shutdown = CancellationToken::new();
        Service {
            inner: Arc::new(Inner {
                store,
                flows,
                metrics: Arc::new(Metrics::new()),
                config,
                owner: format!("{}-{suffix}", std::process::id()),
                wake: Notify::new(),
                credential: std::sync::Mutex::new(None),
                credential_state: AtomicU8::new(CREDENTIAL_UNKNOWN),
                stopping: shutdown.child_token(),
                shutdown,
            }),
        }
    }

    /// Checks the service credential with `check` (at start, and every `credential_check`).
    pub fn with_credential_check(self, check: CredentialCheck) -> Service {
        *self
            .inner
            .credential
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(check);
        self
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The flows.
    pub fn flows(&self) -> &Flows {
        &self.inner.flows
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// The settings.
    pub fn config(&self) -> &RuntimeConfig {
        &self.inner.config
    }

    /// This process's name on the leases it takes.
    pub fn owner(&self) -> &str {
        &self.inner.owner
    }

    pub(crate) fn wake(&self) -> &Notify {
        &self.inner.wake
    }

    /// Wakes an idle worker after `after` (a retry comes due).
    pub(crate) fn wake_later(&self, after: Duration) {
        let service = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            service.inner.wake.notify_one();
        });
    }

    /// True once shutdown started: the hook answers 503.
    pub fn is_stopping(&self) -> bool {
        self.inner.stopping.is_cancelled()
    }

    /// Starts the shutdown: the hook answers 503 from now on.
    pub fn begin_shutdown(&self) {
        self.inner.stopping.cancel();
    }

    /// The shutdown signal's root: cancelled once the runtime is done, and with it every
    /// token derived from it.
    pub(crate) fn shutdown(&self) -> &CancellationToken {
        &self.inner.shutdown
    }

    /// The shutdown's first stage (a child of [`shutdown`](Service::shutdown)): cancelled by
    /// [`begin_shutdown`](Service::begin_shutdown).
    pub(crate) fn stopping(&self) -> &CancellationToken {
        &self.inner.stopping
    }

    /// Checks the credential now; `Err` when the service refused it (`authentication` or
    /// `permission_denied`). Other failures leave readiness as it was.
    pub async fn check_credential(&self) -> Result<(), connector_core::Error> {
        let check = self
            .inner
            .credential
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let Some(check) = check else {
            self.inner
                .credential_state
                .store(CREDENTIAL_ACCEPTED, Ordering::Relaxed);
            return Ok(());
        };
        match check().await {
            Ok(()) => {
                self.inner
                    .credential_state
                    .store(CREDENTIAL_ACCEPTED, Ordering::Relaxed);
                Ok(())
            }
            Err(e)
                if matches!(
                    e.kind(),
                    connector_core::ErrorKind::Authentication
                        | connector_core::ErrorKind::PermissionDenied
                ) =>
            {
                self.inner
                    .credential_state
                    .store(CREDENTIAL_REFUSED, Ordering::Relaxed);
                Err(e)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot check the credential now; readiness unchanged");
                Ok(())
            }
        }
    }

    /// Ready: not stopping, the store answers, the credential is not refused.
    pub async fn ready(&self) -> Result<(), String> {
        if self.is_stopping() {
            return Err("shutting down".to_owned());
        }
        if self.inner.credential_state.load(Ordering::Relaxed) == CREDENTIAL_REFUSED {
            return Err("the service refused the credential".to_owned());
        }
        self.inner
            .store
            .ping()
            .await
            .map_err(|e| format!("the store does not answer: {e}"))
    }

    /// Updates the queue gauges from the store.
    pub async fn refresh_queue_metrics(&self) {
        if let Ok((depth, oldest)) = self.inner.store.queue().await {
            let age = oldest.map_or(0.0, |ms| {
                ((crate::time::now_ms() - ms).max(0) as f64) / 1000.0
            });
            self.inner.metrics.queue(depth, age);
        }
    }
}
