//! `GET /{tenant}/.well-known/jwks.json`: every signing key of the tenant.

use axum::http::{HeaderValue, StatusCode, header};

use crate::server::error::ApiError;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::keys::Jwk;
use crate::server::extract::CurrentTenant;
use crate::server::response::GoJson;

#[derive(Serialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

pub(crate) async fn jwks(CurrentTenant(tenant): CurrentTenant) -> Result<Response, ApiError> {
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
