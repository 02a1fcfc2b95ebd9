//! The `schedule` trigger: a 5-field cron expression in an IANA time zone (croner and
//! chrono-tz, no parser of our own).
//!
//! Each call of [`fire_due`] looks, for every scheduled flow, at the latest fire time at or
//! before `now` (time is the caller's, so tests inject it). A fire time after the flow was
//! first loaded on the store starts one run, keyed on the flow and the fire time's UTC
//! instant: the runs table's unique index makes it one run across every replica on the
//! store, whichever gets there first. Fires missed while no process ran give one catch-up
//! run, for the latest of them. The run's event is `{"scheduledAt", "firedAt"}`.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use croner::Cron;
use serde_json::json;

use crate::flows::Flow;
use crate::flows::model::Trigger;
use crate::service::Service;
use crate::store::StoreError;
use crate::time::rfc3339;

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

    /// The latest fire time at or before `now`.
    pub fn latest(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = now.with_timezone(&self.zone);
        self.cron
            .find_previous_occurrence(&local, true)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

/// The schedule of a flow with a `schedule` trigger.
pub fn schedule_of(flow: &Flow) -> Option<Result<Schedule, String>> {
    match &flow.def.trigger {
        Trigger::Schedule(s) => Some(Schedule::parse(&s.cron, s.timezone.as_deref())),
        _ => None,
    }
}

/// Starts the run of every scheduled flow whose latest fire time (at or before `now`) has
/// none yet; returns the runs started by this call.
pub async fn fire_due(service: &Service, now: DateTime<Utc>) -> Result<usize, StoreError> {
    let now_ms = now.timestamp_millis();
    let mut started = 0;
    for flow in service.flows().all() {
        let Some(Ok(schedule)) = schedule_of(flow) else {
            continue;
        };
        let first_seen = service.store().first_seen(flow.name(), now_ms).await?;
        let Some(fire) = schedule.latest(now) else {
            continue;
        };
        let fire_ms = fire.timestamp_millis();
        if fire_ms < first_seen {
            continue;
        }
        let key = format!("schedule:{fire_ms}");
        if service
            .store()
            .first_run(flow.name(), &key)
            .await?
            .is_some()
        {
            continue;
        }
        let event = json!({"scheduledAt": rfc3339(fire_ms), "firedAt": rfc3339(now_ms)});
        match service.store().enqueue(flow, &key, &event, now_ms).await {
            Ok(run_id) => {
                started += 1;
                service.metrics().delivery("schedule", "accepted");
                service.wake().notify_one();
                tracing::info!(run_id = %run_id, flow = %flow.name(), scheduled_at = %rfc3339(fire_ms), "scheduled run started");
            }
            // Another replica started this fire time's run first.
            Err(_)
                if service
                    .store()
                    .first_run(flow.name(), &key)
                    .await?
                    .is_some() =>
            {
                service.metrics().delivery("schedule", "duplicate");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(started)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_latest_fire_time_is_found_in_the_flows_time_zone() {
        let weekdays = Schedule::parse("0 9 * * MON-FRI", Some("Europe/Paris")).unwrap();
        // Monday 2026-12-07 08:30 UTC is 09:30 in Paris: that morning's 09:00 (08:00 UTC).
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 8, 30, 0).unwrap();
        assert_eq!(
            weekdays.latest(now),
            Some(Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap())
        );
        // Sunday: the last one was Friday's.
        let sunday = Utc.with_ymd_and_hms(2026, 12, 6, 12, 0, 0).unwrap();
        assert_eq!(
            weekdays.latest(sunday),
            Some(Utc.with_ymd_and_hms(2026, 12, 4, 8, 0, 0).unwrap())
        );
    }

    #[test]
    fn bad_schedules_say_what_is_wrong() {
        assert!(
            Schedule::parse("0 9 * *", None)
                .unwrap_err()
                .contains("has 4 fields")
        );
        assert!(Schedule::parse("0 25 * * *", None).is_err());
        assert!(
            Schedule::parse("0 9 * * *", Some("Mars/Olympus"))
                .unwrap_err()
                .contains("time zone")
        );
        assert!(Schedule::parse("*/15 * * * *", Some("UTC")).is_ok());
    }
}
