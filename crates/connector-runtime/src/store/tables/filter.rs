//! `where` and `orderBy` of `search-rows` and `delete-rows`, compiled to SQL on the typed
//! (and indexed) columns, every value bound: `{col: value}` or `{col: {eq, ne, lt, le, gt,
//! ge, contains, in, not_in}}`, all of which must hold; `_id`, `_createdAt` and `_updatedAt` may
//! be filtered and sorted on too.

use connector_core::Error;
use serde_json::{Map, Value};

use super::ddl::column_ident;
use super::tx::Arg;
use crate::tables::op::MAX_IN_VALUES;
use crate::tables::{ColumnType, TableDef, normalize_datetime};

/// The operators a condition may use.
pub(crate) const OPERATORS: &[&str] = &[
    "eq", "ne", "lt", "le", "gt", "ge", "contains", "in", "not_in",
];

/// What a name in `where` or `orderBy` stands for.
enum Target {
    Column(ColumnType, String),
    Id,
    Stamp(&'static str),
}

impl Target {
    fn sql(&self) -> String {
        match self {
            Target::Column(_, name) => column_ident(name),
            Target::Id => "row_id".to_owned(),
            Target::Stamp(column) => (*column).to_owned(),
        }
    }
}

fn refuse(message: String) -> Error {
    Error::invalid_input(message).with_attempts(0)
}

fn target(def: &TableDef, name: &str) -> Result<Target, Error> {
    match name {
        "_id" => return Ok(Target::Id),
        "_createdAt" => return Ok(Target::Stamp("created_ms")),
        "_updatedAt" => return Ok(Target::Stamp("updated_ms")),
        _ => {}
    }
    let column = def.column(name).ok_or_else(|| {
        refuse(format!(
            "table {} has no column {}; its columns are: {}",
            def.name,
            connector_core::error::quote_input(name),
            def.column_names()
        ))
    })?;
    if column.kind == ColumnType::Json {
        return Err(refuse(format!(
            "column {} of table {} is json: it cannot be filtered or sorted on",
            column.name, def.name
        )));
    }
    Ok(Target::Column(column.kind, column.name.clone()))
}

/// The argument a value compares as, for `target`.
fn arg(def: &TableDef, name: &str, target: &Target, value: &Value) -> Result<Arg, Error> {
    let wrong = |expected: &str| {
        refuse(format!(
            "where {name} of table {}: the value must be {expected}, not {}",
            def.name,
            crate::tables::schema::kind_of(value)
        ))
    };
    match target {
        Target::Id => value
            .as_str()
            .map(|s| Arg::Text(Some(s.to_owned())))
            .ok_or_else(|| wrong("text")),
        Target::Stamp(_) => value
            .as_str()
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
            .map(|at| Arg::Int(Some(at.timestamp_millis())))
            .ok_or_else(|| wrong(ColumnType::Datetime.expected())),
        Target::Column(kind, _) => match (kind, value) {
            (ColumnType::Text, Value::String(s)) => Ok(Arg::Text(Some(s.clone()))),
            (ColumnType::Number, Value::Number(n)) => n
                .as_f64()
                .map(|f| Arg::Real(Some(f)))
                .ok_or_else(|| wrong("a number")),
            (ColumnType::Boolean, Value::Bool(b)) => Ok(Arg::Int(Some(i64::from(*b)))),
            (ColumnType::Datetime, Value::String(s)) => normalize_datetime(s)
                .map(|s| Arg::Text(Some(s)))
                .ok_or_else(|| wrong(kind.expected())),
            (kind, _) => Err(wrong(kind.expected())),
        },
    }
}

/// `(sql)` conditions of `filter` (`""` for none, else ` WHERE ...`), their arguments
/// pushed onto `args` (numbered after those already there).
pub(crate) fn compile(
    def: &TableDef,
    filter: Option<&Map<String, Value>>,
    postgres: bool,
    args: &mut Vec<Arg>,
) -> Result<String, Error> {
    let Some(filter) = filter else {
        return Ok(String::new());
    };
    let mut conditions = Vec::new();
    for (name, condition) in filter {
        let target = target(def, name)?;
        let column = target.sql();
        let ops: Vec<(&str, &Value)> = match condition {
            Value::Object(map) => {
                if map.is_empty() {
                    return Err(refuse(format!(
                        "where {name}: give a value or an operator ({})",
                        OPERATORS.join(", ")
                    )));
                }
                let mut ops = Vec::new();
                for (op, value) in map {
                    if !OPERATORS.contains(&op.as_str()) {
                        return Err(refuse(format!(
                            "where {name}: unknown operator {} (the operators are {})",
                            connector_core::error::quote_input(op),
                            OPERATORS.join(", ")
                        )));
                    }
                    ops.push((op.as_str(), value));
                }
                ops
            }
            value => vec![("eq", value)],
        };
        for (op, value) in ops {
            let next = |value: &Value, args: &mut Vec<Arg>| -> Result<String, Error> {
                args.push(arg(def, name, &target, value)?);
                Ok(format!("${}", args.len()))
            };
            let sql = match (op, value) {
                ("eq", Value::Null) => format!("{column} IS NULL"),
                ("ne", Value::Null) => format!("{column} IS NOT NULL"),
                ("eq", v) => format!("{column} = {}", next(v, args)?),
                // A row without a value differs from any value.
                ("ne", v) => format!("({column} IS NULL OR {column} <> {})", next(v, args)?),
                ("lt" | "le" | "gt" | "ge", Value::Null) => {
                    return Err(refuse(format!(
                        "where {name}: {op} needs a value, not null"
                    )));
                }
                ("lt", v) => format!("{column} < {}", next(v, args)?),
                ("le", v) => format!("{column} <= {}", next(v, args)?),
                ("gt", v) => format!("{column} > {}", next(v, args)?),
                ("ge", v) => format!("{column} >= {}", next(v, args)?),
                ("contains", Value::String(_))
                    if matches!(target, Target::Column(ColumnType::Text, _)) =>
                {
                    let p = next(value, args)?;
                    if postgres {
                        format!("strpos({column}, {p}) > 0")
                    } else {
                        format!("instr({column}, {p}) > 0")
                    }
                }
                ("contains", _) => {
                    return Err(refuse(format!(
                        "where {name}: contains takes text, on a text column"
                    )));
                }
                ("in" | "not_in", Value::Array(values)) => {
                    if values.len() > MAX_IN_VALUES {
                        return Err(refuse(format!(
                            "where {name}: {op} lists at most {MAX_IN_VALUES} values"
                        )));
                    }
                    let mut places = Vec::new();
                    let mut null = false;
                    for v in values {
                        if v.is_null() {
                            null = true;
                        } else {
                            places.push(next(v, args)?);
                        }
                    }
                    let listed = places.join(", ");
                    match (op, places.is_empty(), null) {
                        ("in", true, false) => "1 = 0".to_owned(),
                        ("in", true, true) => format!("{column} IS NULL"),
                        ("in", false, false) => format!("{column} IN ({listed})"),
                        ("in", false, true) => {
                            format!("({column} IN ({listed}) OR {column} IS NULL)")
                        }
                        // As `ne`: a row without a value differs from every value listed.
                        (_, true, false) => "1 = 1".to_owned(),
                        (_, true, true) => format!("{column} IS NOT NULL"),
                        (_, false, false) => {
                            format!("({column} IS NULL OR {column} NOT IN ({listed}))")
                        }
                        (_, false, true) => {
                            format!("({column} IS NOT NULL AND {column} NOT IN ({listed}))")
                        }
                    }
                }
                ("in" | "not_in", _) => {
                    return Err(refuse(format!("where {name}: {op} takes a list of values")));
                }
                _ => return Err(refuse(format!("where {name}: unknown operator {op}"))),
            };
            conditions.push(sql);
        }
    }
    if conditions.is_empty() {
        Ok(String::new())
    } else {
        Ok(format!(" WHERE {}", conditions.join(" AND ")))
    }
}

/// ` ORDER BY ...` for `order_by` (`col` or `-col`): rows without a value last, then
/// the order rows were created.
pub(crate) fn order(def: &TableDef, order_by: Option<&str>) -> Result<String, Error> {
    let Some(order_by) = order_by.filter(|o| !o.is_empty()) else {
        return Ok(" ORDER BY seq".to_owned());
    };
    let (name, descending) = match order_by.strip_prefix('-') {
        Some(name) => (name, true),
        None => (order_by, false),
    };
    let column = target(def, name)?.sql();
    Ok(format!(
        " ORDER BY ({column} IS NULL), {column}{}, seq",
        if descending { " DESC" } else { "" }
    ))
}
