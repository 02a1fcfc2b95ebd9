//! `actions.rs`: the definition of each generated action, for the connector's table.

use std::fmt::Write as _;

use super::super::GENERATED_LINE;
use super::super::config::Config;
use super::super::document::Operation;
use super::super::names::snake;
use super::Plan;

/// The function in the generated `actions` module that defines the operation's action,
/// and the name of its typed method: the action id in snake case.
pub(crate) fn action_function(op: &Operation) -> String {
    snake(&op.action_id)
}

pub(super) fn actions(config: &Config, plans: &[Plan]) -> String {
    let client = &config.client;
    let mut out = format!(
        "{GENERATED_LINE}\n//! The definitions of the generated actions, each an `ActionDef` over the typed method\n\
         //! of the same name: the connector's action table (`src/actions.rs`) lists them.\n\n\
         use connector_core::{{Action, ActionDef}};\n\nuse super::inputs::*;\nuse crate::{client};\n"
    );
    for plan in plans {
        let op = &plan.op;
        let _ = write!(
            out,
            "\n/// `{id}` (`{op_id}`: `{method} {path}`).\n\
             pub(crate) fn {f}() -> impl Action<{client}> {{\n\
             \x20   ActionDef::new(\n        {id:?},\n        {name:?},\n        {description:?},\n\
             \x20       |client: {client}, input: {input}| async move {{ client.{f}(&input).await }},\n    )\n}}\n",
            id = op.action_id,
            op_id = op.operation_id,
            method = op.method,
            path = op.path,
            f = plan.method,
            name = op.name,
            description = op.description,
            input = plan.input,
        );
    }
    out
}
