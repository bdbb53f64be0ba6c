//! The HTTP layer: an axum [`Router`] shaped like the server's echo router
//! (`server/api/router/main.go`), with its middleware as layers.
//!
//! Outside in: request id (echo's `RequestID`) → request log → body limit → echo's output
//! rules → routing.
//! Under `/{tenant_id}`: the tenant middleware → CORS → the groups, each with its API-key rule.
//! Where echo's router answers in a way axum's would not (404 instead of 405, catch-alls that
//! run a group's middleware), the route says so.

pub(crate) mod binding;
mod cors;
pub(crate) mod extract;
pub(crate) mod go_decode;
pub(crate) mod go_time;
pub(crate) mod like;
pub(crate) mod middleware;
pub(crate) mod pagination;
mod request_id;
pub(crate) mod request_log;
pub(crate) mod response;
mod serve;
mod watchdog;

pub(crate) use serve::serve;
pub(crate) use watchdog::Timeouts;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware::{from_fn, from_fn_with_state, map_request};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::error::ApiError;
use crate::state::AppState;

/// Bodies larger than this are refused (the server has no limit; real ceremonies are a few
/// KiB, so this only stops runaway clients).
pub(crate) const BODY_LIMIT: usize = 1024 * 1024;

/// The whole application.
pub(crate) fn router(state: Arc<AppState>) -> Router {
    let tenant_routes = Router::new()
        .merge(crate::resources::jwks::routes())
        .merge(crate::resources::credentials::routes())
        .merge(crate::resources::audit_logs::routes())
        .merge(crate::ceremony::registration::routes())
        .merge(crate::ceremony::login::routes())
        .merge(crate::ceremony::transaction::routes())
        .merge(crate::ceremony::mfa_routes())
        // A wrong method on a route of a group without middleware of its own reaches the
        // tenant group's catch-all: echo never answers 405 under a tenant.
        .method_not_allowed_fallback(middleware::not_found);

    Router::new()
        // echo answers another method on `/` itself: 405 with `Allow`, and 204 to OPTIONS.
        .route(
            "/",
            get(status_page)
                .head(method_not_allowed)
                .options(allow)
                .fallback(method_not_allowed),
        )
        .nest("/{tenant_id}", tenant_scoped(tenant_routes, &state))
        // echo sends every other path into the `/:tenant_id` group, whose catch-all runs the
        // tenant middleware (400 / 404) and CORS before its 404.
        .fallback_service(
            tenant_scoped(Router::new().fallback(middleware::not_found), &state)
                .with_state(state.clone()),
        )
        .layer(from_fn(middleware::echo_output))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(from_fn(middleware::body_limit_error))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_log::span)
                .on_request(())
                .on_response(request_log::on_response)
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(request_id::EchoRequestId))
        .layer(map_request(middleware::drop_empty_request_id))
        .with_state(state)
}

/// The tenant group's middleware: tenant (outermost), then CORS.
fn tenant_scoped(routes: Router<Arc<AppState>>, state: &Arc<AppState>) -> Router<Arc<AppState>> {
    routes
        .layer(cors::layer())
        .layer(from_fn(cors::echo_preflight))
        .layer(from_fn_with_state(state.clone(), middleware::tenant))
}

/// The methods echo lists for `/`.
const ALLOW: HeaderValue = HeaderValue::from_static("OPTIONS, GET");

async fn method_not_allowed() -> Response {
    let mut response = ApiError::method_not_allowed().into_response();
    response.headers_mut().insert(header::ALLOW, ALLOW);
    response
}

async fn allow() -> Response {
    let mut response = axum::http::StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::ALLOW, ALLOW);
    response
}

/// `GET /`: the server's HTML status page.
async fn status_page() -> Response {
    let mut response = STATUS_PAGE.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=UTF-8"),
    );
    response
}

const STATUS_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"UTF-8\"><title>API Integration Status</title></head>\n<body><h1>API Integration Status</h1><p>Hanko Passkey API emulator is running.</p></body>\n</html>\n";
