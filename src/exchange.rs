//! One call on the wire with reqwest: attempts under the retry rules ([`crate::retry`])
//! within the call's time, each response's body read under a size limit while it arrives,
//! and what happened recorded once, typed ([`Record`]). Shared by both clients' request hook
//! and the JWKS fetch.
//!
//! The reqwest APIs a browser's `fetch` has no counterpart for (connection errors, body
//! chunks, protocol versions, custom bodies) are used here and in
//! [`HttpOptions::build_http`](crate::config) only. On wasm32 an attempt is the SDK's own
//! `fetch` call instead (`crate::fetch`): everything else here is the same on both.

use std::time::Duration;

use bytes::Bytes;
#[cfg(not(target_arch = "wasm32"))]
use bytes::BytesMut;
use reqwest::header::{HeaderMap, HeaderName, RETRY_AFTER};
use reqwest::{StatusCode, Url};

use crate::operations::Operation;
use crate::retry::{self, Attempt, Attempts, RetryPolicy};
use crate::telemetry::{self, Span};
use crate::timer::PlatformTimer;

/// Default limit on a success body: the largest real page (credentials or audit logs with a
/// large `per_page`) is far below it.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// How much of the body of an error status is read: the API's JSON errors are a few hundred
/// bytes, and only an excerpt of anything else is kept. Reading stops there; the rest is
/// never downloaded.
pub const ERROR_BODY_LIMIT: usize = 16 * 1024;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// How one call may use the wire.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub retry: RetryPolicy,
    /// The whole call, every attempt and wait included.
    pub budget: Duration,
    pub max_response_bytes: usize,
}

/// Why an attempt got no response: reqwest's error natively; on wasm the SDK's own `fetch`
/// call's (`crate::fetch`).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type WireError = reqwest::Error;
/// Why an attempt got no response: reqwest's error natively; on wasm the SDK's own `fetch`
/// call's (`crate::fetch`).
#[cfg(target_arch = "wasm32")]
pub(crate) type WireError = crate::fetch::FetchError;

/// The status a transport failure carries, if any (never on wasm).
fn error_status(error: &WireError) -> Option<StatusCode> {
    #[cfg(not(target_arch = "wasm32"))]
    return error.status();
    #[cfg(target_arch = "wasm32")]
    return {
        let _ = error;
        None
    };
}

/// A response whose body was read (or failed to be) under the limits.
pub(crate) struct Buffered {
    pub status: StatusCode,
    #[cfg(not(target_arch = "wasm32"))]
    pub version: reqwest::Version,
    pub headers: HeaderMap,
    pub url: Url,
    pub body: Result<Bytes, BodyError>,
}

impl Buffered {
    pub(crate) fn request_id(&self) -> Option<&str> {
        request_id(&self.headers)
    }
}

pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    headers.get(&REQUEST_ID).and_then(|v| v.to_str().ok())
}

/// What the hook learned of a call on the wire, once: the last response (its status,
/// headers, request id, and its body or the limit it exceeded) or the transport failure
/// (a timeout is the call's time running out), and whether an earlier attempt may have
/// reached the server.
pub(crate) struct Record {
    pub result: Result<Buffered, WireError>,
    /// An attempt before the last one may have reached the server (it was sent, and its
    /// outcome was a passing failure). A DELETE that then sees 404 has done its work.
    pub retried_after_delivery: bool,
}

/// Why a response body could not be had.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// Over its limit ([`Settings::max_response_bytes`] for a success).
    TooLarge { limit: usize },
    /// The connection failed or timed out after the headers arrived.
    Read(WireError),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge { limit } => {
                write!(
                    f,
                    "the response body is larger than the limit of {limit} bytes"
                )
            }
            BodyError::Read(e) => write!(f, "reading the response body failed: {e}"),
        }
    }
}

impl std::error::Error for BodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BodyError::TooLarge { .. } => None,
            BodyError::Read(e) => Some(e),
        }
    }
}

/// Sends `request` for `op` under `settings`, retrying as the operation and the policy
/// allow, and reads the body. The `tracing` span of the call is opened here.
pub(crate) async fn send(
    client: &reqwest::Client,
    request: reqwest::Request,
    op: &Operation,
    settings: &Settings,
) -> Record {
    let span = telemetry::request_span(op.id, op.method, op.path);
    let wire = Wire {
        client,
        max_response_bytes: settings.max_response_bytes,
        span: &span,
    };
    let finished = span
        .run(retry::run(
            &PlatformTimer,
            &settings.retry,
            op.idempotency,
            settings.budget,
            &wire,
            request,
            &span,
        ))
        .await;
    if span.enabled() {
        let (status, id) = match &finished.output {
            Ok(r) => (Some(r.status), r.request_id()),
            Err(e) => (error_status(e), None),
        };
        let (attempts, elapsed, stop) = (finished.attempts, finished.elapsed, finished.stop);
        span.finish(attempts, status, id, elapsed, stop);
    }
    Record {
        result: finished.output,
        retried_after_delivery: finished.retried_after_delivery,
    }
}

/// The attempts of one call with reqwest.
struct Wire<'a> {
    client: &'a reqwest::Client,
    max_response_bytes: usize,
    span: &'a Span,
}

impl Attempts for Wire<'_> {
    type Request = reqwest::Request;
    type Output = Result<Buffered, WireError>;

    fn copy(&self, request: &reqwest::Request) -> Option<reqwest::Request> {
        // A body that is a stream cannot be copied: such a request is sent once.
        request.try_clone()
    }

    async fn attempt(
        &self,
        mut request: reqwest::Request,
        n: u32,
        timeout: Duration,
    ) -> (Self::Output, Attempt) {
        *request.timeout_mut() = Some(timeout);
        // Natively the response is read in this state machine: one future layer less per
        // attempt (measured with callgrind, benches/client_overhead.rs).
        #[cfg(not(target_arch = "wasm32"))]
        let result = match self.client.execute(request).await {
            Ok(mut response) => {
                let status = response.status();
                let body = if status.is_success() {
                    read_limited(&mut response, self.max_response_bytes).await
                } else {
                    read_prefix(&mut response, ERROR_BODY_LIMIT).await
                };
                Ok(Buffered {
                    status,
                    version: response.version(),
                    url: response.url().clone(),
                    headers: std::mem::take(response.headers_mut()),
                    body,
                })
            }
            Err(e) => Err(e),
        };
        #[cfg(target_arch = "wasm32")]
        let result = attempt_once(self.client, request, self.max_response_bytes).await;
        let attempt = match &result {
            Err(e) => classify(e).0,
            Ok(response) => match &response.body {
                Ok(_) => Attempt::Answered {
                    status: response.status,
                    retry_after: retry_after_of(response),
                },
                Err(BodyError::TooLarge { .. }) => Attempt::TooLarge,
                Err(BodyError::Read(_)) => Attempt::BodyFailed,
            },
        };
        if self.span.enabled() {
            match &result {
                Err(e) => self.span.attempt(n, None, None, Some(classify(e).1)),
                Ok(response) => {
                    let error = match &response.body {
                        Ok(_) => None,
                        Err(BodyError::TooLarge { .. }) => Some("response body over the limit"),
                        Err(BodyError::Read(e)) => Some(classify(e).1),
                    };
                    let id = response.request_id();
                    self.span.attempt(n, Some(response.status), id, error);
                }
            }
        }
        (result, attempt)
    }
}

/// `Retry-After` of a response that asks to be retried (others' are not read).
fn retry_after_of(response: &Buffered) -> Option<Duration> {
    if retry::retryable_status(response.status) && response.headers.contains_key(RETRY_AFTER) {
        retry::retry_after(&response.headers)
    } else {
        None
    }
}

/// How a transport failure ended an attempt, and the words for it in the span (reqwest's
/// messages name the full URL, ids included).
#[cfg(not(target_arch = "wasm32"))]
fn classify(error: &reqwest::Error) -> (Attempt, &'static str) {
    if error.is_connect() {
        (Attempt::NotSent, "connection failed")
    } else if error.is_timeout() {
        (Attempt::Failed, "timed out")
    } else if error.is_body() || error.is_decode() {
        (Attempt::Failed, "response body failed")
    } else {
        (Attempt::Failed, "request failed")
    }
}

/// How a `fetch` failure ended an attempt on wasm. `fetch` does not say whether a failed
/// request left, so only one that could not be built counts as not sent.
#[cfg(target_arch = "wasm32")]
fn classify(error: &crate::fetch::FetchError) -> (Attempt, &'static str) {
    use crate::fetch::FetchError;
    match error {
        FetchError::Build(_) => (Attempt::NotSent, "request not sent"),
        FetchError::Network(_) => (Attempt::Failed, "fetch failed"),
        FetchError::Timeout => (Attempt::Failed, "timed out"),
        // Not retryable: the settle step refuses it as a redirect.
        FetchError::OpaqueRedirect => (Attempt::Failed, "redirect"),
    }
}

/// One attempt with the platform's `fetch` (`crate::fetch`): redirects are not followed,
/// the deadline aborts it, and the body is read from its stream under the limit. reqwest's
/// own `fetch` client is not used for the exchange: it follows redirects with every header
/// (the API key included) and reads bodies whole.
#[cfg(target_arch = "wasm32")]
async fn attempt_once(
    _client: &reqwest::Client,
    request: reqwest::Request,
    max_response_bytes: usize,
) -> Result<Buffered, WireError> {
    use crate::fetch::{BodyLimit, FetchBodyError, FetchError};
    let timeout = request
        .timeout()
        .copied()
        .unwrap_or(Duration::from_secs(30));
    let fetched = crate::fetch::fetch(&request, timeout, |status| {
        if status.is_success() {
            BodyLimit::Whole(max_response_bytes)
        } else {
            BodyLimit::Prefix(ERROR_BODY_LIMIT)
        }
    })
    .await?;
    Ok(Buffered {
        status: fetched.status,
        headers: fetched.headers,
        url: fetched.url,
        body: fetched.body.map_err(|e| match e {
            FetchBodyError::TooLarge { limit } => BodyError::TooLarge { limit },
            FetchBodyError::Timeout => BodyError::Read(FetchError::Timeout),
            FetchBodyError::Read(m) => BodyError::Read(FetchError::Network(m)),
        }),
    })
}

/// Reads the body, refusing it as soon as it is known to exceed `limit`: from
/// `Content-Length` before reading, or from the bytes received so far. A body that arrives
/// in one chunk is kept as it came, without a copy.
#[cfg(not(target_arch = "wasm32"))]
async fn read_limited(response: &mut reqwest::Response, limit: usize) -> Result<Bytes, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(BodyError::TooLarge { limit });
    }
    let mut first: Option<Bytes> = None;
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        let so_far = first.as_ref().map_or(body.len(), Bytes::len);
        if so_far + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        match first.take() {
            None if body.is_empty() => first = Some(chunk),
            None => body.extend_from_slice(&chunk),
            Some(earlier) => {
                body.reserve(earlier.len() + chunk.len());
                body.extend_from_slice(&earlier);
                body.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| body.freeze()))
}

/// Reads at most `limit` bytes of the body and drops the rest (the connection is then not
/// reused). A failure after some bytes arrived keeps what arrived.
#[cfg(not(target_arch = "wasm32"))]
async fn read_prefix(response: &mut reqwest::Response, limit: usize) -> Result<Bytes, BodyError> {
    let mut body = BytesMut::new();
    while body.len() < limit {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let take = chunk.len().min(limit - body.len());
                body.extend_from_slice(&chunk[..take]);
            }
            Ok(None) => break,
            Err(e) if body.is_empty() => return Err(BodyError::Read(e)),
            Err(_) => break,
        }
    }
    Ok(body.freeze())
}

/// The `reqwest::Response` the generated client decodes, for calls through
/// [`Tenant::raw`](crate::Tenant::raw) and [`Admin::raw`](crate::Admin::raw), whose methods
/// return progenitor's types. A body that failed fails again, with the same cause, when it
/// is read. (The facade decodes the [`Record`] itself.)
#[cfg(not(target_arch = "wasm32"))]
pub(crate) fn into_response(buffered: Buffered) -> reqwest::Response {
    let body = match buffered.body {
        Ok(bytes) => reqwest::Body::from(bytes),
        Err(error) => reqwest::Body::wrap(FailedBody(Some(error))),
    };
    let mut response = http::Response::new(body);
    *response.status_mut() = buffered.status;
    *response.version_mut() = buffered.version;
    *response.headers_mut() = buffered.headers;
    // The URL rides in the extensions (a redirect's Location may be relative to it). Without
    // it, reqwest parses a placeholder URL for every response.
    use reqwest::ResponseBuilderExt;
    let mut with_url = http::Response::builder().url(buffered.url);
    if let Some(extensions) = with_url.extensions_mut() {
        *response.extensions_mut() = std::mem::take(extensions);
    }
    reqwest::Response::from(response)
}

/// A body that yields one error.
#[cfg(not(target_arch = "wasm32"))]
struct FailedBody(Option<BodyError>);

#[cfg(not(target_arch = "wasm32"))]
impl http_body::Body for FailedBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, BodyError>>> {
        std::task::Poll::Ready(self.0.take().map(Err))
    }
}
