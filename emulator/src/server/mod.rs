//! The HTTP toolkit both APIs are built from: echo's middleware as layers, its binder, its
//! error body and output rules, pagination, and the accept loop. Which routes exist, and which
//! middleware each group runs, is `crate::app`'s business.

pub(crate) mod binding;
pub(crate) mod cors;
pub(crate) mod error;
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

use axum::Router;
use axum::middleware::{from_fn, map_request};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// Bodies larger than this are refused (the server has no limit; real ceremonies are a few
/// KiB, so this only stops runaway clients).
pub(crate) const BODY_LIMIT: usize = 1024 * 1024;

/// The layers around every route of both APIs, outside in: request id (echo's `RequestID`) →
/// request log (with `span` for each request's span) → body limit → echo's output rules.
pub(crate) fn echo_layers(
    app: Router,
    span: fn(&axum::extract::Request) -> tracing::Span,
) -> Router {
    app.layer(from_fn(middleware::echo_output))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(from_fn(middleware::body_limit_error))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(span)
                .on_request(())
                .on_response(request_log::on_response)
                .on_failure(()),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(request_id::EchoRequestId))
        .layer(map_request(middleware::drop_empty_request_id))
}
