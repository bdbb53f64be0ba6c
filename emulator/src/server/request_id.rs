//! echo's `RequestID` generator: 32 random alphanumerics.

use axum::http::{HeaderValue, Request};
use rand::Rng as _;
use rand::distr::Alphanumeric;
use tower_http::request_id::{MakeRequestId, RequestId};

/// Makes ids like echo's `random.String(32)`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EchoRequestId;

impl MakeRequestId for EchoRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        let id: String = rand::rng()
            .sample_iter(&Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        HeaderValue::from_str(&id).ok().map(RequestId::new)
    }
}
