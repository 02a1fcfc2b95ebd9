//! The generic HTTP card of **connectors** (`http.request`, Okta Workflows' API
//! Connector): one request to any HTTP API, with the method, URL, query, headers and body
//! the caller gives, answered as the Custom API Action answers (`{statusCode, headers,
//! body}`), through [`connector_core`]'s pipeline: retries on 429, 503 and 504 after the
//! `Retry-After` asked for, timeouts, dry runs, the URL guard rails and bounded echoes.
//!
//! - [`Http`]: the client. Without a named connection it sends no credential and every
//!   `url` is absolute. A named connection (`connector = "http"` in `connector.toml`) gives
//!   a `base_url` (then `url` may be a path under it) and a [`Credential`]: `bearer`,
//!   `basic` or `header`, its secrets held in `secrecy` types and sent to that origin only.
//! - `https` is required, except for loopback hosts; answers over [`MAX_RESPONSE_BYTES`]
//!   fail as `invalid_response`; a non-2xx answer after retries is an error that keeps its
//!   status, headers and body.
//! - [`connector()`]: the action by id (`request`), for the CLI and workflow engines.
//!
//! # Example
//!
//! ```no_run
//! use connector_http::{Credential, Http, HttpRequestInput};
//!
//! # async fn example() -> connector_core::Result<()> {
//! let http = Http::builder()
//!     .base_url("https://api.example.com/v1")
//!     .credential(Credential::bearer(std::env::var("EXAMPLE_TOKEN").unwrap_or_default()))
//!     .build()?;
//! let answer = http.request(HttpRequestInput::get("/items?limit=10")).await?;
//! println!("{} {}", answer.status_code, answer.body);
//! # Ok(())
//! # }
//! ```

mod actions;
mod client;
mod credential;
mod errors;
mod model;
mod target;

pub use actions::{ACTION_ID, CONNECTOR_ID, connector};
pub use client::{Http, HttpBuilder, MAX_RESPONSE_BYTES};
pub use credential::{
    BASE_URL_VAR, BASIC_PASSWORD_VAR, BASIC_USER_VAR, BEARER_VAR, Credential, HEADER_NAME_VAR,
    HEADER_VALUE_VAR,
};
pub use model::{HttpRequestInput, HttpResponse};
