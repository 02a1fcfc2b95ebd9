//! The `schedule` trigger: a 5-field cron expression in an IANA time zone (croner and
//! chrono-tz, no parser of our own), run by a chore that polls the clock.
//!
//! A fire time is a wall-clock time of the flow's zone that the cron names; the run it
//! starts is keyed on the instant it fires (`schedule:2026-12-03T08:00:00Z`, UTC, whole
//! seconds), never on the moment of the poll, so the runs table's unique index makes it
//! one run per fire time on the store, whichever replica polls first and however often.
//! A wall time a DST change repeats fires once, at its first instant; one the change
//! skips fires once, at the first instant after the jump. Fires missed while no process
//! ran give one catch-up run, for the latest of them, and only fire times after the flow
//! was first loaded on the store count. The run's event is `{"scheduledAt", "firedAt"}`:
//! the fire instant and the poll that started it.

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeZone, Timelike, Utc};
use croner::Cron;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::{Check, Chore, Trigger};
use crate::flows::Flow;
use crate::flows::model::Trigger as Settings;
use crate::service::Service;
use crate::store::{Enqueued, StoreError};
use crate::time::rfc3339;

/// How often the chore looks at the clock.
const POLL: Duration = Duration::from_secs(1);

/// The longest DST gap looked past (a day: Samoa skipped one in 2011).
const MAX_GAP_MINUTES: i64 = 24 * 60 + 1;

/// A cron schedule.
#[derive(Clone, Copy, Debug)]
pub struct Scheduled;

impl Trigger for Scheduled {
    fn kind(&self) -> &'static str {
        "schedule"
    }

    fn check(&self, settings: &Value) -> Vec<Check> {
        let Some(cron) = settings.get("cron").and_then(Value::as_str) else {
            return Vec::new();
        };
        let zone = settings.get("timezone").and_then(Value::as_str);
        match Schedule::parse(cron, zone) {
            Ok(_) => Vec::new(),
            Err(why) => {
                let field = if why.contains("time zone") {
                    "timezone"
                } else {
                    "cron"
                };
                vec![Check::Invalid {
                    at: format!("/trigger/schedule/{field}"),
                    message: why,
                }]
            }
        }
    }

    fn chore(&self, service: Service, stop: CancellationToken) -> Option<Chore> {
        Some(Box::pin(async move {
            let mut poller = Poller::default();
            let mut tick = tokio::time::interval(POLL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            loop {
                tokio::select! {
                    () = stop.cancelled() => return,
                    _ = tick.tick() => {
                        if let Err(e) = poller.poll(&service, Utc::now()).await {
                            tracing::warn!(error = %e, "cannot start the scheduled runs now; trying again");
                        }
                    }
                }
            }
        }))
    }
}

/// A flow's parsed schedule.
#[derive(Clone, Debug)]
pub struct Schedule {
    cron: Cron,
    zone: chrono_tz::Tz,
}

impl Schedule {
    /// Parses a `schedule` trigger's `cron` (5 fields) and `timezone` (default UTC).
    pub fn parse(cron: &str, timezone: Option<&str>) -> Result<Schedule, String> {
        let fields = cron.split_whitespace().count();
        if fields != 5 {
            return Err(format!(
                "cron {cron:?} has {fields} fields: give 5 (minute hour day-of-month month day-of-week)"
            ));
        }
        let cron = Cron::from_str(cron).map_err(|e| format!("cron {cron:?} is not valid: {e}"))?;
        let zone = match timezone {
            None => chrono_tz::UTC,
            Some(name) => chrono_tz::Tz::from_str(name)
                .map_err(|_| format!("{name:?} is not an IANA time zone (such as Europe/Paris)"))?,
        };
        Ok(Schedule { cron, zone })
    }

    /// The instant of the latest fire time at or before `now` (UTC, whole seconds).
    ///
    /// The cron is matched against wall-clock times of the zone (croner on a zone without
    /// DST, so a repeated hour is not a second set of fire times), to the whole second of
    /// `now` (croner keeps the sub-second part of the time it starts from).
    pub fn latest(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let wall = now
            .with_timezone(&self.zone)
            .naive_local()
            .with_nanosecond(0)?;
        let fire = self
            .cron
            .find_previous_occurrence(&Utc.from_utc_datetime(&wall), true)
            .ok()?;
        self.instant(fire.naive_utc().with_nanosecond(0)?)
    }

    /// When the wall-clock time `wall` happens: its first instant when a DST change repeats
    /// it, the first instant after the jump when one skips it.
    fn instant(&self, wall: NaiveDateTime) -> Option<DateTime<Utc>> {
        (0..=MAX_GAP_MINUTES).find_map(|minutes| {
            let wall = wall.checked_add_signed(chrono::Duration::minutes(minutes))?;
            self.zone
                .from_local_datetime(&wall)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
        })
    }
}

/// The schedule of a flow with a `schedule` trigger.
pub fn schedule_of(flow: &Flow) -> Option<Result<Schedule, String>> {
    match &flow.def.trigger {
        Settings::Schedule(s) => Some(Schedule::parse(&s.cron, s.timezone.as_deref())),
        _ => None,
    }
}

/// The run's key: the fire instant, UTC, whole seconds.
pub fn key(fire: DateTime<Utc>) -> String {
    format!("schedule:{}", fire.format("%Y-%m-%dT%H:%M:%SZ"))
}

/// Starts the runs of the scheduled flows' latest fire times at or before `now`; returns
/// the runs this call started. Stateless: [`Poller`] is the same with a memory.
pub async fn fire_due(service: &Service, now: DateTime<Utc>) -> Result<usize, StoreError> {
    Poller::default().poll(service, now).await
}

/// The schedule chore's state between polls: the fire time each flow had handled last,
/// so that a poll asks the store only when a new fire time has come.
#[derive(Debug, Default)]
pub struct Poller {
    handled: HashMap<String, i64>,
}

impl Poller {
    /// Starts the run of each scheduled flow's latest fire time at or before `now` (the
    /// caller's clock: tests inject it), unless the store has it; returns the runs started.
    pub async fn poll(
        &mut self,
        service: &Service,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        let now_ms = now.timestamp_millis();
        let mut started = 0;
        for flow in service.flows().all() {
            let Some(Ok(schedule)) = schedule_of(flow) else {
                continue;
            };
            let Some(fire) = schedule.latest(now) else {
                continue;
            };
            let fire_ms = fire.timestamp_millis();
            if self.handled.get(flow.name()) == Some(&fire_ms) {
                continue;
            }
            let first_seen = service.store().first_seen(flow.name(), now_ms).await?;
            if fire_ms >= first_seen && start(service, flow, fire, now).await? {
                started += 1;
            }
            self.handled.insert(flow.name().to_owned(), fire_ms);
        }
        Ok(started)
    }
}

/// Starts the run of `flow` for the fire time `fire`, once per store; true when this call
/// started it.
async fn start(
    service: &Service,
    flow: &Flow,
    fire: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let now_ms = now.timestamp_millis();
    let scheduled_at = rfc3339(fire.timestamp_millis());
    let event = json!({"scheduledAt": scheduled_at, "firedAt": rfc3339(now_ms)});
    let subject = crate::flows::subject(flow, &event);
    let done = service
        .store()
        .enqueue_once(flow, &key(fire), &event, Some(&subject), now_ms)
        .await?;
    match done {
        Enqueued::Fresh { run_id } => {
            service.metrics().delivery("schedule", "accepted");
            service.wake().notify_one();
            tracing::info!(run_id = %run_id, flow = %flow.name(), scheduled_at = %scheduled_at, "scheduled run started");
            Ok(true)
        }
        Enqueued::Existing { run_id, .. } => {
            service.metrics().delivery("schedule", "duplicate");
            tracing::info!(run_id = %run_id, flow = %flow.name(), scheduled_at = %scheduled_at, "scheduled run already started on this store");
            Ok(false)
        }
        Enqueued::Disabled => {
            service.metrics().delivery("schedule", "disabled");
            tracing::debug!(flow = %flow.name(), scheduled_at = %scheduled_at, "the flow is disabled: no run");
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests;
