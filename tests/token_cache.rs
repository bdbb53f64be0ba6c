//! JWKS cache behaviour: rotation, rate limiting, single-flight, max-age, failures. On tokio's
//! paused time: the cache's clock is tokio's, so waits for an interval or a `max-age` are
//! skipped, not slept.

mod token_common;

use std::time::Duration;

use hanko_passkeys::token::{TokenError, Verifier};
use serde_json::json;
use token_common::*;
use tokio::task::JoinSet;
use tokio::time::Instant;

const SHORT: Duration = Duration::from_millis(300);

fn random_kid(i: usize) -> String {
    format!(
        "{:08x}-{i:04}-4000-8000-{:012x}",
        std::process::id(),
        i * 7919
    )
}

#[tokio::test(start_paused = true)]
async fn rotation_new_kid_is_fetched_and_old_kid_keeps_working() {
    let server = JwksServer::start(&[&KEY_A]).await;
    let verifier = server
        .builder()
        .min_refresh_interval(SHORT)
        .build()
        .unwrap();
    verifier.verify(&KEY_A.token(&claims())).await.unwrap();
    assert_eq!(server.fetches().await, 1);

    // Hanko rotates: the new key is appended, the old one stays.
    server.set_jwks(vec![KEY_A.jwk(), KEY_B.jwk()]);
    // Within the refresh interval the new kid is not fetched yet (documented trade-off).
    let err = verifier.verify(&KEY_B.token(&claims())).await.unwrap_err();
    assert!(matches!(err, TokenError::UnknownKey { .. }), "{err}");
    assert_eq!(server.fetches().await, 1);

    tokio::time::sleep(SHORT + Duration::from_millis(50)).await;
    let got = verifier.verify(&KEY_B.token(&claims())).await.unwrap();
    assert_eq!(got.sub, "user-42");
    assert_eq!(server.fetches().await, 2);
    verifier.verify(&KEY_A.token(&claims())).await.unwrap();
    verifier.verify(&KEY_B.token(&claims())).await.unwrap();
    assert_eq!(
        server.fetches().await,
        2,
        "known kids are served from the cache"
    );
}

/// Tokens with random kids, prepared up front so the flood itself is fast. The kid is
/// looked up before the signature is checked, so one real signature serves them all.
fn random_kid_tokens(range: std::ops::Range<usize>) -> Vec<String> {
    let signature = KEY_OUTSIDER
        .token(&claims())
        .rsplit('.')
        .next()
        .unwrap()
        .to_owned();
    range
        .map(|i| {
            let header = b64_json(&json!({"alg": "RS256", "kid": random_kid(i), "typ": "JWT"}));
            format!("{header}.{}.{signature}", b64_json(&claims()))
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn random_kids_cause_at_most_one_fetch_per_interval() {
    const INTERVAL: Duration = Duration::from_secs(1);
    let server = JwksServer::start(&[&KEY_A]).await;
    let verifier = server
        .builder()
        .min_refresh_interval(INTERVAL)
        .build()
        .unwrap();
    let (first, second) = (random_kid_tokens(0..100), random_kid_tokens(100..200));
    verifier.verify(&KEY_A.token(&claims())).await.unwrap();

    // Sequential flood right after a fetch: nothing more is fetched.
    for token in &first {
        let err = verifier.verify(token).await.unwrap_err();
        assert!(matches!(err, TokenError::UnknownKey { .. }), "{err}");
    }
    assert_eq!(server.fetches().await, 1);

    // After the interval, a concurrent flood triggers exactly one refresh.
    tokio::time::sleep(INTERVAL + Duration::from_millis(50)).await;
    let mut tasks = JoinSet::new();
    for token in second {
        let verifier = verifier.clone();
        tasks.spawn(async move { verifier.verify(&token).await });
    }
    while let Some(result) = tasks.join_next().await {
        assert!(matches!(
            result.unwrap(),
            Err(TokenError::UnknownKey { .. })
        ));
    }
    assert_eq!(server.fetches().await, 2);
    verifier.verify(&KEY_A.token(&claims())).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn concurrent_verifications_on_a_cold_cache_share_one_fetch() {
    let server = JwksServer::start(&[&KEY_A]).await;
    server.set_delay(Duration::from_millis(300)); // make sure all of them overlap the fetch
    let verifier = server.verifier();
    let token = KEY_A.token(&claims());
    let mut tasks = JoinSet::new();
    for _ in 0..100 {
        let verifier = verifier.clone();
        let token = token.clone();
        tasks.spawn(async move { verifier.verify(&token).await });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    assert_eq!(server.fetches().await, 1);
}

#[tokio::test(start_paused = true)]
async fn clones_share_the_cache() {
    let server = JwksServer::start(&[&KEY_A]).await;
    let a = server.verifier();
    let b = a.clone();
    a.verify(&KEY_A.token(&claims())).await.unwrap();
    b.verify(&KEY_A.token(&claims())).await.unwrap();
    assert_eq!(server.fetches().await, 1);
}

#[tokio::test(start_paused = true)]
async fn cache_control_max_age_is_honoured() {
    let server = JwksServer::start(&[&KEY_A]).await;
    server.set_cache_control(Some("public, max-age=1"));
    let verifier = server
        .builder()
        .min_refresh_interval(Duration::from_millis(100))
        .build()
        .unwrap();
    let token = KEY_A.token(&claims());
    verifier.verify(&token).await.unwrap();
    verifier.verify(&token).await.unwrap();
    assert_eq!(server.fetches().await, 1);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    verifier.verify(&token).await.unwrap();
    assert_eq!(server.fetches().await, 2, "expired after max-age=1");
    verifier.verify(&token).await.unwrap();
    assert_eq!(server.fetches().await, 2);
}

#[tokio::test(start_paused = true)]
async fn default_max_age_applies_without_cache_control() {
    let server = JwksServer::start(&[&KEY_A]).await;
    server.set_cache_control(None);
    let verifier = server
        .builder()
        .default_max_age(Duration::from_secs(1))
        .min_refresh_interval(Duration::from_millis(100))
        .build()
        .unwrap();
    let token = KEY_A.token(&claims());
    verifier.verify(&token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    verifier.verify(&token).await.unwrap();
    assert_eq!(server.fetches().await, 1);
    tokio::time::sleep(Duration::from_millis(600)).await;
    verifier.verify(&token).await.unwrap();
    assert_eq!(server.fetches().await, 2);
}

#[tokio::test(start_paused = true)]
async fn refresh_failure_keeps_known_keys_working() {
    let server = JwksServer::start(&[&KEY_A]).await;
    server.set_cache_control(Some("max-age=1"));
    let verifier = server
        .builder()
        .min_refresh_interval(Duration::from_millis(100))
        .build()
        .unwrap();
    verifier.verify(&KEY_A.token(&claims())).await.unwrap();

    server.set_status(500);
    // Fresh cache, unknown kid, refresh fails: the token is not blamed.
    let token_b = KEY_B.token(&claims());
    tokio::time::sleep(Duration::from_millis(150)).await; // past the refresh interval
    let err = verifier.verify(&token_b).await.unwrap_err();
    assert!(err.is_jwks_unavailable(), "{err}");
    assert!(
        matches!(&err, TokenError::JwksUnavailable(e) if e.status() == Some(500)),
        "{err}"
    );
    verifier.verify(&KEY_A.token(&claims())).await.unwrap();

    // Past max-age: the refresh fails, the known key still verifies (stale grace).
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before = server.fetches().await;
    verifier.verify(&KEY_A.token(&claims())).await.unwrap();
    assert_eq!(
        server.fetches().await,
        before + 1,
        "a refresh was attempted"
    );

    // Recovery: the next allowed refresh picks up the new set.
    server.set_status(200);
    server.set_jwks(vec![KEY_A.jwk(), KEY_B.jwk()]);
    tokio::time::sleep(Duration::from_millis(150)).await;
    verifier.verify(&KEY_B.token(&claims())).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn without_stale_grace_an_expired_cache_whose_refresh_fails_is_unavailable() {
    let server = JwksServer::start(&[&KEY_A]).await;
    server.set_cache_control(Some("max-age=1"));
    let verifier = server
        .builder()
        .min_refresh_interval(Duration::from_millis(100))
        .stale_if_error(Duration::ZERO)
        .build()
        .unwrap();
    verifier.verify(&KEY_A.token(&claims())).await.unwrap();
    server.set_status(503);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = verifier.verify(&KEY_A.token(&claims())).await.unwrap_err();
    assert!(
        matches!(&err, TokenError::JwksUnavailable(e) if e.status() == Some(503)),
        "{err}"
    );
    assert!(!err.is_token_rejected());
}

#[tokio::test(start_paused = true)]
async fn cold_cache_failure_is_unavailable_and_rate_limited() {
    let server = JwksServer::start(&[&KEY_A]).await;
    server.set_status(500);
    let verifier = server.verifier();
    for _ in 0..10 {
        let err = verifier.verify(&KEY_A.token(&claims())).await.unwrap_err();
        assert!(
            matches!(&err, TokenError::JwksUnavailable(e) if e.status() == Some(500)),
            "{err}"
        );
    }
    assert_eq!(server.fetches().await, 1, "failures are rate limited too");
}

#[tokio::test(start_paused = true)]
async fn unreachable_jwks_is_unavailable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let verifier = Verifier::builder(format!("http://127.0.0.1:{port}/jwks.json"), RP_ID)
        .build()
        .unwrap();
    let err = verifier.verify(&KEY_A.token(&claims())).await.unwrap_err();
    assert!(err.is_jwks_unavailable(), "{err}");
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test(start_paused = true)]
async fn slow_jwks_times_out() {
    let server = JwksServer::start(&[&KEY_A]).await;
    server.set_delay(Duration::from_secs(5));
    let verifier = server
        .builder()
        .fetch_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let err = verifier.verify(&KEY_A.token(&claims())).await.unwrap_err();
    assert!(
        matches!(&err, TokenError::JwksUnavailable(e) if e.is_timeout()),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn malformed_and_foreign_keys_are_skipped_not_fatal() {
    let server = JwksServer::start(&[]).await;
    let mut duplicate = KEY_OUTSIDER.jwk();
    duplicate["kid"] = json!(KEY_A.kid); // same kid later in the set: the first one wins
    server.set_jwks(vec![
        json!("not an object"),
        json!(null),
        json!({"kty": "EC", "crv": "P-256", "kid": "ec", "x": "AAAA", "y": "AAAA"}),
        json!({"kty": "oct", "kid": KEY_B.kid, "k": "c2VjcmV0"}),
        json!({"kty": "RSA", "kid": "bad-n", "n": "!!!", "e": "AQAB"}),
        json!({"kty": "RSA", "kid": "small", "n": "AQAB", "e": "AQAB"}),
        json!({"kty": "RSA", "kid": 5, "n": KEY_B.n, "e": KEY_B.e}),
        json!({"kty": "RSA", "kid": "no-n", "e": "AQAB"}),
        json!({"kty": "RSA", "kid": "ps", "alg": "PS256", "n": KEY_B.n, "e": KEY_B.e}),
        json!({"kty": "RSA", "kid": "enc", "use": "enc", "n": KEY_B.n, "e": KEY_B.e}),
        json!({"kty": ["RSA"], "kid": "x"}),
        KEY_A.jwk(),
        duplicate,
    ]);
    let verifier = server.verifier();
    verifier.verify(&KEY_A.token(&claims())).await.unwrap();
    // The oct key's kid must not turn into an HMAC key for KEY_B's kid.
    let err = verifier.verify(&KEY_B.token(&claims())).await.unwrap_err();
    assert!(matches!(err, TokenError::UnknownKey { .. }), "{err}");
}

#[tokio::test(start_paused = true)]
async fn garbage_jwks_is_unavailable_not_a_panic() {
    for body in [
        "",
        "<html>502 Bad Gateway</html>",
        "{\"keys\": \"nope\"}",
        "{\"keys\": []}",
        "[1,2,3]",
    ] {
        let server = JwksServer::start(&[&KEY_A]).await;
        server.set_raw_body(body);
        let err = server
            .verifier()
            .verify(&KEY_A.token(&claims()))
            .await
            .unwrap_err();
        assert!(err.is_jwks_unavailable(), "{body}: {err}");
    }
}

#[tokio::test(start_paused = true)]
async fn warm_readers_do_not_wait_for_a_slow_refresh() {
    let server = JwksServer::start(&[&KEY_A]).await;
    server.set_cache_control(Some("max-age=1"));
    let verifier = server
        .builder()
        .min_refresh_interval(Duration::from_millis(100))
        .build()
        .unwrap();
    let token = KEY_A.token(&claims());
    verifier.verify(&token).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;

    server.set_delay(Duration::from_secs(2));
    let refresher = {
        let verifier = verifier.clone();
        let token = token.clone();
        tokio::spawn(async move { verifier.verify(&token).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await; // the refresher now holds the lock
    let started = Instant::now();
    verifier.verify(&token).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    refresher.await.unwrap().unwrap();
    assert_eq!(server.fetches().await, 2);
}
