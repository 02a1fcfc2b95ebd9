//! Okta event hooks, as the emulator sends them: when a change it makes is logged with an
//! event type a hook can subscribe to (`user.lifecycle.create`, `user.lifecycle.deactivate`,
//! `group.user_membership.add`, ...: see the System Log, `syslog.rs`), the emulator posts
//! Okta's envelope (`com.okta.event_hook`, the events in `data.events[]`) to the hook's URL
//! with the hook's secret as `Authorization`, waits at most Okta's 3 s for the answer, and tries once more on a 5xx, a timeout or a
//! failed connection. Delivery is at least once; a hook can be told to deliver every event
//! twice, as Okta sometimes does.
//!
//! ```no_run
//! use connector_sandbox::okta::{EventHook, OktaConfig};
//!
//! let config = OktaConfig::default()
//!     .with_event_hook(EventHook::new("http://127.0.0.1:8080/okta/event-hook", "s3cret").deliver_twice(true));
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::OktaEmulator;
use crate::util::{format_timestamp, lock, now_millis, random_alnum};

/// Where and how the emulator delivers event hooks.
#[derive(Clone)]
#[non_exhaustive]
pub struct EventHook {
    /// The hook's URL.
    pub url: String,
    /// The `Authorization` value sent with each delivery.
    pub secret: String,
    /// Deliver every event twice (Okta delivers at least once).
    pub twice: bool,
    /// How long to wait for the answer (Okta: 3 s).
    pub timeout: Duration,
}

impl std::fmt::Debug for EventHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHook")
            .field("url", &self.url)
            .field("secret", &"****")
            .field("twice", &self.twice)
            .finish()
    }
}

impl EventHook {
    /// A hook at `url` whose deliveries carry `secret` as `Authorization`.
    pub fn new(url: impl Into<String>, secret: impl Into<String>) -> EventHook {
        EventHook {
            url: url.into(),
            secret: secret.into(),
            twice: false,
            timeout: Duration::from_secs(3),
        }
    }

    /// Delivers every event twice.
    pub fn deliver_twice(mut self, twice: bool) -> EventHook {
        self.twice = twice;
        self
    }
}

/// Counters of the event-hook deliveries.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventHookStats {
    /// Deliveries started (a twice-delivered event counts twice).
    pub sent: u64,
    /// Deliveries answered 2xx.
    pub delivered: u64,
    /// Deliveries that failed after the retry.
    pub failed: u64,
    /// Retries made.
    pub retried: u64,
    /// Deliveries not finished yet.
    pub in_flight: u64,
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    delivered: AtomicU64,
    failed: AtomicU64,
    retried: AtomicU64,
    in_flight: AtomicU64,
}

/// The emulator's hook and its deliveries.
pub(crate) struct EventHooks {
    hook: std::sync::Mutex<Option<EventHook>>,
    counters: Arc<Counters>,
    slots: Arc<Semaphore>,
    client: reqwest::Client,
}

impl EventHooks {
    pub(crate) fn new(hook: Option<EventHook>) -> EventHooks {
        EventHooks {
            hook: std::sync::Mutex::new(hook),
            counters: Arc::default(),
            slots: Arc::new(Semaphore::new(32)),
            client: reqwest::Client::new(),
        }
    }

    /// Delivers System Log events in the background, in one envelope as Okta batches them.
    pub(crate) fn deliver(&self, base_url: &str, events: Vec<Value>) {
        let Some(hook) = lock(&self.hook).clone() else {
            return;
        };
        let envelope = json!({
            "eventType": "com.okta.event_hook",
            "eventTypeVersion": "1.0",
            "cloudEventsVersion": "0.1",
            "source": format!("{base_url}/api/v1/eventHooks/who{}", random_alnum(17)),
            "eventId": random_alnum(20),
            "eventTime": format_timestamp(now_millis()),
            "contentType": "application/json",
            "data": {"events": events},
        });
        let copies = if hook.twice { 2 } else { 1 };
        for _ in 0..copies {
            self.counters.sent.fetch_add(1, Ordering::Relaxed);
            self.counters.in_flight.fetch_add(1, Ordering::Relaxed);
            let (client, hook, envelope) = (self.client.clone(), hook.clone(), envelope.clone());
            let (counters, slots) = (self.counters.clone(), self.slots.clone());
            tokio::spawn(async move {
                let _slot = slots.acquire_owned().await;
                let delivered = deliver(&client, &hook, &envelope, &counters).await;
                let counter = if delivered {
                    &counters.delivered
                } else {
                    &counters.failed
                };
                counter.fetch_add(1, Ordering::Relaxed);
                counters.in_flight.fetch_sub(1, Ordering::Relaxed);
            });
        }
    }
}

/// One delivery: a try, and one more on a 5xx, a timeout or a failed connection.
async fn deliver(
    client: &reqwest::Client,
    hook: &EventHook,
    envelope: &Value,
    counters: &Counters,
) -> bool {
    for attempt in 0..2 {
        if attempt > 0 {
            counters.retried.fetch_add(1, Ordering::Relaxed);
        }
        let answer = client
            .post(&hook.url)
            .header("authorization", &hook.secret)
            .json(envelope)
            .timeout(hook.timeout)
            .send()
            .await;
        match answer {
            Ok(response) if response.status().is_success() => return true,
            Ok(response) if response.status().is_server_error() => continue,
            Ok(_) => return false,
            Err(_) => continue,
        }
    }
    false
}

impl OktaEmulator {
    /// Sets (or clears) the event hook the emulator delivers to.
    pub fn set_event_hook(&self, hook: Option<EventHook>) {
        *lock(&self.state.event_hooks.hook) = hook;
    }

    /// The event-hook delivery counters.
    pub fn event_hook_stats(&self) -> EventHookStats {
        let c = &self.state.event_hooks.counters;
        EventHookStats {
            sent: c.sent.load(Ordering::Relaxed),
            delivered: c.delivered.load(Ordering::Relaxed),
            failed: c.failed.load(Ordering::Relaxed),
            retried: c.retried.load(Ordering::Relaxed),
            in_flight: c.in_flight.load(Ordering::Relaxed),
        }
    }
}
