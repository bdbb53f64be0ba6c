//! The SDK on `wasm32-unknown-unknown`, run on node by wasm-bindgen's test runner against the
//! emulator: the facade through a registration and a login, a token verified, API errors with
//! status, title and request id, and the wire guarantees (retries after a 503, no redirects,
//! bounded bodies, timeouts) against a small fake server.
//!
//! Not run by `cargo test`: `.ci/wasm` builds it for wasm32 and runs it under
//! `tests/wasm_support/serve.mjs`, which starts the emulator's JSON-lines harness (the
//! "browser" with its virtual authenticator), serves the fake routes, and hands both to the
//! tests in the environment variable `HANKO_WASM_TEST` (JSON). See CONTRIBUTING.md.
//!
//! One test is on both targets and ignored: `token_verifications_per_second`, the
//! measurement `.ci/wasm` runs natively and on wasm in the same run.
// Natively only the measurement is compiled; the wasm tests' imports and helpers are unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(unused_imports, dead_code))]

use std::time::Duration;

use hanko_passkeys::token::TokenError;
use hanko_passkeys::{
    AssertionResponse, Config, ErrorKind, RegistrationResponse, RetryPolicy, Tenant, tenant,
};
use serde_json::Value;
#[cfg(not(target_arch = "wasm32"))]
use tokio::test as wasm_bindgen_test;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// What `serve.mjs` hands over: the harness's first line plus the fake server's address.
struct Setup {
    tenant_id: String,
    api_key: String,
    base_url: String,
    rp_id: String,
    /// The fake server: `/browser/*` (the virtual authenticator), `/flaky/*`, `/redirect/*`,
    /// `/big/*`, `/hang/*`, and `/stats`.
    fake_url: String,
}

fn setup() -> Setup {
    #[cfg(target_arch = "wasm32")]
    let text = {
        let process = js_sys::Reflect::get(&js_sys::global(), &"process".into()).expect("process");
        let env = js_sys::Reflect::get(&process, &"env".into()).expect("process.env");
        js_sys::Reflect::get(&env, &"HANKO_WASM_TEST".into())
            .ok()
            .and_then(|v| v.as_string())
    };
    #[cfg(not(target_arch = "wasm32"))]
    let text = std::env::var("HANKO_WASM_TEST").ok();
    let text =
        text.expect("HANKO_WASM_TEST is set: run these tests through tests/wasm_support/serve.mjs");
    let v: Value = serde_json::from_str(&text).expect("HANKO_WASM_TEST is JSON");
    let s = |k: &str| {
        v[k].as_str()
            .unwrap_or_else(|| panic!("{k} in HANKO_WASM_TEST"))
            .to_owned()
    };
    Setup {
        tenant_id: s("tenant_id"),
        api_key: s("api_key"),
        base_url: s("base_url"),
        rp_id: s("rp_id"),
        fake_url: s("fake_url"),
    }
}

fn config(setup: &Setup, base_url: &str) -> Config {
    Config::new(setup.tenant_id.clone())
        .api_key(setup.api_key.clone())
        .base_url(base_url)
        .relying_party_id(setup.rp_id.clone())
}

fn emulator_tenant(setup: &Setup) -> Tenant {
    tenant(config(setup, &setup.base_url)).expect("tenant")
}

/// Asks the virtual authenticator behind the fake server to play the browser.
async fn browser(setup: &Setup, what: &str, options: Value) -> Value {
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/browser/{what}", setup.fake_url))
        .json(&options)
        .send()
        .await
        .expect("the fake server answers")
        .json()
        .await
        .expect("JSON");
    assert!(answer.get("error").is_none(), "harness: {answer}");
    answer
}

async fn stats(setup: &Setup) -> Value {
    reqwest::Client::new()
        .get(format!("{}/stats", setup.fake_url))
        .send()
        .await
        .expect("the fake server answers")
        .json()
        .await
        .expect("JSON")
}

/// Milliseconds on the wall clock (`Date.now()` on wasm).
fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Date::now();
    #[cfg(not(target_arch = "wasm32"))]
    return std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
}

/// A user id of its own per test, so that tests can run in any order.
fn user_id(test: &str) -> String {
    format!("wasm-{test}-{}", now_ms() as u64)
}

/// A registration and a login through the facade; the login's token.
async fn login_token(setup: &Setup, passkeys: &Tenant, user: &str) -> hanko_passkeys::Token {
    let options = passkeys
        .registration()
        .initialize(user, "alice@example.com")
        .await
        .expect("registration initialize");
    let credential = browser(setup, "register", serde_json::to_value(&options).unwrap()).await;
    let credential: RegistrationResponse = credential.to_string().parse().expect("credential");
    passkeys
        .registration()
        .finalize(&credential)
        .await
        .expect("registration finalize");
    let options = passkeys
        .login()
        .initialize()
        .await
        .expect("login initialize");
    let assertion = browser(setup, "login", serde_json::to_value(&options).unwrap()).await;
    let assertion: AssertionResponse = assertion.to_string().parse().expect("assertion");
    passkeys
        .login()
        .finalize(&assertion)
        .await
        .expect("login finalize")
}

/// Warm-cache verifications of one emulator token for two seconds, single-threaded; prints
/// the rate. `.ci/wasm` runs it natively and on wasm (node) in the same run.
#[wasm_bindgen_test]
#[ignore = "a measurement: .ci/wasm runs it"]
async fn token_verifications_per_second() {
    let setup = setup();
    let passkeys = emulator_tenant(&setup);
    let token = login_token(&setup, &passkeys, &user_id("measure")).await;
    let verifier = passkeys.verifier().expect("verifier");
    token
        .verify(&verifier)
        .await
        .expect("verifies (and fills the cache)");
    let started = now_ms();
    let mut n = 0u64;
    while now_ms() - started < 2_000.0 {
        for _ in 0..20 {
            token.verify(&verifier).await.expect("verifies");
        }
        n += 20;
    }
    let rate = n as f64 * 1000.0 / (now_ms() - started);
    let target = if cfg!(target_arch = "wasm32") {
        "wasm32 (node)"
    } else {
        "native"
    };
    let line = format!("token verifications per second, {target}: {rate:.0} ({n} in the loop)");
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::console_log!("{line}");
    #[cfg(not(target_arch = "wasm32"))]
    println!("{line}");
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
async fn registration_login_and_a_verified_token_through_the_facade() {
    let setup = setup();
    let passkeys = emulator_tenant(&setup);
    let user = user_id("flow");

    let options = passkeys
        .registration()
        .initialize(&user, "alice@example.com")
        .await
        .expect("registration initialize");
    let credential = browser(&setup, "register", serde_json::to_value(&options).unwrap()).await;
    let credential: RegistrationResponse = credential.to_string().parse().expect("credential");
    let verifier = passkeys.verifier().expect("verifier");
    let claims = passkeys
        .registration()
        .finalize(&credential)
        .await
        .expect("registration finalize")
        .verify(&verifier)
        .await
        .expect("the registration token verifies");
    assert_eq!(claims.sub, user);
    let credential_id = claims.cred.clone();

    let options = passkeys
        .login()
        .initialize()
        .await
        .expect("login initialize");
    let assertion = browser(&setup, "login", serde_json::to_value(&options).unwrap()).await;
    let assertion: AssertionResponse = assertion.to_string().parse().expect("assertion");
    let token = passkeys
        .login()
        .finalize(&assertion)
        .await
        .expect("login finalize");
    let claims = token
        .verify(&verifier)
        .await
        .expect("the login token verifies");
    assert_eq!(
        (claims.sub.as_str(), claims.cred.as_str()),
        (user.as_str(), credential_id.as_str())
    );

    // A token whose payload was changed does not verify.
    let text = token.as_str();
    let mut parts: Vec<&str> = text.split('.').collect();
    let forged_payload = {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let mut claims: Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
        claims["sub"] = "mallory".into();
        b64.encode(claims.to_string())
    };
    parts[1] = &forged_payload;
    let err = verifier
        .verify(&parts.join("."))
        .await
        .expect_err("a forged token is refused");
    assert!(matches!(err, TokenError::BadSignature), "{err}");

    // The same assertion again: the session is gone. An API error with everything kept.
    let err = passkeys
        .login()
        .finalize(&assertion)
        .await
        .expect_err("a replayed assertion is refused");
    assert_eq!(err.kind(), ErrorKind::Api, "{err}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.title(), Some("failed to get session data"));
    assert!(
        err.request_id().is_some_and(|id| !id.is_empty()),
        "the emulator's x-request-id is kept: {err:?}"
    );

    // The user's credentials, as the API key allows.
    let list = passkeys
        .user(&user)
        .credentials()
        .await
        .expect("credentials");
    assert_eq!(
        list.items.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        [credential_id.as_str()]
    );
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
async fn a_503_is_retried_and_the_retry_succeeds() {
    let setup = setup();
    let before = stats(&setup).await["flaky"].as_u64().unwrap();
    // `/flaky/...` answers 503 (Retry-After: 0) to every other request and passes the others
    // on to the emulator.
    let passkeys = tenant(
        config(&setup, &format!("{}/flaky", setup.fake_url))
            .retry(RetryPolicy::default().initial_backoff(Duration::from_millis(20))),
    )
    .unwrap();
    let jwks = passkeys
        .jwks()
        .await
        .expect("the retry after the 503 succeeds");
    assert!(!jwks.keys.is_empty());
    let after = stats(&setup).await["flaky"].as_u64().unwrap();
    assert_eq!(after - before, 2, "one 503, one success");

    // Without retries the 503 is the answer: an error with its status.
    let once =
        tenant(config(&setup, &format!("{}/flaky", setup.fake_url)).retry(RetryPolicy::none()))
            .unwrap();
    let err = once.jwks().await.expect_err("503");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err}");
    assert!(err.is_retryable());
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
async fn a_redirect_is_refused_and_the_key_never_reaches_its_target() {
    let setup = setup();
    let before = stats(&setup).await;
    let passkeys = tenant(config(&setup, &format!("{}/redirect", setup.fake_url))).unwrap();
    let err = passkeys
        .user("someone")
        .credentials()
        .await
        .expect_err("a redirect is an error");
    assert_eq!(err.kind(), ErrorKind::Redirect, "{err}");
    let after = stats(&setup).await;
    assert_eq!(
        after["sink"], before["sink"],
        "the redirect's target was never asked: {after}"
    );
    assert_eq!(
        after["redirect"].as_u64().unwrap() - before["redirect"].as_u64().unwrap(),
        1
    );
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
async fn a_body_over_the_limit_is_refused() {
    let setup = setup();
    // `/big/...` streams 4 MiB without a Content-Length.
    let passkeys =
        tenant(config(&setup, &format!("{}/big", setup.fake_url)).max_response_bytes(256 * 1024))
            .unwrap();
    let err = passkeys.jwks().await.expect_err("over the limit");
    assert_eq!(err.kind(), ErrorKind::ResponseTooLarge, "{err}");
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
async fn a_server_that_never_answers_times_out() {
    let setup = setup();
    let passkeys = tenant(
        config(&setup, &format!("{}/hang", setup.fake_url))
            .timeout(Duration::from_millis(300))
            .retry(RetryPolicy::none()),
    )
    .unwrap();
    let started = js_sys::Date::now();
    let err = passkeys.jwks().await.expect_err("timeout");
    let took = js_sys::Date::now() - started;
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!((250.0..5_000.0).contains(&took), "{took} ms");
}
