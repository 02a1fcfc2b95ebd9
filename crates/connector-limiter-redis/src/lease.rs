//! A concurrency lease: a slot in a key's sorted set, renewed while the attempt runs and
//! released when its permit drops. A process that dies holding one (SIGKILL, a lost host)
//! stops renewing it, and the slot comes back when the lease expires.

use std::sync::Arc;
use std::time::Duration;

use crate::scripts::RENEW;
use crate::shared::Shared;

pub(crate) struct Lease {
    shared: Arc<Shared>,
    key: String,
    id: String,
    renewal: Option<tokio::task::JoinHandle<()>>,
}

impl Lease {
    /// Holds the lease `id` of `key`, renewing it every third of its time.
    pub(crate) fn hold(shared: Arc<Shared>, key: String, id: String) -> Lease {
        let renewal = tokio::runtime::Handle::try_current().ok().map(|handle| {
            let (shared, key, id) = (shared.clone(), key.clone(), id.clone());
            handle.spawn(async move {
                let every = shared.lease_time / 3;
                let ttl = shared.lease_time.as_millis() as u64;
                // Bounded by the attempt: the permit's drop aborts this task.
                loop {
                    tokio::time::sleep(every.max(Duration::from_millis(30))).await;
                    let mut invocation = RENEW.prepare_invoke();
                    invocation.key(&key).arg(ttl).arg(&id);
                    let _ = shared.run::<i64>(&invocation).await;
                }
            })
        });
        Lease {
            shared,
            key,
            id,
            renewal,
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(renewal) = self.renewal.take() {
            renewal.abort();
        }
        // The release is spawned: a permit drops in synchronous code. Without a runtime (the
        // program is ending) the lease simply expires.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let shared = self.shared.clone();
            let mut cmd = redis::cmd("ZREM");
            cmd.arg(&self.key).arg(&self.id);
            let release = handle.spawn({
                let shared = shared.clone();
                async move { shared.command(cmd).await }
            });
            shared.track_release(release);
        }
    }
}
