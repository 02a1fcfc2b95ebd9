//! Running a GraphQL document on the pipeline: [`Boards::graphql`] for any document, and
//! the call every typed method makes with one of the connector's documents.

use connector_core::{Error, ErrorKind, Method, Response, Result};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

use crate::client::{Boards, api_version_header};
use crate::envelope::Envelope;
use crate::graphql::{Document, OperationKind};
use crate::idempotency::{self, IDEMPOTENCY_REPLAYED};
use crate::profile::UNKNOWN_CALL_ESTIMATE;

impl Boards {
    /// Sends any GraphQL document with its variables through the same pipeline (auth,
    /// limiter, retries, error mapping) and returns its `data`. Until the answer reports
    /// its cost (select `complexity { query after reset_in_x_seconds }`), the call is
    /// charged [`UNKNOWN_CALL_ESTIMATE`] points. A mutation carries a fresh
    /// `Idempotency-Key`, kept across its retries.
    ///
    /// ```no_run
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let data = boards
    ///     .graphql("query { version { kind value } }", serde_json::json!({}))
    ///     .await?;
    /// println!("served by {}", data["version"]["value"]);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn graphql(&self, query: &str, variables: Value) -> Result<Value> {
        let body = json!({ "query": query, "variables": variables });
        let mut request = self
            .connection
            .request(Method::POST, &self.endpoint)
            .json(&body)?
            .header(api_version_header(), self.api_version.clone())
            .cost(UNKNOWN_CALL_ESTIMATE);
        if idempotency::is_mutation_document(query) {
            request = idempotency::keyed(request);
        }
        let mut response = self.connection.send(request).await?;
        note_replay(&response);
        let mut root = body_object(&mut response)?;
        Ok(root.remove("data").unwrap_or(Value::Null))
    }

    /// Runs one of the connector's documents and reads its root field as `T`.
    ///
    /// `items` is the number of items asked for (page size, user ids), which the estimate
    /// of the call's complexity grows with.
    pub(crate) async fn run<T: DeserializeOwned>(
        &self,
        document: &Document,
        variables: Map<String, Value>,
        items: u64,
    ) -> Result<Answer<T>> {
        // The first call of a shape goes alone: until one answer has told what such a call
        // costs, others of the same shape wait for it rather than queue for the budget with
        // a guess (a guess above the cost holds back budget, one below it overspends).
        let _probe = self.costs.probe(document, items).await;
        let estimate = self.costs.estimate(document, items);
        let body = json!({ "query": document.text, "variables": variables });
        let mut request = self
            .connection
            .request(Method::POST, &self.endpoint)
            .json(&body)?
            .header(api_version_header(), self.api_version.clone())
            .cost(estimate)
            .operation(document.root_field);
        if document.kind == OperationKind::Mutation {
            request = idempotency::keyed(request);
        }
        let mut response = match self.connection.send(request).await {
            Ok(response) => response,
            Err(error) => {
                // An answer, even a refusal, ends the probe: learn from its report if it has
                // one, else keep the first estimate, so that later calls stop queueing.
                if let Some(answer) = error.response() {
                    let charged = match &answer.body {
                        Value::Object(root) => {
                            Envelope::from_object(root).complexity.and_then(|c| c.query)
                        }
                        _ => None,
                    };
                    self.costs
                        .learn(document, items, charged.unwrap_or(estimate));
                }
                return Err(error);
            }
        };
        note_replay(&response);
        let mut root = body_object(&mut response)?;
        let envelope = Envelope::from_object(&root);
        let charged = envelope.complexity.and_then(|c| c.query);
        self.costs
            .learn(document, items, charged.unwrap_or(estimate));
        let facts = |error: Error| {
            let error = error
                .with_status(response.status())
                .with_attempts(response.attempts());
            match &envelope.request_id {
                Some(id) => error.with_request_id(id.clone()),
                None => error,
            }
        };
        let field = match root.remove("data") {
            Some(Value::Object(mut data)) => {
                data.remove(document.root_field).unwrap_or(Value::Null)
            }
            _ => {
                return Err(facts(Error::invalid_response(format!(
                    "the boards service's answer to {} has no data",
                    document.root_field
                ))));
            }
        };
        let value: T = serde_path_to_error::deserialize(field).map_err(|why| {
            facts(Error::invalid_response(format!(
                "the boards service's answer to {} cannot be read: {why}",
                document.root_field
            )))
        })?;
        Ok(Answer {
            value,
            request_id: envelope.request_id,
            attempts: response.attempts(),
        })
    }
}

/// Says in the log when the service answered from its `Idempotency-Key` cache: an earlier
/// attempt of this call ran and its answer, lost on the way, is the one returned.
fn note_replay(response: &Response) {
    if response
        .header(IDEMPOTENCY_REPLAYED)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        tracing::info!(
            attempts = response.attempts(),
            "the boards service replayed the answer of an earlier attempt with the same Idempotency-Key"
        );
    }
}

/// The answer's root object, from the parse the pipeline already made.
fn body_object(response: &mut Response) -> Result<Map<String, Value>> {
    match response.take_json_object()? {
        Some(root) => Ok(root),
        None => Err(
            Error::invalid_response("the boards service's answer is not a JSON object")
                .with_status(response.status())
                .with_attempts(response.attempts()),
        ),
    }
}

/// A decoded answer with the facts an error built from it needs.
pub(crate) struct Answer<T> {
    pub(crate) value: T,
    pub(crate) request_id: Option<String>,
    pub(crate) attempts: u32,
}

impl<T> Answer<T> {
    /// The error for a read by id that found nothing.
    pub(crate) fn not_found(&self, message: String) -> Error {
        let error = Error::new(ErrorKind::NotFound, message).with_attempts(self.attempts);
        match &self.request_id {
            Some(id) => error.with_request_id(id.clone()),
            None => error,
        }
    }
}
