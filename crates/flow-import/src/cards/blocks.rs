//! Control cards that hold flows of their own: If Error (`control.tryCatch`) and Branch
//! (`control.branch`). Their inline flows are extracted as helper flows and called;
//! their outputs are those of the helper that ran.

use serde_json::Value;

use super::control::{helper, helper_input, with_parent};
use crate::ctx::FlowCtx;
use crate::emit::{StepOut, Y};
use crate::model::{Card, FloData};
use crate::val::Val;

/// If Error: the cards it holds run as a helper flow whose error is caught
/// (`on_error: continue`); its error handler, when it has one, is a helper flow called
/// with `{error}` when the first failed. Its outputs are the helper's that ran.
pub(crate) fn try_catch(
    ctx: &mut FlowCtx<'_, '_>,
    card: &Card,
    step: StepOut,
) -> Result<Vec<StepOut>, String> {
    let id = ctx.step_id(card);
    let (name, inline) = helper(ctx, card)?;
    let Y::Map(passed) = with_parent(ctx, &name, helper_input(ctx, card, inline, None)?) else {
        return Err("passes its flow a value that is not an object".into());
    };
    let tried = step
        .with("call", Y::Str(name))
        .with("input", Y::Map(passed.clone()))
        .with("on_error", Y::Str("continue".into()));
    let handler = card
        .node
        .model
        .policy
        .as_ref()
        .and_then(|p| p.get("error"))
        .filter(|e| e.get("type").and_then(Value::as_str) == Some("handler"))
        .and_then(|e| e.get("flo"))
        .filter(|f| f.get("methods").is_some());
    let Some(handler) = handler else {
        ctx.caught.insert(card.uuid.clone(), None);
        return Ok(vec![tried]);
    };
    let data: FloData = serde_json::from_value(handler.clone())
        .map_err(|e| format!("holds an error handler that cannot be read ({e})"))?;
    let base = format!(
        "{}-{}-error",
        ctx.name,
        crate::slug::flow_slug(card.title())
    );
    let handler_name = ctx.shared.names.unique(&base, '-');
    crate::translate::inline_helper(
        ctx.shared,
        &handler_name,
        &format!("{} (error)", card.title()),
        &data,
    )?;
    ctx.calls.insert(handler_name.clone());
    let caught = ctx.fresh_id(&format!("{id} error"));
    let Y::Map(mut input) = with_parent(ctx, &handler_name, Y::Map(passed)) else {
        return Err("passes its error handler a value that is not an object".into());
    };
    input.push((
        "error".into(),
        Y::Str(format!("{{{{ steps.{id}.error }}}}")),
    ));
    let call = StepOut::new(&caught)
        .with(
            "description",
            Y::Str(format!("{}: the error handler", card.title())),
        )
        .with("call", Y::Str(handler_name))
        .with("input", Y::Map(input));
    let block_id = ctx.fresh_id(&format!("{id} failed"));
    let block = StepOut::new(&block_id)
        .with("if", Y::Str(format!("steps.{id}.status == 'continued'")))
        .with("then", Y::Steps(vec![call]));
    ctx.caught.insert(card.uuid.clone(), Some(caught));
    Ok(vec![tried, block])
}

/// A connector card whose error policy runs a flow (`policy.error.type` "flo"): its
/// step continues on error, and when it failed, a block calls that flow with
/// `{parent, error}` (Okta Workflows' "Caller" and the error) and then fails the run
/// with the card's error, as the Okta flow stops there.
pub(crate) fn error_flow(
    ctx: &mut FlowCtx<'_, '_>,
    card: &Card,
    mut steps: Vec<StepOut>,
) -> Result<Vec<StepOut>, String> {
    let Some(policy) = card.node.model.policy.as_ref().and_then(|p| p.get("error")) else {
        return Ok(steps);
    };
    if policy.get("type").and_then(Value::as_str) != Some("flo") {
        return Ok(steps);
    }
    let name = policy
        .get("flo")
        .and_then(Value::as_str)
        .and_then(|id| ctx.shared.flow_names.get(id).cloned())
        .ok_or("its error policy runs a flow that is not in the export")?;
    let id = ctx.step_id(card);
    let step = steps
        .iter_mut()
        .find(|s| {
            s.fields
                .first()
                .is_some_and(|(_, v)| *v == Y::Str(id.clone()))
        })
        .ok_or("its error policy applies to no step")?;
    if step.fields.iter().any(|(k, _)| k == "on_error") {
        return Err("has an error policy and a handler of its own".into());
    }
    step.fields
        .push(("on_error".into(), Y::Str("continue".into())));
    ctx.calls.insert(name.clone());
    let own = crate::val::string_literal(&ctx.name);
    let call = StepOut::new(&ctx.fresh_id(&format!("{id} error flow")))
        .with(
            "description",
            Y::Str(format!("{}: its error policy's flow", card.title())),
        )
        .with("call", Y::Str(name))
        .with(
            "input",
            Y::Map(vec![
                (
                    "parent".into(),
                    Y::Str(format!(
                        "{{{{ {{'id': {own}, 'name': {own}, 'method': 'run', 'execution_id': run.id}} }}}}"
                    )),
                ),
                ("error".into(), Y::Str(format!("{{{{ steps.{id}.error }}}}"))),
            ]),
        );
    let stop = StepOut::new(&ctx.fresh_id(&format!("{id} stop"))).with(
        "fail",
        Y::Map(vec![(
            "message".into(),
            Y::Str(format!("{{{{ steps.{id}.error.message }}}}")),
        )]),
    );
    let block = StepOut::new(&ctx.fresh_id(&format!("{id} failed")))
        .with("if", Y::Str(format!("steps.{id}.status == 'continued'")))
        .with("then", Y::Steps(vec![call, stop]));
    steps.push(block);
    Ok(steps)
}

/// Branch (If/ElseIf): each case's cards run as a helper flow; the cases become nested
/// blocks, the first whose condition holds calls its helper, `else` the last. Its
/// outputs are the helper's that ran.
pub(crate) fn branch(
    ctx: &mut FlowCtx<'_, '_>,
    card: &Card,
    step: StepOut,
) -> Result<Vec<StepOut>, String> {
    let id = ctx.step_id(card);
    let mut cases: Vec<(String, u64)> = Vec::new();
    for port in card.inputs() {
        if let Some(group) = &port.group
            && group != "context"
            && !cases.iter().any(|(g, _)| g == group)
        {
            cases.push((group.clone(), port.index()));
        }
    }
    cases.sort_by_key(|(g, i)| (g == "else", *i));
    let passed: Vec<(String, Y)> = card
        .inputs()
        .into_iter()
        .filter(|p| p.is_context() && ctx.is_wired(card, p))
        .map(|p| {
            ctx.input_val(card, p)
                .map(|v| (p.key.clone(), v.template()))
        })
        .collect::<Result<_, _>>()?;
    let mut built: Vec<(Option<String>, StepOut)> = Vec::new();
    let mut calls = Vec::new();
    for (n, (group, _)) in cases.iter().enumerate() {
        let in_case = |key: &str| {
            card.inputs()
                .into_iter()
                .find(|p| p.group.as_deref() == Some(group.as_str()) && p.key == key)
        };
        let Some(flo) = in_case("flo") else { continue };
        let data: FloData = serde_json::from_value(flo.value.data.clone())
            .map_err(|e| format!("holds a case that cannot be read ({e})"))?;
        let base = format!(
            "{}-{}-{}",
            ctx.name,
            crate::slug::flow_slug(card.title()),
            n + 1
        );
        let name = ctx.shared.names.unique(&base, '-');
        crate::translate::inline_helper(
            ctx.shared,
            &name,
            &format!("{} ({group})", card.title()),
            &data,
        )?;
        ctx.calls.insert(name.clone());
        let mut input = passed.clone();
        if let Some(inputs) = in_case("inputs") {
            match ctx.input_val(card, inputs)? {
                Val::Lit(Value::Object(m)) => {
                    for (k, v) in m {
                        input.push((k, Val::Lit(v).template()));
                    }
                }
                Val::Lit(_) => {}
                Val::Code(code) => input.push(("inputs".into(), Val::Code(code).template())),
            }
        }
        let condition = if group == "else" {
            None
        } else {
            let left = match in_case("left-operand") {
                Some(p) => ctx.input_val(card, p)?.group(),
                None => "none".into(),
            };
            let right = match in_case("right-operand") {
                Some(p) => ctx.input_val(card, p)?.group(),
                None => "none".into(),
            };
            let operator = match in_case("operator").map(|p| &p.value.data) {
                Some(Value::String(op)) => op.clone(),
                _ => "==".into(),
            };
            Some(super::functions::condition(&left, &right, &operator)?)
        };
        let call_id = ctx.fresh_id(&format!("{id} {}", n + 1));
        calls.push(call_id.clone());
        let input = with_parent(ctx, &name, Y::Map(input));
        built.push((
            condition,
            StepOut::new(&call_id)
                .with("call", Y::Str(name))
                .with("input", input),
        ));
    }
    // Nested from the last case: `if c1 then [case 1] else [if c2 then [case 2] else ...]`.
    let mut rest: Option<Vec<StepOut>> = None;
    for (i, (condition, call)) in built.into_iter().enumerate().rev() {
        rest = Some(match condition {
            None => vec![call],
            Some(cond) => {
                let block_id = if i == 0 {
                    id.clone()
                } else {
                    ctx.fresh_id(&format!("{id} case {}", i + 1))
                };
                let mut block = if i == 0 {
                    step.clone()
                } else {
                    StepOut::new(&block_id)
                };
                block = block
                    .with("if", Y::Str(cond))
                    .with("then", Y::Steps(vec![call]));
                if let Some(otherwise) = rest.take() {
                    block = block.with("else", Y::Steps(otherwise));
                }
                vec![block]
            }
        });
    }
    ctx.branched.insert(card.uuid.clone(), calls);
    let mut steps = rest.unwrap_or_default();
    // A Branch of only `else` (or whose first case is `else`) still needs its own step id.
    if steps
        .first()
        .is_some_and(|s| s.fields.first().map(|(_, v)| v) != Some(&Y::Str(id.clone())))
    {
        steps = vec![
            step.with("if", Y::Str("true".into()))
                .with("then", Y::Steps(steps)),
        ];
    }
    Ok(steps)
}
