//! Any call to the service: the Custom API Action's typed form.

use connector_core::Result;
use connector_core::custom::{CustomApiInput, CustomApiOutput};

use crate::client::Boards;

/// The path the Custom API Action posts to when the input gives none.
pub const CUSTOM_API_DEFAULT_PATH: &str = "/v2";

impl Boards {
    /// Sends a raw request on the connection's origin with its token (the Custom API
    /// Action): `POST /v2` unless the input says otherwise. It carries this client's
    /// `API-Version` (the one [`with_api_version`](Boards::with_api_version) chose) unless
    /// the input has one; a mutation carries a fresh `Idempotency-Key`, kept across its
    /// retries, unless the input has one.
    ///
    /// ```no_run
    /// use connector_core::custom::CustomApiInput;
    ///
    /// # async fn example(boards: connector_boards::Boards) -> connector_core::Result<()> {
    /// let output = boards
    ///     .custom_api_call(CustomApiInput {
    ///         headers: Some([("API-Version".to_owned(), "2026-07".to_owned())].into()),
    ///         body: Some(serde_json::json!({ "query": "query { me { id name } }" })),
    ///         ..CustomApiInput::default()
    ///     })
    ///     .await?;
    /// println!("{} {}", output.status_code, output.body);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn custom_api_call(&self, input: CustomApiInput) -> Result<CustomApiOutput> {
        connector_core::custom_api_call(self, &input, Some(CUSTOM_API_DEFAULT_PATH)).await
    }
}
