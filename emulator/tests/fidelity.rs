//! Wire details: attestation formats, quirks, CORS, HEAD, pretty output, tenants, redaction.

mod common;

use common::*;
use hanko_passkeys_emulator::TenantConfig;
use hanko_passkeys_emulator::authenticator::{Attestation, VirtualAuthenticator};
use serde_json::json;

#[tokio::test]
async fn packed_self_attestation_is_verified() {
    let h = start().await;
    let auth = VirtualAuthenticator::new(h.emu.origin())
        .attestation(Attestation::PackedSelf)
        .aaguid(uuid::uuid!("bada5566-a7aa-401f-bd96-45619a55120d"));
    let token = h.register_with(&auth, "p").await;
    let id = claims(token["token"].as_str().unwrap())["cred"]
        .as_str()
        .unwrap()
        .to_string();
    let dto = ok_json(h.get_key(&format!("/credentials/{id}")).await).await;
    assert_eq!(dto["attestation_type"], "packed");
    assert_eq!(dto["aaguid"], "bada5566-a7aa-401f-bd96-45619a55120d");
    assert_eq!(dto["name"], "1Password");

    // A packed statement whose signature does not verify is rejected.
    let mut cred = h.registration_by(&auth, "q").await;
    let other = h.registration_by(&auth, "q").await;
    // Keep this ceremony's client data but take the other credential's attestation object.
    cred["response"]["attestationObject"] = other["response"]["attestationObject"].clone();
    let e = expect_error(
        h.post("/registration/finalize", &cred).await,
        400,
        "failed to validate attestation",
    )
    .await;
    assert_ne!(e["details"], "");
}

#[tokio::test]
async fn sixteen_byte_user_ids_cannot_log_in() {
    let h = start().await;
    h.register("0123456789abcdef").await;
    let options = h.login_options(None).await;
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
async fn cors_head_and_pretty() {
    let h = start_with(
        common::builder()
            .origin("http://localhost:8080")
            .origin("https://app.example"),
    )
    .await;
    assert_eq!(
        h.emu.origins(),
        ["http://localhost:8080", "https://app.example"]
    );
    let r = h
        .http
        .request(reqwest::Method::OPTIONS, h.url("/login/initialize"))
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,apikey")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    assert_eq!(r.headers()["access-control-allow-credentials"], "true");
    assert_eq!(
        r.headers()["access-control-allow-methods"],
        "GET,HEAD,PUT,PATCH,POST,DELETE"
    );
    assert_eq!(
        r.headers()["access-control-allow-headers"],
        "content-type,apikey"
    );
    assert_eq!(r.headers()["access-control-max-age"], "7200");
    let r = h
        .http
        .request(reqwest::Method::OPTIONS, h.url("/login/initialize"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.headers().get("access-control-allow-origin").is_none());

    let r = h
        .http
        .head(h.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.text().await.unwrap(), "");

    let text = h
        .http
        .get(h.url("/.well-known/jwks.json?pretty"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.starts_with("{\n  \"keys\": [\n    {\n      \"alg\": \"RS256\""),
        "{text}"
    );

    let r = h.http.get(h.emu.base_url()).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("API Integration Status"));
}

#[tokio::test]
async fn tenants_are_isolated_and_secrets_redacted() {
    let h = start().await;
    let second = h
        .emu
        .add_tenant(TenantConfig {
            rsa_bits: 2048,
            ..TenantConfig::new("example.com", "https://example.com")
        })
        .await
        .unwrap();
    assert!(second.tenant_url.ends_with(&second.tenant_id.to_string()));
    // The first tenant's key does not open the second tenant.
    let r = h
        .http
        .get(format!("{}/credentials", second.tenant_url))
        .header("apiKey", h.emu.api_key())
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "The api key is invalid").await;
    let r = h
        .http
        .get(format!("{}/credentials", second.tenant_url))
        .header("apiKey", &second.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(ok_json(r).await, json!([]));
    let options = ok_json(
        h.http
            .post(format!("{}/registration/initialize", second.tenant_url))
            .header("apiKey", &second.api_key)
            .json(&json!({"user_id": "u", "username": "u", "icon": "https://example.com/a.png", "display_name": "  "}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        options["publicKey"]["rp"],
        json!({"name": "example.com", "id": "example.com"})
    );
    assert_eq!(
        options["publicKey"]["user"],
        json!({"name": "u", "icon": "https://example.com/a.png", "displayName": "u", "id": "dQ"})
    );

    // UV "discouraged" forces go-webauthn's 120 s timeout.
    let mut config = TenantConfig {
        rsa_bits: 2048,
        ..TenantConfig::default()
    };
    config.passkey.user_verification = hanko_passkeys_emulator::UserVerification::Discouraged;
    let third = h.emu.add_tenant(config).await.unwrap();
    let options = ok_json(
        h.http
            .post(format!("{}/login/initialize", third.tenant_url))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(options["publicKey"]["timeout"], 120000);
    assert_eq!(options["publicKey"]["userVerification"], "discouraged");

    for debug in [
        format!("{:?}", h.emu),
        format!("{second:?}"),
        format!(
            "{:?}",
            TenantConfig {
                api_key: Some("s3cr3t".into()),
                ..Default::default()
            }
        ),
    ] {
        assert!(
            !debug.contains(h.emu.api_key())
                && !debug.contains(&second.api_key)
                && !debug.contains("s3cr3t"),
            "{debug}"
        );
    }
}
