//! The runtime with a flow file of its own and a card of its own (no connector) over real
//! loopback HTTP: cards mask secrets in inputs and outputs, Flow History pages, and the
//! outcome a flow returns is the run's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use connector_core::Result;
use connector_core::secrecy::SecretString;
use connector_runtime::flows::{Catalog, validate};
use connector_runtime::{CancellationToken, Flows, RuntimeConfig, Service, Store, TempDb};
use serde_json::{Value, json};

const PASSWORD: &str = "Tr0ub4dor&3-flow";

/// `local.provision` "provisions" an account: its input and output carry a password.
struct Local;

#[async_trait]
impl Catalog for Local {
    fn input_schema(&self, card: &str) -> Option<Value> {
        (card == "local.provision").then(|| json!({"type": "object"}))
    }

    fn title(&self, _card: &str) -> String {
        "Local · Provision".to_owned()
    }

    async fn run(&self, _card: &str, _connection: Option<&str>, input: Value) -> Result<Value> {
        Ok(json!({"created": true, "login": input["login"], "credentials": {"password": PASSWORD}}))
    }
}

const FLOW: &str = r#"
name: provision
trigger:
  okta_event: { types: [user.lifecycle.create] }
subject: "{{ event.target[0].id }}"
steps:
  - id: account
    card: local.provision
    input: { login: "{{ event.target[0].id }}", password: "Tr0ub4dor&3-flow" }
  - id: done
    return: { outcome: provisioned, output: "{{ steps.account.output }}" }
"#;

async fn runtime(db: &TempDb) -> (Service, SocketAddr, SocketAddr, CancellationToken) {
    let store = Store::open(&db.url()).await.unwrap();
    let mut config = RuntimeConfig::new(SecretString::from("flow-hook-secret"));
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.admin_listen = "127.0.0.1:0".parse().unwrap();
    config.poll = Duration::from_millis(20);
    let catalog: Arc<dyn Catalog> = Arc::new(Local);
    let flow = validate("provision.yaml", FLOW, catalog.as_ref()).unwrap();
    let service = Service::new(store, Flows::new(catalog).with(flow), config);
    let started = connector_runtime::start(service.clone()).await.unwrap();
    let (hook, admin) = (started.hook_addr(), started.admin_addr());
    let stop = CancellationToken::new();
    tokio::spawn(started.serve(stop.clone()));
    (service, hook, admin, stop)
}

#[tokio::test]
async fn a_flow_file_with_a_card_of_its_own_runs_and_its_steps_mask_passwords() {
    let db = TempDb::new();
    let (_service, hook, admin, stop) = runtime(&db).await;
    let client = reqwest::Client::new();
    let events: Vec<Value> = (0..7)
        .map(|i| json!({"uuid": format!("p-{i}"), "eventType": "user.lifecycle.create", "target": [{"type": "User", "id": format!("00u{i}")}]}))
        .collect();
    let answer = client
        .post(format!("http://{hook}/okta/event-hook"))
        .header("authorization", "flow-hook-secret")
        .json(&json!({"data": {"events": events}}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let mut page = Value::Null;
    for _ in 0..200 {
        page = client
            .get(format!(
                "http://{admin}/history?outcome=provisioned&limit=5"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if page["nextCursor"].is_string() {
            let rest: Value = client
                .get(format!(
                    "http://{admin}/history?outcome=provisioned&limit=5&cursor={}",
                    page["nextCursor"].as_str().unwrap()
                ))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if rest["runs"].as_array().unwrap().len() == 2 {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(page["runs"].as_array().unwrap().len(), 5, "{page}");
    let run = &page["runs"][0];
    assert_eq!(run["flow"], "provision");
    assert_eq!(run["steps"][0]["input"]["password"], "****", "{run}");
    assert_eq!(
        run["steps"][0]["output"]["credentials"]["password"], "****",
        "{run}"
    );
    assert_eq!(run["output"]["credentials"]["password"], "****", "{run}");
    assert!(run["subject"].as_str().unwrap().starts_with("00u"), "{run}");
    let html = client
        .get(format!(
            "http://{admin}/runs/{}",
            run["runId"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let all = client
        .get(format!("http://{admin}/history?limit=500"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in [&html, &all] {
        assert!(!text.contains(PASSWORD));
    }
    assert!(html.contains("Local · Provision"));
    stop.cancel();
}

#[tokio::test]
async fn the_flows_pages_list_the_loaded_flows_and_draw_one_with_its_steps_and_runs() {
    let db = TempDb::new();
    let (_service, hook, admin, stop) = runtime(&db).await;
    let client = reqwest::Client::new();
    let answer = client
        .post(format!("http://{hook}/okta/event-hook"))
        .header("authorization", "flow-hook-secret")
        .json(&json!({"data": {"events": [{"uuid": "pages-1", "eventType": "user.lifecycle.create", "target": [{"type": "User", "id": "00upages"}]}]}}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let get = |path: &str, json: bool| {
        let mut request = client.get(format!("http://{admin}{path}"));
        if json {
            request = request.header("accept", "application/json");
        }
        request.send()
    };
    let listed: Value = get("/flows", true).await.unwrap().json().await.unwrap();
    assert_eq!(
        listed,
        json!({"flows": [{"name": "provision", "description": null,
            "trigger": {"okta_event": {"types": ["user.lifecycle.create"]}}, "enabled": true}]})
    );
    let mut one = Value::Null;
    for _ in 0..200 {
        one = get("/flows/provision", true)
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if one["recentRuns"][0]["state"] == "finished" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(one["name"], "provision");
    assert_eq!(one["steps"][0]["id"], "account");
    assert_eq!(one["steps"][1]["return"]["outcome"], "provisioned");
    assert_eq!(one["recentRuns"][0]["outcome"], "provisioned", "{one}");
    assert_eq!(
        one["recentRuns"][0]["output"]["credentials"]["password"],
        "****"
    );
    let page = get("/flows/provision", false).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Local · Provision"), "{html}");
    assert!(html.contains("data-step=\"done\""), "{html}");
    assert!(html.contains("00upages"), "{html}");
    assert!(!html.contains(PASSWORD));
    let list_html = get("/flows", false).await.unwrap().text().await.unwrap();
    assert!(
        list_html.contains("href=\"/flows/provision\""),
        "{list_html}"
    );
    assert_eq!(get("/flows/nope", true).await.unwrap().status(), 404);
    assert_eq!(get("/flows/nope", false).await.unwrap().status(), 404);
    stop.cancel();
}

#[test]
fn twenty_thousand_steps_validate_in_well_under_five_seconds() {
    let mut text = String::from(
        "name: long\ntrigger: { manual: {} }\nsteps:\n  - { id: a, assign: { v: ' 1 ' } }\n",
    );
    for i in 1..20_000 {
        text.push_str(&format!(
            "  - {{ id: s{i}, assign: {{ v: steps.a.output.v }} }}\n"
        ));
    }
    assert!(text.len() < connector_runtime::flows::MAX_FLOW_BYTES);
    let started = std::time::Instant::now();
    let flow = validate("long.yaml", &text, &Local).unwrap();
    let took = started.elapsed();
    eprintln!("20,000 steps validated in {took:?}");
    assert_eq!(flow.def.steps.len(), 20_000);
    assert!(took < Duration::from_secs(5), "{took:?}");
}
