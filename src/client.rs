//! The link between the facade and the generated client: the request hook that adds the API
//! key, and the mapping of every outcome into [`Error`].

use std::future::Future;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo, ResponseValue};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde::de::DeserializeOwned;

use crate::Error;
use crate::error::BODY_EXCERPT_LIMIT;
use crate::generated::{Client, types};

/// Header that carries the API key (the server reads exactly this name, case-insensitively).
const API_KEY_HEADER: HeaderName = HeaderName::from_static("apikey");
const REQUEST_ID_HEADER: &str = "x-request-id";

/// State the generated client carries for its hooks.
#[derive(Clone)]
pub struct Hooks {
    api_key: Option<HeaderValue>,
}

impl Hooks {
    pub(crate) fn new(api_key: Option<HeaderValue>) -> Self {
        Hooks { api_key }
    }

    pub(crate) fn has_api_key(&self) -> bool {
        self.api_key.is_some()
    }
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// What one facade call asks of the hook, and what the hook saw of the response.
#[derive(Default)]
struct CallState {
    send_api_key: bool,
    response: Mutex<Option<(StatusCode, Option<String>)>>,
}

tokio::task_local! {
    static CALL: Arc<CallState>;
}

impl ClientHooks<Hooks> for Client {
    async fn exec(
        &self,
        mut request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let state = CALL.try_with(Arc::clone).ok();
        if let (Some(state), Some(key)) = (&state, &self.inner().api_key)
            && state.send_api_key
        {
            request.headers_mut().insert(API_KEY_HEADER, key.clone());
        }
        let result = self.client().execute(request).await;
        if let (Some(state), Ok(response)) = (&state, &result) {
            let request_id = request_id(response.headers());
            *state.response.lock().unwrap_or_else(|p| p.into_inner()) =
                Some((response.status(), request_id));
        }
        result
    }
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Whether a call sends the API key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Auth {
    /// A public call: the key is never sent.
    None,
    /// The key is required; without one the call fails before sending anything.
    Required,
}

/// A decoded success with the response headers (pagination needs them).
pub(crate) struct Reply<T> {
    pub value: T,
    pub headers: HeaderMap,
}

/// Runs one generated call under the facade's rules and maps whatever happens into [`Error`].
pub(crate) async fn call<T, F>(
    client: &Client,
    operation: &'static str,
    auth: Auth,
    request: F,
) -> Result<Reply<T>, Error>
where
    T: DeserializeOwned + 'static,
    F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<types::Error>>>,
{
    if auth == Auth::Required && !client.inner().has_api_key() {
        return Err(Error::missing_api_key(operation));
    }
    let state = Arc::new(CallState {
        send_api_key: auth == Auth::Required,
        ..Default::default()
    });
    let result = CALL.scope(Arc::clone(&state), request).await;
    let seen = state
        .response
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    let (status, request_id) = match seen {
        Some((status, id)) => (Some(status), id),
        None => (None, None),
    };
    match result {
        Ok(value) => {
            let headers = value.headers().clone();
            Ok(Reply {
                value: value.into_inner(),
                headers,
            })
        }
        Err(progenitor_client::Error::ErrorResponse(value)) => {
            let status = value.status();
            let request_id = request_id.or_else(|| self::request_id(value.headers()));
            let body = value.into_inner();
            Err(Error::api(status, body.title, body.details, request_id))
        }
        Err(progenitor_client::Error::UnexpectedResponse(response)) => {
            unexpected(response, request_id).await
        }
        Err(progenitor_client::Error::InvalidResponsePayload(bytes, source)) => {
            // progenitor drops the status here; the hook kept it.
            match status {
                Some(status) if !status.is_success() => {
                    Err(error_from_body(status, &bytes, request_id))
                }
                // A call that returns nothing ignores the body of a success.
                _ if returns_nothing::<T>() => Ok(Reply {
                    value: serde_json::from_slice(b"null")
                        .map_err(|e| Error::decode(status, &bytes, None, e))?,
                    headers: HeaderMap::new(),
                }),
                _ => Err(Error::decode(status, &bytes, request_id, source)),
            }
        }
        Err(progenitor_client::Error::CommunicationError(e)) => Err(Error::transport(e)),
        Err(progenitor_client::Error::ResponseBodyError(e)) => {
            let mut error = Error::transport(e);
            if let Some(status) = status {
                error = error.with_status(status);
            }
            Err(error)
        }
        Err(progenitor_client::Error::InvalidUpgrade(e)) => Err(Error::transport(e)),
        Err(progenitor_client::Error::InvalidRequest(message)) => {
            Err(Error::invalid_input(message))
        }
        Err(progenitor_client::Error::Custom(message)) => Err(Error::invalid_input(message)),
    }
}

/// A status the spec does not list. A 2xx is still a success (204 where 200 is documented);
/// anything else is an error that keeps its status and body.
async fn unexpected<T: DeserializeOwned + 'static>(
    response: reqwest::Response,
    request_id: Option<String>,
) -> Result<Reply<T>, Error> {
    let status = response.status();
    let headers = response.headers().clone();
    let request_id = request_id.or_else(|| self::request_id(&headers));
    if status.is_success() {
        let body = response.bytes().await.map_err(Error::transport)?;
        // A call that returns nothing ignores whatever body came with the success; for the
        // others an empty body stands for "no content" and fails to decode as a value.
        let text: &[u8] = if returns_nothing::<T>() || body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &body
        };
        return match serde_json::from_slice(text) {
            Ok(value) => Ok(Reply { value, headers }),
            Err(e) => Err(Error::decode(Some(status), &body, request_id, e)),
        };
    }
    let body = read_bounded(response).await;
    Err(error_from_body(status, &body, request_id))
}

fn returns_nothing<T: 'static>() -> bool {
    std::any::TypeId::of::<T>() == std::any::TypeId::of::<()>()
}

/// The API's JSON error when the body is one, otherwise an unexpected-response error.
fn error_from_body(status: StatusCode, body: &[u8], request_id: Option<String>) -> Error {
    match serde_json::from_slice::<types::Error>(body) {
        Ok(e) => Error::api(status, e.title, e.details, request_id),
        Err(_) => Error::unexpected(status, body, request_id),
    }
}

/// Reads at most a little more than the excerpt limit: an error page can be large.
async fn read_bounded(mut response: reqwest::Response) -> Bytes {
    let mut body = Vec::new();
    while body.len() <= BODY_EXCERPT_LIMIT {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) | Err(_) => break,
        }
    }
    Bytes::from(body)
}
