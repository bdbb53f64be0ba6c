//! The `hanko_passkeys.request` span: its fields, one event per attempt, and no secrets.
#![cfg(feature = "tracing")]

mod hostile;

use std::io::Write;
use std::sync::{Arc, Mutex};

use hanko_passkeys::RetryPolicy;
use hostile::{Hostile, KEY, Reply, TENANT};
use serde_json::json;
use tracing_subscriber::fmt::format::FmtSpan;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl";

#[tokio::test(start_paused = true)]
async fn one_span_per_request_with_its_fields_an_event_per_attempt_and_no_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let api = Hostile::start(|i, r| match (i, r.path.as_str()) {
        (0, _) => Reply::json(503, &json!({"title": "overloaded-body-text"})).with_header("x-request-id", "first-attempt"),
        (_, p) if p.contains("/credentials/") => Reply::json(200, &json!({
            "id": "AQID", "public_key": "pk", "attestation_type": "none",
            "aaguid": "00000000-0000-0000-0000-000000000000", "created_at": "2026-01-01T00:00:00Z",
            "transports": [], "backup_eligible": false, "backup_state": false, "is_mfa": false
        }))
        .with_header("x-request-id", "req-42"),
        _ => Reply::json(200, &json!({"token": TOKEN})),
    })
    .await;
    let tenant = api.tenant(|c| c.retry(RetryPolicy::default().jitter(false)));
    tenant
        .credential("secret-credential-id")
        .get()
        .await
        .unwrap();
    let assertion: hanko_passkeys::AssertionResponse = r#"{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AAAA","signature":"AAAA"}}"#.parse().unwrap();
    tenant.login().finalize(&assertion).await.unwrap();

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let closes: Vec<&str> = text.lines().filter(|l| l.contains("close")).collect();
    assert_eq!(closes.len(), 2, "{text}");
    let get = closes[0];
    for field in [
        "hanko_passkeys.request",
        "operation=\"get_credential\"",
        "http.method=\"GET\"",
        "url.path=\"/{tenant_id}/credentials/{credential_id}\"",
        "http.status=200",
        "attempts=2",
        "request_id=\"req-42\"",
        "duration_ms=",
    ] {
        assert!(get.contains(field), "{field} missing from {get}");
    }
    assert!(closes[1].contains("operation=\"login_finalize\"") && closes[1].contains("attempts=1"));
    // The failed attempt and the retry are visible.
    assert!(
        text.contains("retrying") && text.contains("reason=\"retryable status\""),
        "{text}"
    );
    assert!(
        text.contains("attempt=1") && text.contains("status=503") && text.contains("first-attempt")
    );
    // Never the key, the token, ids from the path, or bodies.
    for secret in [
        KEY,
        "k3y-that",
        TOKEN,
        "c2VjcmV0",
        TENANT,
        "secret-credential-id",
        "overloaded-body-text",
        "public_key",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into the trace:\n{text}"
        );
    }
}
