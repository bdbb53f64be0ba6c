//! Helpers shared by the mock-server tests: responses framed like the real server's and
//! checks of what the SDK sent.
#![allow(dead_code)]

use serde_json::{Value, json};
use wiremock::{Request, ResponseTemplate};

pub fn json_response(body: Value) -> ResponseTemplate {
    json_status(200, body)
}

/// A JSON body with the server's framing and any status.
pub fn json_status(status: u16, body: Value) -> ResponseTemplate {
    // The server's framing: Go's encoder adds a newline, and the charset is named.
    let mut text = serde_json::to_string(&body).unwrap();
    text.push('\n');
    ResponseTemplate::new(status)
        .insert_header("content-type", "application/json; charset=UTF-8")
        .insert_header("x-request-id", "Zk3d0c9Qp1Lr8Tm2Xy4Wv6Ub5Sa7Nq0O")
        .set_body_raw(text, "application/json; charset=UTF-8")
}

/// A JSON body with `Content-Type: application/json` and a real `Content-Length`: the server
/// throws chunked bodies away.
pub fn assert_json_body(request: &Request, expected: Value) {
    let content_type = request
        .headers
        .get("content-type")
        .expect("content-type")
        .to_str()
        .unwrap();
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let length: usize = request
        .headers
        .get("content-length")
        .expect("sized body")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(length, request.body.len());
    assert!(request.headers.get("transfer-encoding").is_none());
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, expected);
}

pub fn assert_no_body(request: &Request) {
    assert!(
        request.body.is_empty(),
        "unexpected body on {}",
        request.url
    );
}

pub fn query(request: &Request) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn credential_json(id: &str, user: &str) -> Value {
    json!({
        "id": id,
        "name": "iCloud Keychain",
        "public_key": "pQECAyYgASFYIBmpx2tOq8oXyOt0BkDgq3FzG0wY7KA6JYqA3vOTRdbVIlggzk4tQo",
        "attestation_type": "none",
        "aaguid": "fbfc3007-154e-4ecc-8c0b-6e020557d7bd",
        "last_used_at": "2026-11-20T10:00:00.123456Z",
        "created_at": "2026-11-20T09:59:58.5Z",
        "transports": [],
        "backup_eligible": true,
        "backup_state": true,
        "is_mfa": false,
        "user_id": user
    })
}
