//! The filters and functions flows gain beyond Jinja's own: patterns (`regex_replace`,
//! `regex_search`), lists (`flatten`, `compress`), objects (`set_path`) and
//! `random_int(a, b)`. Patterns are the `regex` crate's syntax, without backtracking: a
//! match costs at most the text's length times the pattern's size, and that is charged to
//! the evaluation's work budget before it runs, as a compile is; a replacement is refused
//! as it grows past the largest value. Every value they take and give is weighed by the
//! wrapper every filter has ([`super::bounded`]).

use std::cell::RefCell;
use std::collections::HashMap;

use minijinja::value::{Kwargs, ValueKind};
use minijinja::{Error, ErrorKind, Value as Mj};
use rand::Rng;

use super::bounds::{MAX_DEPTH, MAX_VALUE_BYTES, charge};

/// The longest pattern a filter takes.
pub const MAX_PATTERN_BYTES: usize = 1024;

/// The most memory a compiled pattern may take.
const MAX_COMPILED_BYTES: usize = 1 << 20;

/// How deep `flatten` goes into lists of lists.
const MAX_FLATTEN_DEPTH: usize = 32;

fn refused(message: String) -> Error {
    Error::new(ErrorKind::InvalidOperation, message)
}

/// Patterns compiled on this thread, kept so that a loop does not compile one again.
const CACHED_PATTERNS: usize = 64;

thread_local! {
    static PATTERNS: RefCell<HashMap<(String, bool), regex::Regex>> = RefCell::new(HashMap::new());
}

/// A pattern, compiled with the `ignorecase` keyword (a compile is charged to the work
/// budget), or why it is not one.
fn pattern(text: &str, kwargs: &Kwargs) -> Result<regex::Regex, Error> {
    let ignore_case = kwargs.get::<Option<bool>>("ignorecase")?.unwrap_or(false);
    let key = (text.to_owned(), ignore_case);
    if let Some(re) = PATTERNS.with(|p| p.borrow().get(&key).cloned()) {
        return Ok(re);
    }
    charge(text.len() as u64 * 1024)?;
    let re = compile(text, ignore_case).map_err(refused)?;
    PATTERNS.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() >= CACHED_PATTERNS {
            p.clear();
        }
        p.insert(key, re.clone());
    });
    Ok(re)
}

/// Charges a match over `text`: its length times the pattern's size (the bound of a
/// search without backtracking).
fn charge_match(text: &str, pattern: &str) -> Result<(), Error> {
    charge((text.len() as u64 + 1).saturating_mul(1 + pattern.len() as u64 / 8))
}

/// Compiles a pattern within the bounds; the error names the pattern, cut short.
pub fn compile(text: &str, ignore_case: bool) -> Result<regex::Regex, String> {
    if text.len() > MAX_PATTERN_BYTES {
        return Err(format!("a pattern is at most {MAX_PATTERN_BYTES} bytes"));
    }
    regex::RegexBuilder::new(text)
        .case_insensitive(ignore_case)
        .size_limit(MAX_COMPILED_BYTES)
        .dfa_size_limit(MAX_COMPILED_BYTES)
        .build()
        .map_err(|e| {
            format!(
                "{} is not a pattern: {}",
                connector_core::error::quote_input(text),
                connector_core::error::clip_echo(&e.to_string())
            )
        })
}

/// `s | regex_replace(pattern, replacement, count=0, ignorecase=false)`: each match (the
/// first `count` when it is over 0) replaced; `$1` or `${name}` in the replacement is
/// that group of the match.
fn regex_replace(value: String, pat: String, with: String, kwargs: Kwargs) -> Result<Mj, Error> {
    let re = pattern(&pat, &kwargs)?;
    let count: Option<usize> = kwargs.get("count")?;
    kwargs.assert_all_used()?;
    charge_match(&value, &pat)?;
    let limit = count.filter(|c| *c > 0).unwrap_or(usize::MAX);
    let mut out = String::new();
    let mut last = 0;
    for caps in re.captures_iter(&value).take(limit) {
        let Some(whole) = caps.get(0) else { continue };
        out.push_str(&value[last..whole.start()]);
        caps.expand(&with, &mut out);
        last = whole.end();
        if out.len() as u64 > MAX_VALUE_BYTES {
            return Err(refused(format!(
                "regex_replace: the result is over {MAX_VALUE_BYTES} bytes"
            )));
        }
    }
    out.push_str(&value[last..]);
    Ok(Mj::from(out))
}

/// `s | regex_search(pattern, ignorecase=false)`: the position (in characters) of the
/// first match, or -1 when there is none.
fn regex_search(value: String, pat: String, kwargs: Kwargs) -> Result<Mj, Error> {
    let re = pattern(&pat, &kwargs)?;
    kwargs.assert_all_used()?;
    charge_match(&value, &pat)?;
    Ok(Mj::from(match re.find(&value) {
        Some(m) => value[..m.start()].chars().count() as i64,
        None => -1,
    }))
}

/// `list | flatten`: the items of nested lists, in order, at any depth (to 32).
fn flatten(value: Mj) -> Result<Mj, Error> {
    fn walk(value: Mj, depth: usize, out: &mut Vec<Mj>) -> Result<(), Error> {
        if value.kind() != ValueKind::Seq {
            out.push(value);
            return Ok(());
        }
        if depth >= MAX_FLATTEN_DEPTH {
            return Err(refused(format!(
                "flatten goes at most {MAX_FLATTEN_DEPTH} lists deep"
            )));
        }
        for item in value.try_iter()? {
            walk(item, depth + 1, out)?;
        }
        Ok(())
    }
    if value.is_none() || value.is_undefined() {
        return Ok(Mj::from(Vec::<Mj>::new()));
    }
    let mut out = Vec::new();
    walk(value, 0, &mut out)?;
    Ok(Mj::from(out))
}

/// `list | compress(flags)`: the items whose flag (at the same position) is true.
fn compress(value: Mj, flags: Mj) -> Result<Mj, Error> {
    if value.is_none() || value.is_undefined() {
        return Ok(Mj::from(Vec::<Mj>::new()));
    }
    let flags: Vec<Mj> = if flags.is_none() || flags.is_undefined() {
        Vec::new()
    } else {
        flags.try_iter()?.collect()
    };
    Ok(Mj::from(
        value
            .try_iter()?
            .zip(flags)
            .filter(|(_, keep)| keep.is_true())
            .map(|(item, _)| item)
            .collect::<Vec<Mj>>(),
    ))
}

/// `object | set_path("a.b", value)`: a copy of the object with the dotted path set,
/// the objects on the way made when missing (or not objects).
fn set_path(value: Mj, path: String, new: Mj) -> Result<Mj, Error> {
    let mut object: serde_json::Value = if value.is_none() || value.is_undefined() {
        serde_json::Value::Null
    } else {
        serde_json::to_value(&value).map_err(|e| refused(format!("set_path: {e}")))?
    };
    let new = serde_json::to_value(&new).map_err(|e| refused(format!("set_path: {e}")))?;
    if path.is_empty() {
        return Err(refused("set_path needs a path such as `a` or `a.b`".into()));
    }
    if path.split('.').count() > MAX_DEPTH {
        return Err(refused(format!(
            "set_path: a path has at most {MAX_DEPTH} parts"
        )));
    }
    let mut at = &mut object;
    for part in path.split('.') {
        if !at.is_object() {
            *at = serde_json::Value::Object(serde_json::Map::new());
        }
        let map = at.as_object_mut().expect("made an object just above");
        at = map
            .entry(part.to_owned())
            .or_insert(serde_json::Value::Null);
    }
    *at = new;
    Ok(Mj::from_serialize(&object))
}

/// `random_int(a, b)`: a whole number from a to b, both included. A step's output is
/// journaled, so a resumed run keeps the number its step drew.
pub(crate) fn random_int(a: i64, b: i64) -> Result<Mj, Error> {
    if a > b {
        return Err(refused(format!("random_int({a}, {b}): {a} is over {b}")));
    }
    Ok(Mj::from(rand::rng().random_range(a..=b)))
}

/// The filters of this module, by name.
pub(crate) fn filters() -> Vec<(&'static str, Mj)> {
    vec![
        ("regex_replace", Mj::from_function(regex_replace)),
        ("regex_search", Mj::from_function(regex_search)),
        ("flatten", Mj::from_function(flatten)),
        ("compress", Mj::from_function(compress)),
        ("set_path", Mj::from_function(set_path)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(expr: &str) -> Result<serde_json::Value, String> {
        super::super::Expressions::new()
            .eval(expr, &serde_json::json!({}))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn patterns_replace_and_search() {
        assert_eq!(
            eval("'Åsa-Öberg' | regex_replace('[^A-Za-z]', '')").unwrap(),
            "saberg"
        );
        assert_eq!(
            eval("'aXbxc' | regex_replace('x', '-', ignorecase=true, count=1)").unwrap(),
            "a-bxc"
        );
        assert_eq!(
            eval("'john.doe7' | regex_replace('([a-z]+)\\\\.([a-z]+)', '$2 $1')").unwrap(),
            "doe john7"
        );
        assert_eq!(eval("'héllo1' | regex_search('[0-9]')").unwrap(), 5);
        assert_eq!(eval("'hello' | regex_search('[0-9]')").unwrap(), -1);
        let bad = eval("'x' | regex_search('(')").unwrap_err();
        assert!(bad.contains("is not a pattern"), "{bad}");
        let long = format!(
            "'x' | regex_search('{}')",
            "a".repeat(MAX_PATTERN_BYTES + 1)
        );
        assert!(eval(&long).unwrap_err().contains("at most"));
    }

    #[test]
    fn lists_flatten_and_compress() {
        assert_eq!(
            eval("[1, [2, [3, [4]]], 5] | flatten").unwrap(),
            serde_json::json!([1, 2, 3, 4, 5])
        );
        assert_eq!(eval("none | flatten").unwrap(), serde_json::json!([]));
        assert_eq!(
            eval("['a', 'b', 'c'] | compress([true, false, 1])").unwrap(),
            serde_json::json!(["a", "c"])
        );
        assert_eq!(
            eval("['a', 'b'] | compress([true])").unwrap(),
            serde_json::json!(["a"])
        );
    }

    #[test]
    fn set_path_makes_the_way() {
        assert_eq!(
            eval("{'a': 1} | set_path('b.c', 2)").unwrap(),
            serde_json::json!({"a": 1, "b": {"c": 2}})
        );
        assert_eq!(
            eval("none | set_path('k', [1])").unwrap(),
            serde_json::json!({"k": [1]})
        );
        assert!(eval("{} | set_path('', 1)").is_err());
        let deep = format!("{{}} | set_path('{}', 1)", "a.".repeat(200_000));
        assert!(eval(&deep).unwrap_err().contains("at most"));
    }

    #[test]
    fn random_int_stays_in_its_range() {
        for _ in 0..200 {
            let n = eval("random_int(3, 5)").unwrap().as_i64().unwrap();
            assert!((3..=5).contains(&n), "{n}");
        }
        assert_eq!(eval("random_int(7, 7)").unwrap(), 7);
        assert!(eval("random_int(2, 1)").is_err());
    }
}
