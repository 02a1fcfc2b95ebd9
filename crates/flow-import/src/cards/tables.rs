//! Tables cards (`stash`) -> `table.*` cards: the table named by the card's `stash`
//! setting, its columns under their names here (`[a-z0-9_]+`), rows' `Row ID` as `_id`.

use serde_json::Value;

use crate::ctx::FlowCtx;
use crate::emit::{StepOut, Y};
use crate::model::{Card, Port};
use crate::val::{Val, field};

/// The table a card names: its name and columns (export name -> name here).
fn table<'c>(ctx: &'c FlowCtx<'_, '_>, card: &Card) -> Result<&'c crate::ctx::TableNames, String> {
    let id = card
        .inputs()
        .into_iter()
        .find(|p| p.key == "stash")
        .and_then(|p| p.value.data.as_str().map(str::to_owned))
        .ok_or("names no table")?;
    ctx.shared
        .tables
        .get(&id)
        .ok_or_else(|| "uses a table that is not in the export".to_owned())
}

/// The name here of the column `name` of a table.
fn column<'t>(columns: &'t [(String, String)], name: &str) -> Result<&'t str, String> {
    columns
        .iter()
        .find(|(okta, _)| okta == name)
        .map(|(_, here)| here.as_str())
        .ok_or_else(|| format!("names the column {name:?}, which its table does not have"))
}

/// The step of a Tables card.
pub(crate) fn lower(
    ctx: &mut FlowCtx<'_, '_>,
    card: &Card,
    key: &str,
) -> Result<Vec<StepOut>, String> {
    let (name, columns) = table(ctx, card)?.clone();
    let mut input = vec![("table".to_owned(), Y::Str(name))];
    let fields = |ctx: &FlowCtx<'_, '_>, skip_blank: bool| -> Result<Vec<(String, Y)>, String> {
        let mut row = Vec::new();
        for port in card
            .inputs()
            .into_iter()
            .filter(|p| p.group.as_deref() == Some("Fields"))
        {
            let value = ctx.input_val(card, port)?;
            if skip_blank && value.is_blank() {
                continue;
            }
            row.push((column(&columns, &port.key)?.to_owned(), value.template()));
        }
        Ok(row)
    };
    let row_id = |ctx: &FlowCtx<'_, '_>| -> Result<Y, String> {
        let port = card.input_named("Row ID").ok_or("names no row")?;
        Ok(ctx.input_val(card, port)?.template())
    };
    let action = match key {
        "createRow" => {
            input.push(("row".into(), Y::Map(fields(ctx, false)?)));
            "create-row"
        }
        "updateRow" => {
            let skip = matches!(ctx.input(card, "updateEmptyInputs")?, Val::Lit(Value::String(s)) if s == "No");
            input.push(("id".into(), row_id(ctx)?));
            input.push(("set".into(), Y::Map(fields(ctx, skip)?)));
            "update-row"
        }
        "deleteRow" => {
            input.push(("id".into(), row_id(ctx)?));
            "delete-rows"
        }
        "clearTable" => "clear-table",
        "searchRows2" | "searchRows" => {
            let filter = where_of(ctx, card, &columns)?;
            if !filter.is_empty() {
                input.push(("where".into(), Y::Map(filter)));
            }
            if let Val::Lit(Value::String(col)) = ctx.input(card, "Column")?
                && !col.is_empty()
            {
                let desc = matches!(ctx.input(card, "Direction")?, Val::Lit(Value::String(d)) if d == "desc");
                let col = column(&columns, &col)?;
                input.push((
                    "orderBy".into(),
                    Y::Str(format!("{}{col}", if desc { "-" } else { "" })),
                ));
            }
            match ctx.input(card, "Limit")? {
                Val::Lit(Value::Number(n)) if n.as_u64().is_some_and(|n| n > 0) => {
                    input.push(("limit".into(), Y::Json(Value::Number(n))));
                }
                Val::Lit(_) => {
                    let one = matches!(ctx.input(card, "resultSet")?, Val::Lit(Value::String(s)) if s == "one");
                    input.push((
                        "limit".into(),
                        Y::Json(Value::from(if one { 1 } else { 10_000 })),
                    ));
                }
                other => input.push(("limit".into(), other.template())),
            }
            if !matches!(ctx.input(card, "Offset")?, Val::Lit(Value::Number(n)) if n.as_u64() == Some(0))
                && !ctx.input(card, "Offset")?.is_blank()
            {
                return Err("skips rows with an offset, which search-rows does not (it pages with a cursor)".into());
            }
            "search-rows"
        }
        other => {
            return Err(format!(
                "the Tables card {other:?} has no counterpart among the table cards"
            ));
        }
    };
    let id = ctx.step_id(card);
    Ok(vec![
        StepOut::new(&id)
            .with("card", Y::Str(format!("table.{action}")))
            .with("input", Y::Map(input)),
    ])
}

/// A Search Rows card's `Where Expression` as a `where`: conditions joined by AND (a
/// column equal to one of several values, joined by OR, is `in`; a column different from
/// several, joined by AND, is `not_in`).
fn where_of(
    ctx: &FlowCtx<'_, '_>,
    card: &Card,
    columns: &[(String, String)],
) -> Result<Vec<(String, Y)>, String> {
    let Some(port) = card.input_named("Where Expression") else {
        return Ok(Vec::new());
    };
    let Some(exprs) = port.value.data.get("expr").and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<(String, Y)> = Vec::new();
    let ors = exprs.len() > 1
        && exprs[..exprs.len() - 1]
            .iter()
            .any(|e| e.get("join").and_then(Value::as_str) == Some("OR"));
    let mut any_of: Vec<Y> = Vec::new();
    let mut any_col: Option<String> = None;
    let mut differs: Vec<(String, Vec<Y>)> = Vec::new();
    for e in exprs {
        let lhs = e
            .get("lhs")
            .and_then(Value::as_str)
            .ok_or("a condition without a column")?;
        let col = column(columns, lhs)?.to_owned();
        let op = match e.get("op").and_then(Value::as_str).unwrap_or("=") {
            "=" | "==" => "eq",
            "!=" | "<>" => "ne",
            "<" => "lt",
            "<=" => "le",
            ">" => "gt",
            ">=" => "ge",
            "contains" | "like" => "contains",
            other => {
                return Err(format!(
                    "compares rows with {other:?}, which search-rows does not"
                ));
            }
        };
        let value = match (
            e.get("rhs"),
            e.get("rhd")
                .and_then(|r| r.get("outputId"))
                .and_then(Value::as_str),
        ) {
            (_, Some(wired)) => match card.inputs().into_iter().find(|p| p.key == wired) {
                Some(p) => ctx.input_val(card, p)?.template(),
                None => return Err("compares with a value the card does not hold".into()),
            },
            (Some(v), None) => Val::Lit(v.clone()).template(),
            (None, None) => Y::Json(Value::Null),
        };
        if ors {
            if op != "eq" || any_col.as_ref().is_some_and(|c| *c != col) {
                return Err(
                    "joins conditions with OR across columns or operators, which a where does not"
                        .into(),
                );
            }
            any_col = Some(col);
            any_of.push(value);
            continue;
        }
        if op == "ne" {
            match differs.iter_mut().find(|(c, _)| *c == col) {
                Some((_, values)) => {
                    values.push(value);
                    continue;
                }
                None => differs.push((col.clone(), vec![value.clone()])),
            }
        }
        if out.iter().any(|(c, _)| *c == col) {
            match out.iter_mut().find(|(c, _)| *c == col) {
                Some((_, Y::Map(ops))) if !ops.iter().any(|(o, _)| o == op) => {
                    ops.push((op.into(), value))
                }
                _ => {
                    return Err(format!(
                        "puts two {op} conditions on the column {lhs:?}, which a where does not"
                    ));
                }
            }
            continue;
        }
        out.push((col, Y::Map(vec![(op.into(), value)])));
    }
    if let Some(col) = any_col {
        out.push((col, Y::Map(vec![("in".into(), in_list(any_of))])));
    }
    for (col, values) in differs.into_iter().filter(|(_, v)| v.len() > 1) {
        if let Some((_, Y::Map(ops))) = out.iter_mut().find(|(c, _)| *c == col)
            && let Some(slot) = ops.iter_mut().find(|(o, _)| o == "ne")
        {
            *slot = ("not_in".into(), in_list(values));
        }
    }
    Ok(out)
}

fn in_list(values: Vec<Y>) -> Y {
    let all_literal: Option<Vec<Value>> = values
        .iter()
        .map(|v| match v {
            Y::Str(s) if !s.contains("{{") => Some(Value::String(s.clone())),
            Y::Json(j) => Some(j.clone()),
            _ => None,
        })
        .collect();
    match all_literal {
        Some(list) => Y::Json(Value::Array(list)),
        None => Y::Str(format!(
            "{{{{ [{}] }}}}",
            values
                .iter()
                .map(|v| match v {
                    Y::Str(s) if s.contains("{{") => s
                        .trim_start_matches("{{")
                        .trim_end_matches("}}")
                        .trim()
                        .to_owned(),
                    // A value written in the card, beside wired ones: a string literal.
                    Y::Str(s) => crate::val::string_literal(s),
                    Y::Json(j) => crate::val::literal(j),
                    _ => "none".into(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The expression of a Tables card's output.
pub(crate) fn output(key: &str, port: &Port, base: &str) -> Result<String, String> {
    let one = format!("({base}.rows | first)");
    match (key, port.group.as_deref(), port.key.as_str()) {
        ("createRow" | "updateRow", _, "Row ID") => Ok(format!("{base}._id")),
        ("createRow" | "updateRow", _, k) => Ok(field(base, &crate::slug::id_slug(k))),
        ("searchRows2" | "searchRows", _, "Rows") => Ok(format!("{base}.rows")),
        ("searchRows2" | "searchRows", _, "Count" | "count") => Ok(format!("{base}.count")),
        ("searchRows2" | "searchRows", _, "Row ID") => Ok(format!("{one}._id")),
        ("searchRows2" | "searchRows", Some("Fields" | "Row"), k) => {
            Ok(field(&one, &crate::slug::id_slug(k)))
        }
        ("deleteRow" | "clearTable", _, _) => Ok(format!("{base}.deleted")),
        (_, _, k) => Err(format!(
            "reads the Tables card's {k:?}, which the importer does not map"
        )),
    }
}
