//! What the card makes of an answer that is not a success: the kind its status maps to, and
//! a message quoting at most 200 bytes of the answer's first line (a service often echoes
//! the input it refused). The pipeline keeps the whole answer on the error (status,
//! headers, body); the command line's JSON cuts each text in it to 200 bytes.

use connector_core::error::clip_echo;
use connector_core::pipeline::AttemptContext;
use connector_core::{Error, ErrorKind, Profile, Response};

/// The card's profile: plain HTTP (no limiter keys, the default classification and
/// `X-Request-Id`) with its own error messages.
pub(crate) fn profile() -> Profile {
    Profile::plain().named("http").with_errors(answer_error)
}

fn answer_error(_context: &AttemptContext<'_>, response: &Response) -> Error {
    error_of(response)
}

/// The error of an answer, from the answer alone.
fn error_of(response: &Response) -> Error {
    let status = response.status();
    let body = String::from_utf8_lossy(response.body());
    let first = body.lines().map(str::trim).find(|l| !l.is_empty());
    let message = match first {
        Some(line) if !line.starts_with('<') => {
            format!("the service answered {status}: {}", clip_echo(line))
        }
        _ => format!("the service answered {status}"),
    };
    Error::new(ErrorKind::from_status(status), message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use connector_core::HeaderMap;

    fn answer(status: u16, body: &str) -> Response {
        let url = url::Url::parse("https://api.example.com/x").unwrap();
        Response::from_parts(status, HeaderMap::new(), body.to_owned(), url)
    }

    #[test]
    fn the_message_quotes_at_most_200_bytes_of_the_answer() {
        let echoed = format!("no such item: {}", "é".repeat(10_000));
        let e = error_of(&answer(404, &echoed));
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.message().len() <= 230, "{}", e.message().len());
        let page = error_of(&answer(502, "<html><body>bad gateway</body></html>"));
        assert_eq!(page.message(), "the service answered 502");
        assert_eq!(page.kind(), ErrorKind::Unavailable);
    }
}
