//! Responses as echo writes them: Go's JSON encoding, `application/json; charset=UTF-8`, one
//! trailing newline.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A typed body rendered as echo's `c.JSON(status, value)` does. Struct fields keep their
/// declaration order (serde_json's `preserve_order`), as Go's do.
pub(crate) struct GoJson<T>(pub(crate) StatusCode, pub(crate) T);

impl<T: Serialize> GoJson<T> {
    /// A 200 with `value`.
    pub(crate) fn ok(value: T) -> Self {
        Self(StatusCode::OK, value)
    }
}

impl<T: Serialize> IntoResponse for GoJson<T> {
    fn into_response(self) -> Response {
        match serde_json::to_value(&self.1) {
            Ok(value) => json_response(self.0, &crate::gojson::to_string(&value, false)),
            // Our DTOs are plain data; this cannot happen, and a 500 is what the server would say.
            Err(_) => json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"title":"Internal Server Error","status":500}"#,
            ),
        }
    }
}

/// A JSON response from already-encoded JSON text.
pub(crate) fn json_response(status: StatusCode, json: &str) -> Response {
    let mut body = String::with_capacity(json.len() + 1);
    body.push_str(json);
    body.push('\n');
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}

/// `c.NoContent(204)`.
pub(crate) fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}
