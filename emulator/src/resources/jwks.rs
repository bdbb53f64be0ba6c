//! `GET /{tenant}/.well-known/jwks.json`: every signing key of the tenant.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
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

async fn jwks(CurrentTenant(tenant): CurrentTenant) -> Response {
    let mut response = GoJson::ok(JwkSet {
        keys: tenant.jwks(),
    })
    .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=600"),
    );
    response
}
