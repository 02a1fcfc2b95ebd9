//! Control cards that are steps: Assign, Assign If, Continue If, Throw If, Return, Wait,
//! and the cards that run helper flows (Call Flow, Call Flow Async, For Each, For Each -
//! Ignore Errors, Map): `call`, `spawn` and `for_each` + `call`, the helper named by the
//! card or extracted from it when it is inline (`<flow>-<card slug>`).

use serde_json::Value;

use super::functions::{Outputs, compare, data_inputs};
use crate::ctx::{FlowCtx, path_of};
use crate::emit::{StepOut, Y};
use crate::model::{Card, FloData, Port};
use crate::val::{Val, field};

/// The loop cards (`list.each`, ...), which run a helper per item.
pub(crate) fn is_loop(key: &str) -> bool {
    matches!(key, "each" | "asyncEach" | "map" | "filter" | "reduce")
}

/// The settings of a card that runs a helper, not data for it.
fn is_setting(port: &Port) -> bool {
    port.is_context() || matches!(port.key.as_str(), "flo" | "list" | "concurrency" | "memo")
}

/// The steps of a control card.
pub(crate) fn lower(
    ctx: &mut FlowCtx<'_, '_>,
    card: &Card,
    module: &str,
    key: &str,
) -> Result<Vec<StepOut>, String> {
    let id = ctx.step_id(card);
    let step = StepOut::new(&id);
    Ok(vec![match (module, key) {
        ("control", "let") => {
            let mut outputs: Outputs = Vec::new();
            for port in data_inputs(card) {
                outputs.push((port.key.clone(), Ok(ctx.input_val(card, port)?.expr())));
            }
            super::assign_step(ctx, card, outputs)?
        }
        ("control", "assignIf") => {
            let cond = compare(ctx, card)?;
            let yes = ctx.input(card, "valueIfTrue")?.group();
            let no = ctx.input(card, "valueIfFalse")?.group();
            super::assign_step(
                ctx,
                card,
                vec![("output".into(), Ok(format!("{yes} if {cond} else {no}")))],
            )?
        }
        ("control", "continueIf") => {
            let cond = compare(ctx, card)?;
            let mut output = Vec::new();
            let message = ctx.input(card, "message")?;
            if !message.is_blank() {
                output.push(("message".to_owned(), message.template()));
            }
            // Continue If ends the flow quietly when its condition is false: the run ends
            // as Okta shows it, completed.
            let mut ret = vec![("outcome".to_owned(), Y::Str(crate::COMPLETED.into()))];
            if !output.is_empty() {
                ret.push(("output".into(), Y::Map(output)));
            }
            step.with("if", Y::Str(format!("not ({cond})")))
                .with("return", Y::Map(ret))
        }
        ("control", "throwIf") => {
            let cond = compare(ctx, card)?;
            let message = match ctx.input(card, "message")? {
                m if m.is_blank() => Y::Str(format!("{} failed", card.title())),
                m => m.template(),
            };
            step.with("if", Y::Str(cond))
                .with("fail", Y::Map(vec![("message".into(), message)]))
        }
        ("control", "return" | "returnRaw") => {
            let mut output = Vec::new();
            for port in data_inputs(card) {
                output.push((port.key.clone(), ctx.input_val(card, port)?.template()));
            }
            let mut ret = vec![("outcome".to_owned(), Y::Str(RETURNED.into()))];
            if !output.is_empty() {
                ret.push(("output".into(), Y::Map(output)));
            }
            step.with("return", Y::Map(ret))
        }
        ("control", "wait") => step.with(
            "wait",
            Y::Map(vec![("for".into(), Y::Str(wait_for(ctx, card)?))]),
        ),
        ("control", "run" | "spawn") => {
            let (name, inline) = helper(ctx, card)?;
            let input = with_parent(ctx, &name, helper_input(ctx, card, inline, None)?);
            // Okta Workflows' keys read backwards: `spawn` is Call Flow (it waits, and
            // its outputs are the helper's Return), `run` is Call Flow Async.
            let verb = if key == "spawn" { "call" } else { "spawn" };
            step.with(verb, Y::Str(name)).with("input", input)
        }
        ("control", "tryCatch") => return super::blocks::try_catch(ctx, card, step),
        ("control", "branch") => return super::blocks::branch(ctx, card, step),
        ("list", "each" | "asyncEach" | "map") => {
            let (name, inline) = helper(ctx, card)?;
            let list = ctx.input(card, "list")?;
            let item = item_expr(ctx, card);
            let input = with_parent(ctx, &name, helper_input(ctx, card, inline, Some(&item))?);
            let mut s = step
                .with("for_each", Y::Str(list.expr()))
                .with("as", Y::Str("item".into()));
            if let Ok(Val::Lit(Value::Number(n))) = ctx.input(card, "concurrency")
                && let Some(n) = n.as_u64().filter(|n| *n > 1)
            {
                s = s.with("concurrency", Y::Json(Value::from(n.min(100))));
            }
            s = s.with("call", Y::Str(name)).with("input", input);
            if key == "asyncEach" {
                // "Ignore Errors": an item's failure does not stop the others.
                s = s.with("on_error", Y::Str("continue".into()));
            }
            s
        }
        ("list", "filter") => return filter(ctx, card, step),
        ("list", other) => {
            return Err(format!(
                "runs a helper flow per item as list.{other}, which has no counterpart (for_each runs a call per item)"
            ));
        }
        ("control", "callable") => {
            return Err("a helper flow's first card, found in the middle of a flow".into());
        }
        (_, other) => {
            return Err(format!(
                "the control card {other:?} has no counterpart here yet"
            ));
        }
    }])
}

/// The outcome of a run ended by a Return card.
pub(crate) const RETURNED: &str = "returned";

/// The expression of an output of a step that ran a helper.
pub(crate) fn output(key: &str, card: &Card, port: &Port, base: &str) -> Result<String, String> {
    match key {
        "spawn" => Ok(field(base, &port.key)),
        "map" => Ok(base.to_owned()),
        "filter" => Ok(field(base, "list")),
        _ => Err(format!(
            "reads an output of {:?}, which gives none here",
            card.title()
        )),
    }
}

/// Filter Custom: the helper runs per item (a `for_each` + `call` step), and the items
/// whose run returned true are kept (an `assign` step, the card's own id, giving `list`).
fn filter(ctx: &mut FlowCtx<'_, '_>, card: &Card, step: StepOut) -> Result<Vec<StepOut>, String> {
    let (name, inline) = helper(ctx, card)?;
    let returned = match &inline {
        Some(data) => crate::translate::return_key(data),
        None => card
            .input_named("flo")
            .and_then(|p| p.value.data.as_str())
            .and_then(|id| ctx.shared.returns.get(id).cloned().flatten()),
    };
    let Some(returned) = returned else {
        return Err(format!(
            "filters by the helper flow {name:?}, whose Return card gives no value"
        ));
    };
    let list = ctx.input(card, "list")?;
    let item = item_expr(ctx, card);
    let input = with_parent(ctx, &name, helper_input(ctx, card, inline, Some(&item))?);
    let id = ctx.step_id(card);
    let each = ctx.fresh_id(&format!("{id}_each"));
    let mut run = StepOut::new(&each)
        .with("for_each", Y::Str(list.expr()))
        .with("as", Y::Str("item".into()));
    if let Ok(Val::Lit(Value::Number(n))) = ctx.input(card, "concurrency")
        && let Some(n) = n.as_u64().filter(|n| *n > 1)
    {
        run = run.with("concurrency", Y::Json(Value::from(n.min(100))));
    }
    run = run.with("call", Y::Str(name)).with("input", input);
    let kept = format!(
        "{} | compress(steps.{each}.output | map(attribute={}) | list)",
        list.group(),
        crate::val::string_literal(&returned)
    );
    let keep = step.with("assign", Y::Map(vec![("list".into(), Y::Str(kept))]));
    Ok(vec![run, keep])
}

/// Wait For (`delay` in `unit`s): `{for: <seconds>s}`.
fn wait_for(ctx: &FlowCtx<'_, '_>, card: &Card) -> Result<String, String> {
    let amount = match ctx.input(card, "delay")? {
        Val::Lit(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Val::Lit(Value::String(s)) => s.trim().parse().unwrap_or(0.0),
        Val::Lit(_) => 0.0,
        Val::Code(_) => {
            return Err("waits for a wired amount: a wait's length is written in the flow".into());
        }
    };
    let unit = match ctx.input(card, "unit")? {
        Val::Lit(Value::String(u)) => u,
        _ => "second".into(),
    };
    let seconds = match unit.trim_end_matches('s') {
        "second" => 1.0,
        "minute" => 60.0,
        "hour" => 3_600.0,
        "day" => 86_400.0,
        "week" => 604_800.0,
        other => {
            return Err(format!(
                "waits in {other:?}, which the importer does not map"
            ));
        }
    };
    let total = (amount.max(0.0) * seconds).round() as u64;
    if total == 0 {
        return Err("waits for no time at all".into());
    }
    Ok(format!("{total}s"))
}

/// The item as the helper sees it: Okta Workflows gives users and groups by its own
/// field names, so a list an Okta card answered is reshaped item by item.
fn item_expr(ctx: &FlowCtx<'_, '_>, card: &Card) -> String {
    let Some(port) = card.input_named("list") else {
        return "item".into();
    };
    match ctx.wire_source(card, port) {
        Some((src, _)) if src.kind().starts_with("okta.") => {
            let key = src.kind().trim_start_matches("okta.").to_owned();
            match super::okta::okta_card(&key).map(|s| s.shape) {
                Some(super::okta::Shape::Users) => super::okta::shaped_user("item"),
                Some(super::okta::Shape::Groups) => super::okta::shaped_group("item"),
                _ => "item".into(),
            }
        }
        _ => "item".into(),
    }
}

/// The helper a card runs: its flow name, and whether it was inline.
pub(crate) fn helper(
    ctx: &mut FlowCtx<'_, '_>,
    card: &Card,
) -> Result<(String, Option<FloData>), String> {
    let port = card.input_named("flo").ok_or("names no helper flow")?;
    match &port.value.data {
        Value::String(id) => {
            let name = ctx
                .shared
                .flow_names
                .get(id)
                .cloned()
                .ok_or("runs a helper flow that is not in the export")?;
            ctx.calls.insert(name.clone());
            Ok((name, None))
        }
        Value::Object(map) if map.contains_key("methods") => {
            let data: FloData = serde_json::from_value(port.value.data.clone())
                .map_err(|e| format!("holds a helper flow that cannot be read ({e})"))?;
            let base = format!("{}-{}", ctx.name, crate::slug::flow_slug(card.title()));
            let name = ctx.shared.names.unique(&base, '-');
            crate::translate::inline_helper(ctx.shared, &name, card.title(), &data)?;
            ctx.calls.insert(name.clone());
            Ok((name, Some(data)))
        }
        _ => Err("names no helper flow".into()),
    }
}

/// A helper's input, with `parent` added when the helper reads its caller: Okta
/// Workflows' "Caller" (`id`, `name`, `method`, `execution_id`) as this flow is and its run.
pub(crate) fn with_parent(ctx: &FlowCtx<'_, '_>, helper: &str, input: Y) -> Y {
    if !ctx.shared.reads_parent.contains(helper) {
        return input;
    }
    let name = crate::val::string_literal(&ctx.name);
    let parent = Y::Str(format!(
        "{{{{ {{'id': {name}, 'name': {name}, 'method': 'run', 'execution_id': run.id}} }}}}"
    ));
    match input {
        Y::Map(mut fields) => {
            fields.retain(|(k, _)| k != "parent");
            fields.push(("parent".into(), parent));
            Y::Map(fields)
        }
        // An item passed whole: the caller cannot be added to it.
        other => other,
    }
}

/// What a helper is given: the card's inputs for it by name; an inline helper of a loop
/// given nothing by name takes the item itself (its first card names the item's fields).
pub(crate) fn helper_input(
    ctx: &FlowCtx<'_, '_>,
    card: &Card,
    inline: Option<FloData>,
    item: Option<&str>,
) -> Result<Y, String> {
    let mut fields = Vec::new();
    for port in card.inputs() {
        // A card holding an inline flow passes it values through inputs of its context.
        let passed = port.is_context() && ctx.is_wired(card, port);
        if (is_setting(port) && !passed) || port.key.is_empty() {
            continue;
        }
        let value = match (&port.value.proxy, item) {
            (proxy, Some(item)) if proxy.get("dynamic") == Some(&Value::Bool(true)) => {
                let path = proxy.get("path").and_then(Value::as_str).unwrap_or("");
                Val::Code(path_of(item, path))
            }
            _ => ctx.input_val(card, port)?,
        };
        fields.push((port.key.clone(), value.template()));
    }
    if fields.is_empty()
        && let (Some(_), Some(item)) = (inline, item)
    {
        return Ok(Val::Code(item.to_owned()).template());
    }
    Ok(Y::Map(fields))
}
