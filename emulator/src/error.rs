//! Errors: the emulator's own ([`EmulatorError`]) and the HTTP error body the server sends.

use axum::http::StatusCode;

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
    /// Generating an RSA signing key failed.
    #[error("cannot generate an RSA signing key")]
    KeyGeneration,
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

    pub(crate) fn route_not_found() -> Self {
        Self::not_found("Not Found")
    }

    pub(crate) fn body(&self) -> serde_json::Value {
        let mut map = serde_json::Map::new();
        map.insert("title".into(), self.title.clone().into());
        if let Some(details) = &self.details {
            map.insert("details".into(), details.clone().into());
        }
        map.insert("status".into(), self.status.as_u16().into());
        serde_json::Value::Object(map)
    }
}
