//! The complexity estimate charged for a query, before it runs.
//!
//! The service charges by a model of its own; the emulator uses a simple, deterministic
//! one that grows with requested limits and nested selections:
//!
//! - a leaf field (including `__typename`) costs **1**;
//! - a field with a selection costs **1 + Σ children**;
//! - a nested list field without a limit (`owners`, `subscribers`, `groups`, `tags`,
//!   `teams`) and the root `versions` cost **1 + 6 × Σ children** (6 is the assumed
//!   length of such a list);
//! - the root lists `boards` and `users` cost **10 + n × Σ children**, where `n` is the
//!   `limit` argument (default 25 for boards, 200 for users), capped by the number of
//!   `ids` (and, for users, `emails`) given;
//! - a root mutation costs **100 + Σ children**, and for `add_users_to_board` and
//!   `delete_subscribers_from_board` **100 + |user_ids| × Σ children**.
//!
//! Only the operation that runs is counted; fragments are counted where they are spread.
//! For example `boards(limit: 25) { id name owners { id name email } subscribers
//! { id name email } }` costs 10 + 25 × (1 + 1 + 19 + 19) = 1,010.
//!
//! The walk also guards the GraphQL engine, which inlines fragments without memoising
//! them: a fragment cycle, more than [`MAX_DEPTH`] levels of nesting or more than
//! [`MAX_FIELDS`] fields once fragments are expanded are refused before validation.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, Selection, SelectionSet,
};
use async_graphql::{Name, Positioned, Value, Variables};

/// Deepest nesting accepted, counted like the engine counts it (each selection set,
/// fragment spread and inline fragment is a level).
pub(crate) const MAX_DEPTH: usize = 32;
/// Most fields accepted once fragments are expanded.
pub(crate) const MAX_FIELDS: u64 = 100_000;

/// Assumed length of a nested list that takes no limit.
const NESTED_LIST_LENGTH: u64 = 6;
/// Base cost of the root lists `boards` and `users`.
const ROOT_LIST_BASE: u64 = 10;
/// Base cost of a root mutation.
const MUTATION_BASE: u64 = 100;

/// Why a document was refused before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A fragment spreads itself, directly or through others.
    FragmentCycle(String),
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// More than [`MAX_FIELDS`] fields once fragments are expanded.
    TooManyFields,
}

/// The estimate of one operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Estimate {
    /// Complexity points.
    pub(crate) cost: u64,
    /// Fields once fragments are expanded.
    pub(crate) fields: u64,
}

/// What a selection set measures; memoised per fragment.
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    cost: u64,
    fields: u64,
    /// Levels below this selection set.
    height: usize,
}

/// Estimates the operation the engine will run (`None` when it cannot pick one: the
/// engine reports that itself, so it costs nothing here).
pub(crate) fn estimate(
    doc: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
) -> Result<Estimate, Refusal> {
    let Some(operation) = pick_operation(doc, operation_name) else {
        return Ok(Estimate::default());
    };
    let mut walk = Walk {
        doc,
        operation,
        variables,
        memo: HashMap::new(),
        in_progress: HashSet::new(),
    };
    let measure = walk.selection_set(&operation.selection_set.node, true, 0)?;
    Ok(Estimate {
        cost: measure.cost,
        fields: measure.fields,
    })
}

/// The operation the engine runs, following the same rules.
pub(super) fn pick_operation<'a>(
    doc: &'a ExecutableDocument,
    operation_name: Option<&str>,
) -> Option<&'a OperationDefinition> {
    let operation = match (&doc.operations, operation_name) {
        (DocumentOperations::Single(operation), None) => operation,
        (DocumentOperations::Single(_), Some(_)) => return None,
        (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name)?,
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next()?
        }
        (DocumentOperations::Multiple(_), None) => return None,
    };
    Some(&operation.node)
}

struct Walk<'a> {
    doc: &'a ExecutableDocument,
    operation: &'a OperationDefinition,
    variables: &'a Variables,
    /// Measures of fragments already walked, by name and whether spread at the root.
    memo: HashMap<(&'a str, bool), Measure>,
    in_progress: HashSet<&'a str>,
}

impl<'a> Walk<'a> {
    fn selection_set(
        &mut self,
        set: &'a SelectionSet,
        root: bool,
        depth: usize,
    ) -> Result<Measure, Refusal> {
        if depth > MAX_DEPTH {
            return Err(Refusal::TooDeep);
        }
        let mut total = Measure::default();
        for selection in &set.items {
            let measure = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let children = if field.selection_set.node.items.is_empty() {
                        Measure::default()
                    } else {
                        let inner =
                            self.selection_set(&field.selection_set.node, false, depth + 1)?;
                        Measure {
                            height: inner.height + 1,
                            ..inner
                        }
                    };
                    Measure {
                        cost: self.field_cost(field, root, children.cost),
                        fields: children.fields.saturating_add(1),
                        height: children.height,
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    let inner = self.fragment(name, root, depth + 1)?;
                    Measure {
                        height: inner.height + 1,
                        ..inner
                    }
                }
                Selection::InlineFragment(inline) => {
                    let inner =
                        self.selection_set(&inline.node.selection_set.node, root, depth + 1)?;
                    Measure {
                        height: inner.height + 1,
                        ..inner
                    }
                }
            };
            total.cost = total.cost.saturating_add(measure.cost);
            total.fields = total.fields.saturating_add(measure.fields);
            total.height = total.height.max(measure.height);
            if total.fields > MAX_FIELDS {
                return Err(Refusal::TooManyFields);
            }
        }
        Ok(total)
    }

    /// The measure of a spread fragment; unknown fragments measure nothing (validation
    /// reports them).
    fn fragment(&mut self, name: &'a str, root: bool, depth: usize) -> Result<Measure, Refusal> {
        if let Some(measure) = self.memo.get(&(name, root)) {
            if depth + measure.height > MAX_DEPTH {
                return Err(Refusal::TooDeep);
            }
            return Ok(*measure);
        }
        let Some(fragment) = self.doc.fragments.get(name) else {
            return Ok(Measure::default());
        };
        if !self.in_progress.insert(name) {
            return Err(Refusal::FragmentCycle(name.to_owned()));
        }
        let measure = self.selection_set(&fragment.node.selection_set.node, root, depth)?;
        self.in_progress.remove(name);
        self.memo.insert((name, root), measure);
        Ok(measure)
    }

    fn field_cost(
        &self,
        field: &async_graphql::parser::types::Field,
        root: bool,
        children: u64,
    ) -> u64 {
        let name = field.name.node.as_str();
        let per_element = |count: u64| count.saturating_mul(children);
        match (root, name) {
            (true, "boards") => {
                let n = self.list_length(field, 25, &["ids"]);
                ROOT_LIST_BASE.saturating_add(per_element(n))
            }
            (true, "users") => {
                let n = self.list_length(field, 200, &["ids", "emails"]);
                ROOT_LIST_BASE.saturating_add(per_element(n))
            }
            (true, "create_board" | "archive_board" | "delete_board") => {
                MUTATION_BASE.saturating_add(children)
            }
            (true, "add_users_to_board" | "delete_subscribers_from_board") => {
                let n = self
                    .argument(field, "user_ids")
                    .and_then(list_len)
                    .unwrap_or(1);
                MUTATION_BASE.saturating_add(per_element(n))
            }
            (true, "versions")
            | (false, "owners" | "subscribers" | "groups" | "tags" | "teams") => {
                1u64.saturating_add(per_element(NESTED_LIST_LENGTH))
            }
            _ => 1u64.saturating_add(children),
        }
    }

    /// `limit` (or `default`), capped by the length of the first list argument given
    /// among `capped_by`.
    fn list_length(
        &self,
        field: &async_graphql::parser::types::Field,
        default: u64,
        capped_by: &[&str],
    ) -> u64 {
        let limit = self
            .argument(field, "limit")
            .and_then(|value| match value {
                Value::Number(number) => number.as_i64(),
                _ => None,
            })
            .map_or(default, |limit| u64::try_from(limit).unwrap_or(0));
        capped_by
            .iter()
            .filter_map(|name| self.argument(field, name).and_then(list_len))
            .fold(limit, u64::min)
    }

    /// The value of an argument with variables substituted (`None` when absent or null).
    fn argument(
        &self,
        field: &'a async_graphql::parser::types::Field,
        name: &str,
    ) -> Option<Value> {
        let value = field
            .get_argument(name)?
            .node
            .clone()
            .into_const_with(|variable| {
                Ok::<_, std::convert::Infallible>(
                    self.variable(&variable).cloned().unwrap_or(Value::Null),
                )
            })
            .ok()?;
        (!matches!(value, Value::Null)).then_some(value)
    }

    fn variable(&self, name: &Name) -> Option<&'a Value> {
        self.variables.get(name).or_else(|| {
            self.operation
                .variable_definitions
                .iter()
                .find(|definition| definition.node.name.node == *name)
                .and_then(|definition| definition.node.default_value.as_ref())
                .map(|value: &'a Positioned<Value>| &value.node)
        })
    }
}

fn list_len(value: Value) -> Option<u64> {
    match value {
        Value::List(items) => u64::try_from(items.len()).ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn cost_of(query: &str, variables: serde_json::Value) -> Result<Estimate, Refusal> {
        let doc = parse_query(query).expect("test documents parse");
        estimate(&doc, None, &Variables::from_json(variables))
    }

    #[test]
    fn boards_with_owners_and_subscribers_cost_about_a_thousand() {
        let query = "{ boards(limit: 25) { id name owners { id name email } subscribers { id name email } } }";
        assert_eq!(
            cost_of(query, serde_json::json!({})).map(|e| e.cost),
            Ok(1_010)
        );
    }

    #[test]
    fn limits_come_from_variables_and_ids_cap_them() {
        let query = "query ($limit: Int, $ids: [ID!]) { boards(limit: $limit, ids: $ids) { id } }";
        let by_limit = cost_of(query, serde_json::json!({ "limit": 100 }));
        assert_eq!(by_limit.map(|e| e.cost), Ok(110));
        let by_ids = cost_of(
            query,
            serde_json::json!({ "limit": 100, "ids": ["1", "2"] }),
        );
        assert_eq!(by_ids.map(|e| e.cost), Ok(12));
        let default = cost_of(query, serde_json::json!({}));
        assert_eq!(default.map(|e| e.cost), Ok(35));
    }

    #[test]
    fn fragments_count_where_spread() {
        let query = "{ boards(limit: 2) { ...B } } fragment B on Board { id name }";
        assert_eq!(
            cost_of(query, serde_json::json!({})).map(|e| e.cost),
            Ok(14)
        );
    }

    #[test]
    fn refuses_fragment_cycles_and_explosions() {
        let cycle = "{ boards { ...A } } fragment A on Board { ...B } fragment B on Board { ...A }";
        assert!(matches!(
            cost_of(cycle, serde_json::json!({})),
            Err(Refusal::FragmentCycle(_))
        ));
        let mut explosion = String::from("{ boards { ...F0 } }");
        for level in 0..20 {
            explosion.push_str(&format!(
                " fragment F{level} on Board {{ a: name ...F{next} b: name ...F{next} }}",
                next = level + 1
            ));
        }
        explosion.push_str(" fragment F20 on Board { id }");
        assert_eq!(
            cost_of(&explosion, serde_json::json!({})),
            Err(Refusal::TooManyFields)
        );
    }

    #[test]
    fn huge_limits_saturate_instead_of_overflowing() {
        let query = "{ boards(limit: 2147483647) { owners { teams { id } } } }";
        let estimate = cost_of(query, serde_json::json!({})).expect("no refusal");
        assert!(estimate.cost > 5_000_000);
    }
}
