//! Any call to the org: the Custom API Action's typed form.

use connector_core::custom::{CustomApiInput, CustomApiOutput};
use connector_core::{Result, custom_api_call};

use crate::client::Okta;

impl Okta {
    /// Sends any request to the org through the connection's credentials, retries and rate
    /// limits: the Custom API Action. `relativeUrl` must stay on the org (absolute URLs,
    /// `//host`, encoded slashes and dot segments are refused before sending) and
    /// `Authorization`/`Host` cannot be set. A non-2xx answer after retries is an error
    /// that keeps status, headers and body.
    ///
    /// ```no_run
    /// use connector_core::custom::CustomApiInput;
    ///
    /// # async fn example(okta: connector_okta::Okta) -> connector_core::Result<()> {
    /// let input: CustomApiInput = serde_json::from_value(serde_json::json!({
    ///     "method": "POST",
    ///     "relativeUrl": "/api/v1/users/00u1abc/roles",
    ///     "body": {"type": "HELP_DESK_ADMIN"}
    /// }))
    /// .expect("a valid input");
    /// let output = okta.custom_api_call(&input).await?;
    /// assert_eq!(output.status_code, 201);
    /// # Ok(())
    /// # }
    /// ```
    pub async fn custom_api_call(&self, input: &CustomApiInput) -> Result<CustomApiOutput> {
        custom_api_call(self, input, None).await
    }
}
