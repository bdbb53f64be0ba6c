//! Contract §9.3 and §9.4: WebAuthn verification as go-webauthn v0.10.0 and the server do it.

mod common;

use common::*;
use hanko_passkeys_emulator::authenticator::tamper::{self, flags};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn cross_origin_client_data_is_not_checked_on_registration() {
    let h = start().await;
    let mut credential = h.registration_by(&h.auth, "alice").await;
    assert!(tamper::set_client_data(
        &mut credential,
        "crossOrigin",
        json!(true)
    ));
    ok_json(h.post("/registration/finalize", &credential).await).await;
}

#[tokio::test]
async fn backup_eligibility_may_change_between_registration_and_login() {
    let h = start().await;
    let flags_of =
        |dto: &serde_json::Value| (dto["backup_eligible"].clone(), dto["backup_state"].clone());
    // Registered as a synced passkey, then used from a device that says it is not (1 → 0) ...
    let id = h.register_id("alice").await;
    let dto = ok_json(h.get_key(&format!("/credentials/{id}")).await).await;
    assert_eq!(flags_of(&dto), (json!(true), json!(true)));
    let options = h.login_options(Some("alice")).await;
    let assertion = h
        .auth
        .clone()
        .backup_eligible(false)
        .login(&options)
        .await
        .unwrap();
    ok_json(h.post("/login/finalize", &assertion).await).await;
    let dto = ok_json(h.get_key(&format!("/credentials/{id}")).await).await;
    assert_eq!(
        flags_of(&dto),
        (json!(false), json!(false)),
        "stored as it came"
    );
    // ... and back (0 → 1).
    let options = h.login_options(Some("alice")).await;
    let assertion = h.auth.login(&options).await.unwrap();
    ok_json(h.post("/login/finalize", &assertion).await).await;
    let dto = ok_json(h.get_key(&format!("/credentials/{id}")).await).await;
    assert_eq!(flags_of(&dto), (json!(true), json!(true)));
}

#[tokio::test]
async fn backup_state_without_eligibility_is_accepted_at_registration() {
    let h = start().await;
    let mut credential = h.registration_by(&h.auth, "alice").await;
    tamper::set_registration_flags(&mut credential, flags::BACKUP_STATE, flags::BACKUP_ELIGIBLE);
    let token = ok_json(h.post("/registration/finalize", &credential).await).await;
    let id = claims(token["token"].as_str().unwrap())["cred"]
        .as_str()
        .unwrap()
        .to_string();
    let dto = ok_json(h.get_key(&format!("/credentials/{id}")).await).await;
    assert_eq!(dto["backup_state"], true);
    assert_eq!(dto["backup_eligible"], false);
}

#[tokio::test]
async fn a_signature_that_is_not_der_is_signature_invalid_or_not_provided() {
    let h = start().await;
    h.register("alice").await;
    let options = h.login_options(None).await;
    let mut assertion = h.auth.login(&options).await.unwrap();
    assertion["response"]["signature"] = json!("AAAA");
    let e = expect_error(
        h.post("/login/finalize", &assertion).await,
        401,
        "failed to validate assertion",
    )
    .await;
    assert_eq!(
        e["details"],
        "Error validating the assertion signature: Signature invalid or not provided"
    );
}

#[tokio::test]
async fn an_assertion_without_response_is_unexpected_end_of_json_input() {
    let h = start().await;
    let e = expect_error(
        h.post(
            "/login/finalize",
            &json!({"id": "AAAA", "rawId": "AAAA", "type": "public-key"}),
        )
        .await,
        400,
        "unable to finish login",
    )
    .await;
    assert_eq!(e["details"], "unexpected end of JSON input");
}

#[tokio::test]
async fn missing_user_verification_at_registration_is_422_with_the_authenticator_response_details()
{
    let h = start().await;
    let credential = h
        .registration_by(&h.auth.clone().user_verified(false), "alice")
        .await;
    let e = expect_error(
        h.post("/registration/finalize", &credential).await,
        422,
        "failed to validate attestation: Error validating the authenticator response: User verification required but flag not set by authenticator\n",
    )
    .await;
    assert_eq!(e["details"], "Error validating the authenticator response");
}

#[tokio::test]
async fn a_foreign_user_handle_on_a_user_bound_login_still_logs_in() {
    let h = start().await;
    h.register("alice").await;
    h.register_with(&h.new_authenticator(), "bob").await;
    for path in ["/login/finalize", "/mfa/login/finalize"] {
        let options = h.login_options(Some("alice")).await;
        let mut assertion = h.auth.login(&options).await.unwrap();
        tamper::set_user_handle(&mut assertion, Some(b"bob"));
        let token = ok_json(h.post_key(path, &assertion).await).await;
        assert_eq!(
            claims(token["token"].as_str().unwrap())["sub"],
            "alice",
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_user_bound_login_of_a_16_byte_user_id_finds_no_user() {
    let h = start().await;
    h.register("0123456789abcdef").await;
    let options = h.login_options(Some("0123456789abcdef")).await;
    let assertion = h.auth.login(&options).await.unwrap();
    let e = expect_error(
        h.post("/login/finalize", &assertion).await,
        401,
        "failed to get user handle",
    )
    .await;
    assert_eq!(e["details"], "user not found");
}

#[tokio::test]
async fn a_discoverable_session_finalized_at_the_mfa_endpoint_has_no_user() {
    let h = start().await;
    h.register("alice").await;
    let options = h.login_options(None).await;
    let assertion = h.auth.login(&options).await.unwrap();
    let e = expect_error(
        h.post_key("/mfa/login/finalize", &assertion).await,
        401,
        "failed to get user handle",
    )
    .await;
    assert_eq!(e["details"], "user not found");
    // The session is still there for the passkey endpoint.
    ok_json(h.post("/login/finalize", &assertion).await).await;
}

#[tokio::test]
async fn deleting_the_last_allowed_credential_after_initialize_fails_the_login() {
    let h = start().await;
    let first = h.register_id("alice").await;
    let second_device = h.new_authenticator();
    let token = h.register_with(&second_device, "alice").await;
    let second = claims(token["token"].as_str().unwrap())["cred"]
        .as_str()
        .unwrap()
        .to_string();
    let options = h.login_options(Some("alice")).await;
    let allowed: Vec<&str> = options["publicKey"]["allowCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(allowed, [second.as_str(), first.as_str()], "newest first");
    // go-webauthn checks the ownership of the last credential listed only.
    let r = h
        .request_key(Method::DELETE, &format!("/credentials/{first}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let assertion = second_device.login(&options).await.unwrap();
    let e = expect_error(
        h.post("/login/finalize", &assertion).await,
        401,
        "failed to validate assertion",
    )
    .await;
    assert_eq!(
        e["details"],
        "User does not own all credentials from the allowedCredentialList"
    );
}

#[tokio::test]
async fn credentials_are_named_after_the_servers_21_authenticators() {
    let h = start().await;
    for (aaguid, name) in [
        ("53414d53-554e-4700-0000-000000000000", "Samsung Pass"),
        ("adce0002-35bc-c60a-648b-0b25f1f05503", "Chrome on Mac"),
        ("9ddd1817-af5a-4672-a2b9-3e3dd95000a9", "Windows Hello"),
        ("531126d6-e717-415c-9320-3d9aa6981239", "Dashlane"),
        ("17290f1e-c212-34d0-1423-365d729f09d9", "Thales PIN iOS SDK"),
    ] {
        let device = h.new_authenticator().aaguid(aaguid.parse().unwrap());
        let user = format!("user-{name}");
        let token = h.register_with(&device, &user).await;
        let id = claims(token["token"].as_str().unwrap())["cred"]
            .as_str()
            .unwrap()
            .to_string();
        let dto = ok_json(h.get_key(&format!("/credentials/{id}")).await).await;
        assert_eq!(dto["name"], name);
    }
    let id = h.register_id("plain").await;
    let dto = ok_json(h.get_key(&format!("/credentials/{id}")).await).await;
    assert_eq!(dto["name"], format!("cred-{id}"));
}
