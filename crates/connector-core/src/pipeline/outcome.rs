//! The error a call ends with: the service's answer as the connector reads it, or how the
//! last attempt failed, marked when a write may have taken effect.

use super::context::AttemptContext;
use crate::connection::parts::Inner;
use crate::error::Error;
use crate::http::Request;

/// The error of a call that ends on `context`'s attempt: the profile's reading of the
/// answer (with its status, request id and body kept), or the transport's failure.
pub(super) fn final_error(
    inner: &Inner,
    context: &AttemptContext<'_>,
    attempts: u32,
    may_have_acted: bool,
) -> Error {
    match (context.response(), context.failure()) {
        (Some(response), _) => {
            let mut error = inner.profile.error(context, response);
            if error.status().is_none() {
                error = error.with_status(response.status());
            }
            if error.request_id().is_none()
                && let Some(id) = inner.profile.request_id(context)
            {
                error = error.with_request_id(id);
            }
            // The answer kept on the error reuses the body the parts parsed, if they did.
            let mut kept = response.to_error_response_without_body();
            kept.body = match context.json() {
                Some(json) => json.clone(),
                None => response.body_text_value(),
            };
            let error = error.with_attempts(attempts).with_response(kept);
            // An earlier attempt of this write lost its answer: whatever the last answer
            // says, the first may have acted (a 409 for its key even proves it arrived).
            unknown_if(error, may_have_acted, context.request())
        }
        (None, Some(failure)) => unknown_if(
            failure.to_error().with_attempts(attempts),
            may_have_acted,
            context.request(),
        ),
        (None, None) => {
            Error::invalid_response("an attempt ended with neither an answer nor a failure")
                .with_attempts(attempts)
        }
    }
}

/// Marks the error of a write whose outcome is unknown (an attempt lost its answer after the
/// request may have reached the service) and says so in its message.
pub(super) fn unknown_if(error: Error, may_have_acted: bool, request: &Request) -> Error {
    if !may_have_acted || !request.is_write() || error.outcome_unknown() {
        return error;
    }
    let message = format!(
        "{}; the {} may have taken effect: check before repeating it",
        error.message(),
        request.method
    );
    error.with_message(message).with_outcome_unknown()
}
