//! `/tenants/{id}/users`: list, show, delete. Show and delete look users up by internal id in
//! any tenant, as the server does.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use uuid::Uuid;

use super::Admin;
use crate::resources::credentials::CredentialDto;
use crate::server::error::ApiError;
use crate::server::extract::{CurrentTenant, parse_gofrs_uuid};
use crate::server::pagination::{Defaults, Paging, query_pairs, query_value};
use crate::server::response::{GoJson, no_content};
use crate::state::{Tenant, format_time};

#[derive(Serialize, Clone)]
struct UserDto {
    id: Uuid,
    user_id: String,
    name: String,
    icon: Option<String>,
    display_name: String,
}

/// `GET …/users`: newest first by default, paginated.
pub(crate) async fn list(
    CurrentTenant(t): CurrentTenant,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    const TITLE: &str = "unable to parse request";
    let pairs = query_pairs(&uri);
    let paging = Paging::parse(&pairs, Defaults::NotPositive)
        .map_err(|e| ApiError::bad_request(TITLE, e))?;
    let desc = match query_value(&pairs, "sort_direction").map(str::to_ascii_lowercase) {
        None => true,
        Some(d) if d.is_empty() || d == "desc" => true,
        Some(d) if d == "asc" => false,
        Some(_) => {
            return Err(ApiError::bad_request(
                TITLE,
                "sort_direction must be desc or asc",
            ));
        }
    };
    let mut users: Vec<(chrono::DateTime<chrono::Utc>, UserDto)> = t
        .data()
        .users
        .values()
        .map(|u| {
            (
                u.created_at,
                UserDto {
                    id: u.id,
                    user_id: u.user_id.clone(),
                    name: u.name.clone(),
                    icon: u.icon.clone(),
                    display_name: u.display_name.clone(),
                },
            )
        })
        .collect();
    users.sort_by_key(|(at, u)| (*at, u.id));
    if desc {
        users.reverse();
    }
    let items: Vec<UserDto> = users.into_iter().map(|(_, u)| u).collect();
    let page = paging.slice(&items);
    let mut response = GoJson::ok(page).into_response();
    paging.headers(&headers, &uri, items.len(), &mut response);
    Ok(response)
}

/// The tenant holding the user with internal id `raw` (any tenant: the server looks users up
/// by primary key alone), and the user's application id.
fn find_user(admin: &Admin, raw: &str) -> Result<(Arc<Tenant>, String), ApiError> {
    let id = parse_gofrs_uuid(raw).ok_or_else(|| ApiError::bad_request("invalid user_id", ""))?;
    for tenant in admin.state.tenants() {
        let found = tenant
            .data()
            .users
            .values()
            .find(|u| u.id == id)
            .map(|u| u.user_id.clone());
        if let Some(user_id) = found {
            return Ok((tenant, user_id));
        }
    }
    Err(ApiError::not_found("user not found"))
}

/// `GET …/users/{user_id}`: the user with credentials and transactions.
pub(crate) async fn get(
    State(admin): State<Admin>,
    Path(path): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (tenant, user_id) = find_user(&admin, path.get("user_id").map_or("", String::as_str))?;
    let data = tenant.data();
    let user = data
        .users
        .get(&user_id)
        .ok_or_else(|| ApiError::not_found("user not found"))?;
    let credentials: Vec<CredentialDto> = data
        .credentials_of(&user_id)
        .map(CredentialDto::from)
        .collect();
    let transactions: Vec<crate::ceremony::transaction::TransactionDto<'_>> = data
        .transactions
        .iter()
        .filter(|x| x.user_internal_id == user.id)
        .map(|x| crate::ceremony::transaction::TransactionDto {
            id: x.id,
            identifier: &x.identifier,
            data: &x.data,
            created_at: format_time(&x.created_at),
            updated_at: format_time(&x.created_at),
        })
        .collect();
    let body = serde_json::json!({
        "id": user.id,
        "user_id": user.user_id,
        "name": user.name,
        "icon": user.icon,
        "display_name": user.display_name,
        "credentials": credentials,
        "transactions": transactions,
    });
    Ok(GoJson::ok(body).into_response())
}

/// `DELETE …/users/{user_id}`: the user with credentials and transactions.
pub(crate) async fn delete(
    State(admin): State<Admin>,
    Path(path): Path<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (tenant, user_id) = find_user(&admin, path.get("user_id").map_or("", String::as_str))?;
    let raw_ids = {
        let mut data = tenant.data();
        let internal = data.users.get(&user_id).map(|u| u.id);
        let raw = data.remove_user(&user_id);
        if let Some(internal) = internal {
            data.remove_transactions_of(internal);
        }
        raw
    };
    let mut ids = admin
        .state
        .credential_ids
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    for raw in raw_ids {
        ids.remove(&raw);
    }
    Ok(no_content())
}
