//! The admin API on its own listener: the server's statuses, titles and quirks (contract §3),
//! and its changes seen by the public API at once.

mod common;

use common::*;
use serde_json::{Value, json};

fn config(uv: &str) -> Value {
    json!({
        "cors": {"allowed_origins": ["http://localhost:8080"], "allow_unsafe_wildcard": false},
        "webauthn": {
            "relying_party": {"id": "localhost", "display_name": "Shop", "origins": ["http://localhost:8080"]},
            "timeout": 60000,
            "user_verification": uv
        }
    })
}

impl Harness {
    fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.emu.admin_base_url()))
    }

    /// Sends `method path` to the admin API, with `body` as JSON if given.
    async fn admin_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> reqwest::Response {
        let request = self.admin(method, path);
        match body {
            Some(body) => request.json(body),
            None => request,
        }
        .send()
        .await
        .unwrap()
    }
}

#[tokio::test]
async fn health_and_tenants() {
    let h = start().await;
    let r = h
        .admin_send(reqwest::Method::GET, "/health/alive", None)
        .await;
    assert_eq!(ok_json(r).await, json!({"alive": true}));
    let r = h
        .admin_send(reqwest::Method::GET, "/health/ready", None)
        .await;
    assert_eq!(ok_json(r).await, json!({"ready": true}));

    // Missing config: every required field reported.
    let r = h
        .admin_send(
            reqwest::Method::POST,
            "/tenants",
            Some(&json!({"display_name": "x"})),
        )
        .await;
    let e = expect_error(r, 400, "unable to create tenant").await;
    assert!(
        e["details"]
            .as_str()
            .unwrap()
            .contains("allowed_origins is a required field"),
        "{e}"
    );

    let r = h.admin_send(reqwest::Method::POST, "/tenants", Some(&json!({"display_name": "Shop", "create_api_key": true, "config": config("discouraged")}))).await;
    assert_eq!(r.status(), 201);
    let created: Value = r.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["api_key"]["name"], "Initial API Key");
    assert_eq!(created["api_key"]["secret"].as_str().unwrap().len(), 88);

    let r = h.admin_send(reqwest::Method::GET, "/tenants", None).await;
    let list = ok_json(r).await;
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == id.as_str())
    );

    let r = h
        .admin_send(reqwest::Method::GET, &format!("/tenants/{id}"), None)
        .await;
    let t = ok_json(r).await;
    assert_eq!(t["display_name"], "Shop");
    assert_eq!(t["config"]["webauthn"]["user_verification"], "discouraged");
    assert_eq!(t["config"]["mfa"]["attachment"], "cross-platform");

    let r = h
        .admin_send(
            reqwest::Method::GET,
            &format!("/tenants/{id}/secrets/jwk"),
            None,
        )
        .await;
    let jwk = ok_json(r).await;
    assert_eq!(jwk[0]["name"], "Initial JWK Key");

    // The public API sees the tenant and its settings.
    let r = h
        .http
        .post(format!("{}/{id}/registration/initialize", h.emu.base_url()))
        .header("apiKey", created["api_key"]["secret"].as_str().unwrap())
        .json(&json!({"user_id": "u1", "username": "alice"}))
        .send()
        .await
        .unwrap();
    let options = ok_json(r).await;
    assert_eq!(
        options["publicKey"]["authenticatorSelection"]["userVerification"],
        "discouraged"
    );

    let r = h
        .admin_send(
            reqwest::Method::PUT,
            &format!("/tenants/{id}"),
            Some(&json!({"display_name": "Renamed"})),
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = h
        .admin_send(
            reqwest::Method::PUT,
            &format!("/tenants/{id}/config"),
            Some(&config("required")),
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = h
        .admin_send(reqwest::Method::GET, &format!("/tenants/{id}"), None)
        .await;
    let t = ok_json(r).await;
    assert_eq!(t["display_name"], "Renamed");
    assert_eq!(t["config"]["webauthn"]["user_verification"], "required");

    let r = h
        .admin_send(reqwest::Method::DELETE, &format!("/tenants/{id}"), None)
        .await;
    assert_eq!(r.status(), 204);
    let r = h
        .admin_send(reqwest::Method::GET, &format!("/tenants/{id}"), None)
        .await;
    expect_error(r, 404, "tenant not found").await;
    let r = h
        .admin_send(reqwest::Method::GET, "/tenants/nope", None)
        .await;
    expect_error(r, 400, "tenant_id must be a valid uuid4").await;
}

#[tokio::test]
async fn api_keys_are_checked_by_the_public_api_at_once() {
    let h = start().await;
    let t = h.emu.tenant_id();
    let path = format!("/tenants/{t}/secrets/api");
    let r = h
        .admin_send(
            reqwest::Method::POST,
            &path,
            Some(&json!({"name": "second"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let second: Value = r.json().await.unwrap();
    let key = second["secret"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 88);

    // Duplicate name: a bare 500.
    let r = h
        .admin_send(
            reqwest::Method::POST,
            &path,
            Some(&json!({"name": "second"})),
        )
        .await;
    let e = expect_error(r, 500, "Internal Server Error").await;
    assert!(e.get("details").is_none());
    let r = h.admin_send(reqwest::Method::POST, &path, None).await;
    let e = expect_error(r, 400, "unable to create key").await;
    assert_eq!(e["details"], "name is a required field");

    // Bad and unknown secret ids.
    let r = h
        .admin_send(reqwest::Method::DELETE, &format!("{path}/not-a-uuid"), None)
        .await;
    let e = expect_error(r, 400, "unable to remove key").await;
    assert_eq!(e["details"], "secret_id must be a valid uuid4");
    let v1 = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
    let r = h
        .admin_send(reqwest::Method::DELETE, &format!("{path}/{v1}"), None)
        .await;
    expect_error(r, 400, "unable to remove key").await;
    let missing = uuid::Uuid::new_v4();
    let r = h
        .admin_send(reqwest::Method::DELETE, &format!("{path}/{missing}"), None)
        .await;
    expect_error(r, 404, &format!("secret with ID '{missing}' not found")).await;

    // Delete the first key: it stops working, the new one works.
    let r = h.admin_send(reqwest::Method::GET, &path, None).await;
    let list = ok_json(r).await;
    let first = list[0]["id"].as_str().unwrap().to_string();
    assert_eq!(list[0]["name"], "Initial API Key");
    let r = h
        .admin_send(reqwest::Method::DELETE, &format!("{path}/{first}"), None)
        .await;
    assert_eq!(r.status(), 204);
    let r = h.get_key("/credentials?user_id=x").await;
    expect_error(r, 401, "The api key is invalid").await;
    let r = h
        .http
        .get(h.url("/credentials?user_id=x"))
        .header("apiKey", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_new_jwk_secret_rotates_the_signing_key() {
    let h = start().await;
    let jwks = |h: &Harness| {
        let url = h.url("/.well-known/jwks.json");
        let http = h.http.clone();
        async move {
            http.get(url)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let before = jwks(&h).await["keys"].as_array().unwrap().len();
    let r = h
        .admin_send(
            reqwest::Method::POST,
            &format!("/tenants/{}/secrets/jwk", h.emu.tenant_id()),
            Some(&json!({"name": "second"})),
        )
        .await;
    assert_eq!(r.status(), 201);
    assert_eq!(jwks(&h).await["keys"].as_array().unwrap().len(), before + 1);
}

#[tokio::test]
async fn users_are_listed_shown_and_deleted_by_internal_id() {
    let h = start().await;
    h.register("alice").await;
    let t = h.emu.tenant_id();
    let r = h
        .admin_send(reqwest::Method::GET, &format!("/tenants/{t}/users"), None)
        .await;
    assert_eq!(r.headers()["x-total-count"], "1");
    let users = ok_json(r).await;
    let id = users[0]["id"].as_str().unwrap().to_string();
    assert_eq!(users[0]["user_id"], "alice");
    let r = h
        .admin_send(
            reqwest::Method::GET,
            &format!("/tenants/{t}/users?sort_direction=up"),
            None,
        )
        .await;
    expect_error(r, 400, "unable to parse request").await;

    let r = h
        .admin_send(
            reqwest::Method::GET,
            &format!("/tenants/{t}/users/{id}"),
            None,
        )
        .await;
    let user = ok_json(r).await;
    assert_eq!(user["credentials"].as_array().unwrap().len(), 1);
    let r = h
        .admin_send(
            reqwest::Method::GET,
            &format!("/tenants/{t}/users/bad"),
            None,
        )
        .await;
    expect_error(r, 400, "invalid user_id").await;

    let r = h
        .admin_send(
            reqwest::Method::DELETE,
            &format!("/tenants/{t}/users/{id}"),
            None,
        )
        .await;
    assert_eq!(r.status(), 204);
    let r = h
        .admin_send(
            reqwest::Method::GET,
            &format!("/tenants/{t}/users/{id}"),
            None,
        )
        .await;
    expect_error(r, 404, "user not found").await;
    // Their passkey no longer logs in.
    let options = h.login_options(None).await;
    let assertion = h.auth.login(&options).await.unwrap();
    let r = h.post("/login/finalize", &assertion).await;
    assert!(r.status().is_client_error(), "{}", r.status());

    let r = h
        .admin_send(
            reqwest::Method::GET,
            &format!("/tenants/{t}/audit_logs"),
            None,
        )
        .await;
    assert!(r.headers().contains_key("x-total-count"));
    assert!(!ok_json(r).await.as_array().unwrap().is_empty());
}

/// `PUT /tenants/{id}/config` with `cors`, as the admin API takes it.
async fn put_cors(h: &Harness, origins: &[&str], unsafe_wildcard: bool) {
    let mut body = config("required");
    body["cors"] = json!({"allowed_origins": origins, "allow_unsafe_wildcard": unsafe_wildcard});
    let r = h
        .admin_send(
            reqwest::Method::PUT,
            &format!("/tenants/{}/config", h.emu.tenant_id()),
            Some(&body),
        )
        .await;
    assert_eq!(r.status(), 204);
}

/// The `Access-Control-Allow-Origin` a preflight from `origin` gets.
async fn allowed_origin(h: &Harness, origin: &str) -> Option<String> {
    let r = h
        .request(reqwest::Method::OPTIONS, "/login/initialize")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    r.headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn cors_follows_the_tenants_allowed_origins_not_its_relying_party() {
    let h = start().await;
    // The builder's tenant: CORS on its relying party's origins.
    assert_eq!(
        allowed_origin(&h, "http://localhost:8080").await.as_deref(),
        Some("http://localhost:8080")
    );
    // Other CORS origins than the RP's: the page of the shop may call, the RP's origin not.
    put_cors(
        &h,
        &["https://shop.example", "https://*.shop.example"],
        false,
    )
    .await;
    assert_eq!(allowed_origin(&h, "http://localhost:8080").await, None);
    assert_eq!(
        allowed_origin(&h, "https://shop.example").await.as_deref(),
        Some("https://shop.example")
    );
    assert_eq!(
        allowed_origin(&h, "https://eu.shop.example")
            .await
            .as_deref(),
        Some("https://eu.shop.example")
    );
    assert_eq!(allowed_origin(&h, "https://shop.example.evil").await, None);
    // A simple request is answered either way; only its CORS headers differ.
    let r = h
        .request(reqwest::Method::GET, "/.well-known/jwks.json")
        .header("origin", "http://localhost:8080")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("access-control-allow-origin").is_none());
    // `*`: answered as `*`, or as the origin itself with allow_unsafe_wildcard.
    put_cors(&h, &["*"], false).await;
    assert_eq!(
        allowed_origin(&h, "https://any.example").await.as_deref(),
        Some("*")
    );
    put_cors(&h, &["*"], true).await;
    assert_eq!(
        allowed_origin(&h, "https://any.example").await.as_deref(),
        Some("https://any.example")
    );
    // The ceremony still checks the relying party's origins, not the CORS ones.
    let options = h.registration_options("alice").await;
    let foreign = h.auth.with_origin("https://any.example");
    if let Ok(credential) = foreign.register(&options).await {
        let r = h.post("/registration/finalize", &credential).await;
        assert_eq!(r.status(), 400, "{}", r.text().await.unwrap());
    }
}

#[tokio::test]
async fn admin_bodies_bind_as_echo_binds_them() {
    let h = start().await;
    let tenant = format!("/tenants/{}", h.emu.tenant_id());
    let cases = [
        (
            reqwest::Method::POST,
            "/tenants".to_string(),
            r#"{"display_name": 5}"#,
            "unable to create tenant",
            "Unmarshal type error: expected=string, got=number, field=display_name, offset=18",
        ),
        (
            reqwest::Method::POST,
            "/tenants".to_string(),
            r#"{"display_name": "x", "config": {"webauthn": {"timeout": "60s"}}}"#,
            "unable to create tenant",
            "Unmarshal type error: expected=int, got=string, field=config.webauthn.timeout, offset=62",
        ),
        (
            reqwest::Method::POST,
            "/tenants".to_string(),
            r#"{"config": []}"#,
            "unable to create tenant",
            "Unmarshal type error: expected=request.CreateConfigDto, got=array, field=config, offset=12",
        ),
        (
            reqwest::Method::PUT,
            tenant.clone(),
            r#"{"display_name": "x""#,
            "unable to update tenant",
            "unexpected EOF",
        ),
        (
            reqwest::Method::PUT,
            format!("{tenant}/config"),
            r#"{"cors": {"allow_unsafe_wildcard": "yes"}}"#,
            "unable to update tenant config",
            "Unmarshal type error: expected=bool, got=string, field=cors.allow_unsafe_wildcard, offset=40",
        ),
        (
            reqwest::Method::POST,
            format!("{tenant}/secrets/api"),
            r#"{"name": x}"#,
            "unable to create key",
            "Syntax error: offset=10, error=invalid character 'x' looking for beginning of value",
        ),
    ];
    for (method, path, body, title, details) in cases {
        let r = h
            .admin(method, &path)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let e = expect_error(r, 400, title).await;
        assert_eq!(e["details"], details, "{path} {body}");
    }
    // Keys match fields case-insensitively, as Go's decoder matches them.
    let r = h
        .admin_send(
            reqwest::Method::PUT,
            &tenant,
            Some(&json!({"Display_Name": "Renamed"})),
        )
        .await;
    assert_eq!(r.status(), 204);
    let shown = ok_json(h.admin_send(reqwest::Method::GET, &tenant, None).await).await;
    assert_eq!(shown["display_name"], "Renamed");
    // echo's plain Bind reads a chunked body (the public API's binder replaces it by `{}`).
    {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut stream = tokio::net::TcpStream::connect(h.emu.admin_addr())
            .await
            .unwrap();
        let body = r#"{"display_name": "Chunked"}"#;
        let request = format!(
            "PUT {tenant} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n\
             transfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
            body.len()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 204"), "{answer}");
    }
    let shown = ok_json(h.admin_send(reqwest::Method::GET, &tenant, None).await).await;
    assert_eq!(shown["display_name"], "Chunked");
}

#[tokio::test]
async fn a_jwk_secret_is_not_an_api_key() {
    let h = start().await;
    let jwk = ok_json(
        h.admin_send(
            reqwest::Method::GET,
            &format!("/tenants/{}/secrets/jwk", h.emu.tenant_id()),
            None,
        )
        .await,
    )
    .await;
    let r = h
        .request(reqwest::Method::GET, "/credentials?user_id=x")
        .header("apiKey", jwk[0]["secret"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let e = expect_error(r, 401, "The api key is invalid").await;
    assert_eq!(e["details"], "provided key is not an api key");
}

#[tokio::test]
async fn webauthn_and_mfa_settings_validate_with_their_own_defaults() {
    let h = start().await;
    let tenant = format!("/tenants/{}", h.emu.tenant_id());
    let config_route = format!("{tenant}/config");
    // Every bad value reported, passkey settings first, then MFA's.
    let mut body = config("sometimes");
    body["webauthn"]["attachment"] = json!("usb");
    body["mfa"] = json!({"resident_key_requirement": "always"});
    let r = h
        .admin_send(reqwest::Method::PUT, &config_route, Some(&body))
        .await;
    let e = expect_error(r, 400, "unable to update tenant config").await;
    assert_eq!(
        e["details"],
        "user_verification must be one of 'required preferred discouraged' and \
         attachment must be one of 'platform cross-platform' and \
         timeout is a required field and \
         resident_key_requirement must be one of 'discouraged preferred required'"
    );
    // MFA with a timeout only: MFA's defaults, not the passkey ones.
    let mut body = config("discouraged");
    body["mfa"] = json!({"timeout": 30000});
    let r = h
        .admin_send(reqwest::Method::PUT, &config_route, Some(&body))
        .await;
    assert_eq!(r.status(), 204);
    let t = ok_json(h.admin_send(reqwest::Method::GET, &tenant, None).await).await;
    assert_eq!(
        t["config"]["mfa"],
        json!({"timeout": 30000, "user_verification": "preferred", "attachment": "cross-platform",
               "attestation_preference": "direct", "resident_key_requirement": "discouraged"})
    );
    assert_eq!(t["config"]["webauthn"]["user_verification"], "discouraged");
    assert_eq!(
        t["config"]["webauthn"]["resident_key_requirement"],
        "required"
    );
    assert!(t["config"]["webauthn"].get("attachment").is_none());
}
