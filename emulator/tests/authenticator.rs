//! The virtual authenticator refuses what browsers refuse, with the browser's error.

mod common;

use common::*;
use hanko_passkeys_emulator::Emulator;
use hanko_passkeys_emulator::authenticator::{AuthenticatorError, VirtualAuthenticator};
use serde_json::json;

fn refused(result: Result<serde_json::Value, AuthenticatorError>) -> String {
    match result {
        Err(AuthenticatorError::Refused(message)) => message,
        other => panic!("expected a browser's refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn user_handles_over_64_bytes_are_refused_like_chromium() {
    let h = start().await;
    // The server takes a 65-byte user id; no browser passes it to an authenticator.
    let long = "u".repeat(65);
    let options = h.registration_options(&long).await;
    assert_eq!(
        refused(h.auth.register(&options).await),
        "TypeError: User handle exceeds 64 bytes"
    );
    assert!(h.auth.credential_ids().is_empty());
    // 64 bytes is the limit, not over it.
    h.register(&"u".repeat(64)).await;
}

#[tokio::test]
async fn an_rp_id_that_is_not_the_origins_host_is_refused() {
    let h = start().await;
    let options = h.registration_options("alice").await;
    // A page on another host asks for `localhost` credentials.
    let elsewhere = VirtualAuthenticator::new("https://elsewhere.example");
    let message = refused(elsewhere.register(&options).await);
    assert!(
        message
            .starts_with("SecurityError: The relying party ID is not a registrable domain suffix"),
        "{message}"
    );
    // The same for an assertion, with the credentials of a real registration.
    h.register("alice").await;
    let options = h.login_options(None).await;
    let message = refused(
        h.auth
            .with_origin("https://elsewhere.example")
            .login(&options)
            .await,
    );
    assert!(message.contains("registrable domain suffix"), "{message}");
}

#[tokio::test]
async fn ip_address_origins_are_refused() {
    // The server lets a tenant name an IP address as its RP id; browsers do not take one.
    let h = start_with(
        Emulator::builder()
            .rp_id("127.0.0.1")
            .origin("http://127.0.0.1:8080"),
    )
    .await;
    let options = ok_json(
        h.post_key(
            "/registration/initialize",
            &json!({"user_id": "alice", "username": "alice"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        refused(h.auth.register(&options).await),
        "SecurityError: This is an invalid domain."
    );
    let ipv6 = VirtualAuthenticator::new("http://[::1]:8080");
    assert_eq!(
        refused(ipv6.register(&options).await),
        "SecurityError: This is an invalid domain."
    );
}
