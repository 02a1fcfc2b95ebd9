//! What a connector says about itself for docs and UIs: its settings and the prose of its
//! reference page.

use serde::Serialize;

use crate::error::ErrorKind;

/// A setting a connector reads from the environment.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Setting {
    /// The variable's name (`OKTA_ORG_URL`).
    pub name: &'static str,
    /// Other names accepted for it (`OKTA_CLIENT_ORGURL`).
    pub aliases: &'static [&'static str],
    /// True when it holds a secret (never printed).
    pub secret: bool,
    /// When it is needed and what it holds.
    pub description: &'static str,
}

/// Prose about a connector for its generated reference page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ConnectorDocs {
    /// What the connector covers and for whom (Markdown).
    pub overview: &'static str,
    /// How to authorise: token kinds, OAuth scopes (Markdown; the env variables are listed
    /// from [`Connector::settings`](crate::Connector::settings)).
    pub authorization: &'static str,
    /// Rate limits, budgets and API-version behaviour (Markdown list items). The retry
    /// policy is documented from [`RetryPolicy`](crate::RetryPolicy) itself.
    pub limitations: Vec<&'static str>,
    /// The service's error codes and the kinds they map to: `(code or status, kind, when)`.
    pub errors: Vec<(&'static str, ErrorKind, &'static str)>,
}

impl ConnectorDocs {
    /// Docs with an overview and authorization text.
    pub fn new(overview: &'static str, authorization: &'static str) -> ConnectorDocs {
        ConnectorDocs {
            overview,
            authorization,
            ..ConnectorDocs::default()
        }
    }

    /// Adds a limitation (a Markdown list item).
    pub fn limitation(mut self, text: &'static str) -> ConnectorDocs {
        self.limitations.push(text);
        self
    }

    /// Documents an error: the service's code or status, the kind it maps to, and when.
    pub fn error(
        mut self,
        code: &'static str,
        kind: ErrorKind,
        when: &'static str,
    ) -> ConnectorDocs {
        self.errors.push((code, kind, when));
        self
    }
}
