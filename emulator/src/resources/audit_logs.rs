//! `GET /{tenant}/audit_logs` (API key), and the rows the other routes write.

use axum::extract::OriginalUri;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::server::error::ApiError;
use crate::server::extract::{CurrentTenant, RequestMeta};
use crate::server::go_time;
use crate::server::like;
use crate::server::pagination::{Defaults, Paging, query_pairs, query_value};
use crate::server::response::GoJson;
use crate::state::{AuditLog, Tenant, TenantData, format_time};

/// Appends a successful event to the audit log (failed events are never persisted, like the
/// server, whose failure rows are rolled back with the handler's transaction).
pub(crate) fn record(
    tenant: &Tenant,
    data: &mut TenantData,
    meta: &RequestMeta,
    kind: &str,
    actor: Option<&str>,
    transaction_id: Option<&str>,
) {
    let seq = data.next_seq();
    data.push_audit_log(AuditLog {
        id: Uuid::new_v4(),
        kind: kind.to_string(),
        request_id: meta.request_id.clone(),
        source_ip: meta.source_ip.clone(),
        user_agent: meta.user_agent.clone(),
        actor_user_id: actor.map(str::to_string),
        created_at: tenant.now(),
        seq,
        tenant_id: tenant.id,
        transaction_id: transaction_id.map(str::to_string),
    });
}

/// An audit-log row as the API shows it.
#[derive(Serialize)]
struct AuditLogDto<'a> {
    id: Uuid,
    r#type: &'a str,
    meta_http_request_id: &'a str,
    meta_source_ip: &'a str,
    meta_user_agent: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor_user_id: Option<&'a str>,
    created_at: String,
    updated_at: String,
    tenant_id: Uuid,
    /// Always present, `null` when there is none.
    transaction_id: Option<&'a str>,
}

impl<'a> From<&'a AuditLog> for AuditLogDto<'a> {
    fn from(l: &'a AuditLog) -> Self {
        Self {
            id: l.id,
            r#type: &l.kind,
            meta_http_request_id: &l.request_id,
            meta_source_ip: &l.source_ip,
            meta_user_agent: &l.user_agent,
            actor_user_id: l.actor_user_id.as_deref(),
            created_at: format_time(&l.created_at),
            updated_at: format_time(&l.created_at),
            tenant_id: l.tenant_id,
            transaction_id: l.transaction_id.as_deref(),
        }
    }
}

/// The filters of `GET /audit_logs`; parameter names match case-insensitively (echo binding).
struct ListQuery {
    paging: Paging,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    types: Vec<String>,
    actor: Option<String>,
    ip: Option<String>,
    q: Option<String>,
}

impl ListQuery {
    fn parse(uri: &axum::http::Uri) -> Result<Self, ApiError> {
        let list_error =
            |details: String| ApiError::bad_request("unable to list audit logs", details);
        let pairs = query_pairs(uri);
        let paging = Paging::parse(&pairs, Defaults::Zero).map_err(list_error)?;
        let get = |name: &str| query_value(&pairs, name).map(str::to_string);
        let time = |name: &str| {
            get(name)
                .map(|v| go_time::parse_rfc3339(&v))
                .transpose()
                .map_err(list_error)
        };
        Ok(Self {
            paging,
            start: time("start_time")?,
            end: time("end_time")?,
            types: pairs
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case("type"))
                .map(|(_, v)| v.clone())
                .collect(),
            actor: get("actor_user_id").filter(|v| !v.is_empty()),
            ip: get("meta_source_ip").filter(|v| !v.is_empty()),
            q: get("q").filter(|v| !v.is_empty()),
        })
    }

    /// The persister's filters: `actor_user_id`, `meta_source_ip` and `q` are SQL `LIKE
    /// '%x%'` patterns (so `_` and `%` are wildcards in them).
    fn matches(&self, l: &AuditLog) -> bool {
        let actor_like = |s: &str| {
            l.actor_user_id
                .as_deref()
                .is_some_and(|a| like::contains(a, s))
        };
        self.start.is_none_or(|s| l.created_at > s)
            && self.end.is_none_or(|e| l.created_at < e)
            && (self.types.is_empty() || self.types.contains(&l.kind))
            && self.actor.as_deref().is_none_or(actor_like)
            && self
                .ip
                .as_deref()
                .is_none_or(|i| like::contains(&l.source_ip, i))
            && self
                .q
                .as_deref()
                .is_none_or(|q| like::contains(&l.source_ip, q) || actor_like(q))
    }
}

pub(crate) async fn list(
    CurrentTenant(tenant): CurrentTenant,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let query = ListQuery::parse(&uri)?;
    // The types are pasted into the SQL between single quotes (an injection the server has):
    // one with a quote breaks the statement, a plain 500.
    if query.types.iter().any(|t| t.contains('\'')) {
        return Err(ApiError::internal());
    }
    let mut items: Vec<AuditLog> = {
        let data = tenant.data();
        data.audit_logs
            .iter()
            .filter(|l| query.matches(l))
            .cloned()
            .collect()
    };
    items.sort_by_key(|l| std::cmp::Reverse((l.created_at, l.seq)));
    let page = query.paging.slice(&items);
    let body: Vec<AuditLogDto<'_>> = page.iter().map(AuditLogDto::from).collect();
    let mut response = GoJson::ok(body).into_response();
    query
        .paging
        .headers(&headers, &uri, items.len(), &mut response);
    Ok(response)
}
