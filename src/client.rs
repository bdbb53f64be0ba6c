//! The request hook: the one place that decides how a call goes out and what comes back,
//! for the facade and for the generated clients ([`Tenant::raw`](crate::Tenant::raw),
//! [`Admin::raw`](crate::Admin::raw)) alike. From the operation's entry in the table
//! ([`operations`]) it sets the API key (or refuses to send when a needed key is missing),
//! and [`exchange::send`] opens the span, applies the retries and the limits and records what
//! happened ([`Record`]). The facade's calls ([`Call`]) decode that record into the SDK's
//! types and [`Error`] here; the generated methods get a `reqwest::Response` to decode.

use std::future::IntoFuture;
use std::marker::PhantomData;

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LOCATION};
use serde::de::DeserializeOwned;

use crate::Error;
use crate::exchange::{self, BodyError, Buffered, Record, Settings};
use crate::generated::{Client, types};
use crate::operations::Operation;
use crate::platform::{BoxFutureIn, MaybeSend};

/// A call's URL: what the generated `format!` wrote, in a string sized once (a base URL, ids
/// and a route rarely pass 160 bytes; longer ones grow as usual).
pub(crate) fn url(args: std::fmt::Arguments<'_>) -> String {
    use std::fmt::Write as _;
    let mut url = String::with_capacity(160);
    // Writing into a `String` cannot fail.
    let _ = url.write_fmt(args);
    url
}

/// Header that carries the API key (the server reads exactly this name, case-insensitively).
const API_KEY_HEADER: HeaderName = HeaderName::from_static("apikey");

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

/// What the hook needs of a generated client: implemented by the public and the admin one.
pub(crate) trait Api: Sync {
    /// The entry of an operation id of this client; `None` only for ids no generated method
    /// has (the hooks called by hand).
    fn operation(id: &str) -> Option<&'static Operation>;

    /// The HTTP client.
    fn http(&self) -> &reqwest::Client;

    /// How calls may use the wire.
    fn settings(&self) -> &Settings;

    /// Adds what `op` needs to `request` (the API key, custom headers), or refuses to send it.
    fn authorize(&self, request: &mut reqwest::Request, op: &Operation) -> Result<(), Error>;
}

impl Api for Client {
    fn operation(id: &str) -> Option<&'static Operation> {
        crate::generated::operation(id)
    }

    fn http(&self) -> &reqwest::Client {
        self.client()
    }

    fn settings(&self) -> &Settings {
        &self.inner().settings
    }

    /// The key goes out exactly where the operation needs it (contract §2): a missing one is
    /// refused before anything is sent; a discoverable login never carries it.
    fn authorize(&self, request: &mut reqwest::Request, op: &Operation) -> Result<(), Error> {
        if op.sends_key(request.body().and_then(reqwest::Body::as_bytes)) {
            let key = self
                .inner()
                .api_key
                .as_ref()
                .ok_or_else(|| Error::missing_api_key(op.id))?;
            request.headers_mut().insert(API_KEY_HEADER, key.clone());
        }
        Ok(())
    }
}

/// The generated methods' hook (`Tenant::raw()`): [`pre`] and [`exec`].
impl ClientHooks<Hooks> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        pre(self, request, info)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        exec(self, request, info).await
    }
}

/// Before a generated method sends: the key (or the refusal), from the operation's entry.
// The error type is progenitor's, as its hook returns it.
#[allow(clippy::result_large_err)]
pub(crate) fn pre<C: Api, E>(
    client: &C,
    request: &mut reqwest::Request,
    info: &OperationInfo,
) -> Result<(), progenitor_client::Error<E>> {
    let op = C::operation(info.operation_id).ok_or_else(|| {
        progenitor_client::Error::Custom(format!(
            "the SDK has no entry for operation {:?}",
            info.operation_id
        ))
    })?;
    client
        .authorize(request, op)
        .map_err(|e| progenitor_client::Error::Custom(e.to_string()))
}

/// A generated method's exchange: the same as the facade's, with the response rebuilt for
/// progenitor to decode.
pub(crate) async fn exec<C: Api>(
    client: &C,
    request: reqwest::Request,
    info: &OperationInfo,
) -> reqwest::Result<reqwest::Response> {
    // On wasm a generated method is refused before anything is sent: it needs a
    // `reqwest::Response`, which only reqwest's own `fetch` can make, and that one follows
    // redirects with every header, the API key included. The facade covers every operation
    // (see the wasm guide).
    #[cfg(target_arch = "wasm32")]
    return {
        let _ = (client, request, info);
        Err(wasm_raw_refused())
    };
    // Only hooks called by hand can name an operation without an entry (`pre` refuses
    // them): such a request is sent as it is, once.
    #[cfg(not(target_arch = "wasm32"))]
    let op = C::operation(info.operation_id).unwrap_or(&crate::operations::UNLISTED);
    // Boxed: the exchange's state machine is large, and every layer of the generated call
    // would otherwise move it around.
    #[cfg(not(target_arch = "wasm32"))]
    let record = Box::pin(exchange::send(
        client.http(),
        request,
        op,
        client.settings(),
    ))
    .await;
    #[cfg(not(target_arch = "wasm32"))]
    record.result.map(exchange::into_response)
}

/// What a generated method (`Tenant::raw()`, `Admin::raw()`) gets on wasm, unsent: reqwest's
/// errors cannot be made from outside, and a request to no URL at all is one.
#[cfg(target_arch = "wasm32")]
fn wasm_raw_refused() -> reqwest::Error {
    let mut url = "hanko-passkeys on wasm32: decode through the facade";
    loop {
        match reqwest::Client::new().get(url).build() {
            Err(e) => return e,
            // A relative URL never parses; this is not reached.
            Ok(_) => url = "",
        }
    }
}

/// A transport failure as the SDK's [`Error`].
fn wire_error(e: exchange::WireError) -> Error {
    #[cfg(not(target_arch = "wasm32"))]
    return Error::transport(e);
    #[cfg(target_arch = "wasm32")]
    return {
        use crate::ErrorKind;
        use crate::fetch::FetchError;
        match e {
            FetchError::Timeout => Error::new(ErrorKind::Timeout, "the call timed out"),
            FetchError::OpaqueRedirect => Error::new(
                ErrorKind::Redirect,
                "the server redirected (the browser hides where to); redirects are not followed, so the API key stays put: check the base URL",
            ),
            e => Error::new(ErrorKind::Transport, e.to_string()),
        }
    };
}

/// One call of the facade: the request a generated `<operation>_call` method built, and the
/// operation's entry. Await it for the decoded answer.
#[must_use = "await it to send the request"]
pub(crate) struct Call<'a, C, T> {
    client: &'a C,
    request: Result<reqwest::Request, Error>,
    op: &'static Operation,
    answer: PhantomData<fn() -> T>,
}

impl<'a, C, T> Call<'a, C, T> {
    /// The call of `op` with `request`, or the reason it could not be built.
    pub(crate) fn new<E>(
        client: &'a C,
        request: Result<reqwest::Request, progenitor_client::Error<E>>,
        op: &'static Operation,
    ) -> Self {
        Call {
            client,
            request: request.map_err(unbuilt),
            op,
            answer: PhantomData,
        }
    }
}

impl<'a, C, T> IntoFuture for Call<'a, C, T>
where
    C: Api,
    T: DeserializeOwned + MaybeSend + 'static,
{
    type Output = Result<Reply<T>, Error>;
    /// Boxed once, here: the exchange's state machine is kilobytes, and the facade's futures
    /// (and the caller's) hold a pointer instead of moving it.
    type IntoFuture = BoxFutureIn<'a, Result<Reply<T>, Error>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(execute(self.client, self.request, self.op))
    }
}

/// The facade's exchange: the key, then the wire, then the answer decoded.
async fn execute<C: Api, T: DeserializeOwned + 'static>(
    client: &C,
    request: Result<reqwest::Request, Error>,
    op: &'static Operation,
) -> Result<Reply<T>, Error> {
    let mut request = request?;
    client.authorize(&mut request, op)?;
    let record = exchange::send(client.http(), request, op, client.settings()).await;
    settle(record)
}

/// A request the generated code could not build (an argument reqwest refused).
fn unbuilt<E>(e: progenitor_client::Error<E>) -> Error {
    match e {
        progenitor_client::Error::CommunicationError(e) => Error::transport(e),
        progenitor_client::Error::InvalidRequest(message)
        | progenitor_client::Error::Custom(message) => Error::invalid_input(message),
        _ => Error::invalid_input("the request could not be built"),
    }
}

/// A decoded success with the response headers (pagination reads them).
pub(crate) struct Reply<T> {
    pub value: T,
    pub headers: HeaderMap,
}

/// Maps what happened on the wire into the call's answer. A 2xx is a success whatever the
/// spec lists (204 where 200 is documented); a redirect is refused; any other status is an
/// error that keeps its status, request id and body.
fn settle<T: DeserializeOwned + 'static>(record: Record) -> Result<Reply<T>, Error> {
    let Record {
        result,
        retried_after_delivery,
        ..
    } = record;
    let Buffered {
        status,
        headers,
        url,
        body,
        ..
    } = result.map_err(wire_error)?;
    let request_id = || exchange::request_id(&headers).map(str::to_owned);
    if status.is_redirection() {
        let host = headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| url.join(l).ok())
            .and_then(|u| u.host_str().map(str::to_owned));
        return Err(Error::redirect(status, host, request_id()));
    }
    let body = match body {
        Ok(body) => body,
        Err(e) => return Err(body_failure(e, status, request_id())),
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
            Ok(value) => Ok(Reply { value, headers }),
            Err(e) => Err(Error::decode(Some(status), &body, request_id(), e)),
        };
    }
    if status == StatusCode::NOT_FOUND && retried_after_delivery && returns_nothing::<T>() {
        // A retried delete: the attempt that may have reached the server did the work.
        return nothing();
    }
    Err(error_from_body(status, &body, request_id()))
}

/// A body that could not be read: over a limit, or the connection failed or timed out
/// after the headers arrived. The status and request id of those headers are kept.
fn body_failure(e: BodyError, status: StatusCode, request_id: Option<String>) -> Error {
    let error = match e {
        BodyError::TooLarge { limit } => Error::too_large(limit),
        BodyError::Read(e) => wire_error(e),
    };
    error.with_response(Some(status), request_id)
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
