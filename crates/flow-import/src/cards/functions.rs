//! Function cards (Text, List, Object, Date & Time, Number, True/False, JSON) ->
//! MiniJinja expressions: each of a card's outputs is an expression over its inputs,
//! and the card becomes an `assign` step giving the outputs something reads.

use serde_json::Value;

use crate::ctx::{FlowCtx, path_of};
use crate::model::Card;
use crate::val::{Val, string_literal};

/// Each output's expression (by the output's field name), or why it has none.
pub(crate) type Outputs = Vec<(String, Result<String, String>)>;

pub(crate) fn one(key: &str, expr: String) -> Outputs {
    vec![(key.to_owned(), Ok(expr))]
}

/// The outputs of the function card `module.key`.
pub(crate) fn outputs(
    ctx: &FlowCtx<'_, '_>,
    card: &Card,
    module: &str,
    key: &str,
) -> Result<Outputs, String> {
    let v = |name: &str| value(ctx, card, name);
    let text = |name: &str| text(ctx, card, name);
    let literal_text = |name: &str| written(ctx, card, name);
    let unsupported = |why: &str| Err(why.to_owned());
    Ok(match (module, key) {
        ("string", key) => super::text::outputs(ctx, card, key)?,
        ("json", "parse") => one("output", format!("{} | from_json", v("string")?)),
        ("json", "stringify") => one("output", format!("{} | tojson", v("object")?)),
        ("object", "construct") => {
            let mut parts = Vec::new();
            for port in data_inputs(card) {
                parts.push(format!(
                    "{}: {}",
                    string_literal(&port.key),
                    ctx.input_val(card, port)?.expr()
                ));
            }
            one("output", format!("{{{}}}", parts.join(", ")))
        }
        ("object", "pick") => {
            let object = v("object")?;
            card.outputs()
                .iter()
                .filter(|p| !p.is_context())
                .map(|p| (p.key.clone(), Ok(path_of(&object, &p.key))))
                .collect()
        }
        ("object", "get") => one("output", path_of(&v("object")?, &literal_text("path")?)),
        ("object", "merge") => {
            let mut merged: Option<String> = None;
            for port in data_inputs(card) {
                let value = ctx.input_val(card, port)?;
                if value.is_blank() {
                    continue;
                }
                let part = format!("({} or {{}})", value.group());
                merged = Some(match merged {
                    None => format!("dict{part}"),
                    Some(m) => format!("dict({m}, **{part})"),
                });
            }
            one("output", merged.unwrap_or_else(|| "{}".into()))
        }
        ("object", "set") => {
            let object = v("object")?;
            let value = ctx.input(card, "value")?.expr();
            match ctx.input(card, "path")? {
                Val::Lit(Value::String(path)) if !path.is_empty() && !path.contains('.') => one(
                    "output",
                    format!(
                        "dict({object} or {{}}, **{{{}: {value}}})",
                        string_literal(&path)
                    ),
                ),
                Val::Lit(Value::String(path)) if !path.is_empty() => one(
                    "output",
                    format!("{object} | set_path({}, {value})", string_literal(&path)),
                ),
                Val::Lit(_) => return Err("sets no path".into()),
                wired => one(
                    "output",
                    format!("{object} | set_path({} | string, {value})", wired.group()),
                ),
            }
        }
        ("object", "keys") => one("output", format!("{} | list", v("object")?)),
        ("list", "construct") => {
            let parts: Result<Vec<String>, String> = data_inputs(card)
                .iter()
                .map(|p| ctx.input_val(card, p).map(|v| v.expr()))
                .collect();
            one("list", format!("[{}]", parts?.join(", ")))
        }
        ("list", "flatten") => one("list", format!("{} | flatten", v("lists")?)),
        ("list", "at") => one("item", format!("{}[{}]", v("list")?, v("index")?)),
        ("list", "length") => one("length", format!("{} | length", v("list")?)),
        ("list", "pluck") => one(
            "values",
            format!("{} | map(attribute={}) | list", v("list")?, text("key")?),
        ),
        ("list", "join") => one(
            "string",
            format!("{} | join({})", v("list")?, text("delimiter")?),
        ),
        ("list", "pop") => vec![
            ("item".into(), Ok(format!("{} | last", v("list")?))),
            ("list".into(), Ok(format!("{}[:-1]", v("list")?))),
        ],
        ("list", "shift") => vec![
            ("item".into(), Ok(format!("{} | first", v("list")?))),
            ("list".into(), Ok(format!("{}[1:]", v("list")?))),
        ],
        ("list", "push") => one(
            "list",
            format!("{} + [{}]", v("list")?, ctx.input(card, "item")?.expr()),
        ),
        ("list", "union") => one(
            "union",
            format!("({} + {}) | unique | list", v("list1")?, v("list2")?),
        ),
        ("list", "intersection") => one(
            "list",
            format!("{} | select('in', {}) | list", v("list1")?, v("list2")?),
        ),
        ("list", "difference") => one(
            "list",
            format!("{} | reject('in', {}) | list", v("list1")?, v("list2")?),
        ),
        ("list", "unique") => one("list", format!("{} | unique | list", v("list")?)),
        ("list", "sortBy") => one(
            "sorted list",
            format!("{} | sort(attribute={}) | list", v("list")?, text("path")?),
        ),
        ("list", "findBy") => vec![
            (
                "item".into(),
                Ok(format!(
                    "{} | selectattr({}, {}, {}) | first",
                    v("list")?,
                    text("path")?,
                    test_of(&literal_text("operator")?)?,
                    ctx.input(card, "comparison")?.expr()
                )),
            ),
            (
                "index".into(),
                Err("gives the found item's index, which the importer does not compute".into()),
            ),
        ],
        ("list", "filterBy") => one(
            "list",
            format!(
                "{} | selectattr({}, {}, {}) | list",
                v("list")?,
                text("path")?,
                test_of(&literal_text("operator")?)?,
                ctx.input(card, "comparison")?.expr()
            ),
        ),
        ("math", "random") => one(
            "output",
            format!("random_int({} | int, {} | int)", v("a")?, v("b")?),
        ),
        ("math", "add") => one("output", format!("{} + {}", v("a")?, v("b")?)),
        ("math", "subtract") => one("output", format!("{} - {}", v("a")?, v("b")?)),
        ("math", "multiply") => one("output", format!("{} * {}", v("a")?, v("b")?)),
        ("math", "divide") => one("output", format!("{} / {}", v("a")?, v("b")?)),
        ("math", "expression") => one("output", formula(ctx, card)?),
        ("math", "round") => one("output", format!("{} | round | int", v("a")?)),
        ("math", "ceil") => {
            let a = v("a")?;
            one(
                "output",
                format!("({a} | int) + (1 if {a} > ({a} | int) else 0)"),
            )
        }
        ("math", "floor") => {
            let a = v("a")?;
            one(
                "output",
                format!("({a} | int) - (1 if {a} < ({a} | int) else 0)"),
            )
        }
        ("boolean", "and") => one("output", format!("{} and {}", v("a")?, v("b")?)),
        ("boolean", "or") => one("output", format!("{} or {}", v("a")?, v("b")?)),
        ("boolean", "not") => one("output", format!("not {}", v("a")?)),
        ("boolean", "compare") => one("result", compare(ctx, card)?),
        ("date", key) => super::dates::outputs(ctx, card, key)?,
        _ => {
            return unsupported(&format!(
                "the function card {module}.{key} has no expression here yet"
            ));
        }
    })
}

/// An input as an expression, grouped to take a filter.
pub(crate) fn value(ctx: &FlowCtx<'_, '_>, card: &Card, name: &str) -> Result<String, String> {
    Ok(ctx.input(card, name)?.group())
}

/// An input as an expression giving text.
pub(crate) fn text(ctx: &FlowCtx<'_, '_>, card: &Card, name: &str) -> Result<String, String> {
    let value = ctx.input(card, name)?;
    Ok(match value {
        Val::Lit(Value::String(_)) => value.expr(),
        Val::Lit(Value::Null) => "''".into(),
        other => format!("{} | string", other.group()),
    })
}

/// An input the importer needs written in the card (not wired), as text.
pub(crate) fn written(ctx: &FlowCtx<'_, '_>, card: &Card, name: &str) -> Result<String, String> {
    match ctx.input(card, name)? {
        Val::Lit(Value::String(s)) => Ok(s),
        Val::Lit(Value::Null) => Ok(String::new()),
        Val::Lit(other) => Ok(other.to_string()),
        Val::Code(_) => Err(format!(
            "its {name:?} is wired, and the importer needs it written in the card"
        )),
    }
}

/// The inputs that are data (not the run's context, not a card's settings).
pub(crate) fn data_inputs(card: &Card) -> Vec<&crate::model::Port> {
    card.inputs()
        .into_iter()
        .filter(|p| !p.is_context() && p.key != "_text_")
        .collect()
}

/// Formula: arithmetic with `{{{name}}}` placeholders, checked to hold nothing else.
fn formula(ctx: &FlowCtx<'_, '_>, card: &Card) -> Result<String, String> {
    let template = match ctx.input(card, "_text_")? {
        Val::Lit(Value::String(s)) => s,
        _ => return Err("its formula is wired, not written in the card".into()),
    };
    let mut out = String::new();
    let mut rest = template.as_str();
    // Bounded by the text's length: each turn consumes at least one character.
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("{{{") {
            let end = after
                .find("}}}")
                .ok_or("an unclosed placeholder in its formula")?;
            let port = card
                .input_named(&after[..end])
                .ok_or("a placeholder naming no input")?;
            out.push_str(&format!("({} | float)", ctx.input_val(card, port)?.group()));
            rest = &after[end + 3..];
            continue;
        }
        if c == '^' {
            out.push_str(" ** ");
            rest = &rest[1..];
            continue;
        }
        if !(c.is_ascii_digit() || " +-*/%().".contains(c)) {
            return Err(format!(
                "its formula uses {c:?}, beyond the arithmetic the importer translates"
            ));
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    Ok(out)
}

/// The test a list card's operator names.
fn test_of(operator: &str) -> Result<String, String> {
    Ok(string_literal(match operator {
        "==" | "" => "eq",
        "!=" => "ne",
        ">" => "gt",
        ">=" => "ge",
        "<" => "lt",
        "<=" => "le",
        other => {
            return Err(format!(
                "compares with {other:?}, which the importer does not map"
            ));
        }
    }))
}

/// A comparison card's condition (`left-operand`, `operator`, `right-operand`).
pub(crate) fn compare(ctx: &FlowCtx<'_, '_>, card: &Card) -> Result<String, String> {
    let left = ctx.input(card, "left-operand")?.group();
    let right = ctx.input(card, "right-operand")?;
    let operator = match ctx.input(card, "operator")? {
        Val::Lit(Value::String(s)) => s,
        Val::Lit(Value::Null) => "==".into(),
        _ => return Err("its operator is wired, not chosen in the card".into()),
    };
    condition(&left, &right.group(), &operator)
}

/// `left operator right` as an expression.
pub(crate) fn condition(left: &str, right: &str, operator: &str) -> Result<String, String> {
    let empty = format!(
        "({left} is none or ({left} is not number and {left} is not boolean and {left} | length == 0))"
    );
    Ok(match operator {
        "==" | "equals" => format!("{left} == {right}"),
        "!=" => format!("{left} != {right}"),
        ">" | "<" | ">=" | "<=" => format!("{left} {operator} {right}"),
        "is empty" => empty,
        "is not empty" => format!("not {empty}"),
        "in" => format!("{left} in {right}"),
        "not in" => format!("{left} not in {right}"),
        "contains" => format!("{right} in {left}"),
        "does not contain" => format!("{right} not in {left}"),
        "starts with" => format!("({left} | string) is startingwith({right})"),
        "ends with" => format!("({left} | string) is endingwith({right})"),
        "is true" => format!("{left} is true"),
        "is false" => format!("{left} is false"),
        other => {
            return Err(format!(
                "compares with {other:?}, which the importer does not map"
            ));
        }
    })
}
