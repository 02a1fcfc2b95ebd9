//! A connector's builder that holds a `ConnectionBuilder` gets the connection's settings
//! from `connection_settings!`, and reads back what its own parts need.

use std::sync::Arc;
use std::time::Duration;

use connector_core::clock::{Clock, ManualClock};
use connector_core::limiter::{RateLimiter, Unlimited};
use connector_core::{
    Connection, ConnectionBuilder, ErrorKind, Method, Result, RetryPolicy, StaticToken, Timeouts,
};
use httpmock::prelude::*;

/// A connector's builder as the scaffold writes one: the service's settings next to the
/// connection builder.
struct AcmeBuilder {
    connection: ConnectionBuilder,
    token: String,
}

connector_core::connection_settings!(AcmeBuilder, connection);

impl AcmeBuilder {
    fn new(base_url: &str) -> AcmeBuilder {
        AcmeBuilder {
            connection: Connection::builder(base_url),
            token: "tok".to_owned(),
        }
    }

    fn build(self) -> Result<Connection> {
        self.connection
            .auth(StaticToken::bearer(self.token))
            .build()
    }
}

#[tokio::test]
async fn the_retry_policy_set_on_a_connector_builder_is_the_connection_s() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/things/1")
                .header("authorization", "Bearer tok");
            then.status(409).body("{}");
        })
        .await;
    let connection = AcmeBuilder::new(&server.base_url())
        .retry_policy(
            RetryPolicy::default()
                .with_retry_statuses([409])
                .with_max_retries(2),
        )
        .clock(Arc::new(ManualClock::new()))
        .timeouts(Timeouts::new(
            Duration::from_secs(5),
            Duration::from_secs(30),
        ))
        .build()
        .unwrap();
    let error = connection
        .send(connection.request(Method::GET, "/things/1"))
        .await
        .unwrap_err();
    mock.assert_calls_async(3).await;
    assert_eq!(error.kind(), ErrorKind::Conflict);
    assert_eq!(error.attempts(), 3);
}

#[test]
fn a_connector_builder_reads_back_the_clock_and_the_limiter_it_was_given() {
    let builder = AcmeBuilder::new("https://api.acme.example");
    assert!(builder.connection.current_limiter().is_none());

    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new());
    let limiter: Arc<dyn RateLimiter> = Arc::new(Unlimited);
    let builder = builder.clock(clock.clone()).limiter(limiter.clone());
    assert!(Arc::ptr_eq(&builder.connection.current_clock(), &clock));
    assert!(Arc::ptr_eq(
        &builder.connection.current_limiter().unwrap(),
        &limiter
    ));
}

#[test]
fn the_base_url_can_be_set_when_the_connector_builds() {
    let connection = AcmeBuilder::new("https://placeholder.example")
        .connection(|c| c.base_url("https://api.acme.example/v2"))
        .build()
        .unwrap();
    assert_eq!(
        connection.base_url().as_str(),
        "https://api.acme.example/v2"
    );

    let error = AcmeBuilder::new("https://api.acme.example")
        .connection(|c| c.base_url("http://api.acme.example"))
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Configuration);
}
