//! Failure paths: each checks the status and the server's exact title.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;

#[tokio::test]
async fn api_key_and_tenant_rules() {
    let h = start().await;
    let body = json!({"user_id": "u", "username": "u"});
    let r = h.post("/registration/initialize", &body).await;
    let e = expect_error(r, 401, "The api key is invalid").await;
    assert_eq!(
        e["details"],
        "api keys needs to be an apiKey Header and 32 byte long"
    );
    let r = h
        .http
        .post(h.url("/registration/initialize"))
        .header("apiKey", "wrong")
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "The api key is invalid").await;
    // Case-insensitive header name, trimmed value.
    let r = h
        .http
        .post(h.url("/registration/initialize"))
        .header("APIKEY", format!(" {} ", h.emu.api_key()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(h.emu.api_key().len(), 88);
    // Login init needs the key only with a user id.
    expect_error(
        h.post("/login/initialize", &json!({"user_id": "u"})).await,
        401,
        "api key is missing",
    )
    .await;
    let r = h
        .http
        .post(h.url("/login/initialize"))
        .header("apiKey", "nope")
        .json(&json!({"user_id": "u"}))
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "The api key is invalid").await;
    expect_error(
        h.post_key("/login/initialize", &json!({"user_id": "ghost"}))
            .await,
        404,
        "user not found",
    )
    .await;
    expect_error(
        h.post_key("/login/initialize", &json!({"user_id": ""}))
            .await,
        400,
        "unable to validate request",
    )
    .await;

    // Tenant middleware runs before the API key.
    let server = h.emu.base_url();
    let r = h
        .http
        .get(format!("{server}/not-a-uuid/credentials"))
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "tenant_id must be a valid uuid4").await;
    let r = h
        .http
        .get(format!(
            "{server}/6ba7b810-9dad-11d1-80b4-00c04fd430c8/credentials"
        ))
        .send()
        .await
        .unwrap();
    expect_error(r, 404, "tenant not found").await;
    let t = h.emu.tenant_id().simple().to_string().to_uppercase();
    let r = h
        .http
        .get(format!("{server}/{t}/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "gofrs accepts upper-case no-dash UUIDs");
    let r = h
        .http
        .get(format!(
            "{server}/urn:uuid:{}/.well-known/jwks.json",
            h.emu.tenant_id()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "gofrs accepts the urn form");
    let r = h
        .http
        .get(format!("{server}/favicon.ico"))
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "tenant_id must be a valid uuid4").await;

    // Unknown routes and wrong methods: 404 after group middleware.
    let r = h
        .http
        .get(h.url("/registration/initialize"))
        .send()
        .await
        .unwrap();
    let e = expect_error(r, 404, "Not Found").await;
    assert_eq!(e["details"], "");
    expect_error(
        h.post("/mfa/nope", &json!({})).await,
        401,
        "The api key is invalid",
    )
    .await;
    expect_error(h.post_key("/mfa/nope", &json!({})).await, 404, "Not Found").await;
    let r = h
        .http
        .put(h.url("/credentials"))
        .header("apiKey", h.emu.api_key())
        .send()
        .await
        .unwrap();
    expect_error(r, 404, "Not Found").await;
    expect_error(
        h.get_key("/transaction/initialize").await,
        400,
        "invalid user id",
    )
    .await;

    // Request id echo.
    let r = h
        .http
        .get(h.url("/.well-known/jwks.json"))
        .header("X-Request-Id", "abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc");
}

#[tokio::test]
async fn validation_messages() {
    let h = start().await;
    let e = expect_error(
        h.post_key("/registration/initialize", &json!({})).await,
        400,
        "unable to validate request",
    )
    .await;
    assert_eq!(
        e["details"],
        "user_id is a required field and username is a required field"
    );
    let r = h
        .http
        .post(h.url("/registration/initialize"))
        .header("apiKey", h.emu.api_key())
        .send()
        .await
        .unwrap();
    let e = expect_error(r, 400, "unable to validate request").await;
    assert_eq!(
        e["details"],
        "user_id is a required field and username is a required field"
    );
    let e = expect_error(
        h.post_key(
            "/registration/initialize",
            &json!({"user_id": "u", "username": "u", "icon": ""}),
        )
        .await,
        400,
        "unable to validate request",
    )
    .await;
    assert_eq!(e["details"], "icon must be a valid URL");
    let long = "x".repeat(129);
    let e = expect_error(
        h.post_key(
            "/registration/initialize",
            &json!({"user_id": "u", "username": long}),
        )
        .await,
        400,
        "unable to validate request",
    )
    .await;
    assert_eq!(e["details"], "username cannot have more than 128 entries");
    let r = h
        .post_raw("/registration/initialize", "text/plain", "user_id=u")
        .await;
    let e = expect_error(r, 400, "unable to process request").await;
    assert_eq!(e["details"], "Unsupported Media Type");
    let r = h
        .post_raw("/registration/initialize", "application/json", "{nope")
        .await;
    let e = expect_error(r, 400, "unable to process request").await;
    assert!(
        e["details"]
            .as_str()
            .unwrap()
            .starts_with("Syntax error: offset=")
    );
    let e = expect_error(
        h.post_key(
            "/registration/initialize",
            &json!({"user_id": 5, "username": "u"}),
        )
        .await,
        400,
        "unable to process request",
    )
    .await;
    assert!(
        e["details"]
            .as_str()
            .unwrap()
            .starts_with("Unmarshal type error: expected=string, got=number, field=user_id")
    );
    let e = expect_error(
        h.get_key("/credentials?order=up").await,
        400,
        "unable to validate request",
    )
    .await;
    assert_eq!(e["details"], "Order must be one of 'desc asc'");
    expect_error(
        h.get_key("/credentials?page=x").await,
        400,
        "unable to process request",
    )
    .await;
    expect_error(
        h.get_key("/audit_logs?start_time=").await,
        400,
        "unable to list audit logs",
    )
    .await;
    let r = h
        .http
        .patch(h.url("/credentials/abc"))
        .header("apiKey", h.emu.api_key())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let e = expect_error(r, 400, "unable to validate request").await;
    assert_eq!(e["details"], "name is a required field");
    let e = expect_error(
        h.post_key(
            "/transaction/initialize",
            &json!({"user_id": "u", "transaction_id": "t", "transaction_data": null}),
        )
        .await,
        400,
        "unable to validate request",
    )
    .await;
    assert_eq!(e["details"], "transaction_data is a required field");
    expect_error(
        h.post_key(
            "/transaction/initialize",
            &json!({"user_id": "ghost", "transaction_id": "t", "transaction_data": {"a": 1}}),
        )
        .await,
        404,
        "unable to find user",
    )
    .await;
    expect_error(
        h.get_key("/credentials/nope").await,
        404,
        "credential with id 'nope' not found",
    )
    .await;
}

#[tokio::test]
async fn malformed_credential_json() {
    let h = start().await;
    let r = h
        .http
        .post(h.url("/registration/finalize"))
        .body("{")
        .send()
        .await
        .unwrap();
    let e = expect_error(r, 400, "unable to parse credential creation response").await;
    assert_eq!(e["details"], "Parse error for Registration");
    let r = h
        .http
        .post(h.url("/login/finalize"))
        .body("[]")
        .send()
        .await
        .unwrap();
    expect_error(r, 400, "unable to finish login").await;
    let r = h
        .post("/login/finalize", &json!({"type": "public-key"}))
        .await;
    let e = expect_error(r, 400, "unable to finish login").await;
    assert_eq!(e["details"], "CredentialAssertionResponse with ID missing");
    // Replay of an unknown registration challenge: 400, not 401.
    let cred = h.registration_by(&h.auth, "u").await;
    ok_json(h.post("/registration/finalize", &cred).await).await;
    expect_error(
        h.post("/registration/finalize", &cred).await,
        400,
        "received challenge does not match with any stored one",
    )
    .await;
}

#[tokio::test]
async fn replay_origin_uv_and_ownership() {
    let h = start().await;
    h.register("alice").await;
    let bob_auth = h.new_authenticator();
    h.register_with(&bob_auth, "bob").await;

    // Replay.
    let options = h.login_options(None).await;
    let assertion = h.auth.login(&options).await.unwrap();
    ok_json(h.post("/login/finalize", &assertion).await).await;
    let e = expect_error(
        h.post("/login/finalize", &assertion).await,
        401,
        "failed to get session data",
    )
    .await;
    assert_eq!(
        e["details"],
        "received challenge does not match with any stored one"
    );

    // Wrong origin (registration and login).
    let evil = h.auth.with_origin("http://localhost:9999");
    let cred = h.registration_by(&evil, "carol").await;
    let e = expect_error(
        h.post("/registration/finalize", &cred).await,
        400,
        "failed to validate attestation",
    )
    .await;
    assert_eq!(e["details"], "Error validating origin");
    let options = h.login_options(Some("alice")).await;
    let assertion = evil.login(&options).await.unwrap();
    let e = expect_error(
        h.post("/login/finalize", &assertion).await,
        401,
        "failed to validate assertion",
    )
    .await;
    assert_eq!(e["details"], "Error validating origin");

    // Missing UV at registration → 422.
    let cred = h
        .registration_by(&h.auth.clone().user_verified(false), "dave")
        .await;
    expect_error(
        h.post("/registration/finalize", &cred).await,
        422,
        "failed to validate attestation: Error validating the authenticator response: User verification required but flag not set by authenticator\n",
    )
    .await;
    // Missing UP.
    let cred = h
        .registration_by(&h.auth.clone().user_present(false), "erin")
        .await;
    let e = expect_error(
        h.post("/registration/finalize", &cred).await,
        400,
        "failed to validate attestation",
    )
    .await;
    assert_eq!(e["details"], "Error validating the authenticator response");

    // Another user's credential on a user-bound login.
    let options = h.login_options(Some("alice")).await;
    let mut stolen = options.clone();
    stolen["publicKey"]["allowCredentials"] = json!([]);
    let assertion = bob_auth.login(&stolen).await.unwrap();
    let e = expect_error(
        h.post("/login/finalize", &assertion).await,
        401,
        "failed to validate assertion",
    )
    .await;
    assert_eq!(e["details"], "User does not own the credential returned");

    // A damaged signature.
    let options = h.login_options(Some("alice")).await;
    let mut assertion = h.auth.login(&options).await.unwrap();
    assert!(hanko_passkeys_emulator::authenticator::tamper::corrupt_signature(&mut assertion));
    let e = expect_error(
        h.post("/login/finalize", &assertion).await,
        401,
        "failed to validate assertion",
    )
    .await;
    assert_eq!(
        e["details"],
        "Error validating the assertion signature: <nil>"
    );
    // Transaction finalize needs a user handle.
    let options = ok_json(
        h.post_key(
            "/transaction/initialize",
            &json!({"user_id": "alice", "transaction_id": "t-uh", "transaction_data": [1]}),
        )
        .await,
    )
    .await;
    let mut assertion = h.auth.login(&options).await.unwrap();
    hanko_passkeys_emulator::authenticator::tamper::set_user_handle(&mut assertion, None);
    let e = expect_error(
        h.post_key("/transaction/finalize", &assertion).await,
        401,
        "failed to get user handle",
    )
    .await;
    assert_eq!(e["details"], "user not found");
    hanko_passkeys_emulator::authenticator::tamper::set_user_handle(&mut assertion, Some(b"bob"));
    let e = expect_error(
        h.post_key("/transaction/finalize", &assertion).await,
        401,
        "failed to validate assertion",
    )
    .await;
    assert_eq!(e["details"], "ID mismatch for User and Session");

    // Discoverable login with an unknown user handle.
    let stranger = h.new_authenticator();
    let other = common::builder().start().await.unwrap();
    let opts = ok_json(
        h.http
            .post(format!("{}/registration/initialize", other.tenant_url()))
            .header("apiKey", other.api_key())
            .json(&json!({"user_id": "zed", "username": "z"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let c = stranger.register(&opts).await.unwrap();
    ok_json(
        h.http
            .post(format!("{}/registration/finalize", other.tenant_url()))
            .json(&c)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let options = h.login_options(None).await;
    let assertion = stranger.login(&options).await.unwrap();
    let e = expect_error(
        h.post("/login/finalize", &assertion).await,
        401,
        "failed to get user handle",
    )
    .await;
    assert_eq!(e["details"], "user not found");
}

#[tokio::test]
async fn mfa_credentials_stay_out_of_login_and_transactions() {
    let h = start().await;
    let options = ok_json(
        h.post_key(
            "/mfa/registration/initialize",
            &json!({"user_id": "m", "username": "m"}),
        )
        .await,
    )
    .await;
    let cred = h.auth.register(&options).await.unwrap();
    expect_error(
        h.post("/mfa/registration/finalize", &cred).await,
        401,
        "The api key is invalid",
    )
    .await;
    ok_json(h.post_key("/mfa/registration/finalize", &cred).await).await;
    expect_error(
        h.post_key("/login/initialize", &json!({"user_id": "m"}))
            .await,
        500,
        "failed to create webauthn assertion options for login: Found no credentials for user",
    )
    .await;
    expect_error(
        h.post_key("/transaction/initialize", &json!({"user_id": "m", "transaction_id": "t1", "transaction_data": "x"})).await,
        500,
        "failed to create webauthn assertion options for transaction: Found no credentials for user",
    )
    .await;
    let options = h.login_options(None).await;
    let assertion = h.auth.login(&options).await.unwrap();
    let e = expect_error(
        h.post("/login/finalize", &assertion).await,
        401,
        "failed to validate assertion",
    )
    .await;
    assert_eq!(
        e["details"],
        "Unable to find the credential for the returned credential ID"
    );
    // Failed events are not persisted.
    let logs = ok_json(
        h.get_key("/audit_logs?type=webauthn_authentication_final_failed")
            .await,
    )
    .await;
    assert_eq!(logs, json!([]));
}

#[tokio::test]
async fn transactions_conflict_and_tampering() {
    let h = start().await;
    h.register("alice").await;
    let body =
        json!({"user_id": "alice", "transaction_id": "tx", "transaction_data": {"amount": 10}});
    let options = ok_json(h.post_key("/transaction/initialize", &body).await).await;
    expect_error(
        h.post_key("/transaction/initialize", &body).await,
        409,
        "transaction already exists",
    )
    .await;

    // Tampered data: the client signs a challenge bound to other data.
    use base64::Engine as _;
    use sha2::Digest as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut raw = b64
        .decode(options["publicKey"]["challenge"].as_str().unwrap())
        .unwrap();
    let forged = sha2::Sha256::new()
        .chain_update(b"tx")
        .chain_update(br#"{"amount":1000}"#)
        .finalize();
    raw.truncate(32);
    raw.extend_from_slice(&forged);
    let mut tampered = options.clone();
    tampered["publicKey"]["challenge"] = b64.encode(&raw).into();
    let assertion = h.auth.login(&tampered).await.unwrap();
    let e = expect_error(
        h.post_key("/transaction/finalize", &assertion).await,
        401,
        "failed to get session data",
    )
    .await;
    assert_eq!(e["details"], "no transaction found for this challenge");

    // The genuine one works once; a replay fails.
    let assertion = h.auth.login(&options).await.unwrap();
    expect_error(
        h.post("/transaction/finalize", &assertion).await,
        401,
        "The api key is invalid",
    )
    .await;
    ok_json(h.post_key("/transaction/finalize", &assertion).await).await;
    let e = expect_error(
        h.post_key("/transaction/finalize", &assertion).await,
        401,
        "failed to get session data",
    )
    .await;
    assert_eq!(
        e["details"],
        "received challenge does not match with any stored one"
    );
}

#[tokio::test]
async fn expired_sessions() {
    let h = start_with(common::builder().timeout(Duration::from_secs(60))).await;
    let token = h.register("alice").await;
    let alice_cred = claims(token["token"].as_str().unwrap())["cred"]
        .as_str()
        .unwrap()
        .to_string();
    let options = h.registration_options("bob").await;
    let login = h.login_options(Some("alice")).await;
    let discoverable = h.login_options(None).await;
    h.emu.advance_time(Duration::from_secs(61));
    let cred = h.auth.register(&options).await.unwrap();
    let e = expect_error(
        h.post("/registration/finalize", &cred).await,
        400,
        "failed to validate attestation",
    )
    .await;
    assert_eq!(e["details"], "Session has Expired");
    let assertion = h.auth.login(&login).await.unwrap();
    let e = expect_error(
        h.post("/login/finalize", &assertion).await,
        401,
        "failed to validate assertion",
    )
    .await;
    assert_eq!(e["details"], "Session has Expired");
    // Discoverable login does not check expiry (go-webauthn quirk).
    let assertion = h
        .auth
        .using_credential(&alice_cred)
        .login(&discoverable)
        .await
        .unwrap();
    ok_json(h.post("/login/finalize", &assertion).await).await;
}

#[tokio::test]
async fn concurrent_register_and_login() {
    let h = std::sync::Arc::new(start().await);
    let mut tasks = Vec::new();
    for i in 0..32 {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            let user = format!("user-{i}");
            let auth = h.new_authenticator();
            h.register_with(&auth, &user).await;
            let options = h.login_options(Some(&user)).await;
            let assertion = auth.login(&options).await.unwrap();
            let token = ok_json(h.post("/login/finalize", &assertion).await).await;
            assert_eq!(
                claims(token["token"].as_str().unwrap())["sub"],
                user.as_str()
            );
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let r = h.get_key("/credentials?per_page=100").await;
    assert_eq!(r.headers()["x-total-count"], "32");
    let finals = ok_json(
        h.get_key("/audit_logs?type=webauthn_authentication_final_succeeded&per_page=100")
            .await,
    )
    .await;
    assert_eq!(finals.as_array().unwrap().len(), 32);
}
