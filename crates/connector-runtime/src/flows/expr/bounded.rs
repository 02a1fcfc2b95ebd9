//! The bounded twins of MiniJinja's operators, filters and tests: each weighs what it
//! reads (paid from the evaluation's work budget), refuses what would build a value over
//! [`MAX_VALUE_BYTES`] before building it, then lets MiniJinja's own do the work.

use std::sync::OnceLock;

use minijinja::machinery::Instruction;
use minijinja::value::{Rest, ValueKind};
use minijinja::{Environment, Error, Expression, State, Value as Mj, context, filters, tests};

use super::bounds::{MAX_VALUE_BYTES, charge, refused, too_big, weigh, write};

/// The function a list or map literal is passed through as it is built.
pub(crate) const BUILT: &str = "__bounded_built";

/// The operators a program calls, with the MiniJinja expression each stands for.
const OPS: &[(&str, &str)] = &[
    ("__bounded_add", "a + b"),
    ("__bounded_mul", "a * b"),
    ("__bounded_concat", "a ~ b"),
    ("__bounded_eq", "a == b"),
    ("__bounded_ne", "a != b"),
    ("__bounded_lt", "a < b"),
    ("__bounded_lte", "a <= b"),
    ("__bounded_gt", "a > b"),
    ("__bounded_gte", "a >= b"),
    ("__bounded_in", "a in b"),
    ("__bounded_getitem", "a[b]"),
];

/// The bounded function an instruction becomes, if any.
pub(crate) fn op_function(instruction: &Instruction<'_>) -> Option<&'static str> {
    Some(match instruction {
        Instruction::Add => "__bounded_add",
        Instruction::Mul => "__bounded_mul",
        Instruction::StringConcat => "__bounded_concat",
        Instruction::Eq => "__bounded_eq",
        Instruction::Ne => "__bounded_ne",
        Instruction::Lt => "__bounded_lt",
        Instruction::Lte => "__bounded_lte",
        Instruction::Gt => "__bounded_gt",
        Instruction::Gte => "__bounded_gte",
        Instruction::In => "__bounded_in",
        Instruction::GetItem => "__bounded_getitem",
        Instruction::Slice => "__bounded_slice",
        _ => return None,
    })
}

/// MiniJinja's own operators, compiled once in an environment with nothing added.
fn builtin_ops() -> &'static Vec<(&'static str, Expression<'static, 'static>)> {
    static PLAIN: OnceLock<Environment<'static>> = OnceLock::new();
    static COMPILED: OnceLock<Vec<(&'static str, Expression<'static, 'static>)>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        let env = PLAIN.get_or_init(Environment::new);
        OPS.iter()
            .chain([("__bounded_slice", "a[b:c:d]")].iter())
            .filter_map(|(name, expr)| Some((*name, env.compile_expression(expr).ok()?)))
            .collect()
    })
}

fn builtin(name: &str, a: &Mj, b: &Mj, c: &Mj, d: &Mj) -> Result<Mj, Error> {
    let op = builtin_ops()
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, e)| e)
        .ok_or_else(|| refused(format!("{name} is not an operator")))?;
    op.eval(context! { a => a, b => b, c => c, d => d })
}

/// What an operator would build, from its operands' weights, before building it.
fn check_op(name: &str, a: &Mj, b: &Mj) -> Result<(), Error> {
    let (wa, wb) = (weigh(a)?, weigh(b)?);
    let repeat = |seq: &Mj, n: &Mj, w: u64| -> Result<(), Error> {
        let times = n.as_i64().unwrap_or(0).max(0) as u64;
        if seq.kind() != ValueKind::Number && w.saturating_mul(times) > MAX_VALUE_BYTES {
            return Err(too_big("the repeated value"));
        }
        Ok(())
    };
    match name {
        "__bounded_mul" if b.kind() == ValueKind::Number => repeat(a, b, wa.bytes),
        "__bounded_mul" => repeat(b, a, wb.bytes),
        "__bounded_add" | "__bounded_concat"
            if wa.bytes.saturating_add(wb.bytes) > MAX_VALUE_BYTES / 2 =>
        {
            Err(too_big("the joined value"))
        }
        "__bounded_getitem" if a.kind() == ValueKind::Iterable => {
            // Indexing a lazy sequence walks it.
            charge(a.len().unwrap_or(0) as u64)
        }
        _ => Ok(()),
    }
}

fn op(name: &'static str) -> impl Fn(Mj, Mj) -> Result<Mj, Error> + Send + Sync + 'static {
    move |a: Mj, b: Mj| {
        check_op(name, &a, &b)?;
        let none = Mj::from(());
        let value = builtin(name, &a, &b, &none, &none)?;
        if matches!(name, "__bounded_mul" | "__bounded_add")
            && matches!(value.kind(), ValueKind::Seq | ValueKind::Iterable)
        {
            // Keep no lazy repetition: indexing it would walk it each time.
            let items: Vec<Mj> = value.try_iter()?.collect();
            return Ok(Mj::from(items));
        }
        Ok(value)
    }
}

fn slice(value: Mj, start: Mj, stop: Mj, step: Mj) -> Result<Mj, Error> {
    weigh(&value)?;
    builtin("__bounded_slice", &value, &start, &stop, &step)
}

fn built(value: Mj) -> Result<Mj, Error> {
    weigh(&value)?;
    Ok(value)
}

/// Every builtin filter, by name, and the date and JSON filters of flows.
pub(crate) fn builtin_filters() -> Vec<(&'static str, Mj)> {
    let mut all = vec![
        ("lower", Mj::from_function(filters::lower)),
        ("upper", Mj::from_function(filters::upper)),
        ("title", Mj::from_function(filters::title)),
        ("capitalize", Mj::from_function(filters::capitalize)),
        ("replace", Mj::from_function(filters::replace)),
        ("length", Mj::from_function(filters::length)),
        ("count", Mj::from_function(filters::length)),
        ("dictsort", Mj::from_function(filters::dictsort)),
        ("items", Mj::from_function(filters::items)),
        ("reverse", Mj::from_function(filters::reverse)),
        ("trim", Mj::from_function(filters::trim)),
        ("join", Mj::from_function(filters::join)),
        ("split", Mj::from_function(filters::split)),
        ("lines", Mj::from_function(filters::lines)),
        ("default", Mj::from_function(filters::default)),
        ("d", Mj::from_function(filters::default)),
        ("round", Mj::from_function(filters::round)),
        ("abs", Mj::from_function(filters::abs)),
        ("int", Mj::from_function(filters::int)),
        ("float", Mj::from_function(filters::float)),
        ("attr", Mj::from_function(filters::attr)),
        ("first", Mj::from_function(filters::first)),
        ("last", Mj::from_function(filters::last)),
        ("min", Mj::from_function(filters::min)),
        ("max", Mj::from_function(filters::max)),
        ("sort", Mj::from_function(filters::sort)),
        ("list", Mj::from_function(filters::list)),
        ("string", Mj::from_function(filters::string)),
        ("bool", Mj::from_function(filters::bool)),
        ("batch", Mj::from_function(filters::batch)),
        ("slice", Mj::from_function(filters::slice)),
        ("sum", Mj::from_function(filters::sum)),
        ("indent", Mj::from_function(filters::indent)),
        ("select", Mj::from_function(filters::select)),
        ("reject", Mj::from_function(filters::reject)),
        ("selectattr", Mj::from_function(filters::selectattr)),
        ("rejectattr", Mj::from_function(filters::rejectattr)),
        ("map", Mj::from_function(filters::map)),
        ("groupby", Mj::from_function(filters::groupby)),
        ("unique", Mj::from_function(filters::unique)),
        ("chain", Mj::from_function(filters::chain)),
        ("zip", Mj::from_function(filters::zip)),
        ("pprint", Mj::from_function(filters::pprint)),
        ("format", Mj::from_function(filters::format)),
        ("tojson", Mj::from_function(filters::tojson)),
        ("safe", Mj::from_function(filters::safe)),
        ("escape", Mj::from_function(filters::escape)),
        ("e", Mj::from_function(filters::escape)),
    ];
    all.extend(super::dates::filters());
    all.extend(super::more::filters());
    all
}

/// Every builtin test, by name.
pub(crate) fn builtin_tests() -> Vec<(&'static str, Mj)> {
    vec![
        ("undefined", Mj::from_function(tests::is_undefined)),
        ("defined", Mj::from_function(tests::is_defined)),
        ("none", Mj::from_function(tests::is_none)),
        ("safe", Mj::from_function(tests::is_safe)),
        ("escaped", Mj::from_function(tests::is_safe)),
        ("boolean", Mj::from_function(tests::is_boolean)),
        ("odd", Mj::from_function(tests::is_odd)),
        ("even", Mj::from_function(tests::is_even)),
        ("divisibleby", Mj::from_function(tests::is_divisibleby)),
        ("number", Mj::from_function(tests::is_number)),
        ("integer", Mj::from_function(tests::is_integer)),
        ("int", Mj::from_function(tests::is_integer)),
        ("float", Mj::from_function(tests::is_float)),
        ("string", Mj::from_function(tests::is_string)),
        ("sequence", Mj::from_function(tests::is_sequence)),
        ("iterable", Mj::from_function(tests::is_iterable)),
        ("mapping", Mj::from_function(tests::is_mapping)),
        ("startingwith", Mj::from_function(tests::is_startingwith)),
        ("endingwith", Mj::from_function(tests::is_endingwith)),
        ("lower", Mj::from_function(tests::is_lower)),
        ("upper", Mj::from_function(tests::is_upper)),
        ("sameas", Mj::from_function(tests::is_sameas)),
        ("eq", Mj::from_function(tests::is_eq)),
        ("equalto", Mj::from_function(tests::is_eq)),
        ("==", Mj::from_function(tests::is_eq)),
        ("ne", Mj::from_function(tests::is_ne)),
        ("!=", Mj::from_function(tests::is_ne)),
        ("lt", Mj::from_function(tests::is_lt)),
        ("lessthan", Mj::from_function(tests::is_lt)),
        ("<", Mj::from_function(tests::is_lt)),
        ("le", Mj::from_function(tests::is_le)),
        ("<=", Mj::from_function(tests::is_le)),
        ("gt", Mj::from_function(tests::is_gt)),
        ("greaterthan", Mj::from_function(tests::is_gt)),
        (">", Mj::from_function(tests::is_gt)),
        ("ge", Mj::from_function(tests::is_ge)),
        (">=", Mj::from_function(tests::is_ge)),
        ("in", Mj::from_function(tests::is_in)),
        ("true", Mj::from_function(tests::is_true)),
        ("false", Mj::from_function(tests::is_false)),
        ("filter", Mj::from_function(tests::is_filter)),
        ("test", Mj::from_function(tests::is_test)),
    ]
}

/// The functions an expression may call.
pub(crate) const FUNCTIONS: &[&str] = &["range", "dict", "namespace", "now", "random_int"];

/// A filter's parameter: positional at `pos`, else by `name` among its keyword arguments.
fn param(args: &[Mj], pos: usize, name: &str) -> Option<Mj> {
    if let Some(value) = args.get(pos)
        && value.kind() != ValueKind::Map
    {
        return Some(value.clone());
    }
    args.iter()
        .skip(1)
        .rev()
        .find(|a| a.kind() == ValueKind::Map)
        .and_then(|kwargs| kwargs.get_attr(name).ok())
        .filter(|v| !v.is_undefined() && !v.is_none())
}

/// A parameter's size: a string's length, or a number itself (a width, a count).
fn size_of(value: Option<Mj>) -> u64 {
    value
        .and_then(|v| {
            v.as_str()
                .map(|s| s.len() as u64)
                .or_else(|| v.as_i64().map(|n| n.max(0) as u64))
        })
        .unwrap_or(0)
}

/// Refuses a filter call whose result would be far bigger than what it reads.
fn check_filter(name: &str, args: &[Mj]) -> Result<(), Error> {
    let value = args.first();
    let len = value.and_then(Mj::len).unwrap_or(0) as u64;
    let bytes = value.and_then(|v| v.as_str()).map_or(0, |s| s.len() as u64);
    let estimate = match name {
        "join" => len.saturating_mul(size_of(param(args, 1, "d"))),
        "replace" => (bytes / size_of(param(args, 1, "old")).max(1) + 1)
            .saturating_mul(size_of(param(args, 2, "new"))),
        "indent" => (bytes + 1).saturating_mul(size_of(param(args, 1, "width"))),
        "batch" | "slice" => size_of(param(args, 1, "count")).saturating_mul(8),
        "tojson" | "pprint" => {
            let w = value.map(weigh).transpose()?.unwrap_or_default();
            (w.items + 1)
                .saturating_mul(w.depth as u64 + 1)
                .saturating_mul(size_of(param(args, 1, "indent")).max(4))
        }
        "format" => value.and_then(|f| f.as_str()).map_or(0, |f| {
            f.split(|c: char| !c.is_ascii_digit())
                .filter_map(|n| n.parse::<u64>().ok())
                .fold(0u64, u64::saturating_add)
        }),
        _ => 0,
    };
    if estimate > MAX_VALUE_BYTES {
        return Err(too_big(&format!("the result of `{name}`")));
    }
    Ok(())
}

fn wrap_filter(name: &'static str, inner: Mj) -> impl Fn(&State, Rest<Mj>) -> Result<Mj, Error> {
    move |state: &State, args: Rest<Mj>| {
        for arg in args.iter() {
            weigh(arg)?;
        }
        check_filter(name, &args)?;
        let value = inner.call(state, &args)?;
        weigh(&value)?;
        Ok(value)
    }
}

fn wrap_test(inner: Mj) -> impl Fn(&State, Rest<Mj>) -> Result<bool, Error> {
    move |state: &State, args: Rest<Mj>| {
        for arg in args.iter() {
            weigh(arg)?;
        }
        Ok(inner.call(state, &args)?.is_true())
    }
}

/// Writes an emitted value of a text template, counting the bytes against `limit`; a
/// missing value or `none` is an error (so no request is sent with `none` in it).
pub(crate) fn formatter(
    limit: u64,
) -> impl Fn(&mut minijinja::Output, &State, &Mj) -> Result<(), Error> + Send + Sync + 'static {
    move |out, _state, value| {
        if value.is_undefined() || value.is_none() {
            return Err(Error::new(
                minijinja::ErrorKind::UndefinedError,
                super::MISSING,
            ));
        }
        let weight = weigh(value)?;
        if weight.bytes > limit {
            return Err(refused(format!(
                "the rendered text is over its {limit} bytes"
            )));
        }
        let text = value.to_string();
        write(text.len() as u64, limit)?;
        out.write_str(&text).map_err(Error::from)
    }
}

/// Puts the bounded operators, filters and tests in `env`, over MiniJinja's own.
pub(crate) fn install(env: &mut Environment<'static>, rendered_limit: u64) {
    for (name, _) in OPS {
        env.add_function(*name, op(name));
    }
    env.add_function("__bounded_slice", slice);
    env.add_function(BUILT, built);
    env.add_function("now", super::dates::now);
    env.add_function("random_int", super::more::random_int);
    for (name, inner) in builtin_filters() {
        env.add_filter(name, wrap_filter(name, inner));
    }
    for (name, inner) in builtin_tests() {
        env.add_test(name, wrap_test(inner));
    }
    env.set_formatter(formatter(rendered_limit));
}
