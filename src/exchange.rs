//! One call on the wire: attempts under the retry policy within the call's deadline, and
//! the response body read under a size limit while it arrives. Shared by the API client's
//! request hook and the JWKS fetch.

use std::time::Duration;

use bytes::Bytes;
#[cfg(not(target_arch = "wasm32"))]
use bytes::BytesMut;
use reqwest::header::HeaderMap;
use reqwest::{StatusCode, Url};

use crate::platform::Instant;

use crate::operations::Idempotency;
use crate::retry::{RetryPolicy, retry_after, retryable_status};
use crate::telemetry::{self, Span};

/// Default limit on a success body: the largest real page (credentials or audit logs with a
/// large `per_page`) is far below it.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 8 * 1024 * 1024;

/// How much of the body of an error status is read: the API's JSON errors are a few hundred
/// bytes, and only an excerpt of anything else is kept. Reading stops there; the rest is
/// never downloaded.
pub const ERROR_BODY_LIMIT: usize = 16 * 1024;

const REQUEST_ID: &str = "x-request-id";

/// How one call may use the wire.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub retry: RetryPolicy,
    /// The whole call, every attempt and wait included.
    pub budget: Duration,
    pub max_response_bytes: usize,
}

/// Why an attempt got no response: reqwest's error natively; on wasm the SDK's own `fetch`
/// call's (see `fetch`).
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type WireError = reqwest::Error;
/// Why an attempt got no response: reqwest's error natively; on wasm the SDK's own `fetch`
/// call's (see `fetch`).
#[cfg(target_arch = "wasm32")]
pub(crate) type WireError = crate::fetch::FetchError;

/// Whether a failed attempt provably never left: the connection could not be made. On wasm
/// `fetch` does not say, so only a request that could not be built counts.
fn not_sent(error: &WireError) -> bool {
    #[cfg(not(target_arch = "wasm32"))]
    return error.is_connect();
    #[cfg(target_arch = "wasm32")]
    return matches!(error, crate::fetch::FetchError::Build(_));
}

/// The status a failure carries, if any (reqwest's error for a status; never on wasm).
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
    headers.get(REQUEST_ID).and_then(|v| v.to_str().ok())
}

/// What happened to a call on the wire.
pub(crate) struct Outcome {
    pub result: Result<Buffered, WireError>,
    /// An attempt before the last one may have reached the server (it was sent, and its
    /// outcome was a retryable failure). A DELETE that then sees 404 has done its work.
    pub retried_after_delivery: bool,
}

/// Why a response body could not be had. Carried as the source of the `reqwest::Error`
/// that the generated client sees, so the facade can tell a limit from a broken connection.
#[derive(Debug)]
pub(crate) enum BodyError {
    TooLarge { limit: usize },
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

/// Sends `request` under `settings`, retrying as `idempotency` allows, and reads the body.
pub(crate) async fn send(
    client: &reqwest::Client,
    request: reqwest::Request,
    idempotency: Idempotency,
    settings: &Settings,
    span: &Span,
) -> Outcome {
    let started = Instant::now();
    let deadline = started + settings.budget;
    let max_attempts = settings.retry.attempts();
    let mut request = request;
    let mut attempt = 0;
    let mut retried_after_delivery = false;
    loop {
        attempt += 1;
        // A body that cannot be cloned (a stream) is sent once.
        let spare = if attempt < max_attempts {
            request.try_clone()
        } else {
            None
        };
        let mut remaining = deadline.saturating_duration_since(Instant::now());
        if let Some(limit) = settings.retry.attempt_timeout_limit() {
            remaining = remaining.min(limit);
        }
        *request.timeout_mut() = Some(remaining.max(Duration::from_millis(1)));
        let result = attempt_once(client, request, settings.max_response_bytes).await;

        let (retry_reason, delivered, wait_at_least) = match &result {
            Err(e) => {
                span.attempt(attempt, None, None, Some(telemetry::describe(e)));
                let not_sent = not_sent(e);
                let retry = match idempotency {
                    Idempotency::Idempotent => true,
                    Idempotency::OnlyIfNotSent => not_sent,
                };
                (retry.then_some("transport error"), !not_sent, None)
            }
            Ok(response) => {
                let error = match &response.body {
                    Ok(_) => None,
                    Err(BodyError::TooLarge { .. }) => Some("response body over the limit"),
                    Err(BodyError::Read(e)) => Some(telemetry::describe(e)),
                };
                span.attempt(attempt, Some(response.status), response.request_id(), error);
                let idempotent = idempotency == Idempotency::Idempotent;
                match &response.body {
                    Err(BodyError::Read(_)) if idempotent => {
                        (Some("response body failed"), true, None)
                    }
                    Ok(_) if idempotent && retryable_status(response.status) => (
                        Some("retryable status"),
                        true,
                        retry_after(&response.headers),
                    ),
                    _ => (None, true, None),
                }
            }
        };

        let wait = settings
            .retry
            .backoff(attempt)
            .max(wait_at_least.unwrap_or_default());
        let fits = Instant::now()
            .checked_add(wait)
            .is_some_and(|t| t < deadline);
        match (retry_reason, spare) {
            (Some(reason), Some(spare)) if fits => {
                span.retrying(attempt, wait, reason);
                retried_after_delivery |= delivered;
                crate::platform::sleep(wait).await;
                request = spare;
            }
            _ => {
                let (status, id) = match &result {
                    Ok(r) => (Some(r.status), r.request_id()),
                    Err(e) => (error_status(e), None),
                };
                span.finish(attempt, status, id, started.elapsed());
                return Outcome {
                    result,
                    retried_after_delivery,
                };
            }
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
async fn attempt_once(
    client: &reqwest::Client,
    request: reqwest::Request,
    max_response_bytes: usize,
) -> Result<Buffered, reqwest::Error> {
    let mut response = client.execute(request).await?;
    let status = response.status();
    let body = if status.is_success() {
        read_limited(&mut response, max_response_bytes).await
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

/// One attempt with the platform's `fetch`: redirects are not followed, the deadline aborts
/// it, and the body is read from its stream under the limit. reqwest's `fetch` client is not
/// used for the exchange (it follows redirects with every header and reads bodies whole).
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
        .unwrap_or(std::time::Duration::from_secs(30));
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
/// `Content-Length` before reading, or from the bytes received so far.
#[cfg(not(target_arch = "wasm32"))]
async fn read_limited(response: &mut reqwest::Response, limit: usize) -> Result<Bytes, BodyError> {
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Read)? {
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
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

/// Turns a buffered response back into the `reqwest::Response` the generated client
/// expects. A body that failed fails again, with the same cause, when it is read.
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

/// The [`BodyError`] behind an error, if any, looking through its sources.
pub(crate) fn body_error<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a BodyError> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<BodyError>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}
