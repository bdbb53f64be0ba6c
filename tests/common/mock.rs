//! A wiremock server standing in for the API: routes mounted under a prefix, and the requests
//! it received, each checked by the harness's own rule.

use std::ops::Deref;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

pub struct MockApi {
    pub server: MockServer,
    /// Put before every route given to [`on`](Self::on) (the tenant's `/{id}` for the public API).
    prefix: String,
    /// Run on every request [`requests`](Self::requests) returns.
    check: fn(&Request),
}

impl MockApi {
    pub async fn start(prefix: impl Into<String>, check: fn(&Request)) -> Self {
        MockApi {
            server: MockServer::start().await,
            prefix: prefix.into(),
            check,
        }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    /// Answers `http_method` on the prefix followed by `route` with `response`.
    pub async fn on(&self, http_method: &str, route: &str, response: ResponseTemplate) {
        Mock::given(method(http_method))
            .and(path(format!("{}{route}", self.prefix)))
            .respond_with(response)
            .mount(&self.server)
            .await;
    }

    /// The requests received, each one checked.
    pub async fn requests(&self) -> Vec<Request> {
        let requests = self.server.received_requests().await.unwrap();
        for request in &requests {
            (self.check)(request);
        }
        requests
    }

    pub async fn only_request(&self) -> Request {
        let mut requests = self.requests().await;
        assert_eq!(requests.len(), 1, "expected exactly one request");
        requests.remove(0)
    }
}

/// A mock server with the SDK client a test drives against it.
pub struct Api<C> {
    pub mock: MockApi,
    pub client: C,
}

impl<C> Deref for Api<C> {
    type Target = MockApi;

    fn deref(&self) -> &MockApi {
        &self.mock
    }
}
