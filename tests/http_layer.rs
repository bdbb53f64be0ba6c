//! The HTTP boundary against a server that does exactly the hostile thing: redirects to
//! another host, huge and endless bodies, bodies that break after the headers, pagers that
//! never end, failures that a retry should ride out and failures it must not touch.

mod hostile;

use std::time::Duration;

use futures_util::TryStreamExt;
use hanko_passkeys::{ErrorKind, RetryPolicy};
use hostile::{Hostile, KEY, Reply, TENANT};
use serde_json::json;
use tokio::time::Instant;

fn no_retries(c: hanko_passkeys::Config) -> hanko_passkeys::Config {
    c.retry(RetryPolicy::none())
}

fn exact_retries(c: hanko_passkeys::Config) -> hanko_passkeys::Config {
    c.retry(RetryPolicy::default().jitter(false))
}

fn credential(id: &str) -> serde_json::Value {
    json!({"id": id, "public_key": "pk", "attestation_type": "none", "aaguid": "00000000-0000-0000-0000-000000000000",
           "created_at": "2026-01-01T00:00:00Z", "transports": [], "backup_eligible": false, "backup_state": false,
           "is_mfa": false, "user_id": "u"})
}

fn jwks() -> serde_json::Value {
    json!({"keys": []})
}

fn assertion() -> hanko_passkeys::AssertionResponse {
    r#"{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AAAA","signature":"AAAA","userHandle":"dQ"}}"#
        .parse()
        .unwrap()
}

// --- Nothing secret leaves for another host -------------------------------------------

#[tokio::test]
async fn a_cross_host_redirect_never_receives_the_api_key() {
    let thief = Hostile::start(|_, _| Reply::json(200, &json!([]))).await;
    let location = format!("http://localhost:{}/steal", thief.addr.port());
    let api = Hostile::start(move |_, _| {
        Reply::Full(307, vec![("location".into(), location.clone())], vec![])
            .with_header("x-request-id", "redirect-id")
    })
    .await;
    let tenant = api.tenant(|c| c);
    for e in [
        tenant.credentials().await.unwrap_err(),
        tenant.credential("AQID").remove().await.unwrap_err(),
        tenant.user("u1").login().initialize().await.unwrap_err(),
    ] {
        assert_eq!(e.kind(), ErrorKind::Redirect, "{e:?}");
        assert_eq!(e.status().map(|s| s.as_u16()), Some(307));
        assert_eq!(e.redirect_host(), Some("localhost"));
        assert_eq!(e.request_id(), Some("redirect-id"));
        assert!(!e.is_retryable());
        assert!(e.to_string().contains("localhost"), "{e}");
    }
    assert_eq!(thief.hits(), 0, "the redirect was followed");
    assert!(
        api.seen()
            .iter()
            .all(|r| r.headers.get("apikey").map(String::as_str) == Some(KEY))
    );
}

#[tokio::test]
async fn a_jwks_redirect_is_not_followed_and_redirected_keys_are_refused() {
    let thief = Hostile::start(|_, _| {
        Reply::json(
            200,
            &json!({"keys": [{"kty": "RSA", "kid": "evil", "n": "AQAB", "e": "AQAB"}]}),
        )
    })
    .await;
    let location = format!("http://localhost:{}/keys", thief.addr.port());
    let api = Hostile::start(move |_, _| {
        Reply::Full(302, vec![("location".into(), location.clone())], vec![])
    })
    .await;
    let tenant = api.tenant(|c| c.relying_party_id("example.com"));
    let token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImV2aWwifQ.e30.c2ln";
    let e = tenant.verifier().unwrap().verify(token).await.unwrap_err();
    assert!(e.is_jwks_unavailable(), "{e}");
    assert!(e.to_string().contains("redirect"), "{e}");
    assert_eq!(thief.hits(), 0, "the SDK's client followed the redirect");

    // A caller's own client may follow redirects: the keys it brings back are refused.
    let own = hanko_passkeys::token::Verifier::builder(
        format!("{}/{TENANT}/.well-known/jwks.json", api.url()),
        "example.com",
    )
    .http_client(reqwest::Client::new())
    .build()
    .unwrap();
    let e = own.verify(token).await.unwrap_err();
    assert!(e.is_jwks_unavailable(), "{e}");
    assert!(thief.hits() >= 1);
}

#[tokio::test]
async fn the_generated_client_sends_the_key_exactly_where_the_facade_does() {
    let api = Hostile::start(|_, r| match r.path.as_str() {
        p if p.ends_with("/login/initialize") => {
            Reply::json(200, &json!({"publicKey": {"challenge": "AA"}}))
        }
        _ => Reply::json(200, &credential("AQID")),
    })
    .await;
    let tenant = api.tenant(no_retries);
    let raw = tenant.raw();
    let id = tenant.id();
    raw.get_credential(&id, "AQID").await.unwrap();
    let named = hanko_passkeys::generated::types::LoginRequest {
        user_id: Some("u1".parse().unwrap()),
    };
    let discoverable = hanko_passkeys::generated::types::LoginRequest { user_id: None };
    raw.login_initialize(&id, &named).await.unwrap();
    raw.login_initialize(&id, &discoverable).await.unwrap();
    tenant.user("u1").login().initialize().await.unwrap();
    tenant.login().initialize().await.unwrap();
    let keys: Vec<bool> = api
        .seen()
        .iter()
        .map(|r| r.headers.get("apikey").map(String::as_str) == Some(KEY))
        .collect();
    assert_eq!(keys, [true, true, false, true, false]);
}

// --- Bounded memory ---------------------------------------------------------------------

#[tokio::test]
async fn a_success_body_over_the_limit_is_its_own_error_and_keeps_status_and_request_id() {
    let api = Hostile::start(|i, _| {
        let reply = if i == 0 {
            // Announced: 2 GiB.
            Reply::Truncated(200, vec![], 2 << 30, b"[".to_vec())
        } else {
            Reply::Endless(200, vec![], vec![b' '; 64 * 1024])
        };
        reply.with_header("x-request-id", "big-id")
    })
    .await;
    let tenant = api.tenant(|c| no_retries(c).max_response_bytes(1 << 20));
    for _ in 0..2 {
        let e = tenant.credentials().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::ResponseTooLarge, "{e:?}");
        assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
        assert_eq!(e.request_id(), Some("big-id"));
        assert!(e.to_string().contains("1048576"), "{e}");
    }
}

#[tokio::test]
async fn an_error_body_is_read_only_as_far_as_its_excerpt() {
    let api = Hostile::start(|i, _| match i {
        0 => Reply::Truncated(500, vec![], 2 << 30, vec![b'<'; 100]),
        _ => Reply::Endless(500, vec![], b"<html>broken ".to_vec()),
    })
    .await;
    let tenant = api.tenant(no_retries);
    for _ in 0..2 {
        let e = tenant.jwks().await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedResponse, "{e:?}");
        assert_eq!(e.status().map(|s| s.as_u16()), Some(500));
        assert!(e.body().unwrap().len() <= hanko_passkeys::BODY_EXCERPT_LIMIT);
    }
}

#[tokio::test]
async fn a_10_mb_title_is_truncated() {
    let title = "x".repeat(10 << 20);
    let body = json!({"title": title, "details": "d", "status": 400});
    let api = Hostile::start(move |_, _| Reply::json(400, &body)).await;
    let e = api.tenant(no_retries).credentials().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Api, "{e:?}");
    let title = e.title().unwrap();
    assert!(title.len() <= hanko_passkeys::ERROR_TEXT_LIMIT + '…'.len_utf8());
    assert!(title.starts_with("xxxx") && title.ends_with('…'), "{title}");
}

// --- Pagination that always ends --------------------------------------------------------

#[tokio::test]
async fn a_stream_ends_on_an_empty_page_that_names_a_next_one() {
    let api = Hostile::start(|_, r| {
        let page: u64 = r
            .path
            .split("page=")
            .nth(1)
            .and_then(|p| p.split('&').next()?.parse().ok())
            .unwrap_or(1);
        Reply::json(200, &json!([])).with_header(
            "link",
            &format!("<http://h/x?page={}&per_page=10>; rel=\"next\"", page + 1),
        )
    })
    .await;
    let items: Vec<_> = api
        .tenant(no_retries)
        .credentials()
        .per_page(10)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(items.is_empty());
    assert_eq!(api.hits(), 1);
}

#[tokio::test]
async fn a_stream_stops_after_its_maximum_of_pages_with_an_error() {
    let api = Hostile::start(|i, _| {
        Reply::json(200, &json!([credential(&format!("c{i}"))])).with_header(
            "link",
            &format!("<http://h/x?page={}&per_page=1>; rel=\"next\"", i + 2),
        )
    })
    .await;
    let mut stream = Box::pin(
        api.tenant(no_retries)
            .credentials()
            .per_page(1)
            .max_pages(5)
            .stream(),
    );
    let mut items = 0;
    let error = loop {
        match stream.try_next().await {
            Ok(Some(_)) => items += 1,
            Ok(None) => panic!("the stream ended without saying why"),
            Err(e) => break e,
        }
    };
    assert_eq!(items, 5);
    assert_eq!(api.hits(), 5);
    assert!(
        error.to_string().contains("stopped after 5 pages"),
        "{error}"
    );
}

// --- Status and request id survive a broken body ------------------------------------------

#[tokio::test]
async fn the_request_id_survives_a_body_that_breaks_after_the_headers() {
    let api = Hostile::start(|_, _| {
        Reply::Truncated(
            200,
            vec![("x-request-id".into(), "cut-id".into())],
            100,
            b"{\"tok".to_vec(),
        )
    })
    .await;
    let e = api
        .tenant(|c| c)
        .login()
        .finalize(&assertion())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport, "{e:?}");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(e.request_id(), Some("cut-id"));
    assert_eq!(
        api.hits(),
        1,
        "a finalize that reached the server must not be repeated"
    );
}

#[tokio::test(start_paused = true)]
async fn the_request_id_survives_a_body_that_times_out() {
    let api = Hostile::start(|_, _| {
        Reply::HeadersThenHang(200, vec![("x-request-id".into(), "slow-id".into())])
    })
    .await;
    let tenant = api.tenant(|c| c.timeout(Duration::from_secs(5)));
    let e = tenant.login().finalize(&assertion()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout, "{e:?}");
    assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(e.request_id(), Some("slow-id"));
}

// --- Retries ----------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn safe_calls_ride_out_503s_with_exponential_backoff() {
    let api = Hostile::start(|i, _| {
        if i < 2 {
            Reply::json(503, &json!({"title": "busy"}))
        } else {
            Reply::json(200, &jwks())
        }
    })
    .await;
    let start = Instant::now();
    api.tenant(exact_retries).jwks().await.unwrap();
    assert_eq!(api.hits(), 3);
    // 100 ms, then 200 ms.
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_millis(400),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_and_a_wait_past_the_deadline_returns_the_error() {
    let api = Hostile::start(|i, _| match i {
        0 => Reply::json(429, &json!({"title": "slow down"})).with_header("retry-after", "7"),
        1 => Reply::json(200, &jwks()),
        _ => Reply::json(429, &json!({"title": "slow down"})).with_header("retry-after", "3600"),
    })
    .await;
    let tenant = api.tenant(exact_retries);
    let start = Instant::now();
    tenant.jwks().await.unwrap();
    assert!(start.elapsed() >= Duration::from_secs(7));
    let e = tenant.jwks().await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(429));
    assert!(e.is_retryable());
    assert_eq!(
        api.hits(),
        3,
        "a Retry-After past the deadline is not waited for"
    );
}

#[tokio::test(start_paused = true)]
async fn finalize_and_transaction_initialize_are_not_retried_once_sent() {
    let api = Hostile::start(|_, _| Reply::json(503, &json!({"title": "busy"}))).await;
    let tenant = api.tenant(exact_retries);
    assert!(
        tenant
            .login()
            .finalize(&assertion())
            .await
            .unwrap_err()
            .is_retryable()
    );
    assert!(
        tenant
            .transaction()
            .initialize("u", "tx-1", &json!({"a": 1}))
            .await
            .is_err()
    );
    assert_eq!(api.hits(), 2);
}

#[tokio::test(start_paused = true)]
async fn finalize_is_retried_when_the_connection_could_not_be_made() {
    // A port with nothing listening yet; the server comes up during the first backoff.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let tenant = hanko_passkeys::tenant(exact_retries(
        hanko_passkeys::Config::new(TENANT)
            .api_key(KEY)
            .base_url(format!("http://{addr}")),
    ))
    .unwrap();
    let server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        hostile::Hostile::serve(
            listener,
            std::sync::Arc::new(|_, _| Reply::json(200, &json!({"token": "t.o.k"}))),
        )
    });
    let token = tenant.login().finalize(&assertion()).await.unwrap();
    assert_eq!(token.as_str(), "t.o.k");
    assert_eq!(server.await.unwrap().hits(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_retried_delete_that_then_finds_404_is_done() {
    let not_found = json!({"title": "credential not found", "status": 404});
    let api = Hostile::start(move |i, _| match i {
        0 => Reply::json(503, &json!({"title": "busy"})),
        _ => Reply::json(404, &not_found),
    })
    .await;
    let tenant = api.tenant(exact_retries);
    tenant.credential("AQID").remove().await.unwrap();
    assert_eq!(api.hits(), 2);
    // Without a retry before it, a 404 is still "no such credential".
    assert!(
        tenant
            .credential("AQID")
            .remove()
            .await
            .unwrap_err()
            .is_not_found()
    );
}

#[tokio::test(start_paused = true)]
async fn a_hanging_attempt_is_cut_short_and_retried_within_the_call_timeout() {
    let api = Hostile::start(|i, _| {
        if i == 0 {
            Reply::Hang
        } else {
            Reply::json(200, &jwks())
        }
    })
    .await;
    let tenant = api.tenant(|c| {
        c.timeout(Duration::from_secs(10)).retry(
            RetryPolicy::default()
                .jitter(false)
                .attempt_timeout(Duration::from_secs(2)),
        )
    });
    let start = Instant::now();
    tenant.jwks().await.unwrap();
    assert_eq!(api.hits(), 2);
    assert!(start.elapsed() < Duration::from_secs(3));

    // The whole call, retries included, stays within its timeout.
    let api = Hostile::start(|_, _| Reply::Hang).await;
    let tenant = api.tenant(|c| {
        c.timeout(Duration::from_secs(10))
            .retry(RetryPolicy::default().max_attempts(10))
    });
    let start = Instant::now();
    assert!(tenant.jwks().await.unwrap_err().is_timeout());
    assert!(
        start.elapsed() <= Duration::from_secs(11),
        "{:?}",
        start.elapsed()
    );
}
