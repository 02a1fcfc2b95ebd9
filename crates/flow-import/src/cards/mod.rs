//! What each card becomes, one module per family:
//!
//! | module | cards |
//! |---|---|
//! | `events` | Okta event cards (triggers) and the parts of the event they give |
//! | `okta` | Okta action cards -> `okta.*` |
//! | `http` | the API Connector (`httpfunctions`) -> `http.request` |
//! | `tables` | Tables (`stash`) -> `table.*` |
//! | `control` | For Each, Map, Call Flow (Async), Return, Continue If, Wait, Assign ... |
//! | `functions` | Text, List, Object, Date & Time, Number, True/False, JSON -> expressions |
//!
//! Blocks (If/Else, Branch, If Error) are the lowering's (`lower`), as they hold cards.

pub(crate) mod blocks;
pub(crate) mod control;
pub(crate) mod dates;
pub(crate) mod events;
pub(crate) mod functions;
pub(crate) mod http;
pub(crate) mod okta;
pub(crate) mod okta_cards;
pub(crate) mod tables;
pub(crate) mod text;

use crate::ctx::FlowCtx;
use crate::emit::{StepOut, Y};
use crate::model::{Card, Port};

/// The expression of an output of a flow's first card (its trigger), or `None` for a
/// card that is a step.
pub(crate) fn start_output(kind: &str, port: &Port) -> Result<Option<String>, String> {
    let (module, key) = kind.split_once('.').unwrap_or(("", kind));
    Ok(Some(match (module, key) {
        ("control", "callable") => {
            if port.is_context() {
                match port.key.as_str() {
                    "execution_id" => "run.id".into(),
                    "execution_time" => "event.scheduledAt".into(),
                    // What each call passes a helper that reads its caller.
                    "parent" | "caller" => "event.parent".into(),
                    other @ "index" => {
                        return Err(format!(
                            "reads the run's {other:?}, which a called flow is not given"
                        ));
                    }
                    // The error an If Error handler is given, and the values a card
                    // holding an inline flow passes it: its input.
                    other => crate::val::field("event", other),
                }
            } else {
                crate::val::field("event", &port.key)
            }
        }
        ("http", "accept" | "delegated") => match (port.group.as_deref(), port.key.as_str()) {
            (_, "body") => "event".into(),
            (_, "execution_id") => "run.id".into(),
            (Some("raw" | "context"), other) => {
                return Err(format!(
                    "reads the request's {other:?}: the http trigger gives its flow the JSON body only"
                ));
            }
            (_, k) if k.eq_ignore_ascii_case("authorization") || k.starts_with("x-") => {
                return Err(format!(
                    "reads the request header {k:?}: the http trigger gives its flow the JSON body only"
                ));
            }
            // A field the endpoint's caller sends: a field of the JSON body.
            (_, k) => crate::val::field("event", k),
        },
        ("okta", k) if events::event_type(k).is_some() => events::output(port)?,
        _ => return Ok(None),
    }))
}

/// The expression of a connector card's output, from its step's output `base`.
pub(crate) fn connector_output(
    kind: &str,
    card: &Card,
    port: &Port,
    base: &str,
) -> Result<String, String> {
    let (module, key) = kind.split_once('.').unwrap_or(("", kind));
    match module {
        "okta" => match okta::okta_card(key) {
            Some(spec) => okta::output(spec, port, base),
            None => Err(format!(
                "reads {:?}, an Okta card the importer does not know",
                card.title()
            )),
        },
        "httpfunctions" => http::output(port, base),
        "stash" => tables::output(key, port, base),
        "control" => control::output(key, card, port, base),
        _ => Err(format!(
            "reads {:?}, a card the importer does not know",
            card.title()
        )),
    }
}

/// The steps of one card (not a block), or why it has none.
pub(crate) fn lower(ctx: &mut FlowCtx<'_, '_>, card: &Card) -> Result<Vec<StepOut>, String> {
    let kind = card.kind();
    let (module, key) = kind.split_once('.').unwrap_or(("", kind.as_str()));
    if card.is_function() {
        if module == "control" || (module == "list" && control::is_loop(key)) {
            return control::lower(ctx, card, module, key);
        }
        let outputs = functions::outputs(ctx, card, module, key)?;
        return Ok(vec![assign_step(ctx, card, outputs)?]);
    }
    let steps = match module {
        "okta" => match okta::okta_card(key) {
            Some(spec) => okta::lower(ctx, card, spec),
            None if events::event_type(key).is_some() => {
                Err("an event card is a flow's trigger, not a step".into())
            }
            None => Err(format!(
                "the Okta card {key:?} has no counterpart among the okta cards"
            )),
        },
        "httpfunctions" => http::lower(ctx, card, key),
        "stash" => tables::lower(ctx, card, key),
        other => Err(format!(
            "cards of the {other:?} connector have no counterpart here"
        )),
    }?;
    blocks::error_flow(ctx, card, steps)
}

/// An `assign` step giving the function card's outputs that something reads (its
/// first output when none is read); an output read that has no expression leaves the
/// card untranslated.
pub(crate) fn assign_step(
    ctx: &mut FlowCtx<'_, '_>,
    card: &Card,
    outputs: functions::Outputs,
) -> Result<StepOut, String> {
    let id = ctx.step_id(card);
    let keys = crate::ctx::out_keys(card);
    let mut entries: Vec<(String, Y)> = Vec::new();
    for port in card.outputs() {
        let Some((_, expr)) = outputs.iter().find(|(k, _)| *k == port.key) else {
            if ctx.is_used(port) && !port.is_context() {
                return Err(format!(
                    "reads its output {:?}, which the importer does not give",
                    port.key
                ));
            }
            continue;
        };
        if ctx.is_used(port) {
            let name = keys.get(port.id.as_str()).cloned().unwrap_or_default();
            entries.push((name, Y::Str(expr.clone()?)));
        }
    }
    if entries.is_empty()
        && let Some((key, Ok(expr))) = outputs.iter().find(|(_, e)| e.is_ok())
    {
        let name = card
            .outputs()
            .iter()
            .find(|p| p.key == *key)
            .and_then(|p| keys.get(p.id.as_str()).cloned())
            .unwrap_or_else(|| crate::slug::id_slug(key));
        entries.push((name, Y::Str(expr.clone())));
    }
    Ok(StepOut::new(&id).with("assign", Y::Map(entries)))
}
