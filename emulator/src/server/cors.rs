//! `CORSWithTenant`: echo's CORS middleware with the tenant's allowed origins and
//! `AllowCredentials`, built from tower-http's [`CorsLayer`] plus [`echo_preflight`] for the
//! places where echo answers differently.

use std::time::Duration;

use axum::extract::Request;
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_http::cors::{AllowCredentials, AllowHeaders, AllowOrigin, CorsLayer};

use super::extract::CurrentTenant;

/// The CORS layer; it sits inside the tenant middleware, whose tenant it reads.
pub(crate) fn layer() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(origin_allowed))
        .allow_credentials(AllowCredentials::predicate(origin_allowed))
        .allow_methods([
            Method::GET,
            Method::HEAD,
            Method::PUT,
            Method::PATCH,
            Method::POST,
            Method::DELETE,
        ])
        .allow_headers(AllowHeaders::mirror_request())
        .max_age(Duration::from_secs(7200))
        // echo's `Vary` differs by request kind; `echo_preflight` writes it.
        .vary([])
}

fn origin_allowed(origin: &HeaderValue, parts: &Parts) -> bool {
    let (Some(CurrentTenant(tenant)), Ok(origin)) =
        (parts.extensions.get::<CurrentTenant>(), origin.to_str())
    else {
        return false;
    };
    tenant.cors_allow_origin(origin).is_some()
}

/// Where echo's CORS middleware answers differently from tower-http's: every response gets
/// `Vary: Origin`; a preflight (any `OPTIONS`) is a 204; it carries the allow headers only for
/// an allowed origin, and then also `Vary: Access-Control-Request-Method,
/// Access-Control-Request-Headers`.
pub(crate) async fn echo_preflight(request: Request, next: Next) -> Response {
    let preflight = request.method() == Method::OPTIONS;
    // What `Access-Control-Allow-Origin` says: the origin itself, or `*` for a tenant that
    // allows `*` without `allow_unsafe_wildcard` (tower-http can only mirror the origin).
    let allow_origin = match (
        request.extensions().get::<CurrentTenant>(),
        request
            .headers()
            .get(header::ORIGIN)
            .map(HeaderValue::to_str),
    ) {
        (Some(CurrentTenant(tenant)), Some(Ok(origin))) => tenant.cors_allow_origin(origin),
        _ => None,
    };
    let mut response = next.run(request).await;
    if let Some(value) = allow_origin.and_then(|v| HeaderValue::from_str(&v).ok())
        && response
            .headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    {
        response
            .headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    let headers = response.headers_mut();
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
    if !preflight {
        return response;
    }
    *response.status_mut() = StatusCode::NO_CONTENT;
    let headers = response.headers_mut();
    if headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        headers.append(
            header::VARY,
            HeaderValue::from_static("Access-Control-Request-Method"),
        );
        headers.append(
            header::VARY,
            HeaderValue::from_static("Access-Control-Request-Headers"),
        );
    } else {
        headers.remove(header::ACCESS_CONTROL_ALLOW_METHODS);
        headers.remove(header::ACCESS_CONTROL_ALLOW_HEADERS);
        headers.remove(header::ACCESS_CONTROL_MAX_AGE);
    }
    response
}
