//! The SDK's one error type.

use std::fmt;

use reqwest::StatusCode;

/// Longest excerpt of an unexpected response body that an [`Error`] keeps.
pub const BODY_EXCERPT_LIMIT: usize = 2048;

/// What kind of failure an [`Error`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The API answered with its JSON error body (`title`, `details`, `status`).
    Api,
    /// The server, or a proxy in front of it, answered with an error status and a body that is
    /// not the API's error JSON (an HTML 502, an empty 401). The status and a body excerpt are kept.
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
}

/// Everything that can go wrong in a call.
///
/// It keeps what the server said — HTTP status, error `title` and `details`, and the
/// `X-Request-Id` to quote to support — whatever the shape of the body, and never contains the
/// API key.
///
/// ```
/// # async fn demo(tenant: hanko_passkeys::Tenant) {
/// match tenant.credential("AQID").get().await {
///     Ok(credential) => println!("{}", credential.id),
///     Err(e) if e.is_not_found() => println!("no such credential"),
///     Err(e) => eprintln!("{e} (request id {:?})", e.request_id()),
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
        e.repr.title = Some(title);
        e.repr.details = details;
        e.repr.request_id = request_id;
        e
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
        let kind = if source.is_timeout() {
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

    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.repr.status = Some(status);
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.repr.kind
    }

    /// The HTTP status of the response, when there was one.
    pub fn status(&self) -> Option<StatusCode> {
        self.repr.status
    }

    /// The API's error `title`, e.g. `"The api key is invalid"`.
    pub fn title(&self) -> Option<&str> {
        self.repr.title.as_deref()
    }

    /// The API's error `details`, when it sent any.
    pub fn details(&self) -> Option<&str> {
        self.repr.details.as_deref()
    }

    /// The `X-Request-Id` of the response: quote it when asking for support.
    pub fn request_id(&self) -> Option<&str> {
        self.repr.request_id.as_deref()
    }

    /// The start (at most [`BODY_EXCERPT_LIMIT`] bytes) of a response body that was not the
    /// API's error JSON, or of a success body that failed to decode.
    pub fn body(&self) -> Option<&str> {
        self.repr.body.as_deref()
    }

    /// The server answered 404 Not Found (an unknown credential, user or tenant).
    pub fn is_not_found(&self) -> bool {
        self.repr.status == Some(StatusCode::NOT_FOUND)
    }

    /// The server answered 401 Unauthorized: a wrong API key, or a ceremony that failed.
    pub fn is_unauthorized(&self) -> bool {
        self.repr.status == Some(StatusCode::UNAUTHORIZED)
    }

    /// The server answered 400 Bad Request.
    pub fn is_bad_request(&self) -> bool {
        self.repr.status == Some(StatusCode::BAD_REQUEST)
    }

    /// The server answered 409 Conflict (a transaction id used before).
    pub fn is_conflict(&self) -> bool {
        self.repr.status == Some(StatusCode::CONFLICT)
    }

    /// The request timed out.
    pub fn is_timeout(&self) -> bool {
        self.repr.kind == ErrorKind::Timeout
    }

    /// Whether trying again later may succeed: transport failures, timeouts, and 429, 502,
    /// 503 and 504. Finalize calls consume their challenge on success, so retry them only when
    /// the request cannot have reached the server.
    pub fn is_retryable(&self) -> bool {
        matches!(self.repr.kind, ErrorKind::Transport | ErrorKind::Timeout)
            || matches!(
                self.repr.status.map(|s| s.as_u16()),
                Some(429 | 502 | 503 | 504)
            )
    }
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
                Ok(())
            }
            ErrorKind::UnexpectedResponse => {
                let status = r.status.map(|s| s.to_string()).unwrap_or_default();
                write!(f, "unexpected response {status}")?;
                match r.body.as_deref() {
                    Some("") | None => write!(f, " with an empty body"),
                    Some(body) => {
                        let line: String = body.chars().take(200).collect();
                        write!(f, ": {}", line.replace(['\r', '\n'], " "))
                    }
                }
            }
            _ => f.write_str(&r.message),
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
}
