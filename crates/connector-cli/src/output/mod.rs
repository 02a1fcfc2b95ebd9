//! What the `connector` command prints on standard output, in the form the reader asked for:
//! JSON (the contract for scripts), YAML, or a table that fits a terminal.
//!
//! Everything here is a pure function of a JSON value, so the forms are the same data:
//! `--fields` picks the same fields in every form, and a table is only a way to show what
//! `-o json` prints.
//!
//! ```
//! use connector_cli::output::{Fields, render_table};
//! use serde_json::json;
//!
//! let users = json!({"users": [{"id": "00u1", "profile": {"login": "ada@example.com"}}]});
//! let fields = Fields::parse("id,profile.login").unwrap();
//! let table = render_table(&users, &fields, 100);
//! assert!(table.starts_with("ID"));
//! assert!(table.contains("ada@example.com"));
//! ```

mod fields;

use serde_json::Value;

pub use fields::{Fields, FieldsError, is_list, items, project};

/// The width a table must fit when the terminal's is unknown.
pub const TABLE_WIDTH: usize = 100;
/// A cell longer than this is cut, with `…` at the end (unless its column was asked for).
const CELL_MAX: usize = 40;

/// The forms of `-o`/`--output`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// JSON, as scripts read it (the default off a terminal).
    Json,
    /// YAML.
    Yaml,
    /// A table with a header line (the default for lists on a terminal).
    Table,
}

/// The value as YAML text.
pub fn render_yaml(value: &Value) -> String {
    serde_norway::to_string(value).unwrap_or_else(|_| format!("{value}\n"))
}

/// The value as a table no wider than `width` (unless the fields asked for need more):
/// one row per item of a list, with the columns asked for or those that fit, preferring
/// ids, names and states; an object that is no list becomes FIELD / VALUE rows.
pub fn render_table(value: &Value, fields: &Fields, width: usize) -> String {
    let Some(list) = items(value) else {
        return field_value_table(value, fields, width);
    };
    if list.is_empty() {
        return "no items\n".to_owned();
    }
    let columns = if fields.is_empty() {
        fitting_columns(list, width)
    } else {
        fields.names()
    };
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|item| {
            columns
                .iter()
                .map(|c| {
                    let path: Vec<String> = c.split('.').map(str::to_owned).collect();
                    cell(lookup(item, &path), fields.is_empty())
                })
                .collect()
        })
        .collect();
    let mut text = grid(&columns, rows, width);
    // What is beside the list (a cursor to the next page, a count) goes under it.
    if let Value::Object(map) = value {
        for (key, v) in map {
            if !v.is_array() && !v.is_null() {
                text.push_str(&format!("{key}: {}\n", cell(Some(v), false)));
            }
        }
    }
    text
}

fn field_value_table(value: &Value, fields: &Fields, width: usize) -> String {
    let value = project(value, fields);
    let mut leaves = Vec::new();
    flatten(&value, String::new(), usize::MAX, &mut leaves);
    let rows = leaves
        .into_iter()
        .map(|(path, v)| vec![path, cell(Some(v), false)])
        .collect();
    grid(&["field".to_owned(), "value".to_owned()], rows, width)
}

fn grid(columns: &[String], rows: Vec<Vec<String>>, width: usize) -> String {
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::NOTHING)
        .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
        .set_width(u16::try_from(width).unwrap_or(u16::MAX))
        .set_header(columns.iter().map(|c| c.to_uppercase()));
    for row in rows {
        table.add_row(row);
    }
    let mut text: String = table
        .lines()
        .map(|line| line.trim_end().to_owned() + "\n")
        .collect();
    // The style pads every line by one space on the left; a table starts at the margin.
    if text.lines().all(|l| l.is_empty() || l.starts_with(' ')) {
        text = text
            .lines()
            .map(|l| l.strip_prefix(' ').unwrap_or(l).to_owned() + "\n")
            .collect();
    }
    text
}

/// Names shown first when they are there, in this order.
const PREFERRED: [&str; 22] = [
    "id",
    "runId",
    "connector",
    "action",
    "name",
    "title",
    "login",
    "email",
    "profile.login",
    "profile.email",
    "displayName",
    "label",
    "type",
    "status",
    "state",
    "flow",
    "subject",
    "outcome",
    "kind",
    "profile.firstName",
    "profile.lastName",
    "queuedAt",
];

/// The columns of a list: the paths of its items' fields (two levels deep, `_links` and
/// the like left out), preferred names first, as many as fit `width`.
fn fitting_columns(list: &[Value], width: usize) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    let mut widths: Vec<usize> = Vec::new();
    for item in list.iter().take(50) {
        let mut leaves = Vec::new();
        flatten(item, String::new(), 2, &mut leaves);
        for (path, v) in leaves {
            let w = cell(Some(v), true).chars().count();
            match seen.iter().position(|p| *p == path) {
                Some(i) => widths[i] = widths[i].max(w),
                None => {
                    widths.push(w.max(path.len()));
                    seen.push(path);
                }
            }
        }
    }
    let mut order: Vec<usize> = PREFERRED
        .iter()
        .filter_map(|p| seen.iter().position(|s| s == p))
        .collect();
    let rest: Vec<usize> = (0..seen.len()).filter(|i| !order.contains(i)).collect();
    order.extend(rest);
    let mut used = 0;
    let mut columns = Vec::new();
    for i in order {
        let need = widths[i] + 3;
        if used + need > width && !columns.is_empty() {
            continue;
        }
        used += need;
        columns.push(seen[i].clone());
    }
    columns
}

/// The leaves of a value as dotted paths: objects opened `depth` levels deep, arrays kept
/// whole; fields starting with `_` (links, embedded objects) left out.
fn flatten<'a>(value: &'a Value, prefix: String, depth: usize, out: &mut Vec<(String, &'a Value)>) {
    match value {
        Value::Object(map) if depth > 0 => {
            for (key, v) in map {
                if key.starts_with('_') {
                    continue;
                }
                let path = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(v, path, depth - 1, out);
            }
        }
        other if !prefix.is_empty() => out.push((prefix, other)),
        other => out.push(("value".to_owned(), other)),
    }
}

fn lookup<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(list) => key.parse::<usize>().ok().and_then(|i| list.get(i)),
        _ => None,
    })
}

/// One cell: text as it is, nothing for null, anything else as compact JSON; control
/// characters escaped; cut at [`CELL_MAX`] when `cut`.
fn cell(value: Option<&Value>, cut: bool) -> String {
    let text = match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let text = connector_runtime::printable(&text).into_owned();
    if cut && text.chars().count() > CELL_MAX {
        let mut short: String = text.chars().take(CELL_MAX - 1).collect();
        short.push('…');
        return short;
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn users() -> Value {
        json!({"users": [
            {"id": "00u1", "status": "ACTIVE", "created": "2026-12-01T10:00:00.000Z",
             "profile": {"login": "ada@example.com", "email": "ada@example.com", "firstName": "Ada"},
             "_links": {"self": {"href": "http://x"}}},
            {"id": "00u2", "status": "STAGED", "created": "2026-12-02T10:00:00.000Z",
             "profile": {"login": "grace@example.com", "email": "grace@example.com"}}
        ]})
    }

    #[test]
    fn a_list_table_fits_the_width_and_prefers_ids_and_logins() {
        let text = render_table(&users(), &Fields::default(), 100);
        let header = text.lines().next().unwrap();
        assert!(header.starts_with("ID"), "{text}");
        assert!(header.contains("PROFILE.LOGIN"), "{text}");
        assert!(
            !text.contains("_links") && !text.contains("http://x"),
            "{text}"
        );
        for line in text.lines() {
            assert!(line.chars().count() <= 100, "{line:?} in\n{text}");
        }
        assert_eq!(text.lines().count(), 3, "{text}");
    }

    #[test]
    fn asked_for_columns_are_shown_in_order_and_the_rest_of_the_envelope_under_the_list() {
        let value = json!({"runs": [{"runId": "r1", "state": "done"}], "nextCursor": "c2"});
        let text = render_table(&value, &Fields::parse("state,runId").unwrap(), 100);
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
        assert_eq!(header, ["STATE", "RUNID"]);
        assert!(text.ends_with("nextCursor: c2\n"), "{text}");
    }

    #[test]
    fn an_object_becomes_field_value_rows_and_control_characters_are_escaped() {
        let text = render_table(
            &json!({"id": "1", "profile": {"login": "a\u{1b}[2J"}}),
            &Fields::default(),
            100,
        );
        assert!(text.contains("profile.login"), "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        assert_eq!(
            render_table(&json!([]), &Fields::default(), 100),
            "no items\n"
        );
    }

    #[test]
    fn yaml_is_the_same_data() {
        let text = render_yaml(&users());
        let back: Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(back, users());
    }
}
