//! The store's tables: `GET /tables` and `GET /tables/{name}?limit=&cursor=`, as HTML, or
//! as JSON when the `Accept` header asks for `application/json`. Rows are masked as Flow
//! History masks outputs (secret-named fields).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use serde_json::{Value, json};

use super::pages::page;
use crate::service::Service;
use crate::tables::op::{MAX_LIMIT, SearchRowsInput};
use crate::tables::{TableDef, TableOp};

/// The rows a table's page shows when `limit` is not given.
const PAGE_ROWS: u32 = 50;

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"))
}

pub(super) async fn list(State(service): State<Service>, headers: HeaderMap) -> Response {
    let tables = match service.store().tables().await {
        Ok(t) => t,
        Err(e) => return super::store_failed(e),
    };
    if wants_json(&headers) {
        let listed: Vec<Value> = tables
            .iter()
            .map(|(def, rows)| {
                let mut one = def.described();
                one["rowCount"] = json!(rows);
                one
            })
            .collect();
        return axum::Json(json!({ "tables": listed })).into_response();
    }
    let markup = page(
        "Tables",
        html! {
            nav { a href="/" { "Flow History" } " " a href="/flows" { "Flows" } }
            table id="tables" {
                thead { tr { th { "table" } th { "rows" } th { "key" } th { "columns" } } }
                tbody {
                    @for (def, rows) in &tables {
                        tr data-table=(def.name) {
                            td { a href={ "/tables/" (def.name) } { (def.name) } }
                            td { (rows) }
                            td { (def.key.as_deref().unwrap_or("")) }
                            td { @for c in &def.columns { code { (c.name) ": " (c.kind.as_str()) } " " } }
                        }
                    }
                }
            }
        },
    );
    Html(markup.into_string()).into_response()
}

/// `?limit=&cursor=` of a table's page.
#[derive(Debug, Deserialize)]
pub(super) struct RowsQuery {
    limit: Option<u32>,
    cursor: Option<String>,
}

fn not_found(json: bool) -> Response {
    if json {
        (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "no such table"})),
        )
            .into_response()
    } else {
        let body = html! { p { a href="/tables" { "Tables" } } };
        (
            StatusCode::NOT_FOUND,
            Html(page("No such table", body).into_string()),
        )
            .into_response()
    }
}

fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(super) async fn one(
    State(service): State<Service>,
    Path(name): Path<String>,
    Query(query): Query<RowsQuery>,
    headers: HeaderMap,
) -> Response {
    let json = wants_json(&headers);
    let def: TableDef = match service.store().table(&name).await {
        Ok(Some(def)) => def,
        Ok(None) => return not_found(json),
        Err(e) => return super::store_failed(e),
    };
    let limit = query.limit.unwrap_or(PAGE_ROWS).clamp(1, MAX_LIMIT);
    let op = TableOp::Search(SearchRowsInput {
        table: name.clone(),
        filter: None,
        order_by: None,
        limit: Some(limit),
        cursor: query.cursor.clone(),
    });
    let found = match service.store().table_action(&op).await {
        Ok(found) => found,
        Err(e) if e.kind() == connector_core::ErrorKind::InvalidInput => {
            return (
                StatusCode::BAD_REQUEST,
                axum::Json(json!({"error": e.message()})),
            )
                .into_response();
        }
        Err(e) => return super::store_failed(e),
    };
    let rows = connector_core::pipeline::mask_secrets(&found["rows"]);
    let next = found["nextCursor"].as_str().map(str::to_owned);
    if json {
        let mut shown = def.described();
        shown["rows"] = rows;
        shown["nextCursor"] = json!(next);
        return axum::Json(shown).into_response();
    }
    let rows = rows.as_array().cloned().unwrap_or_default();
    let markup = page(
        &format!("Table {}", def.name),
        html! {
            p { a href="/tables" { "← Tables" } }
            p { (found["count"]) " rows" @if let Some(key) = &def.key { ", key " code { (key) } } }
            div class="table-rows" {
                table id="rows" {
                    thead { tr {
                        @for c in &def.columns { th title=(c.kind.as_str()) { (c.name) } }
                        th { "_id" } th { "_createdAt" } th { "_updatedAt" }
                    } }
                    tbody {
                        @for row in &rows {
                            tr data-row-id=(cell(&row["_id"])) {
                                @for c in &def.columns { td { (cell(&row[c.name.as_str()])) } }
                                td { code { (cell(&row["_id"])) } }
                                td { (cell(&row["_createdAt"])) }
                                td { (cell(&row["_updatedAt"])) }
                            }
                        }
                    }
                }
            }
            @if let Some(next) = &next {
                p { a id="next" href={ "/tables/" (def.name) "?limit=" (limit) "&cursor=" (next) } { "next page →" } }
            }
        },
    );
    Html(markup.into_string()).into_response()
}
