//! `/tenants` and `/tenants/{id}`: list, create, show, rename, delete.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

use super::dto::{self, CreateTenantBody, RenameBody};
use super::secrets::SecretDto;
use super::{Admin, storage_failed};
use crate::config::TenantConfig;
use crate::error::EmulatorError;
use crate::server::error::ApiError;
use crate::server::extract::{CurrentTenant, EchoBody};
use crate::server::response::{GoJson, no_content};
use crate::tenants::NewTenant;

#[derive(Serialize)]
struct TenantListItem {
    id: Uuid,
    display_name: String,
}

/// `GET /tenants`: every tenant, oldest first, no pagination.
pub(crate) async fn list(State(admin): State<Admin>) -> Response {
    let items: Vec<TenantListItem> = admin
        .state
        .tenants()
        .iter()
        .map(|t| TenantListItem {
            id: t.id,
            display_name: t.display_name.clone(),
        })
        .collect();
    GoJson::ok(items).into_response()
}

#[derive(Serialize)]
struct CreatedTenant {
    id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<SecretDto>,
}

/// `POST /tenants`: 201 with the new id (and the API key, with `create_api_key`).
pub(crate) async fn create(
    State(admin): State<Admin>,
    body: EchoBody,
) -> Result<Response, ApiError> {
    const TITLE: &str = "unable to create tenant";
    let body: CreateTenantBody = dto::bind(&body, dto::CREATE_TENANT, TITLE)?;
    let mut errors = Vec::new();
    let display_name = body.display_name.filter(|s| !s.is_empty());
    if display_name.is_none() {
        errors.push("display_name is a required field".into());
    }
    let base = TenantConfig {
        rsa_bits: admin.rsa_bits,
        ..TenantConfig::default()
    };
    let validated = super::config::validate(body.config.unwrap_or_default(), &base, &mut errors);
    let (Some(display_name), Some((config, view))) = (display_name, validated) else {
        return Err(ApiError::bad_request(TITLE, errors.join(" and ")));
    };
    let new = NewTenant {
        config,
        display_name: Some(display_name),
        view,
        api_key: body.create_api_key,
        token_key: None,
    };
    let tenant = crate::tenants::create(&admin.state, new).map_err(|e| match e {
        EmulatorError::Storage(e) => storage_failed(e),
        other => ApiError::bad_request(TITLE, other.to_string()),
    })?;
    let api_key = tenant.data().secrets.api.first().map(SecretDto::from);
    Ok(GoJson(
        StatusCode::CREATED,
        CreatedTenant {
            id: tenant.id,
            api_key,
        },
    )
    .into_response())
}

/// `GET /tenants/{id}`.
pub(crate) async fn get(CurrentTenant(t): CurrentTenant) -> Response {
    let body = serde_json::json!({
        "id": t.id,
        "display_name": t.display_name,
        "config": super::config::show(&t),
    });
    GoJson::ok(body).into_response()
}

/// `PUT /tenants/{id}`: a new display name.
pub(crate) async fn rename(
    State(admin): State<Admin>,
    CurrentTenant(t): CurrentTenant,
    body: EchoBody,
) -> Result<Response, ApiError> {
    const TITLE: &str = "unable to update tenant";
    let body: RenameBody = dto::bind(&body, dto::UPDATE_TENANT, TITLE)?;
    let name = body
        .display_name
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request(TITLE, "display_name is a required field"))?;
    admin
        .state
        .replace_tenant(t.reconfigured(name, t.config.clone(), t.webauthn.clone(), t.admin.clone()))
        .map_err(storage_failed)?;
    Ok(no_content())
}

/// `DELETE /tenants/{id}`: the tenant with everything it has.
pub(crate) async fn delete(
    State(admin): State<Admin>,
    CurrentTenant(t): CurrentTenant,
) -> Result<Response, ApiError> {
    admin.state.remove_tenant(&t.id).map_err(storage_failed)?;
    Ok(no_content())
}
