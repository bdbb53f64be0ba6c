//! The HTTP error body the server sends, and its statuses and titles.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::request_log::ErrorTitle;
use super::response::GoJson;

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

    /// The same error under another title: an admin handler's own ("unable to create
    /// tenant") for what the binder refused.
    pub(crate) fn retitled(mut self, title: &str) -> Self {
        self.title = title.to_string();
        self
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
            .insert(ErrorTitle(self.title.clone()));
        if self.status == StatusCode::PAYLOAD_TOO_LARGE {
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        response
    }
}
