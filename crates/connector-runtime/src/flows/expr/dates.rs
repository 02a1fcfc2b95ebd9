//! Time in expressions: `now()`, and the filters `datetime_add`, `datetime_add_months`,
//! `datetime_diff`, `datetime_format`, `datetime_parse` and `from_json`. Datetimes are RFC 3339 text in
//! UTC (`2026-12-01T09:00:00Z`); chrono reads and writes them, chrono-tz knows the zones.
//!
//! `now()` is the instant the step started: the engine puts it in the scope as
//! [`NOW_NAME`] (and journals it as the step's `startedAt`), so that every expression of a
//! step sees one instant and a resumed run does not read the clock again for a finished
//! step. Outside a step (a subject, a trigger's filter) it is the time of evaluation.

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Months, NaiveDate, NaiveDateTime, TimeZone, Utc};
use minijinja::value::Kwargs;
use minijinja::{Error, ErrorKind, State, Value as Mj};

use crate::time::{parse_rfc3339_ms, utc_text};

/// The scope's name for the step's start instant (RFC 3339), which `now()` reads.
pub(crate) const NOW_NAME: &str = "__now";

/// The longest format a `datetime_format` or `datetime_parse` takes.
pub const MAX_FORMAT_BYTES: usize = 256;

/// The largest amount `datetime_add` takes: 100 years.
const MAX_ADD_SECS: i64 = 100 * 366 * 86_400;

fn refused(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

/// `now()`: the step's start instant.
pub(crate) fn now(state: &State) -> Mj {
    match state.lookup(NOW_NAME).filter(|v| v.as_str().is_some()) {
        Some(at) => at,
        None => Mj::from(utc_text(Utc::now().timestamp_millis())),
    }
}

/// Milliseconds of a datetime value (RFC 3339 text).
fn instant(value: &Mj, what: &str) -> Result<i64, Error> {
    let text = value.as_str().ok_or_else(|| {
        refused(format!(
            "{what} must be RFC 3339 text, not {}",
            value.kind()
        ))
    })?;
    parse_rfc3339_ms(text).map_err(refused)
}

/// `45s`, `10m`, `2h`, `7d` (a leading `-` subtracts) in milliseconds.
pub(crate) fn amount_ms(text: &str) -> Result<i64, String> {
    let shown = connector_core::error::quote_input(text);
    let bad = || format!("{shown} is not an amount such as 45s, 10m, 2h, 7d or -30d");
    let trimmed = text.trim();
    let (sign, rest) = match trimmed.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, trimmed),
    };
    let unit_at = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (digits, unit) = rest.split_at(unit_at);
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    let total = n.checked_mul(seconds).filter(|t| *t <= MAX_ADD_SECS);
    let total = total.ok_or_else(|| format!("{shown} is more than 100 years"))?;
    Ok(sign * total * 1000)
}

/// `x | datetime_add("30d")`.
fn datetime_add(value: Mj, amount: String) -> Result<Mj, Error> {
    let at = instant(&value, "datetime_add's value")?;
    let by = amount_ms(&amount).map_err(refused)?;
    Ok(Mj::from(utc_text(at + by)))
}

/// The most months `datetime_add_months` adds or subtracts: 100 years.
const MAX_ADD_MONTHS: i64 = 1_200;

/// `x | datetime_add_months(n)`: the same day and time `n` calendar months later (earlier
/// when `n` is negative); a day the month does not have becomes its last (January 31 plus
/// one month is February's last day), as calendars and Okta Workflows count.
fn datetime_add_months(value: Mj, months: i64) -> Result<Mj, Error> {
    let at = instant(&value, "datetime_add_months's value")?;
    if months.unsigned_abs() > MAX_ADD_MONTHS.unsigned_abs() {
        return Err(refused(format!(
            "datetime_add_months takes at most {MAX_ADD_MONTHS} months either way"
        )));
    }
    let start = DateTime::<Utc>::from_timestamp_millis(at).unwrap_or_default();
    let by = Months::new(months.unsigned_abs() as u32);
    let moved = if months >= 0 {
        start.checked_add_months(by)
    } else {
        start.checked_sub_months(by)
    };
    let moved = moved.ok_or_else(|| refused("datetime_add_months: out of range".into()))?;
    Ok(Mj::from(utc_text(moved.timestamp_millis())))
}

/// `a | datetime_diff(b)`: a minus b, in seconds (a whole number when it is one).
fn datetime_diff(a: Mj, b: Mj) -> Result<Mj, Error> {
    let ms = instant(&a, "datetime_diff's value")? - instant(&b, "datetime_diff's argument")?;
    Ok(if ms % 1000 == 0 {
        Mj::from(ms / 1000)
    } else {
        Mj::from(ms as f64 / 1000.0)
    })
}

/// A strftime format, checked (chrono panics on writing a bad one) and bounded.
fn format_items(format: &str) -> Result<Vec<Item<'_>>, Error> {
    if format.len() > MAX_FORMAT_BYTES {
        return Err(refused(format!(
            "a datetime format is at most {MAX_FORMAT_BYTES} bytes"
        )));
    }
    let items: Vec<Item<'_>> = StrftimeItems::new(format).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Err(refused(format!(
            "{} is not a strftime format such as %Y-%m-%d %H:%M",
            connector_core::error::quote_input(format)
        )));
    }
    Ok(items)
}

/// The `tz` keyword: an IANA zone (default UTC).
fn zone(kwargs: &Kwargs) -> Result<chrono_tz::Tz, Error> {
    let name: Option<String> = kwargs.get("tz")?;
    kwargs.assert_all_used()?;
    match name {
        None => Ok(chrono_tz::UTC),
        Some(name) => name.parse().map_err(|_| {
            refused(format!(
                "{} is not an IANA time zone such as Europe/Paris",
                connector_core::error::quote_input(&name)
            ))
        }),
    }
}

/// `x | datetime_format("%Y-%m-%d", tz="Europe/Paris")`.
fn datetime_format(value: Mj, format: String, kwargs: Kwargs) -> Result<Mj, Error> {
    let at = instant(&value, "datetime_format's value")?;
    let tz = zone(&kwargs)?;
    let items = format_items(&format)?;
    let local = DateTime::<Utc>::from_timestamp_millis(at)
        .unwrap_or_default()
        .with_timezone(&tz);
    let mut text = String::new();
    std::fmt::Write::write_fmt(
        &mut text,
        format_args!("{}", local.format_with_items(items.into_iter())),
    )
    .map_err(|_| refused(format!("the format {format:?} cannot write this time")))?;
    Ok(Mj::from(text))
}

/// `s | datetime_parse("%m/%d/%Y", tz="UTC")`: a local time of the zone (a date alone is
/// its midnight; a format with an offset, `%z`, gives the instant itself) in UTC.
fn datetime_parse(value: String, format: String, kwargs: Kwargs) -> Result<Mj, Error> {
    let tz = zone(&kwargs)?;
    format_items(&format)?;
    let shown = connector_core::error::quote_input(&value);
    let ms = if let Ok(at) = DateTime::parse_from_str(&value, &format) {
        at.timestamp_millis()
    } else {
        let naive = NaiveDateTime::parse_from_str(&value, &format)
            .or_else(|e| {
                NaiveDate::parse_from_str(&value, &format)
                    .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default())
                    .map_err(|_| e)
            })
            .map_err(|e| refused(format!("{shown} does not match the format {format:?}: {e}")))?;
        // A time a DST change skips does not exist; one it repeats is taken at its first.
        tz.from_local_datetime(&naive)
            .earliest()
            .ok_or_else(|| refused(format!("{shown} does not exist in {tz}")))?
            .timestamp_millis()
    };
    Ok(Mj::from(utc_text(ms)))
}

/// `s | from_json`: the value JSON text stands for (the text is weighed before, the value
/// after, as every filter's).
fn from_json(text: String) -> Result<Mj, Error> {
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        refused(format!(
            "from_json: the text is not JSON ({})",
            connector_core::error::clip_echo(&e.to_string())
        ))
    })?;
    Ok(Mj::from_serialize(&value))
}

/// The filters of this module, by name.
pub(crate) fn filters() -> Vec<(&'static str, Mj)> {
    vec![
        ("datetime_add", Mj::from_function(datetime_add)),
        (
            "datetime_add_months",
            Mj::from_function(datetime_add_months),
        ),
        ("datetime_diff", Mj::from_function(datetime_diff)),
        ("datetime_format", Mj::from_function(datetime_format)),
        ("datetime_parse", Mj::from_function(datetime_parse)),
        ("from_json", Mj::from_function(from_json)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_seconds_minutes_hours_days() {
        assert_eq!(amount_ms("45s"), Ok(45_000));
        assert_eq!(amount_ms("10m"), Ok(600_000));
        assert_eq!(amount_ms("2h"), Ok(7_200_000));
        assert_eq!(amount_ms("-7d"), Ok(-604_800_000));
        for bad in ["", "7", "d", "7w", "1.5h", "--1d", "99999999999999999999d"] {
            assert!(amount_ms(bad).is_err(), "{bad:?}");
        }
        assert!(amount_ms("40000d").unwrap_err().contains("100 years"));
    }

    #[test]
    fn months_are_calendar_months() {
        let add = |at: &str, n: i64| {
            datetime_add_months(Mj::from(at), n)
                .map(|v| v.to_string())
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            add("2026-01-31T09:00:00Z", 1).unwrap(),
            "2026-02-28T09:00:00Z"
        );
        assert_eq!(
            add("2028-01-31T09:00:00Z", 1).unwrap(),
            "2028-02-29T09:00:00Z"
        );
        assert_eq!(
            add("2026-03-15T00:00:00Z", -3).unwrap(),
            "2025-12-15T00:00:00Z"
        );
        assert_eq!(
            add("2026-03-15T00:00:00Z", 24).unwrap(),
            "2028-03-15T00:00:00Z"
        );
        assert!(
            add("2026-03-15T00:00:00Z", 1_201)
                .unwrap_err()
                .contains("at most")
        );
        assert!(add("yesterday", 1).is_err());
        assert!(
            add("2026-03-15T00:00:00Z", i64::MIN)
                .unwrap_err()
                .contains("at most")
        );
    }
}
