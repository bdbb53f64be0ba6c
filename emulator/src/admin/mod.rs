//! The admin API (`router/admin.go`, port 8001 on the server), on a listener of its own.
//!
//! It reaches the same state as the public API: what it changes (a tenant's configuration, its
//! API keys, its signing keys, its users) takes effect on the public API at once, and with
//! `--data` is written to the data file before the request is answered. Like the server's, it
//! has no authentication. The routes are composed in `crate::app`.

pub(crate) mod config;
mod dto;
pub(crate) mod secrets;
pub(crate) mod tenants;
pub(crate) mod users;

use std::sync::Arc;

use axum::extract::{OriginalUri, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::error::ApiError;
use crate::server::extract::{CurrentTenant, parse_gofrs_uuid};
use crate::server::response::GoJson;
use crate::state::AppState;

/// What the admin handlers share: the state and the key size of new tenants.
#[derive(Clone)]
pub(crate) struct Admin {
    pub(crate) state: Arc<AppState>,
    pub(crate) rsa_bits: u32,
}

/// `TenantMiddleware` on `/tenants/{tenant_id}/…`: 400 for a bad id, 404 for an unknown one.
pub(crate) async fn tenant(
    State(admin): State<Admin>,
    OriginalUri(uri): OriginalUri,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let segment = uri.path().split('/').nth(2).unwrap_or("");
    let id = parse_gofrs_uuid(segment).ok_or_else(crate::server::middleware::invalid_tenant)?;
    let tenant = admin
        .state
        .tenant(&id)
        .ok_or_else(|| ApiError::not_found("tenant not found"))?;
    request.extensions_mut().insert(CurrentTenant(tenant));
    Ok(next.run(request).await)
}

pub(crate) async fn alive() -> Response {
    GoJson::ok(serde_json::json!({ "alive": true })).into_response()
}

pub(crate) async fn ready() -> Response {
    GoJson::ok(serde_json::json!({ "ready": true })).into_response()
}

/// A write to the data file failed: the server's answer to a failed DB write, a bare 500.
fn storage_failed(error: String) -> ApiError {
    tracing::error!(error = %error, "cannot write the emulator's data file");
    ApiError::internal()
}
