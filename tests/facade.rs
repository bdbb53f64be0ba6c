//! Every facade operation against a local mock server: method, path, query, body, the `apiKey`
//! header exactly where the contract requires it, a sized JSON body, and decoding of responses
//! shaped like the real server's.

use futures_util::TryStreamExt;
use hanko_passkeys::{AssertionResponse, Config, Order, RegistrationResponse, Tenant};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

mod common;
use common::mock::MockApi;
use common::wire::{assert_json_body, assert_no_body, credential_json, json_response, query};

const TENANT: &str = "6fd7d4b3-3f33-4e5e-9c2b-1a2b3c4d5e6f";
const KEY: &str =
    "bU9ZV0pNSlpOa1RkaGxPUmhqVmZYb0ZlQnVaeG5lYkV6ZndqUVRhUWh1c0FwRGNaZkxWV0Z5Z2FaZ0hVb0FoUQ==";

type Api = common::mock::Api<Tenant>;

async fn api() -> Api {
    let mock = MockApi::start(format!("/{TENANT}"), |_| {}).await;
    let client =
        hanko_passkeys::tenant(Config::new(TENANT).api_key(KEY).base_url(mock.uri())).unwrap();
    Api { mock, client }
}

fn assert_key(request: &Request, expected: bool) {
    let sent = request
        .headers
        .get("apikey")
        .map(|v| v.to_str().unwrap().to_owned());
    if expected {
        assert_eq!(
            sent.as_deref(),
            Some(KEY),
            "apiKey header missing on {}",
            request.url
        );
    } else {
        assert_eq!(
            sent, None,
            "apiKey header sent on a public call {}",
            request.url
        );
    }
}

fn creation_options() -> Value {
    let params: Vec<Value> = [-7, -35, -36, -257, -258, -259, -37, -38, -39, -8]
        .iter()
        .map(|alg| json!({"type": "public-key", "alg": alg}))
        .collect();
    json!({"publicKey": {
        "rp": {"name": "Example", "id": "example.com"},
        "user": {"name": "alice@example.com", "icon": "https://example.com/a.png", "displayName": "Alice", "id": "dXNlci00Mg"},
        "challenge": "r5sXQ0lS7p6oUq3uH4u2v1k0J9i8h7g6f5e4d3c2b1a",
        "pubKeyCredParams": params,
        "timeout": 60000,
        "authenticatorSelection": {"requireResidentKey": true, "residentKey": "required", "userVerification": "required"},
        "attestation": "direct",
        "hints": ["client-device"]
    }})
}

fn request_options(with_allow: bool) -> Value {
    let mut options = json!({"publicKey": {
        "challenge": "k3Jd8sQm2Lr9Tz1Xv4Wu7Yb0Ua6Sc5Nq3Op2Mn1Lk0J",
        "timeout": 60000,
        "rpId": "example.com",
        "userVerification": "required"
    }});
    if with_allow {
        options["publicKey"]["allowCredentials"] =
            json!([{"type": "public-key", "id": "9c9U-4tB0glkGr3TEv39An3GVmg"}]);
    }
    options
}

fn registration_credential() -> Value {
    json!({
        "id": "9c9U-4tB0glkGr3TEv39An3GVmg",
        "rawId": "9c9U-4tB0glkGr3TEv39An3GVmg",
        "type": "public-key",
        "authenticatorAttachment": "platform",
        "response": {
            "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0",
            "attestationObject": "o2NmbXRkbm9uZWdhdHRTdG10oGhhdXRoRGF0YQ",
            "transports": ["internal", "hybrid"],
            "publicKeyAlgorithm": -7
        },
        "clientExtensionResults": {"credProps": {"rk": true}}
    })
}

fn assertion_json() -> Value {
    json!({
        "id": "9c9U-4tB0glkGr3TEv39An3GVmg",
        "rawId": "9c9U-4tB0glkGr3TEv39An3GVmg",
        "type": "public-key",
        "response": {
            "clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0",
            "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ",
            "signature": "MEUCIQDx",
            "userHandle": "dXNlci00Mg"
        },
        "clientExtensionResults": {}
    })
}

const JWT: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEiLCJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ1c2VyLTQyIn0.c2ln";

#[tokio::test]
async fn registration_initialize_sends_the_user_with_the_key_and_keeps_options_unchanged() {
    let api = api().await;
    api.on(
        "POST",
        "/registration/initialize",
        json_response(creation_options()),
    )
    .await;
    let options = api
        .client
        .registration()
        .initialize("user-42", "alice@example.com")
        .display_name("Alice")
        .icon("https://example.com/a.png")
        .await
        .unwrap();
    let request = api.only_request().await;
    assert_key(&request, true);
    assert_json_body(
        &request,
        json!({"user_id": "user-42", "username": "alice@example.com", "display_name": "Alice", "icon": "https://example.com/a.png"}),
    );
    assert_eq!(options.public_key.pub_key_cred_params.len(), 10);
    assert_eq!(
        options.public_key.user.icon.as_deref(),
        Some("https://example.com/a.png")
    );
    // What the backend hands its frontend is exactly what the server sent, unknown members included.
    assert_eq!(serde_json::to_value(&options).unwrap(), creation_options());
}

#[tokio::test]
async fn registration_finalize_passes_the_browser_json_through_without_the_key() {
    let api = api().await;
    api.on(
        "POST",
        "/registration/finalize",
        json_response(json!({"token": JWT})),
    )
    .await;
    let credential: RegistrationResponse = registration_credential().to_string().parse().unwrap();
    let token = api
        .client
        .registration()
        .finalize(&credential)
        .await
        .unwrap();
    assert_eq!(token.as_str(), JWT);
    let request = api.only_request().await;
    assert_key(&request, false);
    assert_json_body(&request, registration_credential());
}

#[tokio::test]
async fn discoverable_login_sends_an_empty_object_without_the_key() {
    let api = api().await;
    api.on(
        "POST",
        "/login/initialize",
        json_response(request_options(false)),
    )
    .await;
    let options = api.client.login().initialize().await.unwrap();
    assert!(options.public_key.allow_credentials.is_none());
    assert_eq!(
        serde_json::to_value(&options).unwrap(),
        request_options(false)
    );
    let request = api.only_request().await;
    assert_key(&request, false);
    assert_json_body(&request, json!({}));
}

#[tokio::test]
async fn login_for_a_user_sends_the_user_id_and_the_key() {
    let api = api().await;
    api.on(
        "POST",
        "/login/initialize",
        json_response(request_options(true)),
    )
    .await;
    let options = api
        .client
        .user("user-42")
        .login()
        .initialize()
        .await
        .unwrap();
    assert_eq!(
        options.public_key.allow_credentials.unwrap()[0].id,
        "9c9U-4tB0glkGr3TEv39An3GVmg"
    );
    let request = api.only_request().await;
    assert_key(&request, true);
    assert_json_body(&request, json!({"user_id": "user-42"}));
}

#[tokio::test]
async fn login_finalize_passes_the_assertion_through_without_the_key() {
    let api = api().await;
    api.on(
        "POST",
        "/login/finalize",
        json_response(json!({"token": JWT})),
    )
    .await;
    let assertion: AssertionResponse = serde_json::from_value(assertion_json()).unwrap();
    let token = api.client.login().finalize(&assertion).await.unwrap();
    assert_eq!(token.into_string(), JWT);
    let request = api.only_request().await;
    assert_key(&request, false);
    assert_json_body(&request, assertion_json());
}

#[tokio::test]
async fn user_login_finalize_is_the_login_finalize_route() {
    let api = api().await;
    api.on(
        "POST",
        "/login/finalize",
        json_response(json!({"token": JWT})),
    )
    .await;
    let assertion: AssertionResponse = serde_json::from_value(assertion_json()).unwrap();
    api.client
        .user("user-42")
        .login()
        .finalize(&assertion)
        .await
        .unwrap();
    assert_key(&api.only_request().await, false);
}

#[tokio::test]
async fn user_credentials_are_listed_with_paging_and_headers() {
    let api = api().await;
    let link = format!(
        "<http://h/{TENANT}/credentials?order=asc&page=1&per_page=2&user_id=user-42>; rel=\"first\",<http://h/{TENANT}/credentials?order=asc&page=3&per_page=2&user_id=user-42>; rel=\"last\",<http://h/{TENANT}/credentials?order=asc&page=3&per_page=2&user_id=user-42>; rel=\"next\",<http://h/{TENANT}/credentials?order=asc&page=1&per_page=2&user_id=user-42>; rel=\"prev\""
    );
    let body = json!([
        credential_json("a", "user-42"),
        credential_json("b", "user-42")
    ]);
    api.on(
        "GET",
        "/credentials",
        json_response(body)
            .insert_header("link", link.as_str())
            .insert_header("x-total-count", "5"),
    )
    .await;
    let page = api
        .client
        .user("user-42")
        .credentials()
        .page(2)
        .per_page(2)
        .order(Order::Asc)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.total, Some(5));
    assert_eq!(page.next_page, Some(3));
    let first = &page.items[0];
    assert_eq!(first.user_id.as_deref(), Some("user-42"));
    assert!(first.transports.is_empty());
    assert_eq!(first.name.as_deref(), Some("iCloud Keychain"));
    assert_eq!(
        first.last_used_at.unwrap().timestamp_subsec_micros(),
        123456
    );
    let request = api.only_request().await;
    assert_key(&request, true);
    assert_no_body(&request);
    let mut q = query(&request);
    q.sort();
    assert_eq!(
        q,
        [
            ("order", "asc"),
            ("page", "2"),
            ("per_page", "2"),
            ("user_id", "user-42")
        ]
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
}

#[tokio::test]
async fn tenant_credentials_stream_follows_link_headers_across_pages() {
    let api = api().await;
    let page = |n: u32| {
        Mock::given(method("GET"))
            .and(path(format!("/{TENANT}/credentials")))
            .and(wiremock::matchers::query_param("page", n.to_string()))
    };
    page(1)
        .respond_with(
            json_response(json!([credential_json("a", "u1"), credential_json("b", "u2")]))
                .insert_header("link", format!("<http://h/{TENANT}/credentials?page=2&per_page=2>; rel=\"last\",<http://h/{TENANT}/credentials?page=2&per_page=2>; rel=\"next\"").as_str())
                .insert_header("x-total-count", "3"),
        )
        .mount(&api.server)
        .await;
    page(2)
        .respond_with(
            json_response(json!([credential_json("c", "u3")]))
                .insert_header("link", format!("<http://h/{TENANT}/credentials?page=1&per_page=2>; rel=\"first\",<http://h/{TENANT}/credentials?page=1&per_page=2>; rel=\"prev\"").as_str())
                .insert_header("x-total-count", "3"),
        )
        .mount(&api.server)
        .await;
    let all: Vec<_> = api
        .client
        .credentials()
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<_> = all.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    let requests = api.server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_key(request, true);
        assert!(
            !query(request).iter().any(|(k, _)| k == "user_id"),
            "tenant-wide list names no user"
        );
    }
}

#[tokio::test]
async fn credential_get_rename_remove() {
    let api = api().await;
    let id = "9c9U-4tB0glkGr3TEv39An3GVmg";
    api.on(
        "GET",
        &format!("/credentials/{id}"),
        json_response(credential_json(id, "user-42")),
    )
    .await;
    api.on(
        "PATCH",
        &format!("/credentials/{id}"),
        ResponseTemplate::new(204),
    )
    .await;
    api.on(
        "DELETE",
        &format!("/credentials/{id}"),
        ResponseTemplate::new(204),
    )
    .await;

    let credential = api.client.credential(id).get().await.unwrap();
    assert_eq!(
        credential.aaguid.to_string(),
        "fbfc3007-154e-4ecc-8c0b-6e020557d7bd"
    );
    api.client
        .credential(id)
        .rename("Work laptop")
        .await
        .unwrap();
    api.client.credential(id).remove().await.unwrap();

    let requests = api.server.received_requests().await.unwrap();
    let methods: Vec<_> = requests.iter().map(|r| r.method.to_string()).collect();
    assert_eq!(methods, ["GET", "PATCH", "DELETE"]);
    for r in &requests {
        assert_eq!(r.url.path(), format!("/{TENANT}/credentials/{id}"));
        assert_key(r, true);
    }
    assert_no_body(&requests[0]);
    assert_json_body(&requests[1], json!({"name": "Work laptop"}));
    assert_no_body(&requests[2]);
}

#[tokio::test]
async fn mfa_registration_and_login_all_send_the_key() {
    let api = api().await;
    api.on(
        "POST",
        "/mfa/registration/initialize",
        json_response(creation_options()),
    )
    .await;
    api.on(
        "POST",
        "/mfa/registration/finalize",
        json_response(json!({"token": JWT})),
    )
    .await;
    api.on(
        "POST",
        "/mfa/login/initialize",
        json_response(request_options(true)),
    )
    .await;
    api.on(
        "POST",
        "/mfa/login/finalize",
        json_response(json!({"token": JWT})),
    )
    .await;
    let mfa = api.client.user("user-42").mfa();
    mfa.registration()
        .initialize("alice@example.com")
        .await
        .unwrap();
    let credential: RegistrationResponse =
        serde_json::from_value(registration_credential()).unwrap();
    mfa.registration().finalize(&credential).await.unwrap();
    mfa.login().initialize().await.unwrap();
    let assertion: AssertionResponse = serde_json::from_value(assertion_json()).unwrap();
    mfa.login().finalize(&assertion).await.unwrap();

    let requests = api.server.received_requests().await.unwrap();
    let paths: Vec<_> = requests
        .iter()
        .map(|r| {
            r.url
                .path()
                .trim_start_matches(&format!("/{TENANT}"))
                .to_owned()
        })
        .collect();
    assert_eq!(
        paths,
        [
            "/mfa/registration/initialize",
            "/mfa/registration/finalize",
            "/mfa/login/initialize",
            "/mfa/login/finalize"
        ]
    );
    requests.iter().for_each(|r| assert_key(r, true));
    assert_json_body(
        &requests[0],
        json!({"user_id": "user-42", "username": "alice@example.com"}),
    );
    assert_json_body(&requests[1], registration_credential());
    assert_json_body(&requests[2], json!({"user_id": "user-42"}));
    assert_json_body(&requests[3], assertion_json());
}

#[tokio::test]
async fn transactions_initialize_finalize_list() {
    let api = api().await;
    let mut options = request_options(true);
    options["publicKey"]["challenge"] = json!("a".repeat(86));
    api.on("POST", "/transaction/initialize", json_response(options))
        .await;
    api.on(
        "POST",
        "/transaction/finalize",
        json_response(json!({"token": JWT})),
    )
    .await;
    let internal = uuid::Uuid::from_u128(0x5b1e_0000_4000_8000_0000_0000_0000_0042);
    api.on(
        "GET",
        &format!("/transaction/{internal}"),
        json_response(json!([{"id": "3d2f0d8e-3c43-4b9e-a7a5-0f5c4f1b2e3d", "identifier": "tx-1", "data": "{\"amount\":42}",
            "created_at": "2026-11-20T10:00:00.1Z", "updated_at": "2026-11-20T10:00:00.1Z"}])),
    )
    .await;
    let data = json!({"amount": 42, "to": "DE02"});
    let options = api
        .client
        .transaction()
        .initialize("user-42", "tx-1", &data)
        .await
        .unwrap();
    assert_eq!(options.public_key.challenge.len(), 86);
    let assertion: AssertionResponse = serde_json::from_value(assertion_json()).unwrap();
    api.client.transaction().finalize(&assertion).await.unwrap();
    let list = api.client.transaction().list(internal).await.unwrap();
    assert_eq!(list[0].identifier, "tx-1");
    assert_eq!(list[0].data, "{\"amount\":42}");

    let requests = api.server.received_requests().await.unwrap();
    requests.iter().for_each(|r| assert_key(r, true));
    assert_json_body(
        &requests[0],
        json!({"user_id": "user-42", "transaction_id": "tx-1", "transaction_data": data}),
    );
    assert_json_body(&requests[1], assertion_json());
    assert_no_body(&requests[2]);
}

#[tokio::test]
async fn audit_logs_send_every_filter_with_repeated_types() {
    let api = api().await;
    let entry = json!({"id": "0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f", "type": "webauthn_authentication_final_succeeded",
        "meta_http_request_id": "abc", "meta_source_ip": "203.0.113.9", "meta_user_agent": "curl/8",
        "actor_user_id": "user-42", "created_at": "2026-11-20T10:00:00.654321Z", "updated_at": "2026-11-20T10:00:00.654321Z",
        "tenant_id": TENANT, "transaction_id": null});
    api.on(
        "GET",
        "/audit_logs",
        json_response(json!([entry]))
            .insert_header("x-total-count", "1")
            .insert_header("link", "<http://h/x?page=1&per_page=5>; rel=\"first\""),
    )
    .await;
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-20T09:00:00+01:00")
        .unwrap()
        .to_utc();
    let end = chrono::DateTime::parse_from_rfc3339("2026-11-21T00:00:00Z")
        .unwrap()
        .to_utc();
    let page = api
        .client
        .audit_logs()
        .page(1)
        .per_page(5)
        .start_time(start)
        .end_time(end)
        .event_type("webauthn_authentication_final_succeeded")
        .event_type("mfa_authentication_final_succeeded")
        .actor_user_id("user-42")
        .source_ip("203.0.113")
        .search("42")
        .await
        .unwrap();
    assert_eq!(page.items[0].transaction_id, None);
    assert_eq!((page.total, page.next_page), (Some(1), None));
    let request = api.only_request().await;
    assert_key(&request, true);
    let q = query(&request);
    let get = |k: &str| {
        q.iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        get("type"),
        [
            "webauthn_authentication_final_succeeded",
            "mfa_authentication_final_succeeded"
        ]
    );
    assert_eq!(get("page"), ["1"]);
    assert_eq!(get("per_page"), ["5"]);
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(get("start_time")[0]).unwrap(),
        start
    );
    assert_eq!(
        chrono::DateTime::parse_from_rfc3339(get("end_time")[0]).unwrap(),
        end
    );
    assert_eq!(get("actor_user_id"), ["user-42"]);
    assert_eq!(get("meta_source_ip"), ["203.0.113"]);
    assert_eq!(get("q"), ["42"]);
}

#[tokio::test]
async fn jwks_is_public() {
    let api = api().await;
    let jwks = json!({"keys": [{"alg": "RS256", "e": "AQAB", "kid": "5d1c4a44-61f8-4e4b-8e0e-2b7c1f3f9a10", "kty": "RSA", "n": "xyz", "use": "sig"}]});
    api.on(
        "GET",
        "/.well-known/jwks.json",
        json_response(jwks).insert_header("cache-control", "max-age=600"),
    )
    .await;
    let keys = api.client.jwks().await.unwrap();
    assert_eq!(keys.keys[0].kid, "5d1c4a44-61f8-4e4b-8e0e-2b7c1f3f9a10");
    let request = api.only_request().await;
    assert_key(&request, false);
    assert_eq!(
        api.client.jwks_url(),
        format!("{}/{TENANT}/.well-known/jwks.json", api.server.uri())
    );
}

#[tokio::test]
async fn a_base_url_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/hanko/api/{TENANT}/.well-known/jwks.json")))
        .respond_with(json_response(json!({"keys": []})))
        .mount(&server)
        .await;
    let tenant = hanko_passkeys::tenant(
        Config::new(TENANT).base_url(format!("{}/hanko/api/", server.uri())),
    )
    .unwrap();
    assert!(tenant.jwks().await.unwrap().keys.is_empty());
}

/// The futures the facade returns stay small: the generated call inside them is boxed once,
/// so pushing one into `FuturesUnordered`, `join!` or a spawned task copies a pointer and a
/// few fields, not the kilobytes of progenitor's and reqwest's state machines (about 5.4 KB
/// for a login initialize before they were boxed).
#[test]
fn facade_futures_are_small() {
    let tenant = hanko_passkeys::tenant(
        hanko_passkeys::Config::new("6fd7d4b3-3f33-4e5e-9c2b-1a2b3c4d5e6f")
            .api_key("key")
            .base_url("http://127.0.0.1:9"),
    )
    .unwrap();
    let login = tenant.login();
    let credential = tenant.credential("AQID");
    let user = tenant.user("user-42");
    let sizes = [
        (
            "login().initialize()",
            std::mem::size_of_val(&login.initialize()),
        ),
        (
            "credential(id).get()",
            std::mem::size_of_val(&credential.get()),
        ),
        (
            "credential(id).remove()",
            std::mem::size_of_val(&credential.remove()),
        ),
        (
            "user(id).login().initialize()",
            std::mem::size_of_val(&user.login().initialize()),
        ),
    ];
    for (call, size) in sizes {
        assert!(size <= 1536, "{call}: a {size}-byte future");
    }
}
