//! Routing and middleware in the server's order: request id → tenant → CORS → (routes with their
//! API-key rules) → echo's "Not Found" for anything else under a tenant.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use rand::Rng as _;
use rand::distr::Alphanumeric;
use uuid::Uuid;

use crate::error::ApiError;
use crate::http::{Ctx, error_response};
use crate::state::{AppState, Tenant};
use crate::{ceremonies, resources};

/// Bodies larger than this are refused; real ceremonies are a few KiB.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

pub(crate) async fn dispatch(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let request_id = parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| {
            rand::rng()
                .sample_iter(&Alphanumeric)
                .take(32)
                .map(char::from)
                .collect()
        });
    let source_ip = real_ip(&parts.headers, peer);
    let content_length = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let query = parts.uri.query().map(str::to_string);
    let pretty = url::form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes())
        .any(|(k, _)| k == "pretty");
    let path = parts.uri.path().to_string();
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            let mut response = error_response(
                &crate::http::process_error("request body too large"),
                pretty,
            );
            finish(&mut response, &request_id, None, &parts.method);
            return response;
        }
    };
    let ctx = Ctx {
        method: parts.method.clone(),
        query,
        path_and_query: parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| path.clone()),
        headers: parts.headers,
        body,
        content_length,
        request_id: request_id.clone(),
        source_ip,
        pretty,
    };

    let (mut response, origin_header) = match route(&state, &ctx, &path).await {
        Ok((response, cors)) => (response, cors),
        Err((err, cors)) => (error_response(&err, pretty), cors),
    };
    finish(&mut response, &request_id, origin_header, &ctx.method);
    response
}

/// Adds the request id and CORS headers, and drops the body of HEAD responses.
fn finish(
    response: &mut Response,
    request_id: &str,
    cors: Option<Option<String>>,
    method: &Method,
) {
    if let Ok(v) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    if let Some(allowed_origin) = cors {
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(origin) = allowed_origin.and_then(|o| HeaderValue::from_str(&o).ok()) {
            response
                .headers_mut()
                .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            response.headers_mut().insert(
                header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
                HeaderValue::from_static("true"),
            );
        }
    }
    if *method == Method::HEAD {
        *response.body_mut() = Body::empty();
    }
}

/// echo's `RealIP`: first `X-Forwarded-For` entry, else `X-Real-IP`, else the peer.
fn real_ip(headers: &axum::http::HeaderMap, peer: SocketAddr) -> String {
    if let Some(xff) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = xff
            .split(',')
            .next()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    {
        return first
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
    }
    if let Some(real) = headers.get("x-real-ip").and_then(|v| v.to_str().ok()) {
        return real
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
    }
    peer.ip().to_string()
}

type Routed = Result<(Response, Option<Option<String>>), (ApiError, Option<Option<String>>)>;

async fn route(state: &AppState, ctx: &Ctx, path: &str) -> Routed {
    if path == "/" && (ctx.method == Method::GET) {
        let mut response = Response::new(Body::from(STATUS_PAGE));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=UTF-8"),
        );
        return Ok((response, None));
    }
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let mut segments: Vec<&str> = trimmed.split('/').collect();
    let tenant_segment = segments.remove(0);
    let Some(tenant_id) = parse_gofrs_uuid(tenant_segment) else {
        return Err((
            ApiError::bad_request("tenant_id must be a valid uuid4", ""),
            None,
        ));
    };
    let Some(tenant) = state.tenant(&tenant_id) else {
        return Err((ApiError::not_found("tenant not found"), None));
    };

    // CORS (echo's middleware, tenant origins, credentials allowed).
    let origin = ctx.header("origin").map(str::to_string);
    let allowed = origin
        .as_ref()
        .filter(|o| {
            tenant
                .config
                .origins
                .iter()
                .any(|a| a.eq_ignore_ascii_case(o.trim_end_matches('/')))
        })
        .cloned();
    let cors = Some(allowed.clone());
    if ctx.method == Method::OPTIONS
        && origin.is_some()
        && ctx.header("access-control-request-method").is_some()
    {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        if allowed.is_some() {
            let h = response.headers_mut();
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET,HEAD,PUT,PATCH,POST,DELETE"),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("7200"),
            );
            if let Some(v) = ctx.headers.get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
                h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v.clone());
            }
            h.append(
                header::VARY,
                HeaderValue::from_static("Access-Control-Request-Method"),
            );
            h.append(
                header::VARY,
                HeaderValue::from_static("Access-Control-Request-Headers"),
            );
        }
        return Ok((response, cors));
    }

    match handle(state, &tenant, ctx, &segments).await {
        Ok(response) => Ok((response, cors)),
        Err(err) => Err((err, cors)),
    }
}

async fn handle(
    state: &AppState,
    tenant: &Arc<Tenant>,
    ctx: &Ctx,
    segments: &[&str],
) -> Result<Response, ApiError> {
    let m = &ctx.method;
    match segments {
        [".well-known", "jwks.json"] if m == Method::GET => Ok(resources::jwks(tenant, ctx)),
        ["credentials", rest @ ..] => {
            check_api_key(tenant, ctx)?;
            match rest {
                [] if m == Method::GET => resources::list_credentials(tenant, ctx),
                [id] if m == Method::GET => resources::get_credential(tenant, ctx, id),
                [id] if m == Method::PATCH => resources::update_credential(state, tenant, ctx, id),
                [id] if m == Method::DELETE => resources::delete_credential(state, tenant, ctx, id),
                _ => Err(ApiError::route_not_found()),
            }
        }
        ["audit_logs"] if m == Method::GET => {
            check_api_key(tenant, ctx)?;
            resources::list_audit_logs(tenant, ctx)
        }
        ["registration", "initialize"] if m == Method::POST => {
            check_api_key(tenant, ctx)?;
            ceremonies::registration_init(state, tenant, ctx, false)
        }
        ["registration", "finalize"] if m == Method::POST => {
            ceremonies::registration_finalize(state, tenant, ctx, false).await
        }
        ["login", "initialize"] if m == Method::POST => ceremonies::login_init(state, tenant, ctx),
        ["login", "finalize"] if m == Method::POST => {
            ceremonies::login_finalize(state, tenant, ctx, false).await
        }
        ["transaction", rest @ ..] => {
            check_api_key(tenant, ctx)?;
            match rest {
                ["initialize"] if m == Method::POST => {
                    ceremonies::transaction_init(state, tenant, ctx)
                }
                ["finalize"] if m == Method::POST => {
                    ceremonies::transaction_finalize(state, tenant, ctx).await
                }
                [user] if m == Method::GET => resources::list_transactions(tenant, ctx, user),
                _ => Err(ApiError::route_not_found()),
            }
        }
        ["mfa", rest @ ..] => {
            check_api_key(tenant, ctx)?;
            match rest {
                ["registration", "initialize"] if m == Method::POST => {
                    ceremonies::registration_init(state, tenant, ctx, true)
                }
                ["registration", "finalize"] if m == Method::POST => {
                    ceremonies::registration_finalize(state, tenant, ctx, true).await
                }
                ["login", "initialize"] if m == Method::POST => {
                    ceremonies::mfa_login_init(state, tenant, ctx)
                }
                ["login", "finalize"] if m == Method::POST => {
                    ceremonies::login_finalize(state, tenant, ctx, true).await
                }
                _ => Err(ApiError::route_not_found()),
            }
        }
        _ => Err(ApiError::route_not_found()),
    }
}

/// `ApiKeyMiddleware`: header `apiKey` (any case), value trimmed, exact match.
pub(crate) fn check_api_key(tenant: &Tenant, ctx: &Ctx) -> Result<(), ApiError> {
    let provided = ctx
        .headers
        .get("apikey")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if !provided.is_empty() && provided == tenant.api_key {
        Ok(())
    } else {
        Err(ApiError::unauthorized(
            "The api key is invalid",
            "api keys needs to be an apiKey Header and 32 byte long",
        ))
    }
}

/// gofrs `uuid.FromString`: canonical, 32 hex digits, `{...}` and `urn:uuid:` forms, any case.
pub(crate) fn parse_gofrs_uuid(s: &str) -> Option<Uuid> {
    let lower = s.to_ascii_lowercase();
    let inner = if let Some(rest) = lower.strip_prefix("urn:uuid:") {
        rest
    } else if lower.starts_with('{') && lower.ends_with('}') && lower.len() >= 2 {
        &lower[1..lower.len() - 1]
    } else {
        &lower
    };
    match inner.len() {
        32 | 36 => Uuid::try_parse(inner).ok(),
        _ => None,
    }
}

const STATUS_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"UTF-8\"><title>API Integration Status</title></head>\n<body><h1>API Integration Status</h1><p>Hanko Passkey API emulator is running.</p></body>\n</html>\n";
