//! The SDK's one error type.

use std::fmt;

use reqwest::StatusCode;

use crate::token::TokenError;

/// Longest excerpt of an unexpected response body that an [`Error`] keeps.
pub const BODY_EXCERPT_LIMIT: usize = 2048;

/// Longest `title` and `details` an [`Error`] keeps, in bytes (cut on a character boundary,
/// with `…` appended). The API's own texts are far shorter.
pub const ERROR_TEXT_LIMIT: usize = 1024;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The API answered with its JSON error body (`title`, `details`, `status`).
    Api,
    /// The server, or a proxy in front of it, answered with an error status and a body that is
    /// not the API's error JSON (an HTML 502, an empty 401). The status and a body excerpt are
    /// kept. Also a list stream that was stopped after
    /// [`MAX_STREAM_PAGES`](crate::MAX_STREAM_PAGES) pages.
    UnexpectedResponse,
    /// A success response whose body could not be decoded.
    Decode,
    /// The request could not be sent or the response not received (DNS, connect, TLS, reset).
    Transport,
    /// The request timed out.
    Timeout,
    /// The SDK was configured wrongly (bad tenant id, base URL, API key, ...).
    Config,
    /// The call needs the tenant's API key and none was configured. No request was sent.
    MissingApiKey,
    /// An argument of the call was invalid. No request was sent.
    InvalidInput,
    /// The server answered with a redirect. The SDK never follows one: the API key would go
    /// to another host. [`Error::redirect_host`] names where it pointed.
    Redirect,
    /// A response body exceeded its limit ([`Config::max_response_bytes`](crate::Config::max_response_bytes)
    /// for successes, [`ERROR_BODY_LIMIT`](crate::ERROR_BODY_LIMIT) for errors). Reading
    /// stopped there; the status and request id are kept.
    ResponseTooLarge,
    /// A token failed local verification; [`Error::token_error`] (and `source()`) has the
    /// [`TokenError`].
    Token,
}

/// Everything that can go wrong in a call.
///
/// It keeps what the server said — HTTP status, error `title` and `details`, and the
/// `X-Request-Id` to quote to support — whatever the shape of the body, and never contains the
/// API key.
///
/// This is the error to handle. The other types with "error" in their name are narrower:
/// [`TokenError`] says why local token verification failed (an `Error` of kind
/// [`ErrorKind::Token`] carries one); and only code that calls the
/// [generated client](crate::generated) itself meets progenitor's
/// [`generated::Error`](crate::generated::Error), the API's error body
/// [`ErrorBody`](crate::generated::types::ErrorBody) inside it, and the generated types'
/// [`ConversionError`](crate::generated::types::error::ConversionError).
///
/// ```
/// # async fn demo(tenant: hanko_passkeys::Tenant) {
/// match tenant.credential("AQID").get().await {
///     Ok(credential) => println!("{}", credential.id),
///     Err(e) if e.is_not_found() => println!("no such credential"),
///     // One line: "API error 401: The api key is invalid (…); request id 4f2a…"
///     Err(e) => eprintln!("{e}"),
/// }
/// # }
/// ```
pub struct Error {
    repr: Box<Repr>,
}

struct Repr {
    kind: ErrorKind,
    message: String,
    status: Option<StatusCode>,
    title: Option<String>,
    details: Option<String>,
    request_id: Option<String>,
    body: Option<String>,
    redirect_host: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            repr: Box::new(Repr {
                kind,
                message: message.into(),
                status: None,
                title: None,
                details: None,
                request_id: None,
                body: None,
                redirect_host: None,
                source: None,
            }),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    pub(crate) fn missing_api_key(operation: &str) -> Self {
        Self::new(
            ErrorKind::MissingApiKey,
            format!("{operation} needs the tenant's API key, and none is configured"),
        )
    }

    pub(crate) fn api(
        status: StatusCode,
        title: String,
        details: Option<String>,
        request_id: Option<String>,
    ) -> Self {
        let mut e = Self::new(ErrorKind::Api, String::new());
        e.repr.status = Some(status);
        e.repr.title = Some(clip(title));
        e.repr.details = details.map(clip);
        e.repr.request_id = request_id;
        e
    }

    pub(crate) fn redirect(
        status: StatusCode,
        host: Option<String>,
        request_id: Option<String>,
    ) -> Self {
        let to = host.as_deref().unwrap_or("an unreadable location");
        let mut e = Self::new(
            ErrorKind::Redirect,
            format!(
                "the server redirected ({status}) to {to}; redirects are not followed, so the API key stays put: check the base URL"
            ),
        );
        e.repr.status = Some(status);
        e.repr.redirect_host = host;
        e.repr.request_id = request_id;
        e
    }

    pub(crate) fn too_large(limit: usize) -> Self {
        Self::new(
            ErrorKind::ResponseTooLarge,
            format!("the response body is larger than the limit of {limit} bytes"),
        )
    }

    /// Adds the status and request id of the response a failure happened in.
    pub(crate) fn with_response(
        mut self,
        status: Option<StatusCode>,
        request_id: Option<String>,
    ) -> Self {
        self.repr.status = self.repr.status.or(status);
        self.repr.request_id = self.repr.request_id.take().or(request_id);
        self
    }

    pub(crate) fn unexpected(status: StatusCode, body: &[u8], request_id: Option<String>) -> Self {
        let mut e = Self::new(ErrorKind::UnexpectedResponse, String::new());
        e.repr.status = Some(status);
        e.repr.body = Some(excerpt(body));
        e.repr.request_id = request_id;
        e
    }

    pub(crate) fn decode(
        status: Option<StatusCode>,
        body: &[u8],
        request_id: Option<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        let mut e = Self::new(
            ErrorKind::Decode,
            format!("could not decode the response: {source}"),
        );
        e.repr.status = status;
        e.repr.body = Some(excerpt(body));
        e.repr.request_id = request_id;
        e.repr.source = Some(Box::new(source));
        e
    }

    pub(crate) fn transport(source: reqwest::Error) -> Self {
        let kind = if is_timeout(&source) {
            ErrorKind::Timeout
        } else {
            ErrorKind::Transport
        };
        // reqwest's Display names the URL, never headers, so the key cannot leak through it.
        let mut e = Self::new(kind, source.to_string());
        e.repr.status = source.status();
        e.repr.source = Some(Box::new(source));
        e
    }

    /// Starts building an error of `kind`, **for tests of your own code**: an application
    /// that puts the SDK behind a trait can make its fake return exactly the failure it
    /// wants to test. The SDK itself never builds errors this way.
    ///
    /// ```
    /// use hanko_passkeys::{Error, ErrorKind, StatusCode};
    ///
    /// let e = Error::builder(ErrorKind::Api)
    ///     .status(StatusCode::UNAUTHORIZED)
    ///     .title("failed to validate assertion")
    ///     .details("Error validating origin")
    ///     .request_id("req-1")
    ///     .build();
    /// assert!(e.is_credential_refused());
    /// assert_eq!(e.suggested_status(), StatusCode::UNAUTHORIZED);
    /// ```
    pub fn builder(kind: ErrorKind) -> ErrorBuilder {
        ErrorBuilder {
            error: Self::new(kind, format!("{kind:?} (built for a test)")),
        }
    }

    /// What kind of failure this is.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.repr.kind
    }

    /// The HTTP status of the response, when there was one.
    #[must_use]
    pub fn status(&self) -> Option<StatusCode> {
        self.repr.status
    }

    /// The API's error `title`, e.g. `"The api key is invalid"`.
    #[must_use]
    pub fn title(&self) -> Option<&str> {
        self.repr.title.as_deref()
    }

    /// The API's error `details`, when it sent any.
    #[must_use]
    pub fn details(&self) -> Option<&str> {
        self.repr.details.as_deref()
    }

    /// The `X-Request-Id` of the response: quote it when asking for support.
    #[must_use]
    pub fn request_id(&self) -> Option<&str> {
        self.repr.request_id.as_deref()
    }

    /// The start (at most [`BODY_EXCERPT_LIMIT`] bytes) of a response body that was not the
    /// API's error JSON, or of a success body that failed to decode.
    #[must_use]
    pub fn body(&self) -> Option<&str> {
        self.repr.body.as_deref()
    }

    /// Where a redirect pointed (the host only), for [`ErrorKind::Redirect`].
    #[must_use]
    pub fn redirect_host(&self) -> Option<&str> {
        self.repr.redirect_host.as_deref()
    }

    /// The token verification failure, for [`ErrorKind::Token`].
    #[must_use]
    pub fn token_error(&self) -> Option<&TokenError> {
        self.repr
            .source
            .as_deref()
            .and_then(|e| e.downcast_ref::<TokenError>())
    }

    /// The server answered 404 Not Found (an unknown credential, user or tenant).
    #[must_use]
    pub fn is_not_found(&self) -> bool {
        self.repr.status == Some(StatusCode::NOT_FOUND)
    }

    /// The server answered 401 Unauthorized: a wrong API key, or a ceremony that failed.
    #[must_use]
    pub fn is_unauthorized(&self) -> bool {
        self.repr.status == Some(StatusCode::UNAUTHORIZED)
    }

    /// The server answered 400 Bad Request.
    #[must_use]
    pub fn is_bad_request(&self) -> bool {
        self.repr.status == Some(StatusCode::BAD_REQUEST)
    }

    /// The server answered 409 Conflict (a transaction id used before).
    #[must_use]
    pub fn is_conflict(&self) -> bool {
        self.repr.status == Some(StatusCode::CONFLICT)
    }

    /// The request timed out.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        self.repr.kind == ErrorKind::Timeout
    }

    /// Whether trying again later may succeed: transport failures, timeouts, and 429, 502,
    /// 503 and 504, and a JWKS that could not be fetched. The SDK already retried what was
    /// safe to retry ([`RetryPolicy`](crate::RetryPolicy)). Finalize calls consume their
    /// challenge, so a new ceremony is needed after one failed this way.
    pub fn is_retryable(&self) -> bool {
        matches!(self.repr.kind, ErrorKind::Transport | ErrorKind::Timeout)
            || crate::retry::retryable_status_code(self.repr.status)
            || self
                .token_error()
                .is_some_and(TokenError::is_jwks_unavailable)
    }

    /// The API refused the credential the browser sent: an unknown, replayed or expired
    /// challenge, a bad signature, a wrong origin or RP id, a credential of another user, an
    /// unreadable credential. The user should try again; answer 4xx to the browser
    /// (see [`suggested_status`](Self::suggested_status)).
    ///
    /// Titles of the finalize calls, contract §2.9, §2.11 and §2.14.
    #[must_use]
    pub fn is_credential_refused(&self) -> bool {
        const REFUSED: [&str; 9] = [
            "unable to parse credential creation response",
            "received challenge does not match with any stored one",
            "failed to validate attestation",
            "unable to finish login",
            "failed to get session data",
            "failed to get user handle",
            "failed to validate assertion",
            "unable to finish transaction",
            "MFA credentials are not usable for normal login",
        ];
        self.repr.kind == ErrorKind::Api
            && matches!(self.repr.status.map(|s| s.as_u16()), Some(400 | 401 | 422))
            && self
                .title()
                .is_some_and(|t| REFUSED.iter().any(|r| t.starts_with(r)))
    }

    /// The authenticator did not verify the user (no PIN or biometric) where the tenant
    /// requires it: 422 at registration. Ask the user for a passkey with user verification.
    #[must_use]
    pub fn is_user_verification_required(&self) -> bool {
        self.repr.kind == ErrorKind::Api
            && (self.repr.status == Some(StatusCode::UNPROCESSABLE_ENTITY)
                || [self.title(), self.details()]
                    .into_iter()
                    .flatten()
                    .any(|t| t.contains("User verification required")))
    }

    /// The user has no credential that can answer: login for a user or MFA login without
    /// any (500 "…Found no credentials for user"), a transaction for a user without a
    /// passkey (400 "user has no suitable credentials for this operation"). Offer
    /// registration instead.
    #[must_use]
    pub fn is_no_usable_credential(&self) -> bool {
        self.repr.kind == ErrorKind::Api
            && self.title().is_some_and(|t| {
                t.contains("Found no credentials for user")
                    || t == "user has no suitable credentials for this operation"
            })
    }

    /// The ceremony's challenge expired before the browser answered ("Session has Expired"):
    /// start a new ceremony.
    #[must_use]
    pub fn is_challenge_expired(&self) -> bool {
        self.repr.kind == ErrorKind::Api
            && self
                .details()
                .is_some_and(|d| d.contains("Session has Expired"))
    }

    /// The HTTP status an application should answer **its own client** (the browser) with
    /// when a call failed with this error:
    ///
    /// | error | status |
    /// |---|---|
    /// | [`is_challenge_expired`](Self::is_challenge_expired) | 400 (start the ceremony again) |
    /// | [`is_user_verification_required`](Self::is_user_verification_required) | 422 |
    /// | [`is_credential_refused`](Self::is_credential_refused), a rejected token | 401 |
    /// | [`is_no_usable_credential`](Self::is_no_usable_credential), [`is_not_found`](Self::is_not_found) | 404 |
    /// | a reused transaction id ([`is_conflict`](Self::is_conflict)) | 409 |
    /// | another API 400, [`ErrorKind::InvalidInput`] | 400 |
    /// | [`is_timeout`](Self::is_timeout) | 504 |
    /// | other retryable failures, JWKS unavailable | 503 |
    /// | anything else: wrong API key, configuration, a broken or redirecting server | 502 |
    ///
    /// The last row is the application's problem, not the user's: log it with
    /// [`request_id`](Self::request_id).
    #[must_use]
    pub fn suggested_status(&self) -> StatusCode {
        if self.is_challenge_expired() {
            StatusCode::BAD_REQUEST
        } else if self.is_user_verification_required() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else if self.is_credential_refused() {
            StatusCode::UNAUTHORIZED
        } else if self.is_no_usable_credential() {
            StatusCode::NOT_FOUND
        } else if let Some(token) = self.token_error() {
            if token.is_token_rejected() {
                StatusCode::UNAUTHORIZED
            } else if token.is_jwks_unavailable() {
                StatusCode::SERVICE_UNAVAILABLE
            } else {
                StatusCode::BAD_GATEWAY
            }
        } else if self.repr.kind == ErrorKind::InvalidInput {
            StatusCode::BAD_REQUEST
        } else if self.repr.kind == ErrorKind::Api
            && matches!(self.repr.status.map(|s| s.as_u16()), Some(400 | 404 | 409))
        {
            self.repr.status.unwrap_or(StatusCode::BAD_GATEWAY)
        } else if self.is_timeout() {
            StatusCode::GATEWAY_TIMEOUT
        } else if self.is_retryable() {
            StatusCode::SERVICE_UNAVAILABLE
        } else {
            StatusCode::BAD_GATEWAY
        }
    }
}

/// Builds an [`Error`] of any kind, for tests of code that uses the SDK:
/// [`Error::builder`].
#[derive(Debug)]
#[must_use]
pub struct ErrorBuilder {
    error: Error,
}

impl ErrorBuilder {
    /// The HTTP status.
    pub fn status(mut self, status: StatusCode) -> Self {
        self.error.repr.status = Some(status);
        self
    }

    /// The API's error `title`.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.error.repr.title = Some(clip(title.into()));
        self
    }

    /// The API's error `details`.
    pub fn details(mut self, details: impl Into<String>) -> Self {
        self.error.repr.details = Some(clip(details.into()));
        self
    }

    /// The `X-Request-Id`.
    pub fn request_id(mut self, id: impl Into<String>) -> Self {
        self.error.repr.request_id = Some(id.into());
        self
    }

    /// A body excerpt (cut to [`BODY_EXCERPT_LIMIT`]).
    pub fn body(mut self, body: impl AsRef<[u8]>) -> Self {
        self.error.repr.body = Some(excerpt(body.as_ref()));
        self
    }

    /// The message shown by `Display` for kinds without a server answer.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.error.repr.message = message.into();
        self
    }

    /// The error.
    #[must_use]
    pub fn build(self) -> Error {
        self.error
    }
}

impl From<TokenError> for Error {
    /// A token that failed verification, as [`ErrorKind::Token`]: lets
    /// `tenant.login().finalize(&a).await?.verify(&v).await?` use `?` in a function that
    /// returns `Result<_, hanko_passkeys::Error>`.
    fn from(e: TokenError) -> Self {
        let mut error = Error::new(ErrorKind::Token, e.to_string());
        error.repr.source = Some(Box::new(e));
        error
    }
}

fn is_timeout(error: &reqwest::Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        if e.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
        {
            return true;
        }
        current = e.source();
    }
    false
}

/// Cuts a server-supplied text to [`ERROR_TEXT_LIMIT`] bytes on a character boundary.
fn clip(mut text: String) -> String {
    if text.len() > ERROR_TEXT_LIMIT {
        let mut cut = ERROR_TEXT_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(BODY_EXCERPT_LIMIT)];
    // Cut on a character boundary: lossy decoding would otherwise add a replacement char.
    match std::str::from_utf8(cut) {
        Ok(text) => text.to_owned(),
        Err(e) if e.error_len().is_none() => {
            String::from_utf8_lossy(&cut[..e.valid_up_to()]).into_owned()
        }
        Err(_) => String::from_utf8_lossy(cut).into_owned(),
    }
}

impl fmt::Display for Error {
    /// One line: what happened (for API errors the status, title and details), then the
    /// request id when the server sent one (`; request id 4f2a…`). Never the API key, never
    /// user ids.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.repr;
        match r.kind {
            ErrorKind::Api => {
                let status = r.status.map(|s| s.as_u16()).unwrap_or_default();
                write!(
                    f,
                    "API error {status}: {}",
                    r.title.as_deref().unwrap_or("").trim_end()
                )?;
                if let Some(details) = r.details.as_deref().filter(|d| !d.is_empty()) {
                    write!(f, " ({details})")?;
                }
            }
            ErrorKind::UnexpectedResponse if r.status.is_some() => {
                let status = r.status.map(|s| s.to_string()).unwrap_or_default();
                write!(f, "unexpected response {status}")?;
                match r.body.as_deref() {
                    Some("") | None => write!(f, " with an empty body")?,
                    Some(body) => {
                        let line: String = body.chars().take(200).collect();
                        write!(f, ": {}", line.replace(['\r', '\n'], " "))?;
                    }
                }
            }
            ErrorKind::ResponseTooLarge => {
                f.write_str(&r.message)?;
                if let Some(status) = r.status {
                    write!(f, " (status {status})")?;
                }
            }
            _ => f.write_str(&r.message)?,
        }
        match r.request_id.as_deref() {
            Some(id) => write!(f, "; request id {}", id.replace(['\r', '\n'], " ")),
            None => Ok(()),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.repr;
        let mut d = f.debug_struct("Error");
        d.field("kind", &r.kind);
        if let Some(status) = r.status {
            d.field("status", &status.as_u16());
        }
        if let Some(title) = &r.title {
            d.field("title", title);
        }
        if let Some(details) = &r.details {
            d.field("details", details);
        }
        if let Some(id) = &r.request_id {
            d.field("request_id", id);
        }
        if !r.message.is_empty() {
            d.field("message", &r.message);
        }
        if let Some(body) = &r.body {
            d.field("body", body);
        }
        if let Some(host) = &r.redirect_host {
            d.field("redirect_host", host);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.repr
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_bounded_and_cut_on_a_char_boundary() {
        let body = "é".repeat(BODY_EXCERPT_LIMIT);
        let e = excerpt(body.as_bytes());
        assert!(e.len() <= BODY_EXCERPT_LIMIT);
        assert!(e.chars().all(|c| c == 'é'));
    }

    #[test]
    fn display_of_an_api_error() {
        let e = Error::api(
            StatusCode::UNAUTHORIZED,
            "The api key is invalid".into(),
            Some("x".into()),
            None,
        );
        assert_eq!(e.to_string(), "API error 401: The api key is invalid (x)");
        assert!(e.is_unauthorized() && !e.is_retryable());
    }

    #[test]
    fn display_ends_with_the_request_id_on_one_line() {
        let e = Error::api(
            StatusCode::NOT_FOUND,
            "tenant not found".into(),
            None,
            Some("req\r\n-1".into()),
        );
        assert_eq!(
            e.to_string(),
            "API error 404: tenant not found; request id req  -1"
        );
        let e = Error::unexpected(StatusCode::BAD_GATEWAY, b"", Some("proxy".into()));
        assert_eq!(
            e.to_string(),
            "unexpected response 502 Bad Gateway with an empty body; request id proxy"
        );
    }
}
