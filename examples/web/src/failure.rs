//! What the browser is told when something fails: an HTTP status and
//! `{"error": <code>, "message": <text for the user>}`.
//!
//! [`browser_status`] is the one place that reads SDK errors. It is written against
//! `Error::status()`, `title()` and `details()` and the titles the Passkey API sends
//! (`passkey-api-contract.md` §2.9–2.14); the SDK's domain predicates can replace the matches
//! here without touching the handlers.

use std::borrow::Cow;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hanko_passkeys::token::TokenError;
use hanko_passkeys::{Error, ErrorKind};

/// A failure the page can explain to the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The challenge expired, was already used, or is unknown: start the ceremony again.
    Expired,
    /// The authenticator answered without user verification (PIN, biometrics).
    UserVerificationRequired,
    /// The server refused the credential (signature, origin, user handle, ...).
    Refused,
    /// The credential is not (or no longer) registered at the server.
    UnknownCredential,
    /// The user has no passkey the operation could use.
    NoPasskey,
    /// The named credential does not exist.
    NotFound,
    /// The Passkey API cannot be reached, or is overloaded.
    Unavailable,
    /// Anything else: a bug or a misconfiguration of this app. Details go to the log only.
    Internal,
}

impl Problem {
    /// The machine-readable `error` code the page switches on.
    pub fn code(self) -> &'static str {
        match self {
            Problem::Expired => "expired",
            Problem::UserVerificationRequired => "user_verification_required",
            Problem::Refused => "refused",
            Problem::UnknownCredential => "unknown_credential",
            Problem::NoPasskey => "no_passkey",
            Problem::NotFound => "not_found",
            Problem::Unavailable => "unavailable",
            Problem::Internal => "internal",
        }
    }

    /// The status the browser gets.
    pub fn status(self) -> StatusCode {
        match self {
            Problem::Expired | Problem::Refused => StatusCode::BAD_REQUEST,
            Problem::UserVerificationRequired => StatusCode::UNPROCESSABLE_ENTITY,
            Problem::UnknownCredential => StatusCode::UNAUTHORIZED,
            Problem::NoPasskey => StatusCode::CONFLICT,
            Problem::NotFound => StatusCode::NOT_FOUND,
            Problem::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Problem::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the user reads.
    pub fn message(self) -> &'static str {
        match self {
            Problem::Expired => {
                "That request expired before it was answered. Nothing was changed: please try again."
            }
            Problem::UserVerificationRequired => {
                "Your authenticator did not verify you (PIN, fingerprint or face). This site requires \
                 it: set up a screen lock or PIN for your authenticator and try again."
            }
            Problem::Refused => "The site did not accept this passkey. Nothing was changed.",
            Problem::UnknownCredential => {
                "This passkey is not registered here (it may have been removed from your account). \
                 Use another passkey, or sign up."
            }
            Problem::NoPasskey => "You have no passkey for this yet: add one first.",
            Problem::NotFound => "That passkey does not exist (any more).",
            Problem::Unavailable => {
                "The passkey service is unavailable right now. Please try again in a moment."
            }
            Problem::Internal => "Something went wrong on our side. Please try again later.",
        }
    }
}

/// The status and problem to answer the browser with for an SDK error: the SDK's domain
/// predicates decide, and `details()` only tells an unknown credential (the page then asks
/// the browser to forget it) from other refusals.
pub fn browser_status(e: &Error) -> (StatusCode, Problem) {
    let problem = if e.is_challenge_expired() || unknown_challenge(e) {
        Problem::Expired
    } else if e.is_user_verification_required() {
        Problem::UserVerificationRequired
    } else if e.is_credential_refused() {
        if e.details() == Some("Unable to find the credential for the returned credential ID") {
            Problem::UnknownCredential
        } else {
            Problem::Refused
        }
    } else if e.is_no_usable_credential() || user_unknown(e) {
        Problem::NoPasskey
    } else if e.is_not_found() {
        Problem::NotFound
    } else if e.is_retryable() {
        Problem::Unavailable
    } else {
        Problem::Internal
    };
    let status = match problem {
        // Keep the API's 401 for refused assertions; registrations get the default 400.
        Problem::Expired | Problem::Refused if e.is_unauthorized() => StatusCode::UNAUTHORIZED,
        problem => problem.status(),
    };
    (status, problem)
}

/// An unknown or already used challenge (400 at registration, 401 otherwise): for the user,
/// like an expired one, the ceremony has to start again.
fn unknown_challenge(e: &Error) -> bool {
    e.kind() == ErrorKind::Api
        && matches!(
            e.title(),
            Some(
                "received challenge does not match with any stored one"
                    | "failed to get session data"
            )
        )
}

/// Login or a transaction for a user id the tenant has never seen: no passkey yet.
fn user_unknown(e: &Error) -> bool {
    e.is_not_found() && matches!(e.title(), Some("user not found" | "unable to find user"))
}

/// An error answer: status, code and message.
#[derive(Debug)]
pub struct Failure {
    status: StatusCode,
    code: &'static str,
    message: Cow<'static, str>,
}

impl Failure {
    /// A failure of this app's own (not from the SDK).
    pub fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        Failure {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn not_signed_in() -> Self {
        Failure::new(
            StatusCode::UNAUTHORIZED,
            "not_signed_in",
            "Please sign in first.",
        )
    }

    pub fn invalid_name() -> Self {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "invalid_name",
            "Please enter a name of 1 to 64 characters.",
        )
    }

    pub fn bad_request(message: impl Into<Cow<'static, str>>) -> Self {
        Failure::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    fn from_problem(status: StatusCode, problem: Problem) -> Self {
        Failure::new(status, problem.code(), problem.message())
    }
}

impl From<Problem> for Failure {
    fn from(problem: Problem) -> Self {
        Failure::from_problem(problem.status(), problem)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        let (status, problem) = browser_status(&e);
        // The SDK's Display never contains the API key.
        eprintln!("passkey API: {e} -> {} {}", status.as_u16(), problem.code());
        Failure::from_problem(status, problem)
    }
}

impl From<TokenError> for Failure {
    fn from(e: TokenError) -> Self {
        eprintln!("token verification failed: {e}");
        if e.is_jwks_unavailable() {
            Failure::from_problem(StatusCode::SERVICE_UNAVAILABLE, Problem::Unavailable)
        } else {
            // A finalize answer whose token does not verify: never start a session on it.
            Failure::new(
                StatusCode::BAD_GATEWAY,
                "token_rejected",
                "The passkey service's answer could not be verified. You were not signed in.",
            )
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": self.code, "message": self.message});
        (self.status, Json(body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An SDK error as the Passkey API would cause it, built with the SDK's test constructor.
    fn api_error(status: u16, title: &str, details: &str) -> Error {
        Error::builder(ErrorKind::Api)
            .status(StatusCode::from_u16(status).unwrap())
            .title(title)
            .details(details)
            .build()
    }

    #[test]
    fn contract_errors_map_to_what_the_page_explains() {
        let cases = [
            (
                422,
                "failed to validate attestation: Error validating the authenticator response: User verification required but flag not set by authenticator\n",
                "Error validating the authenticator response",
                422,
                Problem::UserVerificationRequired,
            ),
            (
                400,
                "failed to validate attestation",
                "Session has Expired",
                400,
                Problem::Expired,
            ),
            (
                401,
                "failed to validate assertion",
                "Session has Expired",
                401,
                Problem::Expired,
            ),
            (
                400,
                "received challenge does not match with any stored one",
                "",
                400,
                Problem::Expired,
            ),
            (
                401,
                "failed to get session data",
                "received challenge does not match with any stored one",
                401,
                Problem::Expired,
            ),
            (
                401,
                "failed to validate assertion",
                "Unable to find the credential for the returned credential ID",
                401,
                Problem::UnknownCredential,
            ),
            (
                401,
                "failed to validate assertion",
                "Error validating origin",
                401,
                Problem::Refused,
            ),
            (
                400,
                "failed to validate attestation",
                "Error validating origin",
                400,
                Problem::Refused,
            ),
            (
                401,
                "failed to get user handle",
                "user not found",
                401,
                Problem::Refused,
            ),
            (
                400,
                "unable to finish login",
                "Parse error for Assertion",
                400,
                Problem::Refused,
            ),
            (
                400,
                "user has no suitable credentials for this operation",
                "",
                409,
                Problem::NoPasskey,
            ),
            (
                500,
                "failed to create webauthn assertion options for login: Found no credentials for user",
                "",
                409,
                Problem::NoPasskey,
            ),
            (404, "user not found", "", 409, Problem::NoPasskey),
            (
                404,
                "credential with id 'x' not found",
                "",
                404,
                Problem::NotFound,
            ),
            (
                401,
                "The api key is invalid",
                "api keys needs to be an apiKey Header and 32 byte long",
                500,
                Problem::Internal,
            ),
            (
                409,
                "transaction already exists",
                "",
                500,
                Problem::Internal,
            ),
            (503, "Service Unavailable", "", 503, Problem::Unavailable),
        ];
        for (status, title, details, want_status, want) in cases {
            let e = api_error(status, title, details);
            assert_eq!(
                browser_status(&e),
                (StatusCode::from_u16(want_status).unwrap(), want),
                "{status} {title:?} {details:?}"
            );
        }
    }

    #[tokio::test]
    async fn an_unreachable_service_is_unavailable_and_a_missing_key_internal() {
        let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = closed.local_addr().unwrap();
        drop(closed);
        let tenant = hanko_passkeys::tenant(
            hanko_passkeys::Config::new(uuid::Uuid::new_v4().to_string())
                .base_url(format!("http://{addr}")),
        )
        .unwrap();
        let e = tenant.login().initialize().await.unwrap_err();
        assert_eq!(
            browser_status(&e),
            (StatusCode::SERVICE_UNAVAILABLE, Problem::Unavailable)
        );
        let e = tenant.user("u").login().initialize().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::MissingApiKey);
        assert_eq!(
            browser_status(&e),
            (StatusCode::INTERNAL_SERVER_ERROR, Problem::Internal)
        );
    }
}
