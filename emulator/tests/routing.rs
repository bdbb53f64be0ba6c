//! Contract §9.1: routing, CORS and column limits as the server's echo router has them.

mod common;

use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn another_method_on_the_status_page_is_405_method_not_allowed() {
    let h = start().await;
    let r = h.http.post(h.emu.base_url()).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "OPTIONS, GET");
    assert_eq!(
        r.text().await.unwrap(),
        "{\"title\":\"Method Not Allowed\",\"details\":\"\",\"status\":405}\n"
    );
    let r = h
        .http
        .request(Method::OPTIONS, h.emu.base_url())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

#[tokio::test]
async fn a_wrong_method_or_head_on_credentials_or_audit_logs_is_404_without_an_api_key_check() {
    let h = start().await;
    for path in ["/credentials", "/audit_logs"] {
        let r = h.request(Method::PUT, path).send().await.unwrap();
        expect_error(r, 404, "Not Found").await;
        let r = h
            .request(Method::HEAD, path)
            .header("apiKey", "wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
        // The catch-all's 404 to HEAD: no body, no Content-Type.
        assert!(r.headers().get("content-type").is_none(), "{path}");
        assert_eq!(r.text().await.unwrap(), "");
    }
    // Below the group's own path, the group's key check applies.
    let r = h
        .request(Method::POST, "/credentials/x")
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "The api key is invalid").await;
}

#[tokio::test]
async fn below_the_audit_log_group_a_missing_key_is_401() {
    let h = start().await;
    let r = h
        .request(Method::GET, "/audit_logs/x")
        .send()
        .await
        .unwrap();
    expect_error(r, 401, "The api key is invalid").await;
    let r = h
        .request_key(Method::GET, "/audit_logs/x")
        .send()
        .await
        .unwrap();
    expect_error(r, 404, "Not Found").await;
}

#[tokio::test]
async fn credentials_with_a_trailing_slash_is_the_catch_all_404() {
    let h = start().await;
    let r = h
        .request_key(Method::GET, "/credentials/")
        .send()
        .await
        .unwrap();
    let e = expect_error(r, 404, "Not Found").await;
    assert_eq!(e["details"], "");
}

#[tokio::test]
async fn every_options_request_is_a_204_preflight() {
    let h = start().await;
    // No Origin: 204, no CORS headers.
    let r = h
        .request(Method::OPTIONS, "/login/initialize")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    assert_eq!(r.headers()["vary"], "Origin");
    // No Access-Control-Request-Method: still a preflight, with the allow headers.
    let r = h
        .request(Method::OPTIONS, "/mfa/login/initialize")
        .header("origin", h.emu.origin())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204, "no API key check either");
    assert_eq!(
        r.headers()["access-control-allow-origin"],
        "http://localhost:8080"
    );
    assert_eq!(
        r.headers()["access-control-allow-methods"],
        "GET,HEAD,PUT,PATCH,POST,DELETE"
    );
    // A path that does not exist is no different.
    let r = h
        .request(Method::OPTIONS, "/nothing/here")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}

#[tokio::test]
async fn no_answer_under_a_tenant_names_methods_in_allow() {
    // echo's router prefers the group catch-all to its 405 and OPTIONS handlers under a
    // tenant, and the catch-all writes no `Allow`: not for the routes with one method, not for
    // `/transaction/initialize`, whose GET is only echo backtracking to `/transaction/:user_id`.
    let h = start().await;
    for path in [
        "/transaction/initialize",
        "/transaction/finalize",
        "/login/initialize",
        "/credentials",
        "/credentials/abc",
        "/.well-known/jwks.json",
        "/transaction/some-user",
    ] {
        for method in [Method::OPTIONS, Method::PUT] {
            let r = h.request_key(method.clone(), path).send().await.unwrap();
            assert!(
                r.headers().get("allow").is_none(),
                "{method} {path}: {:?}",
                r.headers().get("allow")
            );
        }
    }
    // Outside the tenant group, `/` is echo's own route: OPTIONS lists its methods.
    let r = h
        .http
        .request(Method::OPTIONS, h.emu.base_url())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["allow"], "OPTIONS, GET");
}

#[tokio::test]
async fn cors_origins_match_exactly_and_case_sensitively() {
    let h = start().await;
    for (origin, allowed) in [
        ("http://localhost:8080", true),
        ("HTTP://LOCALHOST:8080", false),
        ("http://localhost:8080/", false),
        ("http://localhost:8081", false),
    ] {
        let r = h
            .request(Method::GET, "/.well-known/jwks.json")
            .header("origin", origin)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.headers().get("access-control-allow-origin").is_some(),
            allowed,
            "{origin}"
        );
        if allowed {
            assert_eq!(r.headers()["access-control-allow-credentials"], "true");
        }
        assert_eq!(r.headers()["vary"], "Origin");
    }
}

#[tokio::test]
async fn a_preflight_varies_on_origin_then_the_request_method_and_headers() {
    let h = start().await;
    let r = h
        .request(Method::OPTIONS, "/login/initialize")
        .header("origin", h.emu.origin())
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    let vary: Vec<&str> = r
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(
        vary,
        [
            "Origin",
            "Access-Control-Request-Method",
            "Access-Control-Request-Headers"
        ]
    );
    assert_eq!(r.headers()["access-control-allow-headers"], "content-type");
    assert_eq!(r.headers()["access-control-max-age"], "7200");
}

#[tokio::test]
async fn varchar_limits_count_characters_not_bytes() {
    let h = start().await;
    // 214 characters, 414 bytes: fits the varchar(255) column.
    let icon = format!("https://e.com/{}", "é".repeat(200));
    assert_eq!(icon.chars().count(), 214);
    let r = h
        .post_key(
            "/registration/initialize",
            &json!({"user_id": "u", "username": "u", "icon": icon}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = h
        .post_key(
            "/registration/initialize",
            &json!({"user_id": "ü".repeat(255), "username": "u"}),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = h
        .post_key(
            "/registration/initialize",
            &json!({"user_id": "ü".repeat(256), "username": "u"}),
        )
        .await;
    assert_eq!(r.status(), 500);
}
