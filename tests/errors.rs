//! One test per error class: what the server (or a proxy) sends, and what the caller gets.

use std::time::Duration;

use hanko_passkeys::{Config, ErrorKind, Tenant};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TENANT: &str = "6fd7d4b3-3f33-4e5e-9c2b-1a2b3c4d5e6f";
const KEY: &str =
    "k3y-that-must-never-leak-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ==";

async fn server_answering(
    route: &str,
    http_method: &str,
    response: ResponseTemplate,
) -> (MockServer, Tenant) {
    let server = MockServer::start().await;
    Mock::given(method(http_method))
        .and(path(format!("/{TENANT}{route}")))
        .respond_with(response)
        .mount(&server)
        .await;
    let tenant =
        hanko_passkeys::tenant(Config::new(TENANT).api_key(KEY).base_url(server.uri())).unwrap();
    (server, tenant)
}

fn assert_no_key(text: &str) {
    assert!(!text.contains(KEY), "the API key leaked: {text}");
    assert!(
        !text.contains("k3y-that"),
        "part of the API key leaked: {text}"
    );
}

#[tokio::test]
async fn api_error_keeps_status_title_details_and_request_id() {
    let body = json!({"title": "The api key is invalid", "details": "api keys needs to be an apiKey Header and 32 byte long", "status": 401});
    let (_s, tenant) = server_answering(
        "/credentials",
        "GET",
        ResponseTemplate::new(401)
            .set_body_json(body)
            .insert_header("x-request-id", "AbCdEfGhIjKlMnOpQrStUvWxYz012345"),
    )
    .await;
    let e = tenant.credentials().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Api);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert!(e.is_unauthorized() && !e.is_retryable() && !e.is_not_found());
    assert_eq!(e.title(), Some("The api key is invalid"));
    assert_eq!(
        e.details(),
        Some("api keys needs to be an apiKey Header and 32 byte long")
    );
    assert_eq!(e.request_id(), Some("AbCdEfGhIjKlMnOpQrStUvWxYz012345"));
    assert_eq!(
        e.to_string(),
        "API error 401: The api key is invalid (api keys needs to be an apiKey Header and 32 byte long); \
         request id AbCdEfGhIjKlMnOpQrStUvWxYz012345"
    );
    assert_no_key(&format!("{e} {e:?}"));
}

#[tokio::test]
async fn generic_500_without_details() {
    let (_s, tenant) = server_answering(
        "/credentials/abc",
        "GET",
        ResponseTemplate::new(500).set_body_raw(
            "{\"title\":\"Internal Server Error\",\"status\":500}\n",
            "application/json",
        ),
    )
    .await;
    let e = tenant.credential("abc").get().await.unwrap_err();
    assert_eq!(
        (e.kind(), e.title(), e.details()),
        (ErrorKind::Api, Some("Internal Server Error"), None)
    );
}

#[tokio::test]
async fn not_found_and_conflict_predicates() {
    let body = json!({"title": "credential with id 'abc' not found", "details": "", "status": 404});
    let (_s, tenant) = server_answering(
        "/credentials/abc",
        "DELETE",
        ResponseTemplate::new(404).set_body_json(body),
    )
    .await;
    let e = tenant.credential("abc").remove().await.unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.details(), Some(""));

    let body = json!({"title": "transaction already exists", "details": "", "status": 409});
    let (_s, tenant) = server_answering(
        "/transaction/initialize",
        "POST",
        ResponseTemplate::new(409).set_body_json(body),
    )
    .await;
    let e = tenant
        .transaction()
        .initialize("u", "tx", &json!({"a": 1}))
        .await
        .unwrap_err();
    assert!(e.is_conflict());
}

#[tokio::test]
async fn proxy_html_502_keeps_status_and_a_bounded_body_excerpt() {
    let html = format!(
        "<html><body><h1>502 Bad Gateway</h1>{}</body></html>",
        "x".repeat(100_000)
    );
    let (_s, tenant) = server_answering(
        "/login/initialize",
        "POST",
        ResponseTemplate::new(502)
            .set_body_raw(html, "text/html")
            .insert_header("x-request-id", "proxy-id"),
    )
    .await;
    let e = tenant.login().initialize().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(502));
    assert!(e.is_retryable());
    assert_eq!(e.request_id(), Some("proxy-id"));
    let body = e.body().unwrap();
    assert!(body.starts_with("<html><body><h1>502 Bad Gateway</h1>"));
    assert!(body.len() <= hanko_passkeys::BODY_EXCERPT_LIMIT);
    assert!(
        e.to_string()
            .starts_with("unexpected response 502 Bad Gateway: <html>"),
        "{e}"
    );
    assert!(e.to_string().ends_with("; request id proxy-id"), "{e}");
}

#[tokio::test]
async fn empty_401_keeps_its_status() {
    // 401 is documented with a JSON body; an empty one must not lose the status.
    let (_s, tenant) =
        server_answering("/credentials/abc", "GET", ResponseTemplate::new(401)).await;
    let e = tenant.credential("abc").get().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    assert!(e.is_unauthorized());
    assert_eq!(e.body(), Some(""));
    assert_eq!(
        e.to_string(),
        "unexpected response 401 Unauthorized with an empty body"
    );
}

#[tokio::test]
async fn html_500_where_json_is_documented_keeps_its_status() {
    let (_s, tenant) = server_answering(
        "/registration/initialize",
        "POST",
        ResponseTemplate::new(500).set_body_raw("<h1>oops</h1>", "text/html"),
    )
    .await;
    let e = tenant
        .registration()
        .initialize("u", "n")
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(e.body(), Some("<h1>oops</h1>"));
}

#[tokio::test]
async fn undocumented_success_statuses_are_successes() {
    // 200 where 204 is documented, with and without a body.
    let (_s, tenant) =
        server_answering("/credentials/abc", "PATCH", ResponseTemplate::new(200)).await;
    tenant.credential("abc").rename("n").await.unwrap();
    let (_s, tenant) = server_answering(
        "/credentials/abc",
        "DELETE",
        ResponseTemplate::new(202).set_body_string("{}"),
    )
    .await;
    tenant.credential("abc").remove().await.unwrap(); // a call that returns nothing ignores the body
    // 201 where 200 is documented.
    let options = json!({"publicKey": {"challenge": "abc"}});
    let (_s, tenant) = server_answering(
        "/login/initialize",
        "POST",
        ResponseTemplate::new(201).set_body_json(options),
    )
    .await;
    assert_eq!(
        tenant
            .login()
            .initialize()
            .await
            .unwrap()
            .public_key
            .challenge,
        "abc"
    );
}

#[tokio::test]
async fn success_with_an_undecodable_body_is_a_decode_error_with_status() {
    let (_s, tenant) = server_answering(
        "/login/finalize",
        "POST",
        ResponseTemplate::new(200).set_body_string(""),
    )
    .await;
    let assertion = r#"{"id":"a","rawId":"a","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}}"#;
    let e = tenant
        .login()
        .finalize(&assertion.parse().unwrap())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(200));
    let (_s, tenant) = server_answering(
        "/.well-known/jwks.json",
        "GET",
        ResponseTemplate::new(200).set_body_string("{\"keys\": 7}"),
    )
    .await;
    let e = tenant.jwks().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(e.body(), Some("{\"keys\": 7}"));
    assert!(std::error::Error::source(&e).is_some());
}

#[tokio::test]
async fn connection_refused_is_a_retryable_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let tenant = hanko_passkeys::tenant(
        Config::new(TENANT)
            .api_key(KEY)
            .base_url(format!("http://{addr}")),
    )
    .unwrap();
    let e = tenant.credentials().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert!(e.is_retryable());
    assert_eq!(e.status(), None);
    assert_no_key(&format!("{e} {e:?}"));
}

#[tokio::test]
async fn a_slow_server_is_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let tenant = hanko_passkeys::tenant(
        Config::new(TENANT)
            .base_url(server.uri())
            .timeout(Duration::from_millis(200)),
    )
    .unwrap();
    let e = tenant.jwks().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
    assert!(e.is_timeout() && e.is_retryable());
}

#[tokio::test]
async fn calls_that_need_the_key_fail_locally_without_one() {
    let server = MockServer::start().await;
    let tenant = hanko_passkeys::tenant(Config::new(TENANT).base_url(server.uri())).unwrap();
    let e = tenant.credentials().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::MissingApiKey);
    assert!(e.to_string().contains("list_credentials"), "{e}");
    assert!(
        tenant
            .user("u")
            .login()
            .initialize()
            .await
            .unwrap_err()
            .kind()
            == ErrorKind::MissingApiKey
    );
    assert!(
        tenant
            .registration()
            .initialize("u", "n")
            .await
            .unwrap_err()
            .kind()
            == ErrorKind::MissingApiKey
    );
    assert!(tenant.audit_logs().await.unwrap_err().kind() == ErrorKind::MissingApiKey);
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing may be sent"
    );
}

#[tokio::test]
async fn invalid_arguments_fail_locally() {
    let server = MockServer::start().await;
    let tenant =
        hanko_passkeys::tenant(Config::new(TENANT).api_key(KEY).base_url(server.uri())).unwrap();
    let long = "x".repeat(129);
    let cases = [
        tenant
            .registration()
            .initialize("u", long.as_str())
            .await
            .unwrap_err(),
        tenant
            .registration()
            .initialize("u", "n")
            .display_name(long.as_str())
            .await
            .unwrap_err(),
        tenant
            .registration()
            .initialize("u", "n")
            .icon("not a url")
            .await
            .unwrap_err(),
        tenant.credential("").get().await.unwrap_err(),
        tenant.credential("abc").rename("").await.unwrap_err(),
        tenant.credentials().page(0).await.unwrap_err(),
        tenant
            .transaction()
            .initialize("u", "tx", &json!(null))
            .await
            .unwrap_err(),
        // Browsers refuse user handles over 64 bytes, so such a user could never register.
        tenant
            .registration()
            .initialize("u".repeat(65), "n")
            .await
            .unwrap_err(),
        "{\"id\":\"AQ\",\"rawId\":\"AQ\",\"type\":\"public-key\",\"response\":{\"clientDataJSON\":\"e30\",\"authenticatorData\":\"AA\",\"signature\":\"AA\",\"userHandle\":5}}"
            .parse::<hanko_passkeys::AssertionResponse>()
            .unwrap_err(),
        tenant
            .transaction()
            .initialize("u", long.as_str(), &json!({"a": 1}))
            .await
            .unwrap_err(),
        "{\"id\": 1}"
            .parse::<hanko_passkeys::AssertionResponse>()
            .unwrap_err(),
    ];
    for e in &cases {
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    }
    assert!(cases[7].to_string().contains("64 bytes"), "{}", cases[7]);
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing may be sent"
    );
}
