//! Errors: the emulator's own ([`EmulatorError`]) and the HTTP error body the server sends.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::server::response::GoJson;

/// Why the emulator could not start or change its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listening socket could not be bound.
    #[error("cannot bind the emulator's listener: {0}")]
    Bind(#[source] std::io::Error),
    /// The configuration is not usable (bad origin URL, empty RP id, unsupported key size, ...).
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    /// A tenant with this id already exists.
    #[error("tenant {0} already exists")]
    TenantExists(uuid::Uuid),
    /// No tenant with this id exists.
    #[error("tenant {0} not found")]
    TenantNotFound(uuid::Uuid),
    /// Generating an RSA signing key failed (or a stored one could not be read).
    #[error("cannot generate an RSA signing key")]
    KeyGeneration,
    /// The data file (`EmulatorBuilder::data`) cannot be opened, read or written.
    #[error("emulator data file: {0}")]
    Storage(String),
}

/// An error as the Hanko server renders it: `{"title","details","status"}`, or the generic 500
/// `{"title":"Internal Server Error","status":500}` without `details`.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) title: String,
    pub(crate) details: Option<String>,
}

impl ApiError {
    pub(crate) fn new(
        status: StatusCode,
        title: impl Into<String>,
        details: impl Into<String>,
    ) -> Self {
        Self {
            status,
            title: title.into(),
            details: Some(details.into()),
        }
    }

    pub(crate) fn bad_request(title: impl Into<String>, details: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, title, details)
    }

    pub(crate) fn unauthorized(title: impl Into<String>, details: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, title, details)
    }

    pub(crate) fn not_found(title: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, title, "")
    }

    pub(crate) fn internal() -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Internal Server Error".into(),
            details: None,
        }
    }

    /// echo's 405, only ever for `/` (everything else is under the tenant group's catch-all).
    pub(crate) fn method_not_allowed() -> Self {
        Self::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed", "")
    }

    pub(crate) fn route_not_found() -> Self {
        Self::not_found("Not Found")
    }

    /// The 413 for a body over the emulator's limit (the server has none; the wording is echo's
    /// `BodyLimit` middleware). The connection is closed after it: the unread rest of the body
    /// cannot be told apart from a next request.
    pub(crate) fn body_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request Entity Too Large",
            "",
        )
    }
}

/// `middleware.HttpError`: `details` is left out only for the generic 500.
#[derive(Serialize)]
struct ErrorBody<'a> {
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a str>,
    status: u16,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            title: &self.title,
            details: self.details.as_deref(),
            status: self.status.as_u16(),
        };
        let mut response = GoJson(self.status, body).into_response();
        response
            .extensions_mut()
            .insert(crate::server::request_log::ErrorTitle(self.title.clone()));
        if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    }
}
