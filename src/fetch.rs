//! One attempt on the wire on `wasm32`: the platform's `fetch`, called directly.
//!
//! reqwest's `fetch` client follows redirects (with every header, the API key included), has
//! no way to turn that off, and reads a body only whole. So the SDK calls `fetch` itself:
//! `redirect: "manual"` (a redirect comes back as the 3xx, or in browsers as an opaque
//! redirect, and is never followed), an `AbortController` for the deadline and for giving up
//! on a body, and the body read chunk by chunk from its stream under the limit.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures_util::future::{Either, select};
use js_sys::{Function, Reflect, Uint8Array};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{StatusCode, Url};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, ReadableStreamDefaultReader, RequestInit, RequestRedirect};

/// Why an attempt produced no response.
#[derive(Debug, Clone)]
pub(crate) enum FetchError {
    /// The request could not be made into a `fetch` call (a header that is not text, ...).
    /// Nothing was sent.
    Build(String),
    /// `fetch` rejected: DNS, connection, TLS, CORS or a reset; whether the server saw the
    /// request cannot be told.
    Network(String),
    /// The deadline passed before the response (or its body) was complete.
    Timeout,
    /// A browser's opaque redirect (`redirect: "manual"` there hides status and `Location`).
    OpaqueRedirect,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Build(m) => write!(f, "the request cannot be sent with fetch: {m}"),
            FetchError::Network(m) => write!(f, "fetch failed: {m}"),
            FetchError::Timeout => f.write_str("timed out"),
            FetchError::OpaqueRedirect => f.write_str("the server answered with a redirect"),
        }
    }
}

impl std::error::Error for FetchError {}

/// How the body of a response is read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum BodyLimit {
    /// All of it, refused as soon as it is known to be longer.
    Whole(usize),
    /// At most this much; the rest is never downloaded.
    Prefix(usize),
}

/// Why a body could not be had, once the status and headers had arrived.
#[derive(Debug, Clone)]
pub(crate) enum FetchBodyError {
    TooLarge { limit: usize },
    Timeout,
    Read(String),
}

/// A response whose body was read (or failed to be) under its limit.
pub(crate) struct Fetched {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub url: Url,
    pub body: Result<Bytes, FetchBodyError>,
}

/// Aborts the request (and with it a body still arriving) when dropped.
struct AbortOnDrop(AbortController);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sends `request` with `fetch` and reads its body, all within `timeout`. `body_limit`
/// chooses the limit from the status.
pub(crate) async fn fetch(
    request: &reqwest::Request,
    timeout: Duration,
    body_limit: impl FnOnce(StatusCode) -> BodyLimit,
) -> Result<Fetched, FetchError> {
    let controller = AbortController::new().map_err(|e| FetchError::Build(js_message(&e)))?;
    let abort = AbortOnDrop(controller);
    let js_request = js_request(request, &abort.0)?;
    let exchange = async {
        let response = send(&js_request).await?;
        let status = response.status();
        if response.type_() == web_sys::ResponseType::Opaqueredirect {
            return Err(FetchError::OpaqueRedirect);
        }
        let status = StatusCode::from_u16(status)
            .map_err(|_| FetchError::Network(format!("status {status} is not an HTTP status")))?;
        let headers = headers(&response.headers());
        let url = Url::parse(&response.url()).unwrap_or_else(|_| request.url().clone());
        let body = read_body(&response, body_limit(status)).await;
        Ok(Fetched {
            status,
            headers,
            url,
            body,
        })
    };
    let deadline = crate::platform::sleep(timeout);
    match select(std::pin::pin!(exchange), std::pin::pin!(deadline)).await {
        Either::Left((outcome, _)) => outcome,
        // Dropping `exchange` here and `abort` on return cancels the request.
        Either::Right(((), _)) => Err(FetchError::Timeout),
    }
    .map(|mut fetched| {
        // A body cut short by the deadline reads as a timeout, not a broken stream.
        if matches!(&fetched.body, Err(FetchBodyError::Read(_))) && abort.0.signal().aborted() {
            fetched.body = Err(FetchBodyError::Timeout);
        }
        fetched
    })
}

/// The `fetch` Request for `request`: method, URL, headers, body, `redirect: "manual"`, and
/// the abort signal.
fn js_request(
    request: &reqwest::Request,
    controller: &AbortController,
) -> Result<web_sys::Request, FetchError> {
    let init = RequestInit::new();
    init.set_method(request.method().as_str());
    init.set_redirect(RequestRedirect::Manual);
    init.set_signal(Some(&controller.signal()));
    let headers = web_sys::Headers::new().map_err(|e| FetchError::Build(js_message(&e)))?;
    for (name, value) in request.headers() {
        let value = value
            .to_str()
            .map_err(|_| FetchError::Build(format!("the value of header {name} is not text")))?;
        headers
            .append(name.as_str(), value)
            .map_err(|e| FetchError::Build(js_message(&e)))?;
    }
    init.set_headers(&headers);
    if let Some(body) = request.body() {
        let bytes = body
            .as_bytes()
            .ok_or_else(|| FetchError::Build("a streamed request body".into()))?;
        if !bytes.is_empty() {
            init.set_body(&Uint8Array::from(bytes));
        }
    }
    web_sys::Request::new_with_str_and_init(request.url().as_str(), &init)
        .map_err(|e| FetchError::Build(js_message(&e)))
}

/// Calls the global `fetch` (a `Window`'s, a worker's, node's or Deno's alike).
async fn send(request: &web_sys::Request) -> Result<web_sys::Response, FetchError> {
    let global = js_sys::global();
    let fetch = Reflect::get(&global, &"fetch".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| FetchError::Build("this JavaScript environment has no fetch".into()))?;
    let promise = fetch
        .call1(&global, request)
        .map_err(|e| FetchError::Network(js_message(&e)))?;
    let promise: js_sys::Promise = promise
        .dyn_into()
        .map_err(|_| FetchError::Network("fetch did not return a promise".into()))?;
    let response = JsFuture::from(promise)
        .await
        .map_err(|e| FetchError::Network(js_message(&e)))?;
    response
        .dyn_into()
        .map_err(|_| FetchError::Network("fetch did not resolve to a Response".into()))
}

/// The response's headers; a name or value that is not valid HTTP is left out.
fn headers(js: &web_sys::Headers) -> HeaderMap {
    let mut map = HeaderMap::new();
    let Ok(Some(entries)) = js_sys::try_iter(js) else {
        return map;
    };
    for entry in entries.flatten() {
        let pair = js_sys::Array::from(&entry);
        let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) else {
            continue;
        };
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            map.append(name, value);
        }
    }
    map
}

/// Reads the body from its stream under `limit`, stopping (and so cancelling the download)
/// as soon as the limit decides.
async fn read_body(
    response: &web_sys::Response,
    limit: BodyLimit,
) -> Result<Bytes, FetchBodyError> {
    if let BodyLimit::Whole(limit) = limit {
        let declared = response
            .headers()
            .get("content-length")
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(FetchBodyError::TooLarge { limit });
        }
    }
    let Some(stream) = response.body() else {
        return Ok(Bytes::new());
    };
    let reader: ReadableStreamDefaultReader = stream
        .get_reader()
        .dyn_into()
        .map_err(|_| FetchBodyError::Read("the body stream has no default reader".into()))?;
    let mut body = BytesMut::new();
    let result = loop {
        let chunk = match JsFuture::from(reader.read()).await {
            Ok(chunk) => chunk,
            Err(e) => break Err(e),
        };
        let done = Reflect::get(&chunk, &"done".into())
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            break Ok(());
        }
        let Ok(value) = Reflect::get(&chunk, &"value".into()) else {
            continue;
        };
        let Some(bytes) = value.dyn_ref::<Uint8Array>() else {
            continue;
        };
        let len = bytes.length() as usize;
        match limit {
            BodyLimit::Whole(limit) if body.len() + len > limit => {
                let _ = reader.cancel();
                return Err(FetchBodyError::TooLarge { limit });
            }
            BodyLimit::Prefix(limit) if body.len() + len >= limit => {
                let take = limit - body.len();
                body.extend_from_slice(&bytes.to_vec()[..take]);
                let _ = reader.cancel();
                break Ok(());
            }
            _ => body.extend_from_slice(&bytes.to_vec()),
        }
    };
    match result {
        Ok(()) => Ok(body.freeze()),
        // A prefix keeps what arrived before a failure.
        Err(_) if matches!(limit, BodyLimit::Prefix(_)) && !body.is_empty() => Ok(body.freeze()),
        Err(e) => Err(FetchBodyError::Read(js_message(&e))),
    }
}

/// A JavaScript error's `message`, or its string form.
fn js_message(value: &JsValue) -> String {
    Reflect::get(value, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| value.as_string())
        .unwrap_or_else(|| "a JavaScript error".to_owned())
}
