//! Checks on action inputs, made before anything is sent.

use connector_core::error::quote_input;
use connector_core::{Error, Result};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::client::Boards;
use crate::graphql::Document;

/// The largest page the service serves.
pub(crate) const MAX_PAGE_SIZE: u32 = 1_000;
/// Pages read at most by one listing: a guard against a service that never sends a short page.
const MAX_PAGES: u32 = 10_000;

/// The most digits a boards id has (the service's ids are 64-bit numbers).
pub(crate) const MAX_ID_DIGITS: usize = 20;

/// An id is 1 to [`MAX_ID_DIGITS`] decimal digits (DESIGN, after the actions table), so a
/// mistyped or hostile id is refused before anything is sent; the refusal quotes at most
/// [`connector_core::error::QUOTE_LIMIT`] bytes of it.
pub(crate) fn id(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid_input(format!(
            "{field} is empty; give the id as a string such as \"1234567890\""
        )));
    }
    if value.len() > MAX_ID_DIGITS || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::invalid_input(format!(
            "{field} {} is not an id; give 1 to {MAX_ID_DIGITS} decimal digits such as \"1234567890\"",
            quote_input(value)
        )));
    }
    Ok(())
}

/// A list of ids must hold at least one valid id.
pub(crate) fn ids(field: &str, values: &[String]) -> Result<()> {
    if values.is_empty() {
        return Err(Error::invalid_input(format!(
            "{field} is empty; give at least one id"
        )));
    }
    for (i, value) in values.iter().enumerate() {
        id(&format!("{field}[{i}]"), value)?;
    }
    Ok(())
}

/// An optional list of ids, when given, holds valid ids.
pub(crate) fn optional_ids(field: &str, values: Option<&[String]>) -> Result<()> {
    match values {
        Some(values) if !values.is_empty() => ids(field, values),
        _ => Ok(()),
    }
}

/// The page size: `limit` (1 to 1,000, default `default`), no larger than `max`.
pub(crate) fn page_size(limit: Option<u32>, max: Option<u32>, default: u32) -> Result<u32> {
    let limit = limit.unwrap_or(default);
    if !(1..=MAX_PAGE_SIZE).contains(&limit) {
        return Err(Error::invalid_input(format!(
            "limit {limit} is out of range; give a page size from 1 to {MAX_PAGE_SIZE}"
        )));
    }
    match max {
        Some(0) => Err(Error::invalid_input(
            "max is 0; give at least 1, or leave it out to read every page",
        )),
        Some(max) => Ok(limit.min(max)),
        None => Ok(limit),
    }
}

/// Inserts a variable when it has a value (an absent variable lets the argument's default
/// apply, which `null` would not).
pub(crate) fn put(variables: &mut Map<String, Value>, name: &str, value: Option<Value>) {
    if let Some(value) = value {
        variables.insert(name.to_owned(), value);
    }
}

/// Reads pages of `size` items until a short page or `max` items.
pub(crate) async fn pages<T: DeserializeOwned>(
    boards: &Boards,
    document: &Document,
    variables: Map<String, Value>,
    size: u32,
    max: Option<u32>,
    id_of: fn(&T) -> &str,
) -> Result<Vec<T>> {
    let mut items: Vec<T> = Vec::new();
    let mut previous_first: Option<String> = None;
    for page in 1..=MAX_PAGES {
        let mut vars = variables.clone();
        vars.insert("limit".into(), Value::from(size));
        vars.insert("page".into(), Value::from(page));
        let answer = boards
            .run::<Option<Vec<Option<T>>>>(document, vars, u64::from(size))
            .await?;
        let raw = answer.value.unwrap_or_default();
        let short = raw.len() < size as usize;
        let got: Vec<T> = raw.into_iter().flatten().collect();
        let first = got.first().map(|item| id_of(item).to_owned());
        if first.is_some() && first == previous_first {
            // A service that ignores `page` would otherwise be read forever.
            return Err(Error::invalid_response(format!(
                "the boards service answered page {page} of {} with the same items as page {}; stopping",
                document.root_field,
                page - 1
            ))
            .with_attempts(answer.attempts));
        }
        previous_first = first;
        items.extend(got);
        if let Some(max) = max
            && items.len() >= max as usize
        {
            items.truncate(max as usize);
            return Ok(items);
        }
        if short {
            return Ok(items);
        }
    }
    Err(Error::invalid_response(format!(
        "the boards service kept sending full pages of {} past page {MAX_PAGES}; set max to read fewer",
        document.root_field
    )))
}
