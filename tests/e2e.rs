//! End to end: the facade against the emulator, with the virtual authenticator as the browser.
//! Every operation, and every failure the server must report, with its status and title.

use std::time::Duration;

use common::emulator::{emulator, register, tenant_of};
use futures_util::TryStreamExt;
use hanko_passkeys::{AssertionResponse, Config, Error, ErrorKind, RegistrationResponse, Tenant};
use hanko_passkeys_emulator::authenticator::{VirtualAuthenticator, tamper};
use hanko_passkeys_emulator::{Emulator, EmulatorBuilder};
use serde_json::{Value, json};

mod common;

async fn emulator_with(f: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder) -> Emulator {
    f(common::emulator::builder()).start().await.unwrap()
}

fn assertion(value: Value) -> AssertionResponse {
    serde_json::from_value(value).unwrap()
}

fn assert_api_error(e: &Error, status: u16, title: &str) {
    assert_eq!(e.kind(), ErrorKind::Api, "{e:?}");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(status), "{e:?}");
    assert_eq!(e.title(), Some(title), "{e:?}");
    assert!(e.request_id().is_some_and(|id| id.len() == 32), "{e:?}");
}

#[tokio::test]
async fn every_operation_through_the_facade() {
    let emu = emulator().await;
    let tenant = tenant_of(&emu);
    let verifier = tenant.verifier().unwrap();
    let browser = VirtualAuthenticator::new(emu.origin());
    let user = "user-1@e2e";

    // Registration; the options the facade hands out are what the authenticator consumes.
    let options = tenant
        .registration()
        .initialize(user, "alice")
        .display_name("Alice")
        .icon("https://example.com/a.png")
        .await
        .unwrap();
    assert_eq!(options.public_key.user.display_name, "Alice");
    assert_eq!(options.public_key.pub_key_cred_params.len(), 10);
    let credential: RegistrationResponse =
        serde_json::from_value(browser.register(&options).await.unwrap()).unwrap();
    let token = tenant.registration().finalize(&credential).await.unwrap();
    let passkey = token.verify(&verifier).await.unwrap().cred;

    // Discoverable login, then login for the user.
    let options = tenant.login().initialize().await.unwrap();
    assert!(options.public_key.allow_credentials.is_none());
    let claims = tenant
        .login()
        .finalize(&assertion(browser.login(&options).await.unwrap()))
        .await
        .unwrap()
        .verify(&verifier)
        .await
        .unwrap();
    assert_eq!(
        (claims.sub.as_str(), claims.aud.as_slice()),
        (user, ["localhost".to_owned()].as_slice())
    );
    let options = tenant.user(user).login().initialize().await.unwrap();
    assert_eq!(
        options.public_key.allow_credentials.as_ref().unwrap()[0].id,
        passkey
    );
    tenant
        .user(user)
        .login()
        .finalize(&assertion(browser.login(&options).await.unwrap()))
        .await
        .unwrap();

    // Credentials: list (user and tenant), get, rename.
    let page = tenant.user(user).credentials().await.unwrap();
    assert_eq!((page.items.len(), page.total), (1, Some(1)));
    assert_eq!(page.items[0].user_id.as_deref(), Some(user));
    assert!(page.items[0].last_used_at.is_some());
    tenant.credential(&passkey).rename("Laptop").await.unwrap();
    assert_eq!(
        tenant
            .credential(&passkey)
            .get()
            .await
            .unwrap()
            .name
            .as_deref(),
        Some("Laptop")
    );

    // MFA registration and login with a second authenticator.
    let key = VirtualAuthenticator::new(emu.origin());
    let mfa = tenant.user(user).mfa();
    let options = mfa.registration().initialize("alice").await.unwrap();
    let credential: RegistrationResponse =
        serde_json::from_value(key.register(&options).await.unwrap()).unwrap();
    let mfa_cred = mfa
        .registration()
        .finalize(&credential)
        .await
        .unwrap()
        .verify(&verifier)
        .await
        .unwrap()
        .cred;
    let options = mfa.login().initialize().await.unwrap();
    let ids: Vec<_> = options
        .public_key
        .allow_credentials
        .iter()
        .flatten()
        .map(|c| c.id.clone())
        .collect();
    assert!(
        ids.contains(&passkey) && ids.contains(&mfa_cred),
        "MFA login lists all credentials"
    );
    let claims = mfa
        .login()
        .finalize(&assertion(key.login(&options).await.unwrap()))
        .await
        .unwrap()
        .verify(&verifier)
        .await
        .unwrap();
    assert_eq!(claims.cred, mfa_cred);
    let all: Vec<_> = tenant
        .credentials()
        .per_page(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 2, "two pages of one");
    assert_eq!(all.iter().filter(|c| c.is_mfa).count(), 1);

    // Transaction: sign, verify the binding, list by the internal user id.
    let data = json!({"amount": 1.0, "to": "<Bob & Co>"});
    let options = tenant
        .transaction()
        .initialize(user, "tx-1", &data)
        .await
        .unwrap();
    assert_eq!(options.public_key.challenge.len(), 86);
    let token = tenant
        .transaction()
        .finalize(&assertion(browser.login(&options).await.unwrap()))
        .await
        .unwrap();
    assert_eq!(
        token
            .verify_transaction(&verifier, "tx-1")
            .await
            .unwrap()
            .trans
            .as_deref(),
        Some("tx-1")
    );
    assert!(token.verify_transaction(&verifier, "tx-2").await.is_err());
    let internal = emu.internal_user_id(emu.tenant_id(), user).unwrap();
    let list = tenant.transaction().list(internal).await.unwrap();
    assert_eq!(list[0].identifier, "tx-1");
    assert_eq!(
        list[0].data, r#"{"amount":1,"to":"\u003cBob \u0026 Co\u003e"}"#,
        "Go's canonical JSON"
    );

    // Audit logs with filters, pages and stream.
    let logins = tenant
        .audit_logs()
        .event_type("webauthn_authentication_final_succeeded")
        .actor_user_id(user)
        .await
        .unwrap();
    assert_eq!(logins.total, Some(2));
    let since = chrono::Utc::now() - chrono::Duration::minutes(5);
    let everything: Vec<_> = tenant
        .audit_logs()
        .start_time(since)
        .per_page(3)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(everything.len() >= 12, "{}", everything.len());
    assert!(
        everything
            .iter()
            .any(|e| e.type_ == "webauthn_credential_updated")
    );

    // JWKS, and remove.
    assert_eq!(tenant.jwks().await.unwrap().keys.len(), 1);
    tenant.credential(&passkey).remove().await.unwrap();
    assert!(
        tenant
            .credential(&passkey)
            .get()
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test]
async fn key_rotation_keeps_old_tokens_verifiable() {
    let emu = emulator().await;
    let tenant = tenant_of(&emu);
    let browser = VirtualAuthenticator::new(emu.origin());
    let options = tenant
        .registration()
        .initialize("rotating-user", "r")
        .await
        .unwrap();
    let credential: RegistrationResponse =
        serde_json::from_value(browser.register(&options).await.unwrap()).unwrap();
    let old = tenant.registration().finalize(&credential).await.unwrap();
    let verifier = tenant.verifier().unwrap();
    old.verify(&verifier).await.unwrap();
    emu.rotate_signing_key(emu.tenant_id()).await.unwrap();
    let options = tenant.login().initialize().await.unwrap();
    let new = tenant
        .login()
        .finalize(&assertion(browser.login(&options).await.unwrap()))
        .await
        .unwrap();
    // A verifier with a fresh cache sees both keys; the shared one refreshes on the unknown kid
    // once its minimum refresh interval has passed.
    let fresh = hanko_passkeys::token::Verifier::builder(tenant.jwks_url(), "localhost")
        .build()
        .unwrap();
    fresh.verify(new.as_str()).await.unwrap();
    fresh.verify(old.as_str()).await.unwrap();
}

#[tokio::test]
async fn wrong_or_missing_api_key() {
    let emu = emulator().await;
    let wrong = hanko_passkeys::tenant(
        Config::new(emu.tenant_id().to_string())
            .api_key("not-the-key")
            .base_url(emu.base_url()),
    )
    .unwrap();
    let e = wrong.credentials().await.unwrap_err();
    assert_api_error(&e, 401, "The api key is invalid");
    assert!(!format!("{e} {e:?}").contains("not-the-key"));
    let e = wrong.user("u").login().initialize().await.unwrap_err();
    assert_api_error(&e, 401, "The api key is invalid");

    // Without a key the hook refuses locally, for the facade and the raw client alike.
    let keyless =
        hanko_passkeys::tenant(Config::new(emu.tenant_id().to_string()).base_url(emu.base_url()))
            .unwrap();
    assert_eq!(
        keyless.credentials().await.unwrap_err().kind(),
        ErrorKind::MissingApiKey
    );
    match keyless
        .raw()
        .list_credentials(&emu.tenant_id(), None, None, None, None)
        .await
    {
        Err(progenitor_client::Error::Custom(m)) => assert!(m.contains("list_credentials"), "{m}"),
        other => panic!("{other:?}"),
    }
    let body = hanko_passkeys::generated::types::LoginRequest {
        user_id: Some("u".parse().unwrap()),
    };
    match keyless
        .raw()
        .login_initialize(&emu.tenant_id(), &body)
        .await
    {
        Err(progenitor_client::Error::Custom(m)) => assert!(m.contains("API key"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Public calls need no key.
    keyless.login().initialize().await.unwrap();
    keyless.jwks().await.unwrap();
}

#[tokio::test]
async fn unknown_and_malformed_tenant() {
    let emu = emulator().await;
    let unknown = hanko_passkeys::tenant(
        Config::new("00000000-0000-4000-8000-000000000000")
            .api_key(emu.api_key())
            .base_url(emu.base_url()),
    )
    .unwrap();
    assert_api_error(
        &unknown.login().initialize().await.unwrap_err(),
        404,
        "tenant not found",
    );
    // Tenant errors come before the API key check.
    assert_api_error(
        &unknown.credentials().await.unwrap_err(),
        404,
        "tenant not found",
    );

    // The facade refuses a malformed id before sending; the server would answer 400.
    let e = hanko_passkeys::tenant(Config::new("not-a-uuid").base_url(emu.base_url())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Config);
    let response = reqwest::Client::new()
        .post(format!("{}/not-a-uuid/login/initialize", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["title"], "tenant_id must be a valid uuid4");
}

#[tokio::test]
async fn replayed_assertion_is_rejected() {
    let emu = emulator().await;
    let tenant = tenant_of(&emu);
    let browser = VirtualAuthenticator::new(emu.origin());
    register(&tenant, &browser, "replay-user").await;
    let options = tenant.login().initialize().await.unwrap();
    let answer = assertion(browser.login(&options).await.unwrap());
    tenant.login().finalize(&answer).await.unwrap();
    let e = tenant.login().finalize(&answer).await.unwrap_err();
    assert_api_error(&e, 401, "failed to get session data");
    assert_eq!(
        e.details(),
        Some("received challenge does not match with any stored one")
    );
    assert!(e.is_credential_refused());
    assert_eq!(e.suggested_status().as_u16(), 401);
}

#[tokio::test]
async fn wrong_origin_is_rejected() {
    let emu = emulator().await;
    let tenant = tenant_of(&emu);
    let browser = VirtualAuthenticator::new(emu.origin());
    register(&tenant, &browser, "origin-user").await;
    let options = tenant.login().initialize().await.unwrap();
    let phished = browser.with_origin("http://localhost:9999");
    let e = tenant
        .login()
        .finalize(&assertion(phished.login(&options).await.unwrap()))
        .await
        .unwrap_err();
    assert_api_error(&e, 401, "failed to validate assertion");
    assert_eq!(e.details(), Some("Error validating origin"));
    assert!(e.is_credential_refused() && !e.is_challenge_expired());
}

#[tokio::test]
async fn expired_session_is_rejected() {
    let emu = emulator_with(|b| b.timeout(Duration::from_secs(60))).await;
    let tenant = tenant_of(&emu);
    let browser = VirtualAuthenticator::new(emu.origin());
    register(&tenant, &browser, "slow-user").await;
    let options = tenant.user("slow-user").login().initialize().await.unwrap();
    let answer = assertion(browser.login(&options).await.unwrap());
    emu.advance_time(Duration::from_secs(61));
    let e = tenant.login().finalize(&answer).await.unwrap_err();
    assert_api_error(&e, 401, "failed to validate assertion");
    assert_eq!(e.details(), Some("Session has Expired"));
    assert!(e.is_challenge_expired() && e.is_credential_refused());
    assert_eq!(e.suggested_status().as_u16(), 400);
}

/// Finalize and verify in one `?` chain, in a function that returns the SDK's one error.
async fn log_in(
    tenant: &Tenant,
    answer: &AssertionResponse,
) -> Result<hanko_passkeys::token::Claims, Error> {
    let verifier = tenant.verifier()?;
    Ok(tenant
        .login()
        .finalize(answer)
        .await?
        .verify(&verifier)
        .await?)
}

#[tokio::test]
async fn one_error_model_and_the_predicates_an_app_answers_its_browser_with() {
    let emu = emulator().await;
    let tenant = tenant_of(&emu);
    let browser = VirtualAuthenticator::new(emu.origin());
    let credential = register(&tenant, &browser, "model-user").await;

    let options = tenant.login().initialize().await.unwrap();
    let answer = assertion(browser.login(&options).await.unwrap());
    assert_eq!(log_in(&tenant, &answer).await.unwrap().sub, "model-user");

    // A token that fails verification is an Error of kind Token.
    let options = tenant.login().initialize().await.unwrap();
    let answer = assertion(browser.login(&options).await.unwrap());
    let other_rp = hanko_passkeys::tenant(
        Config::new(emu.tenant_id().to_string())
            .base_url(emu.base_url())
            .relying_party_id("other.example"),
    )
    .unwrap();
    let token = tenant.login().finalize(&answer).await.unwrap();
    let e: Error = token
        .verify(&other_rp.verifier().unwrap())
        .await
        .unwrap_err()
        .into();
    assert_eq!(e.kind(), ErrorKind::Token);
    assert!(matches!(
        e.token_error(),
        Some(hanko_passkeys::token::TokenError::WrongAudience { .. })
    ));
    assert_eq!(e.suggested_status().as_u16(), 401);
    assert!(std::error::Error::source(&e).is_some());

    // No passkey left: login for the user cannot even start.
    tenant.credential(&credential).remove().await.unwrap();
    let e = tenant
        .user("model-user")
        .login()
        .initialize()
        .await
        .unwrap_err();
    assert!(e.is_no_usable_credential(), "{e:?}");
    assert_eq!(e.suggested_status().as_u16(), 404);

    // User verification required, and the authenticator did not verify the user.
    let options = tenant
        .registration()
        .initialize("uv-user", "uv@example.com")
        .await
        .unwrap();
    let lazy = VirtualAuthenticator::new(emu.origin()).user_verified(false);
    let response: RegistrationResponse =
        serde_json::from_value(lazy.register(&options).await.unwrap()).unwrap();
    let e = tenant.registration().finalize(&response).await.unwrap_err();
    assert!(e.is_user_verification_required(), "{e:?}");
    assert_eq!(e.suggested_status().as_u16(), 422);
}

#[tokio::test]
async fn another_users_credential_is_rejected() {
    let emu = emulator().await;
    let tenant = tenant_of(&emu);
    let alice = VirtualAuthenticator::new(emu.origin());
    register(&tenant, &alice, "alice-user").await;
    let bob = VirtualAuthenticator::new(emu.origin());
    register(&tenant, &bob, "bob-user@x").await;
    // Alice's authenticator answers a discoverable login but claims to be Bob.
    let options = tenant.login().initialize().await.unwrap();
    let mut answer = alice.login(&options).await.unwrap();
    tamper::set_user_handle(&mut answer, Some(b"bob-user@x"));
    let e = tenant
        .login()
        .finalize(&assertion(answer))
        .await
        .unwrap_err();
    assert_api_error(&e, 401, "failed to validate assertion");
}

#[tokio::test]
async fn mfa_credential_is_refused_for_normal_login() {
    let emu = emulator().await;
    let tenant = tenant_of(&emu);
    let browser = VirtualAuthenticator::new(emu.origin());
    register(&tenant, &browser, "mfa-user@x").await;
    let key = VirtualAuthenticator::new(emu.origin());
    let mfa = tenant.user("mfa-user@x").mfa();
    let options = mfa.registration().initialize("m").await.unwrap();
    let credential: RegistrationResponse =
        serde_json::from_value(key.register(&options).await.unwrap()).unwrap();
    mfa.registration().finalize(&credential).await.unwrap();
    // MFA and passkey logins share their session kind, so an MFA challenge can be posted to
    // the passkey finalize route: there the MFA credential does not count.
    let options = mfa.login().initialize().await.unwrap();
    let e = tenant
        .login()
        .finalize(&assertion(key.login(&options).await.unwrap()))
        .await
        .unwrap_err();
    assert_api_error(&e, 401, "failed to validate assertion");
    assert_eq!(
        e.details(),
        Some("Unable to find the credential for the returned credential ID")
    );
}

#[tokio::test]
async fn duplicate_and_tampered_transactions() {
    let emu = emulator().await;
    let tenant = tenant_of(&emu);
    let browser = VirtualAuthenticator::new(emu.origin());
    register(&tenant, &browser, "payer-user").await;
    let tx = tenant.transaction();
    let data = json!({"amount": 10});
    tx.initialize("payer-user", "tx-dup", &data).await.unwrap();
    let e = tx
        .initialize("payer-user", "tx-dup", &json!({"amount": 11}))
        .await
        .unwrap_err();
    assert_api_error(&e, 409, "transaction already exists");
    assert!(e.is_conflict());

    // The challenge carries a hash of the data: an authenticator shown other data signs
    // another challenge, which matches no transaction.
    let mut options = tx
        .initialize("payer-user", "tx-tampered", &data)
        .await
        .unwrap();
    let mut challenge = options.public_key.challenge.clone();
    // Change a character in the hash part (the last one only carries padding bits).
    let at = challenge.len() - 10;
    let other = if &challenge[at..=at] == "A" { "B" } else { "A" };
    challenge.replace_range(at..=at, other);
    options.public_key.challenge = challenge;
    let e = tx
        .finalize(&assertion(browser.login(&options).await.unwrap()))
        .await
        .unwrap_err();
    assert_api_error(&e, 401, "failed to get session data");
    assert_eq!(e.details(), Some("no transaction found for this challenge"));
}

#[tokio::test]
async fn malformed_credential_json_is_rejected_by_the_server() {
    let emu = emulator().await;
    let tenant = tenant_of(&emu);
    let credential: RegistrationResponse = r#"{"id":"AQID","rawId":"AQID","type":"public-key",
        "response":{"clientDataJSON":"not base64!","attestationObject":"%%%"}}"#
        .parse()
        .unwrap();
    let e = tenant
        .registration()
        .finalize(&credential)
        .await
        .unwrap_err();
    assert_api_error(&e, 400, "unable to parse credential creation response");
    let answer: AssertionResponse = r#"{"id":"AQID","rawId":"AQID","type":"public-key",
        "response":{"clientDataJSON":"e30","authenticatorData":"!!","signature":"AA"}}"#
        .parse()
        .unwrap();
    let e = tenant.login().finalize(&answer).await.unwrap_err();
    assert_api_error(&e, 400, "unable to finish login");
}
