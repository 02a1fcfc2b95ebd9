//! The example action's own files (`get-item`: its types in `model/`, its typed method in
//! `api/`), written when the actions do not come from an OpenAPI document.

/// `src/model/mod.rs`.
pub(super) const MODEL_MOD_RS: &str = r#"//! The service's types and the actions' inputs and outputs, one file per API area.

mod items;

pub use items::{GetItemInput, Item};
"#;

/// `src/model/items.rs`.
pub(super) const MODEL_ITEMS_RS: &str = r#"//! Items: the item, and the inputs of the item actions.

use connector_core::schemars;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The input of `get-item`.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GetItemInput {
    /// The item's id.
    pub id: String,
}

/// An item, as the API returns it.
#[derive(Debug, Clone, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    /// The item's id.
    pub id: String,
    /// Every other field the API returned.
    #[serde(flatten)]
    pub fields: Map<String, Value>,
}
"#;

/// `src/api/mod.rs`.
pub(super) const API_MOD_RS: &str = r#"//! Typed methods on the client, one file per API area.

mod items;
"#;

/// `src/api/items.rs`.
pub(super) const API_ITEMS_RS: &str = r#"//! Items: read.

use connector_core::{HasConnection, Method, Result, path_segment};

use crate::client::{{Pascal}};
use crate::model::Item;

impl {{Pascal}} {
    /// Reads one item by id (`GET /items/{id}`).
    ///
    /// ```no_run
    /// # async fn example(client: connector_{{snake}}::{{Pascal}}) -> connector_core::Result<()> {
    /// let item = client.get_item("42").await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn get_item(&self, id: &str) -> Result<Item> {
        let path = format!("/items/{}", path_segment(id));
        let connection = self.connection();
        connection
            .send_json(connection.request(Method::GET, &path))
            .await
    }
}
"#;
