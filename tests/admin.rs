//! Every admin operation against a local mock server: method, path, query, body, statuses
//! (201, 204), the error titles of contract §3, the gateway header on every request and no
//! API key anywhere, and secrets that never show in Debug or Display.
//!
//! End to end against the emulator's admin listener: `tests/admin_e2e.rs` (and the emulator's
//! own `emulator/tests/admin.rs`), covering: every operation above against the emulator; a tenant created with UV discouraged
//! whose registration options say so and where an authenticator without UV registers; a second
//! API key, the first deleted (old key 401 "The api key is invalid", new key works); a new JWK
//! secret (new `kid` in the JWKS, tokens signed before still verify); a deleted user whose
//! passkey login then fails as the server's does; `create_tenant` that always adds "Initial JWK
//! Key" (and "Initial API Key" with `with_api_key`); a duplicate key name (500); a `secret_id`
//! that is not a v4 UUID (400 "unable to remove key"); an unknown tenant (404 "tenant not
//! found"); `replace_config` replacing everything (unset options back to the defaults); the
//! users list paging headers and `sort_direction`; user GET/DELETE by internal id.

use std::time::Duration;

use futures_util::TryStreamExt;
use hanko_passkeys::admin::{
    Attachment, AttestationPreference, MfaConfig, ResidentKeyRequirement, SecretKind, TenantConfig,
    UserVerification,
};
use hanko_passkeys::{Admin, AdminConfig, ErrorKind, Order, RetryPolicy};
use serde_json::{Value, json};
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, ResponseTemplate};

mod common;
use common::mock::MockApi;
use common::wire::{
    assert_json_body, assert_no_body, credential_json, json_response, json_status, query,
};

const TENANT: &str = "6fd7d4b3-3f33-4e5e-9c2b-1a2b3c4d5e6f";
const SECRET_ID: &str = "2f1c0e1a-8d8e-4c8e-9a57-0d8f3c8b9e10";
const USER_ID: &str = "a8c3f5d2-7b1e-4f60-9d2a-3e4b5c6d7e8f";
const SECRET_VALUE: &str =
    "c2VjcmV0LXZhbHVlLXRoYXQtbXVzdC1uZXZlci1sZWFrLTAxMjM0NTY3ODlhYmNkZWZnaGlqa2xtbm9wcXJzdA==";
const GATEWAY_TOKEN: &str = "Bearer gateway-token-that-must-not-leak";

type Api = common::mock::Api<Admin>;

async fn api() -> Api {
    let mock = MockApi::start("", |request| {
        assert_eq!(
            request.headers.get("authorization").unwrap(),
            GATEWAY_TOKEN,
            "{}",
            request.url
        );
        assert!(request.headers.get("apikey").is_none(), "{}", request.url);
    })
    .await;
    let client = hanko_passkeys::admin(
        AdminConfig::new(mock.uri())
            .header("Authorization", GATEWAY_TOKEN)
            .retry(RetryPolicy::default().max_attempts(2)),
    )
    .unwrap();
    Api { mock, client }
}

fn tenant_id() -> Uuid {
    TENANT.parse().unwrap()
}

impl Api {
    /// The admin API of the test tenant.
    fn tenant(&self) -> hanko_passkeys::admin::AdminTenant {
        self.client.tenant(tenant_id())
    }
}

fn no_content() -> ResponseTemplate {
    ResponseTemplate::new(204)
}

fn error(status: u16, title: &str, details: &str) -> ResponseTemplate {
    json_status(
        status,
        json!({"title": title, "details": details, "status": status}),
    )
}

fn secret_json(name: &str) -> Value {
    json!({"id": SECRET_ID, "name": name, "secret": SECRET_VALUE, "created_at": "2026-11-26T07:00:00.123456Z"})
}

fn config_json() -> Value {
    json!({
        "cors": {"allowed_origins": ["https://example.com"], "allow_unsafe_wildcard": false},
        "webauthn": {
            "relying_party": {"id": "example.com", "display_name": "Example", "icon": "https://example.com/i.png", "origins": ["https://example.com"]},
            "timeout": 60000, "user_verification": "required", "attestation_preference": "direct",
            "resident_key_requirement": "required"
        },
        "mfa": {"timeout": 60000, "user_verification": "preferred", "attachment": "cross-platform",
            "attestation_preference": "direct", "resident_key_requirement": "discouraged"}
    })
}

#[tokio::test]
async fn health_alive_and_ready() {
    let api = api().await;
    api.on(
        "GET",
        "/health/alive",
        json_response(json!({"alive": true})),
    )
    .await;
    api.on(
        "GET",
        "/health/ready",
        json_response(json!({"ready": false})),
    )
    .await;
    assert!(api.client.alive().await.unwrap());
    assert!(!api.client.ready().await.unwrap());
    let requests = api.requests().await;
    assert_eq!(requests.len(), 2);
    requests.iter().for_each(assert_no_body);
}

#[tokio::test]
async fn health_without_a_documented_error_keeps_the_status() {
    let api = api().await;
    api.on("GET", "/health/ready", ResponseTemplate::new(500))
        .await;
    let e = api.client.ready().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::UnexpectedResponse);
    assert_eq!(e.status().map(|s| s.as_u16()), Some(500));
}

#[tokio::test]
async fn tenants_are_listed() {
    let api = api().await;
    api.on(
        "GET",
        "/tenants",
        json_response(json!([{"id": TENANT, "display_name": "example"}])),
    )
    .await;
    let tenants = api.client.tenants().await.unwrap();
    assert_eq!(tenants.len(), 1);
    assert_eq!(
        (tenants[0].id, tenants[0].display_name.as_str()),
        (tenant_id(), "example")
    );
    assert_no_body(&api.only_request().await);
}

#[tokio::test]
async fn create_tenant_sends_the_config_and_reads_the_201_with_its_api_key() {
    let api = api().await;
    api.on(
        "POST",
        "/tenants",
        json_status(
            201,
            json!({"id": TENANT, "api_key": secret_json("Initial API Key")}),
        ),
    )
    .await;
    let config = TenantConfig::new("example.com", "Example", ["https://example.com"])
        .user_verification(UserVerification::Discouraged)
        .attachment(Attachment::Platform)
        .attestation(AttestationPreference::None)
        .resident_key(ResidentKeyRequirement::Preferred)
        .timeout(Duration::from_secs(120))
        .icon("https://example.com/i.png")
        .cors_origins(["https://*.example.com"])
        .allow_unsafe_wildcard(true)
        .mfa(
            MfaConfig::new(Duration::from_secs(30))
                .user_verification(UserVerification::Required)
                .attachment(Attachment::CrossPlatform)
                .attestation(AttestationPreference::Indirect)
                .resident_key(ResidentKeyRequirement::Discouraged),
        );
    let created = api
        .client
        .create_tenant("example", config)
        .with_api_key()
        .await
        .unwrap();
    assert_eq!(created.id, tenant_id());
    let key = created.api_key.clone().unwrap();
    assert_eq!(key.value(), SECRET_VALUE);
    assert_eq!(key.name, "Initial API Key");
    for shown in [format!("{created:?}"), format!("{key}"), format!("{key:?}")] {
        assert!(!shown.contains(SECRET_VALUE), "{shown}");
    }
    assert_json_body(
        &api.only_request().await,
        json!({
            "display_name": "example",
            "create_api_key": true,
            "config": {
                "cors": {"allowed_origins": ["https://*.example.com"], "allow_unsafe_wildcard": true},
                "webauthn": {
                    "relying_party": {"id": "example.com", "display_name": "Example",
                        "icon": "https://example.com/i.png", "origins": ["https://example.com"]},
                    "timeout": 120000, "user_verification": "discouraged", "attachment": "platform",
                    "attestation_preference": "none", "resident_key_requirement": "preferred"
                },
                "mfa": {"timeout": 30000, "user_verification": "required", "attachment": "cross-platform",
                    "attestation_preference": "indirect", "resident_key_requirement": "discouraged"}
            }
        }),
    );

    // The new tenant, ready for the public API, with the key it was given.
    let tenant = created.tenant("http://localhost:8000").unwrap();
    assert_eq!(tenant.id(), tenant_id());
    assert_eq!(tenant.base_url(), "http://localhost:8000");
    let config = format!("{:?}", created.config("http://localhost:8000"));
    assert!(
        config.contains("api_key: Some(<redacted>)") && !config.contains(SECRET_VALUE),
        "{config}"
    );
}

#[tokio::test]
async fn create_tenant_without_a_key_leaves_the_server_defaults_to_the_server() {
    let api = api().await;
    api.on("POST", "/tenants", json_status(201, json!({"id": TENANT})))
        .await;
    let created = api
        .client
        .create_tenant(
            "t",
            TenantConfig::new("localhost", "Local", ["http://localhost:3000"]),
        )
        .await
        .unwrap();
    assert!(created.api_key.is_none());
    assert!(
        !format!("{:?}", created.config("http://localhost:8000")).contains("api_key: Some"),
        "no key, no key in the config"
    );
    assert_json_body(
        &api.only_request().await,
        json!({
            "display_name": "t",
            "config": {
                "cors": {"allowed_origins": ["http://localhost:3000"], "allow_unsafe_wildcard": false},
                "webauthn": {"relying_party": {"id": "localhost", "display_name": "Local",
                    "origins": ["http://localhost:3000"]}, "timeout": 60000}
            }
        }),
    );
}

#[tokio::test]
async fn create_tenant_errors_keep_the_servers_title_and_are_not_retried() {
    let api = api().await;
    api.on(
        "POST",
        "/tenants",
        error(
            400,
            "unable to create tenant",
            "Key: 'CreateTenantDto.Config.Webauthn.Timeout' Error:Field validation for 'Timeout' failed on the 'required' tag",
        ),
    )
    .await;
    let e = api
        .client
        .create_tenant("t", TenantConfig::new("rp", "RP", ["https://rp"]))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Api);
    assert!(e.is_bad_request());
    assert_eq!(e.title(), Some("unable to create tenant"));
    assert!(e.details().unwrap().contains("Timeout"));
    assert_eq!(e.request_id(), Some("Zk3d0c9Qp1Lr8Tm2Xy4Wv6Ub5Sa7Nq0O"));

    // A 503 on a create is not sent again: it may have created the tenant.
    let api = self::api().await;
    api.on("POST", "/tenants", error(503, "unavailable", ""))
        .await;
    let e = api
        .client
        .create_tenant("t", TenantConfig::new("rp", "RP", ["https://rp"]))
        .await
        .unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(api.requests().await.len(), 1);
}

#[tokio::test]
async fn get_tenant_decodes_its_config_and_it_can_be_put_back() {
    let api = api().await;
    let route = format!("/tenants/{TENANT}");
    api.on(
        "GET",
        &route,
        json_response(json!({"id": TENANT, "display_name": "example", "config": config_json()})),
    )
    .await;
    api.on("PUT", &format!("{route}/config"), no_content())
        .await;
    let tenant = api.tenant().get().await.unwrap();
    assert_eq!(tenant.display_name, "example");
    assert_eq!(tenant.config.webauthn.timeout.get(), 60_000);
    assert_eq!(
        tenant.config.mfa.as_ref().unwrap().attachment,
        Some(Attachment::CrossPlatform)
    );
    let config = tenant.config.user_verification(UserVerification::Preferred);
    api.tenant().replace_config(&config).await.unwrap();
    let requests = api.requests().await;
    assert_eq!(requests.len(), 2);
    assert_no_body(&requests[0]);
    assert_eq!(requests[1].method.as_str(), "PUT");
    let mut expected = config_json();
    expected["webauthn"]["user_verification"] = json!("preferred");
    assert_json_body(&requests[1], expected);
}

#[tokio::test]
async fn rename_and_delete_a_tenant_answer_204() {
    let api = api().await;
    let route = format!("/tenants/{TENANT}");
    api.on("PUT", &route, no_content()).await;
    api.on("DELETE", &route, no_content()).await;
    api.tenant().rename("renamed").await.unwrap();
    api.tenant().delete().await.unwrap();
    let requests = api.requests().await;
    assert_eq!(requests.len(), 2);
    assert_json_body(&requests[0], json!({"display_name": "renamed"}));
    assert_eq!(requests[1].method.as_str(), "DELETE");
    assert_no_body(&requests[1]);
}

#[tokio::test]
async fn an_unknown_tenant_is_not_found() {
    let api = api().await;
    api.on(
        "GET",
        &format!("/tenants/{TENANT}"),
        error(404, "tenant not found", ""),
    )
    .await;
    let e = api.tenant().get().await.unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.title(), Some("tenant not found"));
    assert_eq!(
        e.to_string(),
        "API error 404: tenant not found; request id Zk3d0c9Qp1Lr8Tm2Xy4Wv6Ub5Sa7Nq0O"
    );
}

/// API keys and JWK secrets: the same three calls on their own routes.
#[tokio::test]
async fn secrets_are_listed_created_and_deleted_and_never_shown() {
    for (kind, segment) in [(SecretKind::ApiKey, "api"), (SecretKind::Jwk, "jwk")] {
        let api = api().await;
        let route = format!("/tenants/{TENANT}/secrets/{segment}");
        api.on(
            "GET",
            &route,
            json_response(json!([secret_json("Initial JWK Key")])),
        )
        .await;
        api.on("POST", &route, json_status(201, secret_json("ci")))
            .await;
        api.on("DELETE", &format!("{route}/{SECRET_ID}"), no_content())
            .await;
        let secrets = match kind {
            SecretKind::ApiKey => api.tenant().api_keys(),
            SecretKind::Jwk => api.tenant().signing_keys(),
        };
        assert_eq!(secrets.kind(), kind);
        let listed = secrets.list().await.unwrap();
        assert_eq!(listed[0].value(), SECRET_VALUE);
        assert_eq!(listed[0].id.to_string(), SECRET_ID);
        let created = secrets.create("ci").await.unwrap();
        assert_eq!(created.name, "ci");
        for shown in [
            format!("{listed:?}"),
            format!("{created}"),
            format!("{created:?}"),
        ] {
            assert!(!shown.contains(SECRET_VALUE), "{shown}");
        }
        secrets.delete(SECRET_ID.parse().unwrap()).await.unwrap();
        let requests = api.requests().await;
        assert_eq!(requests.len(), 3, "{kind:?}");
        assert_no_body(&requests[0]);
        assert_json_body(&requests[1], json!({"name": "ci"}));
        assert_eq!(
            (requests[2].method.as_str(), requests[2].url.path()),
            ("DELETE", format!("{route}/{SECRET_ID}").as_str())
        );
    }
}

#[tokio::test]
async fn secret_errors_of_the_contract() {
    let api = api().await;
    let route = format!("/tenants/{TENANT}/secrets/api");
    // A duplicate name hits the unique index: a bare 500, and the create is not repeated.
    api.on(
        "POST",
        &route,
        json_status(
            500,
            json!({"title": "Internal Server Error", "status": 500}),
        ),
    )
    .await;
    let other = "0c0d5e6f-1a2b-4c3d-8e9f-0a1b2c3d4e5f";
    api.on(
        "DELETE",
        &format!("{route}/{SECRET_ID}"),
        error(
            400,
            "unable to remove key",
            "secret_id must be a valid uuid4",
        ),
    )
    .await;
    api.on(
        "DELETE",
        &format!("{route}/{other}"),
        error(404, &format!("secret with ID '{other}' not found"), ""),
    )
    .await;
    let keys = api.tenant().api_keys();
    let e = keys.create("Initial API Key").await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(500));
    assert_eq!(e.title(), Some("Internal Server Error"));
    assert_eq!(e.details(), None);
    let e = keys.delete(SECRET_ID.parse().unwrap()).await.unwrap_err();
    assert!(e.is_bad_request());
    assert_eq!(e.title(), Some("unable to remove key"));
    assert_eq!(e.details(), Some("secret_id must be a valid uuid4"));
    let e = keys.delete(other.parse().unwrap()).await.unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(
        e.title(),
        Some(format!("secret with ID '{other}' not found").as_str())
    );
    // 500 is not retried for a POST; the deletes were answered at once.
    assert_eq!(api.requests().await.len(), 3);
}

#[tokio::test]
async fn users_are_paged_with_sort_direction_and_streamed() {
    let api = api().await;
    let route = format!("/tenants/{TENANT}/users");
    let user = |n: u32| {
        json!({"id": Uuid::from_u128(n.into()).to_string(), "user_id": format!("user-{n}"),
            "name": format!("u{n}@example.com"), "icon": null, "display_name": "U"})
    };
    Mock::given(method("GET"))
        .and(path(route.clone()))
        .and(wiremock::matchers::query_param("page", "1"))
        .respond_with(
            json_response(json!([user(1), user(2)]))
                .insert_header("x-total-count", "3")
                .insert_header(
                    "link",
                    "<http://h/x?page=2&per_page=2&sort_direction=asc>; rel=\"next\"",
                ),
        )
        .mount(&api.server)
        .await;
    Mock::given(method("GET"))
        .and(path(route.clone()))
        .and(wiremock::matchers::query_param("page", "2"))
        .respond_with(json_response(json!([user(3)])).insert_header("x-total-count", "3"))
        .mount(&api.server)
        .await;
    let page = api
        .tenant()
        .users()
        .order(Order::Asc)
        .per_page(2)
        .await
        .unwrap();
    assert_eq!((page.total, page.next_page), (Some(3), Some(2)));
    assert_eq!(page.items[0].user_id, "user-1");
    assert_eq!(page.items[0].icon, None);
    assert_eq!(page.items[0].display_name.as_deref(), Some("U"));
    let all: Vec<_> = api
        .tenant()
        .users()
        .order(Order::Desc)
        .per_page(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    let requests = api.requests().await;
    assert_eq!(requests.len(), 3);
    let sorted = |r: &Request| {
        query(r)
            .into_iter()
            .filter(|(k, _)| k != "page")
            .collect::<Vec<_>>()
    };
    assert_eq!(
        sorted(&requests[0]),
        [
            ("per_page".to_owned(), "2".to_owned()),
            ("sort_direction".to_owned(), "asc".to_owned())
        ]
    );
    assert!(sorted(&requests[2]).contains(&("sort_direction".to_owned(), "desc".to_owned())));
}

#[tokio::test]
async fn a_bad_users_query_is_the_servers_400() {
    let api = api().await;
    api.on(
        "GET",
        &format!("/tenants/{TENANT}/users"),
        error(400, "sort_direction must be desc or asc", ""),
    )
    .await;
    let e = api.tenant().users().await.unwrap_err();
    assert!(e.is_bad_request());
    assert_eq!(e.title(), Some("sort_direction must be desc or asc"));
    let e = api.tenant().users().page(0).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn a_user_is_read_with_credentials_and_transactions_and_deleted_by_internal_id() {
    let api = api().await;
    let route = format!("/tenants/{TENANT}/users/{USER_ID}");
    let mut mfa = credential_json("bWZh", "user-42");
    mfa["is_mfa"] = json!(true);
    api.on(
        "GET",
        &route,
        json_response(json!({
            "id": USER_ID, "user_id": "user-42", "name": "alice@example.com", "icon": "", "display_name": "Alice",
            "credentials": [credential_json("cGFzc2tleQ", "user-42"), mfa],
            "transactions": [{"id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "identifier": "tx-1",
                "data": "{\"amount\":42}", "created_at": "2026-11-20T10:00:00Z", "updated_at": "2026-11-20T10:00:00Z"}]
        })),
    )
    .await;
    api.on("DELETE", &route, no_content()).await;
    let user = api.tenant().user(USER_ID.parse().unwrap());
    assert_eq!(user.id().to_string(), USER_ID);
    let details = user.get().await.unwrap();
    assert_eq!(details.user_id, "user-42");
    assert_eq!(details.credentials.len(), 2);
    assert!(details.credentials[1].is_mfa);
    assert_eq!(details.credentials[0].user_id.as_deref(), Some("user-42"));
    assert_eq!(details.transactions[0].identifier, "tx-1");
    user.delete().await.unwrap();
    assert_eq!(api.requests().await.len(), 2);
}

#[tokio::test]
async fn user_errors_of_the_contract() {
    let api = api().await;
    let route = format!("/tenants/{TENANT}/users/{USER_ID}");
    api.on("GET", &route, error(404, "user not found", ""))
        .await;
    api.on("DELETE", &route, error(400, "invalid user_id", ""))
        .await;
    let user = api.tenant().user(USER_ID.parse().unwrap());
    let e = user.get().await.unwrap_err();
    assert!(e.is_not_found());
    assert_eq!(e.title(), Some("user not found"));
    let e = user.delete().await.unwrap_err();
    assert!(e.is_bad_request());
    assert_eq!(e.title(), Some("invalid user_id"));
}

#[tokio::test]
async fn audit_logs_send_every_filter_without_a_key() {
    let api = api().await;
    let entry = json!({"id": "0f1e2d3c-4b5a-4968-8776-5a4b3c2d1e0f", "type": "webauthn_transaction_final_succeeded",
        "meta_http_request_id": "abc", "meta_source_ip": "203.0.113.9", "meta_user_agent": "curl/8",
        "actor_user_id": "user-42", "created_at": "2026-11-20T10:00:00.654321Z", "updated_at": "2026-11-20T10:00:00.654321Z",
        "tenant_id": TENANT, "transaction_id": "tx-1"});
    api.on(
        "GET",
        &format!("/tenants/{TENANT}/audit_logs"),
        json_response(json!([entry])).insert_header("x-total-count", "1"),
    )
    .await;
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z")
        .unwrap()
        .to_utc();
    let page = api
        .tenant()
        .audit_logs()
        .page(3)
        .per_page(5)
        .start_time(start)
        .end_time(start + chrono::Duration::hours(1))
        .event_type("a")
        .event_type("b")
        .actor_user_id("user-42")
        .source_ip("203.0.113")
        .search("42")
        .await
        .unwrap();
    assert_eq!(page.items[0].transaction_id.as_deref(), Some("tx-1"));
    assert_eq!(page.total, Some(1));
    let q = query(&api.only_request().await);
    let get = |k: &str| {
        q.iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(get("type"), ["a", "b"]);
    assert_eq!((get("page"), get("per_page")), (vec!["3"], vec!["5"]));
    assert_eq!(get("actor_user_id"), ["user-42"]);
    assert_eq!(get("meta_source_ip"), ["203.0.113"]);
    assert_eq!(get("q"), ["42"]);
    assert_eq!(get("start_time").len(), 1);
    assert_eq!(get("end_time").len(), 1);
}

#[tokio::test]
async fn reads_are_retried_and_a_retried_delete_that_finds_nothing_succeeded() {
    let api = api().await;
    let route = format!("/tenants/{TENANT}");
    Mock::given(method("GET"))
        .and(path(route.clone()))
        .respond_with(error(503, "unavailable", ""))
        .up_to_n_times(1)
        .mount(&api.server)
        .await;
    api.on(
        "GET",
        &route,
        json_response(json!({"id": TENANT, "display_name": "x", "config": config_json()})),
    )
    .await;
    Mock::given(method("DELETE"))
        .and(path(route.clone()))
        .respond_with(error(502, "bad gateway", ""))
        .up_to_n_times(1)
        .mount(&api.server)
        .await;
    api.on("DELETE", &route, error(404, "tenant not found", ""))
        .await;
    assert_eq!(api.tenant().get().await.unwrap().display_name, "x");
    api.tenant().delete().await.unwrap();
    assert_eq!(api.requests().await.len(), 4);
}

#[tokio::test]
async fn the_raw_client_goes_through_the_same_hook() {
    let api = api().await;
    api.on(
        "GET",
        "/health/alive",
        json_response(json!({"alive": true})),
    )
    .await;
    let alive = api.client.raw().health_alive().await.unwrap().into_inner();
    assert!(alive.alive);
    api.only_request().await;
}

#[test]
fn the_configuration_is_checked_and_never_shows_a_secret() {
    let err = |config: AdminConfig| hanko_passkeys::admin(config).unwrap_err();
    let e = err(AdminConfig::new("http://admin:hunter2@localhost:8001"));
    assert_eq!(e.kind(), ErrorKind::Config);
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert_eq!(err(AdminConfig::new("")).kind(), ErrorKind::Config);
    assert_eq!(
        err(AdminConfig::new("ftp://localhost")).kind(),
        ErrorKind::Config
    );
    assert_eq!(
        err(AdminConfig::new("http://localhost").header("bad name", "x")).kind(),
        ErrorKind::Config
    );
    let e = err(AdminConfig::new("http://localhost").header("x-token", "line\nbreak-secret"));
    assert!(!e.to_string().contains("break-secret"), "{e}");
    assert_eq!(
        err(AdminConfig::new("http://localhost").timeout(Duration::ZERO)).kind(),
        ErrorKind::Config
    );

    let config = AdminConfig::new("http://localhost:8001/")
        .header("Authorization", "first")
        .header("authorization", GATEWAY_TOKEN);
    let admin = hanko_passkeys::admin(config.clone()).unwrap();
    assert_eq!(admin.base_url(), "http://localhost:8001");
    for shown in [format!("{config:?}"), format!("{admin:?}")] {
        assert!(
            !shown.contains(GATEWAY_TOKEN) && !shown.contains("first"),
            "{shown}"
        );
        assert!(shown.contains("authorization"), "{shown}");
    }
}
