//! The connector's one table: its settings (those of a named connection), its action and
//! the prose of its reference page.

use connector_core::action::{ConnectorDocs, Setting};
use connector_core::{ActionDef, ConnectorDef, ErrorKind};

use crate::client::Http;
use crate::credential::{
    BASE_URL_VAR, BASIC_PASSWORD_VAR, BASIC_USER_VAR, BEARER_VAR, HEADER_NAME_VAR, HEADER_VALUE_VAR,
};
use crate::model::HttpRequestInput;

/// The connector's id: cards are `http.<action>`.
pub const CONNECTOR_ID: &str = "http";
/// The id of its one action: the card `http.request`.
pub const ACTION_ID: &str = "request";

const DESCRIPTION: &str = "Sends one HTTP request (method, url, query, headers, body) and answers \
     {statusCode, headers, body}, the body parsed when the answer says it is JSON. A non-2xx answer \
     after retries is an error that keeps status, headers and body. Without a connection no credential \
     is sent and url is absolute (https, or http on loopback); a named http connection gives base_url \
     (url may then be a path under it) and the credential.";

/// The prose of the connector's generated reference page.
fn docs() -> ConnectorDocs {
    ConnectorDocs::new(
        "Calls any HTTP API, as Okta Workflows' API Connector does (Raw Request, Get, Post, Put, \
         Patch, Delete): one card, `http.request`, with the method, URL, query, headers and body \
         the step gives, answered as the Custom API Action answers. Every call takes the same \
         pipeline as the other cards: retries on 429, 503 and 504 after the wait the service asks \
         for, timeouts, dry runs, the URL guard rails and bounded echoes in errors.",
        "Without a connection, no credential is sent and `url` is absolute. A step names a \
         connection as any card does (`connection: NAME`, or `connector run http request \
         --connection NAME`); the connections file (`connector.toml`) gives it:\n\n\
         ```toml\n\
         [connections.tickets]\n\
         connector = \"http\"\n\
         base_url = \"https://tickets.example.com/api/v2\"\n\
         bearer = { env = \"TICKETS_TOKEN\" }\n\
         # or: basic = { user = \"ci\", password = { file = \"/run/secrets/tickets\" } }\n\
         # or: header = { name = \"X-Api-Key\", value = { env = \"TICKETS_KEY\" } }\n\
         ```\n\n\
         Secrets are `{ env = \"VAR\" }` or `{ file = \"PATH\" }`, never inline. A credential needs \
         `base_url` and goes to its origin only: `url` is then a path under it (`/tickets/42`) or a \
         URL on that origin. The settings below are the connection's keys as the connector reads \
         them; they are never read from the process environment.",
    )
    .limitation(
        "`https` is required, for `url` and `base_url`, except for loopback hosts (127.0.0.1, ::1, \
         localhost).",
    )
    .limitation(
        "The answer's body is read up to 10 MiB; a larger one fails as `invalid_response` without \
         being read whole.",
    )
    .limitation(
        "The path and query of `url` pass the Custom API Action's guard rails: dot segments, \
         encoded slashes or dots, backslashes, control characters and URLs over 8 KiB are refused \
         before anything is sent, as are the headers `Authorization`, `Host`, `Cookie` and the \
         connection's own credential header.",
    )
    .limitation(
        "A `POST` or `PATCH` is not repeated after a lost answer (it may have taken effect); its \
         error then says `outcomeUnknown`.",
    )
    .limitation(
        "The request carries `Accept: application/json` unless `headers` give an `Accept`.",
    )
    .error("400, 422", ErrorKind::InvalidInput, "the error keeps the answer's status, headers and body")
    .error("401", ErrorKind::Authentication, "the service refused the connection's credential")
    .error("403", ErrorKind::PermissionDenied, "the credential may not do this")
    .error("404", ErrorKind::NotFound, "nothing at that URL")
    .error("409", ErrorKind::Conflict, "the request conflicts with the resource's state")
    .error("429", ErrorKind::RateLimited, "still limited after 3 retries, or the wait asked for passes the minute")
    .error("503, 504", ErrorKind::Unavailable, "still unavailable after 3 retries")
    .error("500", ErrorKind::Upstream, "any other answer that is not a success; not retried")
    .error("(answer over 10 MiB)", ErrorKind::InvalidResponse, "the body is larger than the cap")
}

fn setting(name: &'static str, secret: bool, description: &'static str) -> Setting {
    Setting {
        name,
        aliases: &[],
        secret,
        description,
    }
}

/// The http connector: one action, `request`.
///
/// ```
/// use connector_core::Connector;
///
/// let connector = connector_http::connector();
/// assert_eq!(connector.id(), "http");
/// assert_eq!(connector.actions()[0].id, "request");
/// ```
pub fn connector() -> ConnectorDef<Http> {
    ConnectorDef::new(
        CONNECTOR_ID,
        "HTTP",
        "Any HTTP API, one request at a time, with a named connection's base URL and credential.",
        Http::from_env,
    )
    .setting(setting(
        BASE_URL_VAR,
        false,
        "`base_url` of a named http connection: https (http on loopback); url may then be a path under it. Required with a credential.",
    ))
    .setting(setting(
        BEARER_VAR,
        true,
        "`bearer` of a named http connection: a token sent as `Authorization: Bearer <token>`.",
    ))
    .setting(setting(
        BASIC_USER_VAR,
        false,
        "`basic.user` of a named http connection: the user of basic auth (with basic.password).",
    ))
    .setting(setting(
        BASIC_PASSWORD_VAR,
        true,
        "`basic.password` of a named http connection: the password of basic auth.",
    ))
    .setting(setting(
        HEADER_NAME_VAR,
        false,
        "`header.name` of a named http connection: the header an API key travels in (`X-Api-Key`).",
    ))
    .setting(setting(
        HEADER_VALUE_VAR,
        true,
        "`header.value` of a named http connection: the API key.",
    ))
    .with_docs(docs())
    .action(ActionDef::new(
        ACTION_ID,
        "HTTP Request",
        DESCRIPTION,
        |http: Http, input: HttpRequestInput| async move { http.request(input).await },
    ))
}
