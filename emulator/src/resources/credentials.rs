//! `/{tenant}/credentials`: list, get, rename and delete a tenant's credentials (API key).

use std::sync::Arc;

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::audit_logs::record;
use crate::server::binding::{Bound, Validation, process_error};
use crate::server::error::ApiError;
use crate::server::extract::{CurrentTenant, EchoBody, RequestMeta};
use crate::server::pagination::{Defaults, Paging, query_pairs, query_value};
use crate::server::response::{GoJson, no_content};
use crate::state::{AppState, StoredCredential, format_time};

/// `CredentialDto`.
#[derive(Serialize)]
pub(crate) struct CredentialDto {
    id: String,
    name: String,
    public_key: String,
    attestation_type: String,
    aaguid: uuid::Uuid,
    last_used_at: String,
    created_at: String,
    /// Always empty at the server's HEAD: transports are never loaded (contract §2.2).
    transports: [&'static str; 0],
    backup_eligible: bool,
    backup_state: bool,
    is_mfa: bool,
    user_id: String,
}

impl From<&StoredCredential> for CredentialDto {
    fn from(c: &StoredCredential) -> Self {
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
            public_key: c.public_key.clone(),
            attestation_type: c.attestation_type.clone(),
            aaguid: c.aaguid,
            last_used_at: format_time(&c.last_used_at),
            created_at: format_time(&c.created_at),
            transports: [],
            backup_eligible: c.backup_eligible,
            backup_state: c.backup_state,
            is_mfa: c.is_mfa,
            user_id: c.user_id.clone(),
        }
    }
}

/// The query of `GET /credentials`.
struct ListQuery {
    paging: Paging,
    ascending: bool,
    user_id: Option<String>,
}

impl ListQuery {
    fn parse(uri: &axum::http::Uri) -> Result<Self, ApiError> {
        let pairs = query_pairs(uri);
        let paging = Paging::parse(&pairs, Defaults::NotPositive).map_err(process_error)?;
        let ascending = match query_value(&pairs, "order").unwrap_or_default() {
            "" | "desc" => false,
            "asc" => true,
            // `Order` has no json tag, so the message names the Go field.
            _ => {
                return Err(ApiError::bad_request(
                    "unable to validate request",
                    "Order must be one of 'desc asc'",
                ));
            }
        };
        Ok(Self {
            paging,
            ascending,
            user_id: query_value(&pairs, "user_id")
                .filter(|u| !u.is_empty())
                .map(str::to_string),
        })
    }
}

pub(crate) async fn list(
    CurrentTenant(tenant): CurrentTenant,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let query = ListQuery::parse(&uri)?;
    let mut items: Vec<StoredCredential> = {
        let data = tenant.data();
        data.credentials
            .values()
            .filter(|c| query.user_id.as_ref().is_none_or(|u| &c.user_id == u))
            .cloned()
            .collect()
    };
    items.sort_by_key(|c| (c.created_at, c.seq));
    if !query.ascending {
        items.reverse();
    }
    let page: Vec<CredentialDto> = query
        .paging
        .slice(&items)
        .iter()
        .map(CredentialDto::from)
        .collect();
    let mut response = GoJson::ok(page).into_response();
    query
        .paging
        .headers(&headers, &uri, items.len(), &mut response);
    Ok(response)
}

/// The path parameter (the tenant id is a path parameter too).
#[derive(serde::Deserialize)]
pub(crate) struct CredentialPath {
    credential_id: String,
}

/// The credential a request is about: the path's id, unless the body names another. The
/// DTOs' `CredentialId` field has no json tag, so Go's decoder fills it from a body member
/// `credentialId` in any case; the body is bound for GET and DELETE too.
fn target_credential(path_id: String, bound: &Bound<'_>) -> Result<String, ApiError> {
    let id = bound.string("CredentialId")?.unwrap_or(path_id);
    Validation::default()
        .required("CredentialId", Some(id.as_str()))
        .finish()?;
    Ok(id)
}

fn credential_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("credential with id '{id}' not found"))
}

pub(crate) async fn show(
    CurrentTenant(tenant): CurrentTenant,
    Path(CredentialPath { credential_id: id }): Path<CredentialPath>,
    body: EchoBody,
) -> Result<GoJson<CredentialDto>, ApiError> {
    let id = target_credential(id, &body.bind("request.GetCredentialDto")?)?;
    let data = tenant.data();
    let credential = data
        .credentials
        .get(&id)
        .ok_or_else(|| credential_not_found(&id))?;
    Ok(GoJson::ok(CredentialDto::from(credential)))
}

/// The body of `PATCH /credentials/{id}` (`UpdateCredentialsDto`).
struct RenameRequest {
    id: String,
    name: String,
}

impl RenameRequest {
    fn parse(path_id: String, body: &EchoBody) -> Result<Self, ApiError> {
        let bound = body.bind("request.UpdateCredentialsDto")?;
        let id = bound.string("CredentialId")?.unwrap_or(path_id);
        let name = bound.string("name")?;
        Validation::default()
            .required("CredentialId", Some(id.as_str()))
            .required("name", name.as_deref())
            .finish()?;
        let name = name.unwrap_or_default();
        // No validation rule; the varchar(255) column refuses it (a DB error → 500).
        if name.chars().count() > 255 {
            return Err(ApiError::internal());
        }
        Ok(Self { id, name })
    }
}

pub(crate) async fn rename(
    CurrentTenant(tenant): CurrentTenant,
    meta: RequestMeta,
    Path(CredentialPath { credential_id: id }): Path<CredentialPath>,
    body: EchoBody,
) -> Result<Response, ApiError> {
    let request = RenameRequest::parse(id, &body)?;
    let id = request.id;
    let mut data = tenant.data();
    let mut credential = data
        .credentials
        .get(&id)
        .cloned()
        .ok_or_else(|| credential_not_found(&id))?;
    meta.audit_columns_fit()?;
    credential.name = request.name;
    let actor = credential.user_id.clone();
    data.put_credential(credential);
    record(
        &tenant,
        &mut data,
        &meta,
        "webauthn_credential_updated",
        Some(&actor),
        None,
    );
    Ok(no_content())
}

pub(crate) async fn remove(
    State(state): State<Arc<AppState>>,
    CurrentTenant(tenant): CurrentTenant,
    meta: RequestMeta,
    Path(CredentialPath { credential_id: id }): Path<CredentialPath>,
    body: EchoBody,
) -> Result<Response, ApiError> {
    let id = target_credential(id, &body.bind("request.DeleteCredentialsDto")?)?;
    let mut data = tenant.data();
    if !data.credentials.contains_key(&id) {
        return Err(credential_not_found(&id));
    }
    meta.audit_columns_fit()?;
    let removed = data
        .remove_credential(&id)
        .ok_or_else(|| credential_not_found(&id))?;
    state
        .credential_ids
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&removed.raw_id);
    record(
        &tenant,
        &mut data,
        &meta,
        "webauthn_credential_deleted",
        None,
        None,
    );
    Ok(no_content())
}
