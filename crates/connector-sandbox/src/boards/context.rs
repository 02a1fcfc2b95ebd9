//! What one request carries through the GraphQL engine, and the engine extension that
//! charges the complexity budget once a document has passed validation (so documents
//! the service would refuse cost nothing).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextValidation,
};
use async_graphql::{ErrorExtensions, Response, ServerError, ValidationResult};

use super::state::BoardsState;
pub(crate) use super::throttle::{BudgetReport, Throttle};
use super::version::ServedVersion;

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
