//! Secrets never show, and the type-erased layer describes and checks its input.

use std::sync::Arc;

use async_trait::async_trait;
use connector_core::action::{DynAction, Setting};
use connector_core::auth::ClientAuth;
use connector_core::{
    Action, ClientCredentials, Connection, ConnectorDef, Env, Error, ErrorKind, Registry,
    StaticToken,
};
use schemars::JsonSchema;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::json;

const SECRET: &str = "sUp3r-s3cret-t0ken";

#[test]
fn no_public_type_that_holds_a_secret_shows_it() {
    let token = StaticToken::ssws(SECRET);
    let raw = StaticToken::raw(SECRET);
    let bearer = StaticToken::bearer(SECRET);
    let basic = StaticToken::basic("user", SECRET);
    let oauth = ClientCredentials::new(
        "https://acme.okta.com/oauth2/v1/token",
        "client",
        ["okta.users.read"],
        ClientAuth::Secret(SecretString::from(SECRET.to_owned())),
    )
    .unwrap();
    let conn = Connection::builder("https://acme.okta.com")
        .auth(token.clone())
        .build()
        .unwrap();
    let env = Env::from_pairs([("OKTA_API_TOKEN", SECRET)]);
    let mut shown = Vec::new();
    for text in [
        format!("{token:?} {token}"),
        format!("{raw:?} {raw}"),
        format!("{bearer:?} {bearer}"),
        format!("{basic:?} {basic}"),
        format!("{oauth:?}"),
        format!(
            "{:?}",
            ClientAuth::Secret(SecretString::from(SECRET.to_owned()))
        ),
        format!("{conn:?} {conn}"),
        format!("{env:?}"),
    ] {
        assert!(!text.contains(SECRET), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
        shown.push(text);
    }
    assert!(shown.iter().any(|s| s.contains("SSWS ****")));
}

#[derive(Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct GreetInput {
    /// Who to greet.
    user_name: String,
    /// How many times.
    #[serde(default)]
    times: Option<u8>,
}

#[derive(Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
struct GreetOutput {
    greeting: String,
}

struct Greet;

#[async_trait]
impl Action<()> for Greet {
    type Input = GreetInput;
    type Output = GreetOutput;

    fn id(&self) -> &'static str {
        "greet"
    }
    fn name(&self) -> &'static str {
        "Greet"
    }
    fn description(&self) -> &'static str {
        "Says hello."
    }
    async fn run(&self, _client: &(), input: GreetInput) -> connector_core::Result<GreetOutput> {
        Ok(GreetOutput {
            greeting: format!("hello {}", input.user_name)
                .repeat(usize::from(input.times.unwrap_or(1))),
        })
    }
}

fn registry() -> Registry {
    Registry::new().with(
        ConnectorDef::new("demo", "Demo", "A demo connector.", |_env| Ok(()))
            .setting(Setting {
                name: "DEMO_TOKEN",
                aliases: &[],
                secret: true,
                description: "a token",
            })
            .action(Greet),
    )
}

#[test]
fn the_type_erased_layer_returns_json_schemas_for_input_and_output() {
    let input = Greet.input_schema();
    assert_eq!(input["type"], "object");
    assert_eq!(input["properties"]["userName"]["type"], "string");
    assert_eq!(input["required"], json!(["userName"]));
    assert_eq!(
        input["properties"]["userName"]["description"],
        "Who to greet."
    );
    let output = Greet.output_schema();
    assert_eq!(output["properties"]["greeting"]["type"], "string");
    let info = registry().action("demo", "greet").unwrap();
    assert_eq!(info.input_schema, input);
}

#[tokio::test]
async fn input_that_does_not_fit_the_schema_is_invalid_input_naming_the_field() {
    let cases = [
        (json!({}), "userName"),
        (json!({"userName": 5}), "userName"),
        (json!({"userName": "a", "times": "x"}), "times"),
        (json!({"userName": "a", "extra": 1}), "extra"),
    ];
    for (input, field) in cases {
        let error: Error = Greet.run_json(&(), input.clone()).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
        assert!(error.message().contains(field), "{input}: {error}");
    }
    let ok = Greet
        .run_json(&(), json!({"userName": "ada", "times": 2}))
        .await
        .unwrap();
    assert_eq!(ok, json!({"greeting": "hello adahello ada"}));
}

#[tokio::test]
async fn the_registry_finds_connectors_and_actions_by_id_and_lists_the_valid_ones() {
    let registry = registry();
    let session = registry
        .connector("demo")
        .unwrap()
        .connect(&Env::default())
        .unwrap();
    assert_eq!(
        session
            .run("greet", json!({"userName": "x"}))
            .await
            .unwrap(),
        json!({"greeting": "hello x"})
    );
    let e = registry.connector("nope").err().unwrap();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains("demo"), "{e}");
    let e = registry.action("demo", "nope").unwrap_err();
    assert!(e.message().contains("greet"), "{e}");
    let e = session.run("nope", json!({})).await.unwrap_err();
    assert!(e.message().contains("greet"), "{e}");
    let _ = Arc::new(registry);
}
