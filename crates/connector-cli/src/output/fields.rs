//! `--fields`: which fields of an answer are printed, in every form (DESIGN: "picks
//! dotted fields of the object, or of each item when the answer is a list (or an object
//! whose one list field holds the items); picked fields keep their nesting; nothing that
//! is not picked is printed, nothing picked is rewritten").

use std::fmt;

use serde_json::{Map, Value};

/// The fields `--fields a,b.c` picks: dotted paths into each item of a list, or into the
/// object when the output is no list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields(Vec<Vec<String>>);

/// A `--fields` value that names no field, or an empty one.
#[derive(Debug, PartialEq, Eq)]
pub struct FieldsError(String);

impl fmt::Display for FieldsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FieldsError {}

impl Fields {
    /// Parses `a,b.c`: comma-separated dotted paths, spaces around them ignored.
    pub fn parse(text: &str) -> Result<Fields, FieldsError> {
        let mut paths = Vec::new();
        for field in text.split(',').map(str::trim) {
            if field.is_empty() || field.split('.').any(str::is_empty) {
                return Err(FieldsError(format!(
                    "{field:?} is not a field: give dotted names separated by commas, such as id,profile.login"
                )));
            }
            paths.push(field.split('.').map(str::to_owned).collect());
        }
        Ok(Fields(paths))
    }

    /// True when no field was asked for (every field is shown).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn names(&self) -> Vec<String> {
        self.0.iter().map(|path| path.join(".")).collect()
    }
}

/// The list an output holds: the value itself when it is an array, or the one array
/// field of an object when that array holds objects (`{"users": [...]}`,
/// `{"runs": [...], "nextCursor": ...}`); a group's `objectClass: ["okta:user_group"]` is
/// a field of the group, not a list of items.
pub fn items(value: &Value) -> Option<&Vec<Value>> {
    match value {
        Value::Array(items) => Some(items),
        Value::Object(map) => envelope(map).map(|(_, list)| list),
        _ => None,
    }
}

/// The name and value of an object's one array field, when that array holds only objects.
fn envelope(map: &Map<String, Value>) -> Option<(&String, &Vec<Value>)> {
    let mut arrays = map
        .iter()
        .filter_map(|(key, value)| value.as_array().map(|list| (key, list)));
    let (key, list) = arrays.next()?;
    let only = arrays.next().is_none() && list.iter().all(Value::is_object);
    only.then_some((key, list))
}

/// True when the output is a list (what a table shows best).
pub fn is_list(value: &Value) -> bool {
    items(value).is_some()
}

/// The value with only the fields asked for (DESIGN: "picks dotted fields of the object,
/// or of each item when the answer is a list (or an object whose one list field holds the
/// items); picked fields keep their nesting; nothing that is not picked is printed, nothing
/// picked is rewritten").
///
/// A path picks inside every list it passes through (`owners.id` on a board picks each
/// owner's id). In an object whose one list field holds the items, a path that starts at
/// one of the object's own fields (`nextCursor`, or the list's own name) is picked from the
/// object, any other from each item. A field that is missing is `null`, so every item has
/// the same shape.
pub fn project(value: &Value, fields: &Fields) -> Value {
    if fields.is_empty() {
        return value.clone();
    }
    let paths: Vec<&[String]> = fields.0.iter().map(Vec::as_slice).collect();
    let Value::Object(map) = value else {
        return pick(value, &paths);
    };
    let Some((list_key, list)) = envelope(map) else {
        return pick(value, &paths);
    };
    let (own, of_items): (Vec<&[String]>, Vec<&[String]>) = paths
        .iter()
        .partition(|path| path.first().is_some_and(|head| map.contains_key(head)));
    let mut out = match pick(value, &own) {
        Value::Object(out) => out,
        _ => Map::new(),
    };
    if !of_items.is_empty() && !out.contains_key(list_key) {
        let picked = list.iter().map(|item| pick(item, &of_items)).collect();
        out.insert(list_key.clone(), Value::Array(picked));
    }
    Value::Object(out)
}

/// Picks `paths` from `value`: from each item of a list, by name from an object; a path
/// into a field that is missing or `null` gives `null` at its end; a path into text or a
/// number gives `null` for that field.
fn pick(value: &Value, paths: &[&[String]]) -> Value {
    match value {
        Value::Array(list) => Value::Array(list.iter().map(|item| pick(item, paths)).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            for (head, rests) in by_head(paths) {
                let picked = match map.get(head) {
                    _ if rests.iter().any(|rest| rest.is_empty()) => {
                        map.get(head).cloned().unwrap_or(Value::Null)
                    }
                    None | Some(Value::Null) => pick(&Value::Object(Map::new()), &rests),
                    Some(inner) => pick(inner, &rests),
                };
                out.insert(head.clone(), picked);
            }
            Value::Object(out)
        }
        _ => Value::Null,
    }
}

/// The paths grouped by their first name, in the order the names were first asked for.
fn by_head<'a>(paths: &[&'a [String]]) -> Vec<(&'a String, Vec<&'a [String]>)> {
    let mut groups: Vec<(&String, Vec<&[String]>)> = Vec::new();
    for path in paths {
        let Some((head, rest)) = path.split_first() else {
            continue;
        };
        match groups.iter_mut().find(|(name, _)| *name == head) {
            Some((_, rests)) => rests.push(rest),
            None => groups.push((head, vec![rest])),
        }
    }
    groups
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

    fn pick(value: &Value, fields: &str) -> Value {
        project(value, &Fields::parse(fields).unwrap())
    }

    #[test]
    fn fields_parse_dotted_paths_and_refuse_empty_names() {
        assert_eq!(
            Fields::parse("id, profile.login").unwrap().names(),
            ["id", "profile.login"]
        );
        assert!(Fields::parse("id,,x").is_err());
        assert!(Fields::parse("a..b").is_err());
    }

    #[test]
    fn projection_keeps_the_envelope_and_fills_missing_fields_with_null() {
        let picked = project(&users(), &Fields::parse("id,profile.firstName").unwrap());
        assert_eq!(
            picked,
            json!({"users": [
                {"id": "00u1", "profile": {"firstName": "Ada"}},
                {"id": "00u2", "profile": {"firstName": null}}
            ]})
        );
        let one = project(&json!({"id": "1", "x": 2}), &Fields::parse("x").unwrap());
        assert_eq!(one, json!({"x": 2}));
    }

    #[test]
    fn an_object_with_a_list_of_text_is_no_list_of_items() {
        let group = json!({
            "id": "00g1", "created": "2026-12-01T10:00:00.000Z",
            "objectClass": ["okta:user_group"],
            "profile": {"name": "Support", "description": "Help desk"},
            "_links": {"logo": [{"href": "http://x"}]}
        });
        assert_eq!(
            pick(&group, "id,profile.name"),
            json!({"id": "00g1", "profile": {"name": "Support"}})
        );
        assert_eq!(
            pick(&group, "objectClass"),
            json!({"objectClass": ["okta:user_group"]}),
            "a picked list is kept as it is"
        );
        assert!(!is_list(&group));
    }

    #[test]
    fn paths_pick_inside_every_list_they_pass_through() {
        let board = json!({
            "id": "1", "name": "Roadmap",
            "owners": [{"id": "7", "email": "a@x"}, {"id": "8", "email": "b@x"}],
            "subscribers": [{"id": "9", "email": "c@x"}],
            "tags": ["q1", "q2"]
        });
        assert_eq!(
            pick(&board, "name,owners.email,subscribers.id"),
            json!({
                "name": "Roadmap",
                "owners": [{"email": "a@x"}, {"email": "b@x"}],
                "subscribers": [{"id": "9"}]
            })
        );
        assert_eq!(
            pick(&json!([{"a": {"b": [{"c": 1, "d": 2}]}}]), "a.b.c"),
            json!([{"a": {"b": [{"c": 1}]}}])
        );
    }

    #[test]
    fn an_envelope_keeps_its_own_fields_only_when_they_are_picked() {
        let page =
            json!({"runs": [{"runId": "r1", "state": "done", "flow": "f"}], "nextCursor": "c2"});
        assert_eq!(
            pick(&page, "runId"),
            json!({"runs": [{"runId": "r1"}]}),
            "nothing that is not picked is printed"
        );
        assert_eq!(
            pick(&page, "runId,nextCursor"),
            json!({"runs": [{"runId": "r1"}], "nextCursor": "c2"})
        );
        assert_eq!(
            pick(&page, "runs.state"),
            json!({"runs": [{"state": "done"}]})
        );
    }

    #[test]
    fn a_run_view_picks_its_own_fields_and_not_its_steps() {
        let run = json!({"flow": "f", "outcome": "granted", "steps": [{"id": "s"}]});
        assert_eq!(
            pick(&run, "flow,outcome"),
            json!({"flow": "f", "outcome": "granted"})
        );
    }
}
