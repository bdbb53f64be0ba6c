//! What handlers take from a request: the tenant the tenant middleware found, the audit-log
//! metadata, and the raw body with the headers echo's binder looks at.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use bytes::Bytes;
use uuid::Uuid;

use super::error::ApiError;
use crate::state::Tenant;

/// The tenant of the request, put there by [`super::middleware::tenant`].
#[derive(Clone)]
pub(crate) struct CurrentTenant(pub(crate) Arc<Tenant>);

impl<S: Send + Sync> FromRequestParts<S> for CurrentTenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        // Every tenant route sits behind the tenant middleware; a miss is a wiring bug.
        parts
            .extensions
            .get::<CurrentTenant>()
            .cloned()
            .ok_or_else(ApiError::internal)
    }
}

/// What an audit-log row records about the request.
#[derive(Debug, Clone)]
pub(crate) struct RequestMeta {
    pub(crate) request_id: String,
    pub(crate) source_ip: String,
    pub(crate) user_agent: String,
    /// Whether the three fit the server's `varchar(255)` columns.
    fits: bool,
}

/// The server's audit-log columns are `varchar(255)`: Postgres counts characters and takes
/// only UTF-8.
const AUDIT_COLUMN_CHARS: usize = 255;

impl RequestMeta {
    /// The server writes an audit row on every outcome of a ceremony step (success or
    /// failure) and of a credential change; when the request's User-Agent, X-Request-Id or
    /// source IP does not fit its column, that insert fails and the request is a plain 500,
    /// whatever it would have been otherwise (a server bug, reproduced: production does it).
    /// Call this where the server starts its DB transaction.
    pub(crate) fn audit_columns_fit(&self) -> Result<(), ApiError> {
        if self.fits {
            Ok(())
        } else {
            Err(ApiError::internal())
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // Header bytes as the server stores them: UTF-8 text, or an insert that fails.
        let header = |name: &str| match parts.headers.get(name) {
            None => Some(String::new()),
            Some(v) => String::from_utf8(v.as_bytes().to_vec()).ok(),
        };
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| *addr);
        // Set (or kept) by the request-id layer in front of every route.
        let request_id = header("x-request-id");
        let user_agent = header("user-agent");
        let source_ip = real_ip(&parts.headers, peer);
        let fits = [&request_id, &user_agent].iter().all(|v| {
            v.as_ref()
                .is_some_and(|v| v.chars().count() <= AUDIT_COLUMN_CHARS)
        }) && source_ip.chars().count() <= AUDIT_COLUMN_CHARS;
        Ok(Self {
            request_id: request_id.unwrap_or_default(),
            source_ip,
            user_agent: user_agent.unwrap_or_default(),
            fits,
        })
    }
}

/// echo's `RealIP` (4.11, no IP extractor configured): the `X-Forwarded-For` header up to
/// its first comma, trimmed and unbracketed, or the whole header verbatim when it has no comma
/// (or starts with one); else `X-Real-IP` unbracketed; else the peer.
fn real_ip(headers: &axum::http::HeaderMap, peer: Option<SocketAddr>) -> String {
    if let Some(xff) = headers
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
    {
        return match xff.find(',') {
            Some(i) if i > 0 => xff[..i]
                .trim()
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            _ => xff.to_string(),
        };
    }
    if let Some(real) = headers.get("x-real-ip").and_then(|v| v.to_str().ok()) {
        return real
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
    }
    peer.map(|p| p.ip().to_string()).unwrap_or_default()
}

/// The request body with what echo's binder decides on: `Content-Length` and `Content-Type`.
pub(crate) struct EchoBody {
    pub(crate) bytes: Bytes,
    /// `None` for a chunked request.
    pub(crate) content_length: Option<u64>,
    pub(crate) content_type: String,
}

impl<S: Send + Sync> FromRequest<S> for EchoBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let headers = req.headers();
        // Go's `Request.ContentLength`: the header's value; -1 (here `None`) for a chunked
        // body; 0 for a request with neither.
        let chunked = headers
            .get(header::TRANSFER_ENCODING)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"chunked"));
        let content_length = match headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            Some(n) => Some(n),
            None if chunked => None,
            None => Some(0),
        };
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        // The body-limit layer caps the stream; the only other failure is a client that went
        // away, which gets no answer anyway.
        let bytes = axum::body::to_bytes(req.into_body(), usize::MAX)
            .await
            .map_err(|_| ApiError::body_too_large())?;
        Ok(Self {
            bytes,
            content_length,
            content_type,
        })
    }
}

/// gofrs `uuid.FromString`: canonical, 32 hex digits, `{...}` and `urn:uuid:` forms, any case.
pub(crate) fn parse_gofrs_uuid(s: &str) -> Option<Uuid> {
    let lower = s.to_ascii_lowercase();
    let inner = if let Some(rest) = lower.strip_prefix("urn:uuid:") {
        rest
    } else if lower.starts_with('{') && lower.ends_with('}') && lower.len() >= 2 {
        &lower[1..lower.len() - 1]
    } else {
        &lower
    };
    match inner.len() {
        32 | 36 => Uuid::try_parse(inner).ok(),
        _ => None,
    }
}
