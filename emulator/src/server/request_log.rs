//! One log event per request, through `tracing` (tower-http's `TraceLayer`): method, path,
//! request id, status, the error title, duration. Never headers, query strings or bodies, so
//! never an API key or a token.

use std::time::Duration;

use axum::extract::Request;
use axum::response::Response;
use tracing::Span;

/// The title of an error response, for the log (set by [`super::error::ApiError`]).
#[derive(Debug, Clone)]
pub(crate) struct ErrorTitle(pub(crate) String);

/// The span of a public API request: what it asked for, and its id (the request-id layer runs
/// first).
pub(crate) fn span(request: &Request) -> Span {
    let (method, path, request_id) = fields(request);
    tracing::info_span!("request", method = %method, path = %path, request_id = %request_id)
}

/// The span of an admin API request: the same fields under another name.
pub(crate) fn admin_span(request: &Request) -> Span {
    let (method, path, request_id) = fields(request);
    tracing::info_span!("admin", method = %method, path = %path, request_id = %request_id)
}

fn fields(request: &Request) -> (&axum::http::Method, &str, &str) {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    (request.method(), request.uri().path(), request_id)
}

/// The event when the answer is ready.
pub(crate) fn on_response(response: &Response, latency: Duration, span: &Span) {
    let status = response.status().as_u16();
    let title = response.extensions().get::<ErrorTitle>();
    match (title, response.status().is_server_error()) {
        (Some(ErrorTitle(title)), true) => {
            tracing::warn!(parent: span, status, title = ?title, duration = ?latency, "answered")
        }
        (Some(ErrorTitle(title)), false) => {
            tracing::info!(parent: span, status, title = ?title, duration = ?latency, "answered")
        }
        (None, _) => tracing::info!(parent: span, status, duration = ?latency, "answered"),
    }
}
