//! What the page is told when something fails: RFC 9457 `application/problem+json`, with a
//! stable `type` per failure the page can act on and the short `code` it switches on.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hanko_passkeys::token::TokenError;
use serde_json::{Value, json};

/// Where each failure's `type` URI points: its documentation, below.
const TYPE_BASE: &str =
    "https://docs.rs/hanko-passkeys-axum/0.1/hanko_passkeys_axum/enum.ProblemKind.html#variant.";

/// The failures the page can act on; each is a `type` URI and a `code` in the problem body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// 401 `not_signed_in`: the route needs a signed-in session (none, expired, or ended).
    NotSignedIn,
    /// 403 `second_factor_required`: the route needs the second factor, not done yet.
    SecondFactorRequired,
    /// 403 `cross_origin`: a state-changing request whose `Origin` is not one of the relying
    /// party's origins (or that has none).
    CrossOrigin,
    /// 400 `expired`: the ceremony expired, was used already, or was never started in this
    /// session. Start it again.
    Expired,
    /// 422 `user_verification_required`: the authenticator did not verify the user (PIN,
    /// biometrics), and the relying party requires it.
    UserVerificationRequired,
    /// 401 (400 for registrations) `refused`: the Passkey API refused the credential
    /// (signature, origin, challenge).
    Refused,
    /// 401 `unknown_credential`: the passkey used is not registered (any more); the body's
    /// `signal` holds the payload of `PublicKeyCredential.signalUnknownCredential`.
    UnknownCredential,
    /// 404 `no_passkey`: the user has no credential this ceremony could use.
    NoPasskey,
    /// 404 `not_found`: no such credential among the signed-in user's.
    NotFound,
    /// 409 `last_passkey`: removing the user's last passkey would lock them out.
    LastPasskey,
    /// 409 `name_taken`: the name typed at sign-up belongs to another user.
    NameTaken,
    /// 400 `invalid_name`: the name typed is not acceptable; `detail` says why.
    InvalidName,
    /// 403 `sign_up_closed`: the application does not take new users now.
    SignUpClosed,
    /// 404 `unknown_user`: a login for a named user who does not exist.
    UnknownUser,
    /// 403 `wrong_user`: the credential belongs to another user than the session's.
    WrongUser,
    /// 409 `transaction_reused`: a transaction id the tenant has seen before (ids are
    /// single-use, forever): the app must name each transaction anew.
    TransactionReused,
    /// 400 `bad_request`: the request body is not what the route takes; `detail` says why.
    BadRequest,
    /// 503 (504 for timeouts) `unavailable`: the Passkey API or the JWKS cannot be reached.
    Unavailable,
    /// 500 or 502 `internal`: the application's or its configuration's fault; logged, with
    /// nothing more for the page.
    Internal,
}

impl ProblemKind {
    /// The short code the page switches on, e.g. `expired`.
    ///
    /// ```
    /// assert_eq!(hanko_passkeys_axum::ProblemKind::LastPasskey.code(), "last_passkey");
    /// ```
    pub fn code(self) -> &'static str {
        match self {
            Self::NotSignedIn => "not_signed_in",
            Self::SecondFactorRequired => "second_factor_required",
            Self::CrossOrigin => "cross_origin",
            Self::Expired => "expired",
            Self::UserVerificationRequired => "user_verification_required",
            Self::Refused => "refused",
            Self::UnknownCredential => "unknown_credential",
            Self::NoPasskey => "no_passkey",
            Self::NotFound => "not_found",
            Self::LastPasskey => "last_passkey",
            Self::NameTaken => "name_taken",
            Self::InvalidName => "invalid_name",
            Self::SignUpClosed => "sign_up_closed",
            Self::UnknownUser => "unknown_user",
            Self::WrongUser => "wrong_user",
            Self::TransactionReused => "transaction_reused",
            Self::BadRequest => "bad_request",
            Self::Unavailable => "unavailable",
            Self::Internal => "internal",
        }
    }

    fn variant(self) -> &'static str {
        match self {
            Self::NotSignedIn => "NotSignedIn",
            Self::SecondFactorRequired => "SecondFactorRequired",
            Self::CrossOrigin => "CrossOrigin",
            Self::Expired => "Expired",
            Self::UserVerificationRequired => "UserVerificationRequired",
            Self::Refused => "Refused",
            Self::UnknownCredential => "UnknownCredential",
            Self::NoPasskey => "NoPasskey",
            Self::NotFound => "NotFound",
            Self::LastPasskey => "LastPasskey",
            Self::NameTaken => "NameTaken",
            Self::InvalidName => "InvalidName",
            Self::SignUpClosed => "SignUpClosed",
            Self::UnknownUser => "UnknownUser",
            Self::WrongUser => "WrongUser",
            Self::TransactionReused => "TransactionReused",
            Self::BadRequest => "BadRequest",
            Self::Unavailable => "Unavailable",
            Self::Internal => "Internal",
        }
    }

    /// The problem's `type`: a URI naming the failure (its documentation).
    ///
    /// ```
    /// let uri = hanko_passkeys_axum::ProblemKind::Expired.type_uri();
    /// assert!(uri.ends_with("#variant.Expired"));
    /// ```
    pub fn type_uri(self) -> String {
        format!("{TYPE_BASE}{}", self.variant())
    }

    /// The problem's `title`: the same for every occurrence of the kind.
    pub fn title(self) -> &'static str {
        match self {
            Self::NotSignedIn => "You are not signed in.",
            Self::SecondFactorRequired => "This needs your security key as a second factor.",
            Self::CrossOrigin => "Requests must come from this site's own pages.",
            Self::Expired => "That request expired before it was finished. Please try again.",
            Self::UserVerificationRequired => {
                "Your authenticator did not verify you (PIN, fingerprint or face)."
            }
            Self::Refused => "The passkey was not accepted.",
            Self::UnknownCredential => "This passkey is not registered here.",
            Self::NoPasskey => "You have no passkey for this.",
            Self::NotFound => "No such passkey.",
            Self::LastPasskey => "This is your last passkey: add another one before removing it.",
            Self::NameTaken => "That name is taken.",
            Self::InvalidName => "That name cannot be used.",
            Self::SignUpClosed => "Sign-up is closed.",
            Self::UnknownUser => "No account has that name.",
            Self::WrongUser => "This passkey belongs to another account.",
            Self::TransactionReused => "This transaction was confirmed or started before.",
            Self::BadRequest => "The request was not understood.",
            Self::Unavailable => "The passkey service is unavailable. Please try again shortly.",
            Self::Internal => "Something went wrong on our side.",
        }
    }

    /// The HTTP status a problem of this kind gets unless the SDK suggests another.
    pub fn status(self) -> StatusCode {
        match self {
            Self::NotSignedIn | Self::Refused | Self::UnknownCredential => StatusCode::UNAUTHORIZED,
            Self::SecondFactorRequired
            | Self::CrossOrigin
            | Self::SignUpClosed
            | Self::WrongUser => StatusCode::FORBIDDEN,
            Self::Expired | Self::InvalidName | Self::BadRequest => StatusCode::BAD_REQUEST,
            Self::UserVerificationRequired => StatusCode::UNPROCESSABLE_ENTITY,
            Self::NoPasskey | Self::NotFound | Self::UnknownUser => StatusCode::NOT_FOUND,
            Self::LastPasskey | Self::NameTaken | Self::TransactionReused => StatusCode::CONFLICT,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// A failure as the page gets it: `application/problem+json` (RFC 9457) with `type`,
/// `title`, `status`, `detail`, the `code` of its [`ProblemKind`], and for a refused
/// unknown credential a `signal` member with the payload of the WebAuthn Signal API call the
/// page should make.
///
/// Handlers of your own can return it too:
///
/// ```
/// use axum::response::IntoResponse;
/// use hanko_passkeys_axum::{Problem, ProblemKind};
///
/// let response = Problem::new(ProblemKind::NotFound).into_response();
/// assert_eq!(response.status(), 404);
/// assert_eq!(response.headers()["content-type"], "application/problem+json");
/// ```
#[derive(Debug, Clone)]
pub struct Problem {
    kind: ProblemKind,
    status: StatusCode,
    detail: Option<String>,
    signal: Option<Value>,
}

impl Problem {
    /// A problem of `kind`, with its usual status and no detail.
    pub fn new(kind: ProblemKind) -> Self {
        Self {
            kind,
            status: kind.status(),
            detail: None,
            signal: None,
        }
    }

    /// The same problem with a `detail` for the user (shown by the page; keep secrets out).
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub(crate) fn with_signal(mut self, signal: Value) -> Self {
        self.signal = Some(signal);
        self
    }

    /// What failed.
    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The detail for the user, if any.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }

    /// An application failure: logged with `context` and `error`, answered 500 `internal`
    /// with nothing more.
    pub(crate) fn internal(context: &str, error: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %error, "{context}");
        Self::new(ProblemKind::Internal)
    }

    /// A body that is not what the route takes.
    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(ProblemKind::BadRequest).with_detail(detail)
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.kind.title(), self.kind.code())?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problem {}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = json!({
            "type": self.kind.type_uri(),
            "title": self.kind.title(),
            "status": self.status.as_u16(),
            "code": self.kind.code(),
        });
        if let Some(detail) = self.detail {
            body["detail"] = detail.into();
        }
        if let Some(signal) = self.signal {
            body["signal"] = signal;
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        response
    }
}

/// What an SDK failure means for the page. The status is the SDK's
/// [`suggested_status`](hanko_passkeys::Error::suggested_status); the kind follows the SDK's
/// predicates. Failures that are not the user's (configuration, a broken Passkey API) are
/// logged with their request id.
impl From<hanko_passkeys::Error> for Problem {
    fn from(e: hanko_passkeys::Error) -> Self {
        let status = e.suggested_status();
        let kind = if e.is_challenge_expired() || unknown_challenge(&e) {
            ProblemKind::Expired
        } else if e.is_user_verification_required() {
            ProblemKind::UserVerificationRequired
        } else if e.is_credential_refused() {
            if e.details() == Some(UNKNOWN_CREDENTIAL) {
                ProblemKind::UnknownCredential
            } else {
                ProblemKind::Refused
            }
        } else if e.is_no_usable_credential() || unknown_user(&e) {
            ProblemKind::NoPasskey
        } else if e.is_not_found() {
            ProblemKind::NotFound
        } else if e.is_conflict() {
            ProblemKind::TransactionReused
        } else if let Some(token) = e.token_error() {
            return Problem::from(token.clone()).with_status(status);
        } else if e.is_retryable() || e.is_timeout() {
            ProblemKind::Unavailable
        } else if e.kind() == hanko_passkeys::ErrorKind::InvalidInput {
            ProblemKind::BadRequest
        } else {
            ProblemKind::Internal
        };
        if matches!(kind, ProblemKind::Internal | ProblemKind::Unavailable) {
            tracing::error!(
                error = %e,
                request_id = e.request_id().unwrap_or(""),
                "Passkey API call failed"
            );
        }
        let problem = Problem::new(kind).with_status(status);
        match kind {
            ProblemKind::BadRequest => problem.with_detail(e.to_string()),
            _ => problem,
        }
    }
}

/// A token that does not verify: refused (wrong signature, audience, expired), or the JWKS
/// cannot be had.
impl From<TokenError> for Problem {
    fn from(e: TokenError) -> Self {
        if e.is_token_rejected() {
            tracing::warn!(error = %e, "a Passkey API token did not verify");
            Problem::new(ProblemKind::Refused)
        } else if e.is_jwks_unavailable() {
            tracing::error!(error = %e, "the JWKS is unavailable");
            Problem::new(ProblemKind::Unavailable)
        } else {
            Problem::internal("token verification is misconfigured", &e)
        }
    }
}

/// go-webauthn's details when the assertion names a credential the tenant does not have.
const UNKNOWN_CREDENTIAL: &str = "Unable to find the credential for the returned credential ID";

/// A finalize whose challenge the API does not know (used, or never issued).
fn unknown_challenge(e: &hanko_passkeys::Error) -> bool {
    e.kind() == hanko_passkeys::ErrorKind::Api
        && matches!(
            e.title(),
            Some(
                "received challenge does not match with any stored one"
                    | "failed to get session data"
            )
        )
}

/// A login or transaction for a user id the tenant has never seen: no passkey yet.
fn unknown_user(e: &hanko_passkeys::Error) -> bool {
    e.is_not_found() && matches!(e.title(), Some("user not found" | "unable to find user"))
}
