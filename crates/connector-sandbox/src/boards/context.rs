//! What one request carries through the GraphQL engine, and the engine extension that
//! charges the complexity budget once a document has passed validation (so documents
//! the service would refuse cost nothing).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextValidation,
};
use async_graphql::{ErrorExtensions, Response, ServerError, ValidationResult};

use super::state::BoardsState;
use super::version::ServedVersion;

/// The budget as a query left it, for the `complexity` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BudgetReport {
    pub(crate) before: u64,
    pub(crate) after: u64,
    pub(crate) cost: u64,
    pub(crate) reset_in: u64,
}

/// A request refused with HTTP 429.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Throttle {
    /// The complexity budget cannot pay for the query.
    Budget {
        cost: u64,
        limit: u64,
        retry_in: u64,
    },
    /// A request limit (`Rate Limit Exceeded`).
    Rate { message: String, retry_in: u64 },
}

impl Throttle {
    /// The error code reported for this refusal.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Throttle::Budget { .. } => "COMPLEXITY_BUDGET_EXHAUSTED",
            Throttle::Rate { .. } => "Rate Limit Exceeded",
        }
    }

    /// Seconds to wait before retrying.
    pub(crate) fn retry_in(&self) -> u64 {
        match self {
            Throttle::Budget { retry_in, .. } | Throttle::Rate { retry_in, .. } => *retry_in,
        }
    }
}

/// What the engine and the HTTP handler share about one request.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    /// Points to charge once the document is valid.
    pub(crate) cost: u64,
    /// Set once the budget was charged.
    pub(crate) charged: Option<BudgetReport>,
    /// Set when the request must be answered with 429.
    pub(crate) throttled: Option<Throttle>,
    /// Set once the operation started executing (the answer then carries `data`).
    pub(crate) executed: bool,
}

/// Request-scoped data every resolver can reach.
pub(crate) struct RequestCtx {
    pub(crate) state: BoardsState,
    pub(crate) token: String,
    pub(crate) account_id: u64,
    pub(crate) version: ServedVersion,
    pub(crate) slot: Arc<Mutex<Slot>>,
}

impl RequestCtx {
    /// The shared slot; a poisoned lock still holds consistent plain data.
    pub(crate) fn slot(&self) -> MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a `create_board` call against its limit; past it, marks the request for a
    /// 429 and fails the field.
    pub(crate) fn charge_create_board(&self) -> async_graphql::Result<()> {
        match self.state.charge_create_board(&self.token) {
            Ok(()) => Ok(()),
            Err(retry_in) => {
                let message = "create_board rate limit exceeded".to_owned();
                self.slot().throttled = Some(Throttle::Rate {
                    message: message.clone(),
                    retry_in,
                });
                Err(
                    async_graphql::Error::new(message).extend_with(|_, extensions| {
                        extensions.set("code", "Rate Limit Exceeded");
                        extensions.set("retry_in_seconds", retry_in);
                        extensions.set("status_code", 429);
                    }),
                )
            }
        }
    }
}

/// Charges the complexity budget after validation, before execution.
pub(crate) struct BudgetExtension;

impl ExtensionFactory for BudgetExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(BudgetExtension)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for BudgetExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await?;
        let Some(rq) = ctx.data_opt::<RequestCtx>() else {
            return Ok(result);
        };
        let cost = rq.slot().cost;
        match rq.state.charge_budget(&rq.token, cost) {
            Ok(report) => {
                rq.slot().charged = Some(report);
                Ok(result)
            }
            Err(throttle) => {
                rq.slot().throttled = Some(throttle);
                Err(vec![ServerError::new("Complexity budget exhausted", None)])
            }
        }
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if let Some(rq) = ctx.data_opt::<RequestCtx>() {
            rq.slot().executed = true;
        }
        next.run(ctx, operation_name).await
    }
}
