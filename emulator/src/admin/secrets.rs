//! `/tenants/{id}/secrets/api` and `/tenants/{id}/secrets/jwk`: list, create, delete.

use std::collections::HashMap;

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

use super::dto::{self, SecretBody};
use crate::server::error::ApiError;
use crate::server::extract::{CurrentTenant, EchoBody};
use crate::server::response::{GoJson, no_content};
use crate::state::{Secret, SecretKind, format_time};

/// A secret as the admin API shows it: in plain text.
#[derive(Serialize)]
pub(super) struct SecretDto {
    id: Uuid,
    name: String,
    secret: String,
    created_at: String,
}

impl From<&Secret> for SecretDto {
    fn from(s: &Secret) -> Self {
        Self {
            id: s.id,
            name: s.name.clone(),
            secret: s.secret.clone(),
            created_at: format_time(&s.created_at),
        }
    }
}

/// Which secrets a `secrets/{kind}` path names; any other kind is echo's 404.
fn kind(path: &HashMap<String, String>) -> Result<SecretKind, ApiError> {
    SecretKind::from_path(path.get("kind").map_or("", String::as_str))
        .ok_or_else(ApiError::route_not_found)
}

/// `GET …/secrets/{kind}`: oldest first, `[]` if none.
pub(crate) async fn list(
    CurrentTenant(t): CurrentTenant,
    Path(path): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let kind = kind(&path)?;
    let items: Vec<SecretDto> = t
        .data()
        .secrets
        .of(kind)
        .iter()
        .map(SecretDto::from)
        .collect();
    Ok(GoJson::ok(items).into_response())
}

/// `POST …/secrets/{kind}`: 201 with the new secret. A new JWK secret makes a new signing key
/// (the server generates it on the tenant's next public request, §4.4).
pub(crate) async fn create(
    CurrentTenant(t): CurrentTenant,
    Path(path): Path<HashMap<String, String>>,
    body: EchoBody,
) -> Result<Response, ApiError> {
    const TITLE: &str = "unable to create key";
    let kind = kind(&path)?;
    let body: SecretBody = dto::bind(&body, dto::CREATE_SECRET, TITLE)?;
    let name = body
        .name
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request(TITLE, "name is a required field"))?;
    let secret = Secret::generate(name, t.now());
    {
        let mut data = t.data();
        // The unique index on (config, name, type): a bare 500.
        if data.secrets.of(kind).iter().any(|s| s.name == secret.name) {
            return Err(ApiError::internal());
        }
        data.push_secret(kind, secret.clone());
    }
    if kind == SecretKind::Jwk {
        t.keys.rotate();
    }
    Ok(GoJson(StatusCode::CREATED, SecretDto::from(&secret)).into_response())
}

/// `DELETE …/secrets/{kind}/{secret_id}`: the id must be a v4 UUID.
pub(crate) async fn delete(
    CurrentTenant(t): CurrentTenant,
    Path(path): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    const TITLE: &str = "unable to remove key";
    let kind = kind(&path)?;
    let raw = path.get("secret_id").map_or("", String::as_str);
    let id = Uuid::parse_str(raw)
        .ok()
        .filter(|u| u.get_version_num() == 4)
        .ok_or_else(|| ApiError::bad_request(TITLE, "secret_id must be a valid uuid4"))?;
    if !t.data().remove_secret(kind, id) {
        return Err(ApiError::not_found(format!(
            "secret with ID '{id}' not found"
        )));
    }
    Ok(no_content())
}
