//! Declarative actions: an `ActionDef` describes itself from its types, parses and checks
//! its input before running, runs its one function with a clone of the client, and runs
//! inside the `action` span only while it is polled.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use connector_core::schemars::JsonSchema;
use connector_core::{
    Action, ActionDef, Connector, ConnectorDef, Env, Error, ErrorKind, Registry, Result,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tokio::sync::Notify;

/// A client as connectors have them: cheap to clone, state behind an `Arc`.
#[derive(Clone, Default)]
struct Shop {
    calls: Arc<AtomicUsize>,
    gate: Arc<Notify>,
}

impl Shop {
    async fn price(&self, sku: &str, quantity: u32) -> Result<u64> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match sku {
            "apple" => Ok(3 * u64::from(quantity)),
            other => Err(Error::new(
                ErrorKind::NotFound,
                format!("no product {other}"),
            )),
        }
    }
}

/// The input of `price`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PriceInput {
    /// The product.
    sku: String,
    /// How many (default 1).
    #[serde(default = "one")]
    quantity: u32,
}

fn one() -> u32 {
    1
}

/// The output of `price`.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct Price {
    /// The total, in cents.
    total_cents: u64,
}

/// The input of `wait`.
#[derive(Debug, Deserialize, JsonSchema)]
struct Nothing {}

/// The output of `wait`: the current span's name before and after the action awaited.
#[derive(Debug, Serialize, JsonSchema)]
struct Spans {
    before: Option<String>,
    after: Option<String>,
}

fn current_span() -> Option<String> {
    tracing::Span::current()
        .metadata()
        .map(|m| m.name().to_owned())
}

fn connector() -> ConnectorDef<Shop> {
    ConnectorDef::new("shop", "Shop", "A shop.", |_env: &Env| Ok(Shop::default()))
        .action(ActionDef::new(
            "price",
            "Price",
            "Prices a quantity of a product.",
            |shop: Shop, input: PriceInput| async move {
                let total_cents = shop.price(&input.sku, input.quantity).await?;
                Ok(Price { total_cents })
            },
        ))
        .action(ActionDef::new(
            "wait",
            "Wait",
            "Waits for the shop's gate.",
            |shop: Shop, _: Nothing| async move {
                let before = current_span();
                shop.gate.notified().await;
                Ok(Spans {
                    before,
                    after: current_span(),
                })
            },
        ))
}

#[test]
fn an_action_def_describes_itself_from_its_types() {
    let def = ActionDef::new(
        "price",
        "Price",
        "Prices a quantity of a product.",
        |shop: Shop, input: PriceInput| async move {
            let total_cents = shop.price(&input.sku, input.quantity).await?;
            Ok(Price { total_cents })
        },
    );
    assert_eq!(Action::<Shop>::id(&def), "price");
    assert_eq!(Action::<Shop>::name(&def), "Price");
    assert!(format!("{def:?}").contains("price"));

    let registry = Registry::new().with(connector());
    let info = registry.action("shop", "price").unwrap();
    assert_eq!(info.name, "Price");
    assert_eq!(info.description, "Prices a quantity of a product.");
    assert_eq!(info.input_schema["title"], "PriceInput");
    assert_eq!(info.input_schema["required"], json!(["sku"]));
    assert_eq!(
        info.input_schema["properties"]["quantity"]["description"],
        "How many (default 1)."
    );
    assert_eq!(info.output_schema["title"], "Price");
    assert!(info.output_schema["properties"]["totalCents"].is_object());
}

#[tokio::test]
async fn an_action_def_runs_its_function_on_the_parsed_input() {
    let shop = Shop::default();
    let output = connector()
        .run(&shop, "price", json!({"sku": "apple", "quantity": 4}))
        .await
        .unwrap();
    assert_eq!(output, json!({"totalCents": 12}));
    // The function got a clone of the client: the same state.
    assert_eq!(shop.calls.load(Ordering::SeqCst), 1);

    // Through a session, as the CLI runs it.
    let session = connector().connect(&Env::default()).unwrap();
    let output = session.run("price", json!({"sku": "apple"})).await.unwrap();
    assert_eq!(output, json!({"totalCents": 3}));
}

#[tokio::test]
async fn an_action_def_refuses_a_misfit_input_without_running() {
    let shop = Shop::default();
    for input in [
        json!({"quantity": 2}),
        json!({"sku": "apple", "colour": "red"}),
        json!({"sku": "apple", "quantity": -1}),
        json!("apple"),
    ] {
        let error = connector().run(&shop, "price", input).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{error}");
    }
    assert_eq!(shop.calls.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_action_def_returns_its_function_s_error_unchanged() {
    let shop = Shop::default();
    let error = connector()
        .run(&shop, "price", json!({"sku": "pear"}))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NotFound);
    assert_eq!(error.message(), "no product pear");
}

// One thread, one task: `join!` polls the action until it waits, then the observer. A span
// entered across the action's await would still be current when the observer runs.
#[tokio::test(flavor = "current_thread")]
async fn the_action_span_is_current_only_while_the_action_is_polled() {
    let _subscriber = tracing::subscriber::set_default(tracing_subscriber::registry());
    let shop = Shop::default();
    let def = connector();
    let run = def.run(&shop, "wait", json!({}));
    let observer = async {
        tokio::task::yield_now().await;
        let seen = current_span();
        shop.gate.notify_one();
        seen
    };
    let (output, seen_outside) = tokio::join!(run, observer);
    let output = output.unwrap();
    assert_eq!(output["before"], "action");
    assert_eq!(output["after"], "action");
    assert_eq!(seen_outside, None);
}
