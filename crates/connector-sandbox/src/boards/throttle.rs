//! What the complexity budget says of a call: its report (`complexity { before query after
//! reset_in_x_seconds }`) and why a call is throttled. The state keeps them; the request
//! context and the endpoint read them.

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
