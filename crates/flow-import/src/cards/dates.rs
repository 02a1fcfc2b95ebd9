//! Date & Time cards -> the runtime's date functions (`now()`, `datetime_add`,
//! `datetime_diff`, `datetime_format`, `datetime_parse`). Okta Workflows writes formats
//! in moment.js tokens (`MM/DD/YYYY`); they become strftime (`%m/%d/%Y`).

use serde_json::Value;

use super::functions::Outputs;
use crate::ctx::FlowCtx;
use crate::model::Card;
use crate::val::{Val, string_literal};

const EPOCH: &str = "'1970-01-01T00:00:00Z'";

/// The outputs of the Date & Time card `date.key`.
pub(crate) fn outputs(ctx: &FlowCtx<'_, '_>, card: &Card, key: &str) -> Result<Outputs, String> {
    let v = |name: &str| -> Result<String, String> { Ok(ctx.input(card, name)?.group()) };
    let zone = || -> Result<String, String> {
        match ctx.input(card, "zone")? {
            Val::Lit(Value::String(s)) if !s.is_empty() => {
                Ok(format!(", tz={}", string_literal(&s)))
            }
            Val::Lit(_) => Ok(String::new()),
            other => Ok(format!(", tz={}", other.group())),
        }
    };
    let format = || -> Result<Option<String>, String> {
        match ctx.input(card, "format")? {
            Val::Lit(Value::String(s)) if !s.is_empty() => Ok(Some(strftime(&s)?)),
            Val::Lit(_) => Ok(None),
            Val::Code(_) => {
                Err("its format is wired, and the importer needs it written in the card".into())
            }
        }
    };
    let unix = |at: &str| format!("{at} | datetime_diff({EPOCH})");
    Ok(match key {
        "now" => {
            let part = |f: &str| {
                Ok(format!(
                    "now() | datetime_format({}) | int",
                    string_literal(f)
                ))
            };
            vec![
                ("date".into(), Ok("now()".into())),
                ("iso".into(), Ok("now()".into())),
                (
                    "full".into(),
                    Ok("now() | datetime_format('%A, %B %-d, %Y %-I:%M %p')".into()),
                ),
                (
                    "time".into(),
                    Ok("now() | datetime_format('%H:%M:%S')".into()),
                ),
                ("minute".into(), part("%M")),
                ("hour".into(), part("%H")),
                ("day".into(), part("%d")),
                ("month".into(), Ok("now() | datetime_format('%B')".into())),
                ("year".into(), part("%Y")),
                ("second".into(), part("%S")),
                (
                    "millisecond".into(),
                    Err("gives the milliseconds, which the runtime's now() does not".into()),
                ),
            ]
        }
        "add" | "subtract" => {
            let sign = if key == "add" { "" } else { "-" };
            let unit = match ctx.input(card, "unit")? {
                Val::Lit(Value::String(s)) => s,
                _ => return Err("its unit is wired, not chosen in the card".into()),
            };
            let scale = v("scale")?;
            let months = match unit.as_str() {
                "months" => Some(1),
                "years" => Some(12),
                _ => None,
            };
            if let Some(factor) = months {
                // Calendar months: a day the month lacks becomes its last, as Okta counts.
                let n = match (factor, sign) {
                    (1, "") => format!("{scale} | int"),
                    (f, "") => format!("({scale} | int) * {f}"),
                    (f, _) => format!("({scale} | int) * -{f}"),
                };
                return Ok(vec![(
                    "output".into(),
                    Ok(format!("{} | datetime_add_months({n})", v("start")?)),
                )]);
            }
            let (factor, letter) = match unit.as_str() {
                "seconds" => (1, "s"),
                "minutes" => (1, "m"),
                "hours" => (1, "h"),
                "days" => (1, "d"),
                "weeks" => (7, "d"),
                other => {
                    return Err(format!(
                        "adds {other}, which datetime_add does not (seconds to years)"
                    ));
                }
            };
            let amount = if factor == 1 {
                format!("({scale} | int)")
            } else {
                format!("(({scale} | int) * {factor})")
            };
            let amount = if sign.is_empty() {
                format!("{amount} ~ '{letter}'")
            } else {
                format!("({amount} * -1) ~ '{letter}'")
            };
            vec![(
                "output".into(),
                Ok(format!("{} | datetime_add({amount})", v("start")?)),
            )]
        }
        "diff" => {
            let seconds = format!("({} | datetime_diff({}))", v("end")?, v("start")?);
            vec![
                ("seconds".into(), Ok(format!("{seconds} | int"))),
                (
                    "milliseconds".into(),
                    Ok(format!("({seconds} * 1000) | int")),
                ),
                ("minutes".into(), Ok(format!("({seconds} / 60) | int"))),
                ("hours".into(), Ok(format!("({seconds} / 3600) | int"))),
                ("days".into(), Ok(format!("({seconds} / 86400) | int"))),
                (
                    "months".into(),
                    Err("gives whole months, which the runtime's date functions do not".into()),
                ),
                (
                    "years".into(),
                    Err("gives whole years, which the runtime's date functions do not".into()),
                ),
            ]
        }
        "format" => {
            let f = format()?.unwrap_or_else(|| "%Y-%m-%dT%H:%M:%SZ".into());
            vec![(
                "output".into(),
                Ok(format!(
                    "{} | datetime_format({}{})",
                    v("start")?,
                    string_literal(&f),
                    zone()?
                )),
            )]
        }
        "parse" => {
            let start = v("start")?;
            let expr = match format()? {
                Some(f) if f == "%s%3f" => {
                    format!("{EPOCH} | datetime_add((({start} | int) // 1000) ~ 's')")
                }
                Some(f) => format!(
                    "{start} | datetime_parse({}{})",
                    string_literal(&f),
                    zone()?
                ),
                None => start,
            };
            vec![("output".into(), Ok(expr))]
        }
        "fromISO" => {
            let start = v("start")?;
            let custom = match format()? {
                Some(f) => Ok(format!(
                    "{start} | datetime_format({}{})",
                    string_literal(&f),
                    zone()?
                )),
                None => Err("gives a custom format, and the card names none".into()),
            };
            vec![
                ("date".into(), Ok(start.clone())),
                ("iso".into(), Ok(start.clone())),
                ("unix".into(), Ok(unix(&start))),
                ("epoch".into(), Ok(format!("({}) * 1000", unix(&start)))),
                (
                    "human".into(),
                    Ok(format!(
                        "{start} | datetime_format('%A, %B %-d, %Y %-I:%M %p'{})",
                        zone()?
                    )),
                ),
                ("custom".into(), custom),
            ]
        }
        "unix" => vec![("output".into(), Ok(unix(&v("start")?)))],
        "epoch" => vec![(
            "output".into(),
            Ok(format!("({}) * 1000", unix(&v("start")?))),
        )],
        "toUnix" => vec![("output".into(), Ok(unix(&v("start")?)))],
        other => {
            return Err(format!(
                "the Date & Time card {other:?} has no expression here yet"
            ));
        }
    })
}

/// A moment.js format (`MM/DD/YYYY h:mm a`) in strftime (`%m/%d/%Y %-I:%M %P`).
pub(crate) fn strftime(moment: &str) -> Result<String, String> {
    const TOKENS: &[(&str, &str)] = &[
        ("YYYY", "%Y"),
        ("YY", "%y"),
        ("Y", "%Y"),
        ("MMMM", "%B"),
        ("MMM", "%b"),
        ("MM", "%m"),
        ("M", "%-m"),
        ("DDDD", "%j"),
        ("DD", "%d"),
        ("Do", "%-d"),
        ("D", "%-d"),
        ("dddd", "%A"),
        ("ddd", "%a"),
        ("HH", "%H"),
        ("H", "%-H"),
        ("hh", "%I"),
        ("h", "%-I"),
        ("mm", "%M"),
        ("m", "%-M"),
        ("ss", "%S"),
        ("s", "%-S"),
        ("SSS", "%3f"),
        ("x", "%s%3f"),
        ("X", "%s"),
        ("a", "%P"),
        ("A", "%p"),
        ("ZZ", "%z"),
        ("Z", "%:z"),
        ("z", "%Z"),
    ];
    let mut out = String::new();
    let mut rest = moment;
    // Bounded by the format's length: each turn consumes at least one character.
    while let Some(c) = rest.chars().next() {
        if c == '[' {
            let end = rest.find(']').ok_or("an unclosed [ in the format")?;
            out.push_str(&rest[1..end].replace('%', "%%"));
            rest = &rest[end + 1..];
            continue;
        }
        if let Some((token, to)) = TOKENS.iter().find(|(t, _)| rest.starts_with(t)) {
            out.push_str(to);
            rest = &rest[token.len()..];
            continue;
        }
        if c.is_ascii_alphabetic() {
            return Err(format!(
                "its format {moment:?} uses {c:?}, which the importer does not map"
            ));
        }
        if c == '%' {
            out.push_str("%%");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moment_formats_become_strftime() {
        assert_eq!(strftime("MM/DD/YYYY").unwrap(), "%m/%d/%Y");
        assert_eq!(
            strftime("dddd, MMMM D, Y h:mm a z").unwrap(),
            "%A, %B %-d, %Y %-I:%M %P %Z"
        );
        assert_eq!(strftime("[Day] D").unwrap(), "Day %-d");
        assert!(strftime("Q").is_err());
    }
}
