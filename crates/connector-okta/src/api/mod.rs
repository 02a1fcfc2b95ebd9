//! The typed API: methods on [`Okta`](crate::Okta), one file per API area, all on the
//! connection's pipeline.

mod custom;
mod lifecycle;
mod pages;
mod recover;
mod roles;
mod users;

use connector_core::{Error, Result};

pub use pages::{DEFAULT_MAX_ITEMS, MAX_ITEMS, Pages, parse_link_header};
pub use users::MAX_PAGE_SIZE;

/// A required text argument, trimmed; `invalid_input` naming it when it is empty.
fn non_empty<'a>(what: &str, value: &'a str) -> Result<&'a str> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Error::invalid_input(format!("{what} is empty; give one")));
    }
    Ok(value)
}
