//! Text function cards (Compose, Concatenate, Replace, Replace Pattern(s), Find
//! Pattern, ...) -> MiniJinja expressions. Patterns are checked here when the card
//! writes them: the runtime's pattern syntax (the `regex` crate's) has no look-around
//! and no back-references, so a pattern using them is reported, not written.

use serde_json::Value;

use super::functions::{Outputs, data_inputs, one, text, value};
use crate::ctx::FlowCtx;
use crate::model::Card;
use crate::val::{Val, string_literal};

/// The outputs of the text card `string.key`.
pub(crate) fn outputs(ctx: &FlowCtx<'_, '_>, card: &Card, key: &str) -> Result<Outputs, String> {
    let v = |name: &str| value(ctx, card, name);
    let text = |name: &str| text(ctx, card, name);
    Ok(match key {
        "compose" => one("output", compose(ctx, card)?),
        "concat" => {
            let parts: Result<Vec<String>, String> = data_inputs(card)
                .iter()
                .map(|p| ctx.input_val(card, p).map(|v| as_text(&v)))
                .collect();
            one("output", join_text(parts?))
        }
        "toLowerCase" => one("output", format!("{} | lower", v("string")?)),
        "toUpperCase" => one("output", format!("{} | upper", v("string")?)),
        "trim" => one("output", format!("{} | trim", v("string")?)),
        "length" => one("output", format!("{} | length", v("string")?)),
        "split" => one(
            "output",
            format!("{} | split({}) | list", v("string")?, text("delimiter")?),
        ),
        "replace" => one(
            "output",
            format!(
                "{} | replace({}, {})",
                v("string")?,
                text("src")?,
                text("dest")?
            ),
        ),
        "substr" => {
            let end = match ctx.input(card, "end")? {
                Val::Lit(Value::Null) => String::new(),
                Val::Lit(Value::String(s)) if s.is_empty() => String::new(),
                other => other.group(),
            };
            one("output", format!("{}[{}:{end}]", v("string")?, v("start")?))
        }
        "contains" => one("output", format!("{} in {}", v("target")?, v("string")?)),
        "startsWith" => one(
            "output",
            format!(
                "({} | string) is startingwith({})",
                v("string")?,
                v("target")?
            ),
        ),
        "endsWith" => one(
            "output",
            format!(
                "({} | string) is endingwith({})",
                v("string")?,
                v("target")?
            ),
        ),
        "replaceAny" | "replacePattern" => one("output", replace_patterns(ctx, card)?),
        "match" => one(
            "output",
            format!(
                "{} | regex_search({})",
                text("string")?,
                pattern(ctx, card, "target")?
            ),
        ),
        other => {
            return Err(format!(
                "the function card string.{other} has no expression here yet"
            ));
        }
    })
}

/// A replacement as JavaScript writes it (`$1`, `$&`, `$$`), in the `regex` crate's
/// syntax (`${1}`, `${0}`, `$$`), where `$1a` would name a group `1a`.
fn js_replacement(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    // Bounded by the text: each turn consumes at least one character.
    while let Some(c) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('$') => {
                chars.next();
                out.push_str("$$");
            }
            Some('&') => {
                chars.next();
                out.push_str("${0}");
            }
            Some(d) if d.is_ascii_digit() => {
                let mut group = String::new();
                while let Some(d) = chars.peek().copied().filter(|d| d.is_ascii_digit()) {
                    if group.len() == 2 {
                        break;
                    }
                    group.push(d);
                    chars.next();
                }
                out.push_str(&format!("${{{group}}}"));
            }
            _ => out.push_str("$$"),
        }
    }
    out
}

/// A pattern input: written ones are checked now, wired ones at run time.
fn pattern(ctx: &FlowCtx<'_, '_>, card: &Card, name: &str) -> Result<String, String> {
    match ctx.input(card, name)? {
        Val::Lit(Value::String(p)) => {
            check_pattern(&p)?;
            Ok(string_literal(&p))
        }
        Val::Lit(Value::Null) => Err(format!("its {name:?} is empty")),
        other => Ok(format!("{} | string", other.group())),
    }
}

/// A written pattern the runtime can run, or why not.
fn check_pattern(p: &str) -> Result<(), String> {
    connector_runtime::flows::compile_pattern(p, false)
        .map(|_| ())
        .map_err(|e| format!("its pattern cannot run here: {e}"))
}

/// Replace Pattern(s): every pattern of the card (written in it) as one alternation,
/// replaced in all instances or the first, case sensitive or not.
fn replace_patterns(ctx: &FlowCtx<'_, '_>, card: &Card) -> Result<String, String> {
    let mut patterns = Vec::new();
    for port in card.inputs() {
        let is_pattern = port.group.as_deref() == Some("patterns")
            || matches!(port.key.as_str(), "pattern" | "regex");
        if !is_pattern {
            continue;
        }
        match ctx.input_val(card, port)? {
            Val::Lit(Value::String(p)) if !p.is_empty() => {
                check_pattern(&p)?;
                patterns.push(format!("(?:{p})"));
            }
            Val::Lit(_) => {}
            Val::Code(_) => {
                return Err(
                    "its patterns are wired, and the importer needs them written in the card"
                        .into(),
                );
            }
        }
    }
    if patterns.is_empty() {
        return Err("names no pattern".into());
    }
    let joined = patterns.join("|");
    check_pattern(&joined)?;
    let flag = |name: &str, default: bool| match ctx.input(card, name) {
        Ok(Val::Lit(Value::Bool(b))) => Ok(b),
        Ok(Val::Lit(_)) | Err(_) => Ok(default),
        Ok(Val::Code(_)) => Err(format!("its {name:?} is wired, not chosen in the card")),
    };
    let all = flag("global", true)?;
    let case_sensitive = flag("case sensitive", true)?;
    let replacement = ctx.input(card, "replacement").map(|r| match r {
        Val::Lit(Value::Null) => "''".into(),
        Val::Lit(Value::String(s)) => string_literal(&js_replacement(&s)),
        // A wired replacement is taken as text: its `$` are not references.
        other => format!("({} | string | replace('$', '$$'))", other.group()),
    })?;
    let mut args = vec![string_literal(&joined), replacement];
    if !all {
        args.push("count=1".into());
    }
    if !case_sensitive {
        args.push("ignorecase=true".into());
    }
    Ok(format!(
        "{} | regex_replace({})",
        text(ctx, card, "text")?,
        args.join(", ")
    ))
}

/// A value as text in a concatenation.
fn as_text(value: &Val) -> String {
    match value {
        Val::Lit(Value::String(s)) => string_literal(s),
        Val::Lit(Value::Null) => "''".into(),
        Val::Lit(other) => string_literal(&other.to_string()),
        Val::Code(_) => format!("{} | string", value.group()),
    }
}

fn join_text(parts: Vec<String>) -> String {
    let kept: Vec<String> = parts.into_iter().filter(|p| p != "''").collect();
    if kept.is_empty() {
        "''".into()
    } else {
        kept.iter()
            .map(|p| {
                if p.contains(" | ") {
                    format!("({p})")
                } else {
                    p.clone()
                }
            })
            .collect::<Vec<_>>()
            .join(" ~ ")
    }
}

/// Text Compose: the text with each `{{{name}}}` replaced by the input of that name.
fn compose(ctx: &FlowCtx<'_, '_>, card: &Card) -> Result<String, String> {
    let template = match ctx.input(card, "_text_")? {
        Val::Lit(Value::String(s)) => s,
        Val::Lit(Value::Null) => String::new(),
        _ => return Err("its text is wired, not written in the card".into()),
    };
    let mut parts = Vec::new();
    let mut rest = template.as_str();
    // Bounded by the text's length: each turn consumes at least the `{{{`.
    while let Some(start) = rest.find("{{{") {
        let Some(len) = rest[start + 3..].find("}}}") else {
            break;
        };
        let name = &rest[start + 3..start + 3 + len];
        parts.push(string_literal(&rest[..start]));
        match card.input_named(name) {
            Some(port) => parts.push(as_text(&ctx.input_val(card, port)?)),
            None => parts.push(string_literal(&rest[start..start + len + 6])),
        }
        rest = &rest[start + len + 6..];
    }
    parts.push(string_literal(rest));
    Ok(join_text(parts))
}

#[cfg(test)]
mod tests {
    #[test]
    fn javascript_replacement_references_become_the_regex_crate_s() {
        assert_eq!(super::js_replacement("$1a-$&-$$-$"), "${1}a-${0}-$$-$$");
        assert_eq!(super::js_replacement("x$12y"), "x${12}y");
        assert_eq!(super::js_replacement("plain"), "plain");
    }
}
