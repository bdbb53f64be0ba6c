//! The server's middleware, in its order (`router/main.go`): request id → tenant → CORS →
//! (per group) API key; plus the output rules of echo's `c.JSON` and error handler.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::extract::{CurrentTenant, parse_gofrs_uuid};
use crate::state::AppState;

/// `TenantMiddleware`: the first path segment must be a UUID (400) of a known tenant (404).
pub(crate) async fn tenant(
    State(state): State<Arc<AppState>>,
    OriginalUri(uri): OriginalUri,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let segment = uri.path().split('/').nth(1).unwrap_or("");
    let id = parse_gofrs_uuid(segment).ok_or_else(invalid_tenant)?;
    let tenant = state
        .tenant(&id)
        .ok_or_else(|| ApiError::not_found("tenant not found"))?;
    request.extensions_mut().insert(CurrentTenant(tenant));
    Ok(next.run(request).await)
}

/// The tenant middleware's 400, also what any path outside `/{tenant_id}` gets (echo routes
/// everything but `/` into the tenant group).
pub(crate) fn invalid_tenant() -> ApiError {
    ApiError::bad_request("tenant_id must be a valid uuid4", "")
}

/// `ApiKeyMiddleware`: header `apiKey` (any case), value trimmed, exact match.
pub(crate) async fn require_api_key(
    CurrentTenant(tenant): CurrentTenant,
    request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    check_api_key(&tenant, request.headers())?;
    Ok(next.run(request).await)
}

/// The `apiKey` header of a request, trimmed; `""` when absent.
pub(crate) fn api_key_header(headers: &axum::http::HeaderMap) -> &str {
    headers
        .get("apikey")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("")
}

/// The API-key check itself, for the one route that applies it conditionally (login
/// initialize with a `user_id`).
pub(crate) fn check_api_key(
    tenant: &crate::state::Tenant,
    headers: &axum::http::HeaderMap,
) -> Result<(), ApiError> {
    match tenant.secret_kind(api_key_header(headers)) {
        Some(crate::state::SecretKind::Api) => Ok(()),
        Some(crate::state::SecretKind::Jwk) => Err(ApiError::unauthorized(
            "The api key is invalid",
            "provided key is not an api key",
        )),
        None => Err(ApiError::unauthorized(
            "The api key is invalid",
            "api keys needs to be an apiKey Header and 32 byte long",
        )),
    }
}

/// echo's catch-all routes (`Group.Use` registers them for every group with middleware):
/// 404 "Not Found" once the group's middleware has run.
pub(crate) async fn not_found() -> ApiError {
    ApiError::route_not_found()
}

/// A GET route as echo's router has it: HEAD is not served by the GET handler (axum's default)
/// but reaches the catch-all's 404.
pub(crate) fn get_only<H, T, S>(handler: H) -> axum::routing::MethodRouter<S>
where
    H: axum::handler::Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    axum::routing::get(handler).head(not_found)
}

/// echo's output rules for every response: `?pretty` indents JSON (`c.JSON` checks the query),
/// and a HEAD request gets the status alone (the error handler's `NoContent`; HEAD never
/// matches a route, so every HEAD answer is an error).
pub(crate) async fn echo_output(request: Request, next: Next) -> Response {
    let head = request.method() == Method::HEAD;
    let pretty = url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
        .any(|(k, _)| k == "pretty");
    let response = next.run(request).await;
    if head {
        let (mut parts, _) = response.into_parts();
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(pretty && is_json) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Our own JSON, already in memory: re-render it indented.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return ApiError::internal().into_response();
    };
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return ApiError::internal().into_response();
    };
    let mut text = crate::gojson::to_string(&value, true);
    text.push('\n');
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(text))
}

/// Renders the body-limit layer's bare 413 as the emulator's JSON error, which also closes the
/// connection (the rest of the refused body is still in flight).
pub(crate) async fn body_limit_error(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let ours = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && !ours {
        return ApiError::body_too_large().into_response();
    }
    response
}

/// echo's `RequestID` generates an id when the header is missing *or empty*; tower-http's
/// layer keeps an empty one, so drop it first.
pub(crate) async fn drop_empty_request_id(mut request: Request) -> Request {
    if request
        .headers()
        .get("x-request-id")
        .is_some_and(HeaderValue::is_empty)
    {
        request.headers_mut().remove("x-request-id");
    }
    request
}
