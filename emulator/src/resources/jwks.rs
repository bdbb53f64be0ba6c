//! `GET /{tenant}/.well-known/jwks.json`: every signing key of the tenant.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};

use crate::error::ApiError;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::keys::Jwk;
use crate::server::extract::CurrentTenant;
use crate::server::middleware::get_only;
use crate::server::response::GoJson;
use crate::state::AppState;

pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/.well-known/jwks.json", get_only(jwks))
}

#[derive(Serialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

async fn jwks(CurrentTenant(tenant): CurrentTenant) -> Result<Response, ApiError> {
    let keys = tenant.keys.jwks().await.ok_or_else(|| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "unable to get JWKs", "")
    })?;
    let mut response = GoJson::ok(JwkSet { keys }).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=600"),
    );
    Ok(response)
}
