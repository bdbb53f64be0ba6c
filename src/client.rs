//! The link between the facade and the generated client: the request hook, which decides
//! per operation whether the API key goes out, traces, retries and bounds every response;
//! and the mapping of every outcome into [`Error`].

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LOCATION};
use serde::de::DeserializeOwned;

use crate::Error;
#[cfg(target_arch = "wasm32")]
use crate::ErrorKind;
use crate::exchange::{self, BodyError, Settings};
use crate::generated::{Client, types};
use crate::operations;
use crate::telemetry;

/// Header that carries the API key (the server reads exactly this name, case-insensitively).
const API_KEY_HEADER: HeaderName = HeaderName::from_static("apikey");
const TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");

/// What the generated client carries for its hook: the API key and how to use the wire.
///
/// Built by [`tenant()`](crate::tenant); reach the configured client with
/// [`Tenant::raw`](crate::Tenant::raw).
#[derive(Clone)]
pub struct Hooks {
    api_key: Option<HeaderValue>,
    settings: Settings,
}

impl Hooks {
    pub(crate) fn new(api_key: Option<HeaderValue>, settings: Settings) -> Self {
        Hooks { api_key, settings }
    }

    pub(crate) fn has_api_key(&self) -> bool {
        self.api_key.is_some()
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.settings
    }
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("settings", &self.settings)
            .finish()
    }
}

/// What the hook saw of a facade call's response: progenitor drops the status and headers
/// of a body it cannot decode, so the facade reads them from here.
#[derive(Default)]
struct Seen {
    status: Option<StatusCode>,
    request_id: Option<String>,
    retried_after_delivery: bool,
    /// On wasm the whole reply: a `reqwest::Response` cannot be made from it there (only
    /// reqwest's own `fetch` makes them), so the facade decodes it from here.
    #[cfg(target_arch = "wasm32")]
    reply: Option<Result<exchange::Buffered, exchange::WireError>>,
}

tokio::task_local! {
    static SEEN: Arc<Mutex<Seen>>;
}

impl ClientHooks<Hooks> for Client {
    async fn exec(
        &self,
        mut request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let hooks = self.inner();
        let op = operations::find(info.operation_id);
        if let Some(key) = &hooks.api_key
            && op.sends_key(request.body().and_then(reqwest::Body::as_bytes))
        {
            request.headers_mut().insert(API_KEY_HEADER, key.clone());
        }
        exchange_recorded(
            self.client(),
            request,
            info.operation_id,
            op,
            &hooks.settings,
        )
        .await
    }
}

/// What both clients' request hooks do once the headers are set: one traced call on the wire
/// under `settings`, with what the facade needs of the response recorded for [`call`].
pub(crate) async fn exchange_recorded(
    client: &reqwest::Client,
    request: reqwest::Request,
    operation_id: &str,
    op: &operations::Operation,
    settings: &Settings,
) -> reqwest::Result<reqwest::Response> {
    let span = telemetry::request_span(operation_id, op.method, op.path);
    // Boxed: the exchange's state machine is large, and every layer of the generated
    // call would otherwise move it around.
    let outcome = Box::pin(span.run(exchange::send(
        client,
        request,
        op.idempotency,
        settings,
        &span,
    )))
    .await;
    #[cfg(target_arch = "wasm32")]
    let mut outcome = outcome;
    let _ = SEEN.try_with(|seen| {
        let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
        if let Ok(response) = &outcome.result {
            seen.status = Some(response.status);
            seen.request_id = response.request_id().map(str::to_owned);
        }
        seen.retried_after_delivery = outcome.retried_after_delivery;
        #[cfg(target_arch = "wasm32")]
        {
            seen.reply = Some(std::mem::replace(
                &mut outcome.result,
                Err(crate::fetch::FetchError::Build(String::new())),
            ));
        }
    });
    #[cfg(not(target_arch = "wasm32"))]
    return outcome.result.map(exchange::into_response);
    #[cfg(target_arch = "wasm32")]
    return Err(wasm::carrier());
}

/// The wasm side of the hook: the reply travels in [`Seen`], and the generated client gets an
/// error that stands for "answered elsewhere".
#[cfg(target_arch = "wasm32")]
mod wasm {
    use super::*;
    use crate::fetch::FetchError;

    /// What the hook hands the generated client on wasm in place of a response: the facade
    /// ignores it and decodes the reply it recorded. `Tenant::raw()` callers see it as a
    /// `CommunicationError` (see the wasm guide). reqwest's errors cannot be made from
    /// outside; a request to no URL at all is one that never leaves.
    pub(super) fn carrier() -> reqwest::Error {
        match reqwest::Client::new()
            .get("hanko-passkeys: on wasm32 generated calls are answered through the facade")
            .build()
        {
            Err(e) => e,
            Ok(_) => unreachable_carrier(),
        }
    }

    #[cold]
    fn unreachable_carrier() -> reqwest::Error {
        // A relative URL never parses; keep a path that does not panic all the same.
        match reqwest::Client::new().get("").build() {
            Err(e) => e,
            Ok(_) => carrier(),
        }
    }

    /// The facade's result from the recorded reply, as the native path decides it.
    pub(super) fn settle<T: DeserializeOwned + 'static>(
        reply: Result<exchange::Buffered, exchange::WireError>,
        retried_after_delivery: bool,
    ) -> Result<Reply<T>, Error> {
        let response = match reply {
            Ok(response) => response,
            Err(FetchError::Timeout) => {
                return Err(Error::new(ErrorKind::Timeout, "the call timed out"));
            }
            Err(FetchError::OpaqueRedirect) => {
                return Err(Error::new(
                    ErrorKind::Redirect,
                    "the server redirected (the browser hides where to); redirects are not followed, so the API key stays put: check the base URL",
                ));
            }
            Err(e) => return Err(Error::new(ErrorKind::Transport, e.to_string())),
        };
        let status = response.status;
        let request_id = response.request_id().map(str::to_owned);
        if status.is_redirection() {
            let host = response
                .headers
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| response.url.join(l).ok())
                .and_then(|u| u.host_str().map(str::to_owned));
            return Err(Error::redirect(status, host, request_id));
        }
        let body = match response.body {
            Ok(body) => body,
            Err(BodyError::TooLarge { limit }) => {
                return Err(Error::too_large(limit).with_response(Some(status), request_id));
            }
            Err(BodyError::Read(FetchError::Timeout)) => {
                return Err(Error::new(ErrorKind::Timeout, "the call timed out")
                    .with_response(Some(status), request_id));
            }
            Err(BodyError::Read(e)) => {
                return Err(Error::new(ErrorKind::Transport, e.to_string())
                    .with_response(Some(status), request_id));
            }
        };
        if status.is_success() {
            let text: &[u8] = if returns_nothing::<T>() || body.iter().all(u8::is_ascii_whitespace)
            {
                b"null"
            } else {
                &body
            };
            return match serde_json::from_slice(text) {
                Ok(value) => Ok(Reply {
                    value,
                    headers: paging_headers(&response.headers),
                }),
                Err(e) => Err(Error::decode(Some(status), &body, request_id, e)),
            };
        }
        if status == StatusCode::NOT_FOUND && retried_after_delivery && returns_nothing::<T>() {
            // A retried delete: the attempt that may have reached the server did the work.
            return nothing();
        }
        Err(error_from_body(status, &body, request_id))
    }
}

/// The error body of an operation as the generated client decoded it: the API's JSON error,
/// or nothing for operations whose spec lists no error (health).
pub(crate) trait ErrorParts {
    /// `(title, details)`, when the body is the API's error.
    fn into_parts(self) -> Option<(String, Option<String>)>;
}

impl ErrorParts for types::ErrorBody {
    fn into_parts(self) -> Option<(String, Option<String>)> {
        Some((self.title, self.details))
    }
}

impl ErrorParts for () {
    fn into_parts(self) -> Option<(String, Option<String>)> {
        None
    }
}

/// A decoded success with the response headers (pagination needs them).
pub(crate) struct Reply<T> {
    pub value: T,
    pub headers: HeaderMap,
}

/// Fails before sending when `operation` needs the API key and none is configured.
pub(crate) fn require_key(client: &Client, operation: &str, user_named: bool) -> Result<(), Error> {
    if operations::find(operation).needs_key(user_named) && !client.inner().has_api_key() {
        return Err(Error::missing_api_key(operation));
    }
    Ok(())
}

/// Runs one generated call and maps whatever happens into [`Error`].
///
/// Not an `async fn`: the generated future (kilobytes) is boxed by [`run`] before the first
/// `.await`, so the facade's futures, and the caller's, hold a pointer instead of moving it.
pub(crate) fn call<T, F>(
    client: &Client,
    operation: &'static str,
    request: F,
) -> impl Future<Output = Result<Reply<T>, Error>> + use<T, F>
where
    T: DeserializeOwned + 'static,
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<types::ErrorBody>>>,
{
    let checked = require_key(client, operation, false);
    let request = run(request);
    async move {
        checked?;
        request.await
    }
}

/// Runs one generated call of either client and maps whatever happens into [`Error`], without
/// [`call`]'s API-key check (for calls whose need depends on the arguments, and the admin API).
///
/// The generated future is moved once, into the heap, when this is called; the future
/// returned holds the box.
pub(crate) fn run<T, E, F>(
    request: F,
) -> impl Future<Output = Result<Reply<T>, Error>> + use<T, E, F>
where
    T: DeserializeOwned + 'static,
    E: ErrorParts,
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
{
    let request = Box::pin(request);
    settle(request)
}

/// [`run`] once the generated future is boxed: awaits it inside the hook's task-local and maps
/// the outcome.
async fn settle<T, E, F>(request: F) -> Result<Reply<T>, Error>
where
    T: DeserializeOwned + 'static,
    E: ErrorParts,
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
{
    let seen = Arc::new(Mutex::new(Seen::default()));
    let result = SEEN.scope(Arc::clone(&seen), request).await;
    let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(PoisonError::into_inner));
    #[cfg(target_arch = "wasm32")]
    let mut seen = seen;
    #[cfg(target_arch = "wasm32")]
    if let Some(reply) = seen.reply.take() {
        drop(result);
        return wasm::settle(reply, seen.retried_after_delivery);
    }
    let Seen {
        status,
        request_id,
        retried_after_delivery,
        ..
    } = seen;
    match result {
        Ok(value) => {
            let headers = paging_headers(value.headers());
            Ok(Reply {
                value: value.into_inner(),
                headers,
            })
        }
        Err(progenitor_client::Error::ErrorResponse(value)) => {
            let status = value.status();
            let body = value.into_inner();
            if status == StatusCode::NOT_FOUND && retried_after_delivery && returns_nothing::<T>() {
                // A retried delete: the attempt that may have reached the server did the work.
                return nothing();
            }
            match body.into_parts() {
                Some((title, details)) => Err(Error::api(status, title, details, request_id)),
                None => Err(Error::unexpected(status, b"", request_id)),
            }
        }
        Err(progenitor_client::Error::UnexpectedResponse(response)) => {
            // Boxed: reading an error body is the rare path, and its state would otherwise
            // enlarge every call's future.
            Box::pin(unexpected(response, request_id)).await
        }
        Err(progenitor_client::Error::InvalidResponsePayload(bytes, source)) => {
            // progenitor drops the status here; the hook kept it.
            match status {
                Some(status) if !status.is_success() => {
                    Err(error_from_body(status, &bytes, request_id))
                }
                // A call that returns nothing ignores the body of a success.
                _ if returns_nothing::<T>() => nothing(),
                _ => Err(Error::decode(status, &bytes, request_id, source)),
            }
        }
        Err(progenitor_client::Error::CommunicationError(e)) => Err(Error::transport(e)),
        Err(progenitor_client::Error::ResponseBodyError(e)) => {
            Err(body_failure(e, status, request_id))
        }
        Err(progenitor_client::Error::InvalidUpgrade(e)) => Err(Error::transport(e)),
        Err(progenitor_client::Error::InvalidRequest(message)) => {
            Err(Error::invalid_input(message))
        }
        Err(progenitor_client::Error::Custom(message)) => Err(Error::invalid_input(message)),
    }
}

/// A body that could not be read: over a limit, or the connection failed or timed out
/// after the headers arrived. The status and request id of those headers are kept.
fn body_failure(
    e: reqwest::Error,
    status: Option<StatusCode>,
    request_id: Option<String>,
) -> Error {
    let error = match exchange::body_error(&e) {
        Some(BodyError::TooLarge { limit }) => Error::too_large(*limit),
        _ => Error::transport(e),
    };
    error.with_response(status, request_id)
}

/// The value of a call that returns nothing (`T` is `()`, which `null` decodes into).
fn nothing<T: DeserializeOwned>() -> Result<Reply<T>, Error> {
    serde_json::from_slice(b"null")
        .map(|value| Reply {
            value,
            headers: HeaderMap::new(),
        })
        .map_err(|e| Error::decode(None, b"", None, e))
}

/// A status the spec does not list. A 2xx is still a success (204 where 200 is documented);
/// a redirect is refused; anything else is an error that keeps its status and body.
async fn unexpected<T: DeserializeOwned + 'static>(
    response: reqwest::Response,
    request_id: Option<String>,
) -> Result<Reply<T>, Error> {
    let status = response.status();
    let headers = response.headers().clone();
    let request_id = request_id.or_else(|| exchange::request_id(&headers).map(str::to_owned));
    if status.is_redirection() {
        let host = headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| response.url().join(l).ok())
            .and_then(|u| u.host_str().map(str::to_owned));
        return Err(Error::redirect(status, host, request_id));
    }
    let body = match response.bytes().await {
        Ok(body) => body,
        Err(e) => return Err(body_failure(e, Some(status), request_id)),
    };
    if status.is_success() {
        // A call that returns nothing ignores whatever body came with the success; for the
        // others an empty body stands for "no content" and fails to decode as a value.
        let text: &[u8] = if returns_nothing::<T>() || body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &body
        };
        return match serde_json::from_slice(text) {
            Ok(value) => Ok(Reply {
                value,
                headers: paging_headers(&headers),
            }),
            Err(e) => Err(Error::decode(Some(status), &body, request_id, e)),
        };
    }
    Err(error_from_body(status, &body, request_id))
}

/// The headers pagination reads; other calls get an empty (unallocated) map.
fn paging_headers(all: &HeaderMap) -> HeaderMap {
    let mut kept = HeaderMap::new();
    for name in [reqwest::header::LINK, TOTAL_COUNT] {
        for value in all.get_all(&name) {
            kept.append(name.clone(), value.clone());
        }
    }
    kept
}

fn returns_nothing<T: 'static>() -> bool {
    std::any::TypeId::of::<T>() == std::any::TypeId::of::<()>()
}

/// The API's JSON error when the body is one, otherwise an unexpected-response error.
fn error_from_body(status: StatusCode, body: &Bytes, request_id: Option<String>) -> Error {
    match serde_json::from_slice::<types::ErrorBody>(body) {
        Ok(e) => Error::api(status, e.title, e.details, request_id),
        Err(_) => match crate::error_body::salvage(body) {
            // An error body cut at ERROR_BODY_LIMIT (a huge title): keep what was read.
            Some((title, details)) => Error::api(status, title, details, request_id),
            None => Error::unexpected(status, body, request_id),
        },
    }
}
