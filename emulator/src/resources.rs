//! JWKS, credentials, audit logs and transaction listing.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::{Ctx, Paging, invalid, json, no_content, opt_string, process_error};
use crate::state::{AppState, AuditLog, Tenant, TenantData, now};

pub(crate) fn jwks(tenant: &Tenant, ctx: &Ctx) -> Response {
    let mut response = json(StatusCode::OK, &tenant.jwks(), ctx.pretty);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=600"),
    );
    response
}

/// Appends a successful event to the audit log (failed events are never persisted, like the
/// server, whose failure rows are rolled back with the handler's transaction).
pub(crate) fn audit(
    state: &AppState,
    data: &mut TenantData,
    tenant_id: Uuid,
    ctx: &Ctx,
    kind: &'static str,
    actor: Option<&str>,
    transaction_id: Option<&str>,
) {
    data.audit_logs.push(AuditLog {
        id: Uuid::new_v4(),
        kind,
        request_id: ctx.request_id.clone(),
        source_ip: ctx.source_ip.clone(),
        user_agent: ctx.user_agent(),
        actor_user_id: actor.map(str::to_string),
        created_at: now(),
        seq: state.next_seq(),
        tenant_id,
        transaction_id: transaction_id.map(str::to_string),
    });
}

pub(crate) fn list_credentials(tenant: &Tenant, ctx: &Ctx) -> Result<Response, ApiError> {
    let pairs = ctx.query_pairs();
    let paging = Paging::parse(&pairs, false).map_err(process_error)?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let order = get("order").unwrap_or_default();
    let ascending = match order.as_str() {
        "" | "desc" => false,
        "asc" => true,
        _ => return Err(invalid(vec!["order must be one of 'desc asc'".into()])),
    };
    let user_id = get("user_id");
    let mut items = {
        let data = tenant.data();
        data.credentials
            .values()
            .filter(|c| {
                user_id
                    .as_ref()
                    .is_none_or(|u| u.is_empty() || &c.user_id == u)
            })
            .cloned()
            .collect::<Vec<_>>()
    };
    items.sort_by_key(|c| (c.created_at, c.seq));
    if !ascending {
        items.reverse();
    }
    let page = paging.slice(&items);
    let body = Value::Array(page.iter().map(|c| c.dto()).collect());
    let mut response = json(StatusCode::OK, &body, ctx.pretty);
    paging.headers(ctx, items.len(), &mut response);
    Ok(response)
}

fn credential_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("credential with id '{id}' not found"))
}

pub(crate) fn get_credential(tenant: &Tenant, ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    let data = tenant.data();
    let credential = data
        .credentials
        .get(id)
        .ok_or_else(|| credential_not_found(id))?;
    Ok(json(StatusCode::OK, &credential.dto(), ctx.pretty))
}

pub(crate) fn update_credential(
    state: &AppState,
    tenant: &Tenant,
    ctx: &Ctx,
    id: &str,
) -> Result<Response, ApiError> {
    let body = ctx.bind_body()?;
    let name = opt_string(&body, "name", &ctx.body)?;
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Err(invalid(vec!["name is a required field".into()]));
    };
    if name.chars().count() > 255 {
        return Err(ApiError::internal());
    }
    let mut data = tenant.data();
    let credential = data
        .credentials
        .get_mut(id)
        .ok_or_else(|| credential_not_found(id))?;
    credential.name = name;
    let actor = credential.user_id.clone();
    audit(
        state,
        &mut data,
        tenant.id,
        ctx,
        "webauthn_credential_updated",
        Some(&actor),
        None,
    );
    Ok(no_content())
}

pub(crate) fn delete_credential(
    state: &AppState,
    tenant: &Tenant,
    ctx: &Ctx,
    id: &str,
) -> Result<Response, ApiError> {
    let mut data = tenant.data();
    let removed = data
        .credentials
        .remove(id)
        .ok_or_else(|| credential_not_found(id))?;
    state
        .credential_ids
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&removed.raw_id);
    audit(
        state,
        &mut data,
        tenant.id,
        ctx,
        "webauthn_credential_deleted",
        None,
        None,
    );
    Ok(no_content())
}

fn parse_go_time(value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value).map(|t| t.with_timezone(&Utc)).map_err(|_| {
        format!("parsing time \"{value}\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"{value}\" as \"2006\"")
    })
}

pub(crate) fn list_audit_logs(tenant: &Tenant, ctx: &Ctx) -> Result<Response, ApiError> {
    let list_error = |details: String| ApiError::bad_request("unable to list audit logs", details);
    let pairs = ctx.query_pairs();
    let paging = Paging::parse(&pairs, true).map_err(list_error)?;
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let start = get("start_time")
        .map(|v| parse_go_time(&v))
        .transpose()
        .map_err(list_error)?;
    let end = get("end_time")
        .map(|v| parse_go_time(&v))
        .transpose()
        .map_err(list_error)?;
    let types: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case("type"))
        .map(|(_, v)| v.clone())
        .collect();
    let actor = get("actor_user_id").filter(|v| !v.is_empty());
    let ip = get("meta_source_ip").filter(|v| !v.is_empty());
    let q = get("q").filter(|v| !v.is_empty());

    let mut items: Vec<AuditLog> = {
        let data = tenant.data();
        data.audit_logs
            .iter()
            .filter(|l| start.is_none_or(|s| l.created_at > s))
            .filter(|l| end.is_none_or(|e| l.created_at < e))
            .filter(|l| types.is_empty() || types.iter().any(|t| t == l.kind))
            .filter(|l| {
                actor.as_ref().is_none_or(|a| {
                    l.actor_user_id
                        .as_deref()
                        .is_some_and(|x| x.contains(a.as_str()))
                })
            })
            .filter(|l| ip.as_ref().is_none_or(|i| l.source_ip.contains(i.as_str())))
            .filter(|l| {
                q.as_ref().is_none_or(|q| {
                    l.source_ip.contains(q.as_str())
                        || l.actor_user_id
                            .as_deref()
                            .is_some_and(|x| x.contains(q.as_str()))
                })
            })
            .cloned()
            .collect()
    };
    items.sort_by_key(|l| std::cmp::Reverse((l.created_at, l.seq)));
    let page = paging.slice(&items);
    let body = Value::Array(page.iter().map(AuditLog::dto).collect());
    let mut response = json(StatusCode::OK, &body, ctx.pretty);
    paging.headers(ctx, items.len(), &mut response);
    Ok(response)
}

pub(crate) fn list_transactions(
    tenant: &Tenant,
    ctx: &Ctx,
    user: &str,
) -> Result<Response, ApiError> {
    let Some(internal) = crate::server::parse_gofrs_uuid(user) else {
        return Err(ApiError::bad_request("invalid user id", ""));
    };
    let data = tenant.data();
    let items: Vec<Value> = data
        .transactions
        .iter()
        .filter(|t| t.user_internal_id == internal)
        .map(|t| t.dto())
        .collect();
    Ok(json(StatusCode::OK, &Value::Array(items), ctx.pretty))
}
