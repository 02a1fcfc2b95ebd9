use super::*;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&Utc)
}

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
fn a_fire_time_is_its_cron_instant_whatever_the_moment_of_the_poll() {
    let minutely = Schedule::parse("* * * * *", None).unwrap();
    for poll in [
        "2026-12-07T06:32:00.325Z",
        "2026-12-07T06:32:00.900Z",
        "2026-12-07T06:32:01.200Z",
        "2026-12-07T06:32:37.001Z",
        "2026-12-07T06:32:59.999Z",
    ] {
        let fire = minutely.latest(utc(poll)).unwrap();
        assert_eq!(fire, utc("2026-12-07T06:32:00Z"), "polled at {poll}");
        assert_eq!(key(fire), "schedule:2026-12-07T06:32:00Z");
    }
    assert_eq!(
        minutely.latest(utc("2026-12-07T06:33:00.001Z")),
        Some(utc("2026-12-07T06:33:00Z"))
    );
}

#[test]
fn a_skipped_wall_time_fires_at_the_first_instant_after_the_jump() {
    // Paris, 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00 UTC; 02:30 never happens.
    let nightly = Schedule::parse("30 2 * * *", Some("Europe/Paris")).unwrap();
    let jump = utc("2026-03-29T01:00:00Z");
    assert_eq!(
        nightly.latest(utc("2026-03-29T00:59:59.900Z")),
        Some(utc("2026-03-28T01:30:00Z"))
    );
    for poll in [
        "2026-03-29T01:00:00.325Z",
        "2026-03-29T01:30:00Z",
        "2026-03-29T23:00:00Z",
    ] {
        assert_eq!(nightly.latest(utc(poll)), Some(jump), "polled at {poll}");
    }
    // The day after, 02:30 CEST is 00:30 UTC.
    assert_eq!(
        nightly.latest(utc("2026-03-30T00:30:01Z")),
        Some(utc("2026-03-30T00:30:00Z"))
    );
}

#[test]
fn a_repeated_wall_time_fires_at_its_first_instant_only() {
    // Paris, 2026-10-25: 03:00 CEST becomes 02:00 CET at 01:00 UTC; 02:30 happens twice,
    // at 00:30 and at 01:30 UTC.
    let nightly = Schedule::parse("30 2 * * *", Some("Europe/Paris")).unwrap();
    for poll in [
        "2026-10-25T00:30:00.900Z",
        "2026-10-25T00:59:59.999Z",
        "2026-10-25T01:30:00.325Z",
        "2026-10-25T01:59:59Z",
        "2026-10-26T01:29:59Z",
    ] {
        assert_eq!(
            nightly.latest(utc(poll)),
            Some(utc("2026-10-25T00:30:00Z")),
            "polled at {poll}"
        );
    }
    // From 02:00 CET (the hour again) to 02:30 CET, the latest 02:30 is the day before's.
    assert_eq!(
        nightly.latest(utc("2026-10-25T01:00:00Z")),
        Some(utc("2026-10-24T00:30:00Z"))
    );
    assert_eq!(
        nightly.latest(utc("2026-10-26T01:30:00Z")),
        Some(utc("2026-10-26T01:30:00Z"))
    );
}

#[test]
fn bad_schedules_say_what_is_wrong_at_their_field() {
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
    let zone = Scheduled.check(&json!({"cron": "0 9 * * *", "timezone": "Mars/Olympus"}));
    assert!(
        matches!(zone.as_slice(), [Check::Invalid { at, .. }] if at == "/trigger/schedule/timezone"),
        "{zone:?}"
    );
    assert!(Scheduled.check(&json!({"cron": "0 9 * * *"})).is_empty());
}
