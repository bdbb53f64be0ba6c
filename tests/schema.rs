//! The `schemars` feature: the JSON schemas of the SDK's data types accept what the emulator
//! really sends and takes (raw bodies from the wire, not the SDK's re-serialization), and
//! reject what deserializing rejects.
//!
//! Run with `cargo test -p hanko-passkeys --features schemars --test schema`.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hanko_passkeys::admin::{Secret, TenantConfig, TenantDetails, UserDetails, UserSummary};
use hanko_passkeys::generated::admin::types as admin_types;
use hanko_passkeys::generated::types;
use hanko_passkeys::token::Claims;
use hanko_passkeys::{
    AssertionResponse, AuditLog, Credential, Jwks, LoginOptions, RegistrationOptions,
    RegistrationResponse, Transaction,
};
use hanko_passkeys_emulator::authenticator::{VirtualAuthenticator, tamper};
use reqwest::Method;
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

mod common;

/// Compiles each type's schema once (boon, JSON Schema 2020-12, formats asserted) and collects
/// every disagreement, so that one run reports all of them.
struct Check {
    compiler: boon::Compiler,
    schemas: boon::Schemas,
    compiled: HashMap<&'static str, boon::SchemaIndex>,
    failures: Vec<String>,
    checked: usize,
}

impl Check {
    fn new() -> Self {
        let mut compiler = boon::Compiler::new();
        // `format` is only an annotation in 2020-12 unless asked for: `date-time` and `uuid`
        // are what serde checks (chrono, uuid), so the schema must check them too.
        compiler.enable_format_assertions();
        Check {
            compiler,
            schemas: boon::Schemas::new(),
            compiled: HashMap::new(),
            failures: Vec::new(),
            checked: 0,
        }
    }

    fn index<T: JsonSchema>(&mut self) -> boon::SchemaIndex {
        let name = std::any::type_name::<T>();
        if let Some(index) = self.compiled.get(name) {
            return *index;
        }
        let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap();
        let url = format!("urn:hanko-passkeys:schema:{}", self.compiled.len());
        self.compiler.add_resource(&url, schema).unwrap();
        // Compiling also validates the schema against the 2020-12 meta-schema.
        let index = self
            .compiler
            .compile(&url, &mut self.schemas)
            .unwrap_or_else(|e| panic!("schema of {name} does not compile: {e:#}"));
        self.compiled.insert(name, index);
        index
    }

    fn schema_accepts<T: JsonSchema>(&mut self, value: &Value) -> Result<(), String> {
        let index = self.index::<T>();
        self.schemas
            .validate(value, index)
            .map_err(|e| format!("{e:#}"))
    }

    /// The schema of `T` accepts `value` (for `T` that the SDK only writes, e.g. `Claims`).
    fn accepts<T: JsonSchema>(&mut self, what: &str, value: &Value) {
        self.checked += 1;
        if let Err(e) = self.schema_accepts::<T>(value) {
            let name = std::any::type_name::<T>();
            self.failures
                .push(format!("{what}: the schema of {name} rejects {value}: {e}"));
        }
    }

    /// The schema of `T` accepts `value`, and so does deserializing it.
    fn reads<T: JsonSchema + DeserializeOwned>(&mut self, what: &str, value: &Value) {
        self.accepts::<T>(what, value);
        if let Err(e) = serde_json::from_value::<T>(value.clone()) {
            let name = std::any::type_name::<T>();
            self.failures
                .push(format!("{what}: {name} does not deserialize {value}: {e}"));
        }
    }

    /// Each element of the array `value` is read as a `T`; there must be at least one.
    fn reads_each<T: JsonSchema + DeserializeOwned>(&mut self, what: &str, value: &Value) {
        let items = value.as_array().map(Vec::as_slice).unwrap_or_default();
        if items.is_empty() {
            self.failures
                .push(format!("{what}: expected a non-empty array, got {value}"));
        }
        for item in items {
            self.reads::<T>(what, item);
        }
    }

    /// The schema of `T` rejects `value` (for `T` that the SDK only writes).
    fn rejects<T: JsonSchema>(&mut self, what: &str, value: &Value) {
        self.checked += 1;
        if self.schema_accepts::<T>(value).is_ok() {
            let name = std::any::type_name::<T>();
            self.failures
                .push(format!("{what}: the schema of {name} accepts {value}"));
        }
    }

    /// The schema of `T` rejects `value`, and so does deserializing it.
    fn refuses<T: JsonSchema + DeserializeOwned>(&mut self, what: &str, value: &Value) {
        self.rejects::<T>(what, value);
        if serde_json::from_value::<T>(value.clone()).is_ok() {
            let name = std::any::type_name::<T>();
            self.failures
                .push(format!("{what}: {name} deserializes {value}"));
        }
    }

    fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} of {} checks failed:\n{}",
            self.failures.len(),
            self.checked,
            self.failures.join("\n")
        );
    }
}

/// `value` with the member at `pointer` replaced (or removed, for `None`).
fn with(value: &Value, pointer: &str, new: Option<Value>) -> Value {
    let mut value = value.clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let parent = value
        .pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {parent}"));
    assert!(parent.contains_key(key), "no member {pointer}");
    match new {
        Some(new) => parent.insert(key.to_owned(), new),
        None => parent.remove(key),
    };
    value
}

/// Raw HTTP against the emulator: bodies exactly as they come off the wire.
struct Wire {
    http: reqwest::Client,
    tenant_url: String,
    admin_url: String,
    api_key: String,
}

impl Wire {
    async fn send(&self, method: Method, url: &str, body: Option<&Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, url)
            .header("apiKey", &self.api_key);
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{url}: not JSON ({e})"))
        };
        (status, body)
    }

    /// A successful call's body.
    async fn ok(&self, method: Method, url: &str, body: Option<&Value>) -> Value {
        let (status, reply) = self.send(method, url, body).await;
        assert!((200..300).contains(&status), "{url}: {status} {reply}");
        reply
    }

    async fn public(&self, method: Method, path: &str, body: Option<&Value>) -> Value {
        self.ok(method, &format!("{}{path}", self.tenant_url), body)
            .await
    }

    async fn admin(&self, method: Method, path: &str, body: Option<&Value>) -> Value {
        self.ok(method, &format!("{}{path}", self.admin_url), body)
            .await
    }
}

/// The payload of a compact JWT.
fn jwt_payload(token: &Value) -> Value {
    let token = token["token"].as_str().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn schemas_accept_what_the_emulator_sends_and_reject_what_serde_rejects() {
    let emu = common::emulator::emulator().await;
    let wire = Wire {
        http: reqwest::Client::new(),
        tenant_url: emu.tenant_url(),
        admin_url: emu.admin_base_url(),
        api_key: emu.api_key().to_owned(),
    };
    let sdk = common::emulator::tenant_of(&emu);
    let verifier = sdk.verifier().unwrap();
    let browser = VirtualAuthenticator::new(emu.origin());
    let mut check = Check::new();
    let user = "user-1@schema";

    // Registration: request, options, the browser's credential, the token and its claims.
    let request = json!({"user_id": user, "username": "alice", "display_name": "Alice",
                         "icon": "https://example.com/a.png"});
    check.reads::<types::RegistrationRequest>("registration request", &request);
    let options = wire
        .public(Method::POST, "/registration/initialize", Some(&request))
        .await;
    check.reads::<RegistrationOptions>("registration options", &options);
    let sdk_options: RegistrationOptions = serde_json::from_value(options.clone()).unwrap();
    check.accepts::<RegistrationOptions>(
        "registration options as the SDK writes them",
        &serde_json::to_value(&sdk_options).unwrap(),
    );
    let credential = browser.register(&options).await.unwrap();
    check.reads::<RegistrationResponse>("registration credential", &credential);
    let token = wire
        .public(Method::POST, "/registration/finalize", Some(&credential))
        .await;
    check.reads::<types::TokenResponse>("registration token", &token);
    check.accepts::<Claims>("registration token's payload", &jwt_payload(&token));
    let claims = hanko_passkeys::Token::new(token["token"].as_str().unwrap())
        .verify(&verifier)
        .await
        .unwrap();
    check.accepts::<Claims>(
        "claims as the SDK writes them",
        &serde_json::to_value(&claims).unwrap(),
    );
    let credential_id = claims.cred.clone();

    // Discoverable login, then a login for the user (allowCredentials), with `userHandle:
    // null` as webauthn-json sends it for non-discoverable credentials.
    let request = json!({});
    check.reads::<types::LoginRequest>("discoverable login request", &request);
    let options = wire
        .public(Method::POST, "/login/initialize", Some(&request))
        .await;
    check.reads::<LoginOptions>("discoverable login options", &options);
    let assertion = browser.login(&options).await.unwrap();
    check.reads::<AssertionResponse>("discoverable assertion", &assertion);
    let token = wire
        .public(Method::POST, "/login/finalize", Some(&assertion))
        .await;
    check.reads::<types::TokenResponse>("login token", &token);
    check.accepts::<Claims>("login token's payload", &jwt_payload(&token));

    let request = json!({"user_id": user});
    check.reads::<types::LoginRequest>("login request", &request);
    let options = wire
        .public(Method::POST, "/login/initialize", Some(&request))
        .await;
    check.reads::<LoginOptions>("login options for a user", &options);
    let mut assertion = browser.login(&options).await.unwrap();
    tamper::set_user_handle(&mut assertion, None);
    assertion["response"]["userHandle"] = Value::Null;
    check.reads::<AssertionResponse>("assertion with a null userHandle", &assertion);
    wire.public(Method::POST, "/login/finalize", Some(&assertion))
        .await;

    // MFA registration and login with a second authenticator.
    let key = VirtualAuthenticator::new(emu.origin());
    let request = json!({"user_id": user, "username": "alice"});
    let options = wire
        .public(Method::POST, "/mfa/registration/initialize", Some(&request))
        .await;
    check.reads::<RegistrationOptions>("MFA registration options", &options);
    let credential = key.register(&options).await.unwrap();
    check.reads::<RegistrationResponse>("MFA credential", &credential);
    let token = wire
        .public(
            Method::POST,
            "/mfa/registration/finalize",
            Some(&credential),
        )
        .await;
    check.accepts::<Claims>("MFA registration token's payload", &jwt_payload(&token));
    let request = json!({"user_id": user});
    check.reads::<types::MfaLoginRequest>("MFA login request", &request);
    let options = wire
        .public(Method::POST, "/mfa/login/initialize", Some(&request))
        .await;
    check.reads::<LoginOptions>("MFA login options", &options);
    let assertion = key.login(&options).await.unwrap();
    check.reads::<AssertionResponse>("MFA assertion", &assertion);
    wire.public(Method::POST, "/mfa/login/finalize", Some(&assertion))
        .await;

    // Transaction: options with a 64-byte challenge, a token with `trans`, the list.
    let request = json!({"user_id": user, "transaction_id": "tx-1",
                         "transaction_data": {"amount": 1.5, "to": "<Bob & Co>"}});
    check.reads::<types::TransactionRequest>("transaction request", &request);
    let options = wire
        .public(Method::POST, "/transaction/initialize", Some(&request))
        .await;
    check.reads::<LoginOptions>("transaction options", &options);
    let assertion = browser.login(&options).await.unwrap();
    let token = wire
        .public(Method::POST, "/transaction/finalize", Some(&assertion))
        .await;
    let payload = jwt_payload(&token);
    assert_eq!(payload["trans"], "tx-1");
    check.accepts::<Claims>("transaction token's payload", &payload);
    let internal = emu.internal_user_id(emu.tenant_id(), user).unwrap();
    let transactions = wire
        .public(Method::GET, &format!("/transaction/{internal}"), None)
        .await;
    check.reads_each::<Transaction>("transactions", &transactions);

    // Credentials: rename, list, get; JWKS; audit logs.
    let rename = json!({"name": "Laptop"});
    check.reads::<types::CredentialUpdate>("credential update", &rename);
    wire.public(
        Method::PATCH,
        &format!("/credentials/{credential_id}"),
        Some(&rename),
    )
    .await;
    let credentials = wire
        .public(Method::GET, &format!("/credentials?user_id={user}"), None)
        .await;
    assert_eq!(credentials.as_array().map(Vec::len), Some(2));
    check.reads_each::<Credential>("credentials of a user", &credentials);
    let one = wire
        .public(Method::GET, &format!("/credentials/{credential_id}"), None)
        .await;
    assert_eq!(one["name"], "Laptop");
    check.reads::<Credential>("one credential", &one);
    let jwks = wire
        .public(Method::GET, "/.well-known/jwks.json", None)
        .await;
    check.reads::<Jwks>("JWKS", &jwks);
    let logs = wire
        .public(Method::GET, "/audit_logs?per_page=100", None)
        .await;
    check.reads_each::<AuditLog>("audit logs", &logs);
    // `transaction_id` is always there: null, or a string on transaction events.
    let transaction_ids: Vec<_> = logs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| &l["transaction_id"])
        .collect();
    assert!(transaction_ids.contains(&&Value::Null), "{logs}");
    assert!(transaction_ids.contains(&&json!("tx-1")), "{logs}");

    // Error bodies.
    let (status, error) = wire
        .send(
            Method::GET,
            &format!("{}/credentials/nope", wire.tenant_url),
            None,
        )
        .await;
    assert_eq!(status, 404);
    check.reads::<types::ErrorBody>("error body", &error);

    // Admin API: health, tenants, config, secrets, users, audit logs.
    let tenant = emu.tenant_id();
    check.reads::<admin_types::Alive>(
        "alive",
        &wire.admin(Method::GET, "/health/alive", None).await,
    );
    check.reads::<admin_types::Ready>(
        "ready",
        &wire.admin(Method::GET, "/health/ready", None).await,
    );
    let config = json!({
        "cors": {"allowed_origins": ["http://localhost:8080"], "allow_unsafe_wildcard": false},
        "webauthn": {
            "relying_party": {"id": "localhost", "display_name": "Shop",
                              "origins": ["http://localhost:8080"]},
            "timeout": 60000, "user_verification": "discouraged"
        },
        "mfa": {"timeout": 30000, "attachment": "platform"}
    });
    let request = json!({"display_name": "Shop", "config": config, "create_api_key": true});
    check.reads::<admin_types::CreateTenantRequest>("create tenant request", &request);
    let created = wire.admin(Method::POST, "/tenants", Some(&request)).await;
    check.reads::<admin_types::TenantCreated>("created tenant", &created);
    check.reads::<Secret>("initial API key", &created["api_key"]);
    let new_tenant = created["id"].as_str().unwrap();
    let request = json!({"display_name": "Shop 2"});
    check.reads::<admin_types::UpdateTenantRequest>("update tenant request", &request);
    wire.admin(
        Method::PUT,
        &format!("/tenants/{new_tenant}"),
        Some(&request),
    )
    .await;
    check.reads::<TenantConfig>("tenant config", &config);
    wire.admin(
        Method::PUT,
        &format!("/tenants/{new_tenant}/config"),
        Some(&config),
    )
    .await;
    let details = wire
        .admin(Method::GET, &format!("/tenants/{new_tenant}"), None)
        .await;
    check.reads::<TenantDetails>("tenant details", &details);
    check.reads_each::<admin_types::TenantSummary>(
        "tenants",
        &wire.admin(Method::GET, "/tenants", None).await,
    );
    for kind in ["api", "jwk"] {
        let request = json!({"name": format!("second {kind}")});
        check.reads::<admin_types::CreateSecretRequest>("create secret request", &request);
        let path = format!("/tenants/{tenant}/secrets/{kind}");
        let secret = wire.admin(Method::POST, &path, Some(&request)).await;
        check.reads::<Secret>("created secret", &secret);
        let secrets = wire.admin(Method::GET, &path, None).await;
        check.reads_each::<Secret>("secrets", &secrets);
    }
    let users = wire
        .admin(Method::GET, &format!("/tenants/{tenant}/users"), None)
        .await;
    check.reads_each::<UserSummary>("users", &users);
    let user_details = wire
        .admin(
            Method::GET,
            &format!("/tenants/{tenant}/users/{internal}"),
            None,
        )
        .await;
    check.reads::<UserDetails>("user details", &user_details);
    let admin_logs = wire
        .admin(Method::GET, &format!("/tenants/{tenant}/audit_logs"), None)
        .await;
    check.reads_each::<AuditLog>("admin audit logs", &admin_logs);
    let (status, error) = wire
        .send(
            Method::GET,
            &format!("{}/tenants/{}", wire.admin_url, uuid::Uuid::new_v4()),
            None,
        )
        .await;
    assert_eq!(status, 404);
    check.reads::<types::ErrorBody>("admin error body", &error);

    // Every family rejects what deserializing rejects: a schema that accepted anything
    // would pass everything above.
    let registration = wire
        .public(
            Method::POST,
            "/registration/initialize",
            Some(&json!({"user_id": "u2", "username": "bob"})),
        )
        .await;
    for (pointer, bad) in [
        ("/publicKey/challenge", Some(json!(42))),
        ("/publicKey/user", None),
        ("/publicKey/pubKeyCredParams/0/alg", Some(json!("ES256"))),
        ("/publicKey/timeout", Some(json!(-1))),
        (
            "/publicKey/authenticatorSelection/residentKey",
            Some(json!(true)),
        ),
    ] {
        check.refuses::<RegistrationOptions>(
            &format!("registration options, {pointer} = {bad:?}"),
            &with(&registration, pointer, bad),
        );
    }
    check.refuses::<LoginOptions>(
        "login options without a challenge",
        &with(&options, "/publicKey/challenge", None),
    );
    check.refuses::<LoginOptions>(
        "login options, allowCredentials not an array",
        &with(&options, "/publicKey/allowCredentials", Some(json!("x"))),
    );
    let fresh = browser.register(&registration).await.unwrap();
    check.refuses::<RegistrationResponse>(
        "credential without attestationObject",
        &with(&fresh, "/response/attestationObject", None),
    );
    check.refuses::<AssertionResponse>(
        "assertion with a numeric userHandle",
        &with(&assertion, "/response/userHandle", Some(json!(7))),
    );
    check.refuses::<AssertionResponse>(
        "assertion with a numeric authenticatorAttachment",
        &with(&assertion, "/authenticatorAttachment", Some(json!(5))),
    );
    check.rejects::<Claims>(
        "claims with iat as text",
        &with(&payload, "/iat", Some(json!("2026-11-26T09:00:00Z"))),
    );
    check.rejects::<Claims>("claims without sub", &with(&payload, "/sub", None));
    check.refuses::<types::TokenResponse>("null token", &json!({"token": null}));
    check.refuses::<Credential>(
        "credential with backup_eligible as text",
        &with(&one, "/backup_eligible", Some(json!("yes"))),
    );
    check.refuses::<Credential>(
        "credential created yesterday",
        &with(&one, "/created_at", Some(json!("yesterday"))),
    );
    let log = &logs[0];
    check.refuses::<AuditLog>(
        "audit log whose id is not a UUID",
        &with(log, "/id", Some(json!("log-1"))),
    );
    check.refuses::<Transaction>(
        "transaction without identifier",
        &with(&transactions[0], "/identifier", None),
    );
    check.refuses::<Jwks>("JWKS keys as an object", &json!({"keys": {}}));
    check.refuses::<types::ErrorBody>("error without title", &with(&error, "/title", None));
    check.refuses::<Secret>(
        "secret without its value",
        &with(&created["api_key"], "/secret", None),
    );
    check.refuses::<TenantDetails>(
        "tenant with a zero timeout",
        &with(&details, "/config/webauthn/timeout", Some(json!(0))),
    );
    check.refuses::<TenantConfig>(
        "config with an unknown user verification",
        &with(
            &config,
            "/webauthn/user_verification",
            Some(json!("always")),
        ),
    );
    check.refuses::<UserDetails>(
        "user whose credential lacks its public key",
        &with(&user_details, "/credentials/0/public_key", None),
    );
    check.refuses::<UserSummary>(
        "user whose id is not a UUID",
        &with(&users[0], "/id", Some(json!("alice"))),
    );
    check.refuses::<admin_types::TenantCreated>(
        "created tenant without id",
        &with(&created, "/id", None),
    );
    check.refuses::<admin_types::Alive>("alive as text", &json!({"alive": "yes"}));
    check.refuses::<types::TransactionRequest>(
        "transaction request without data",
        &json!({"user_id": "u", "transaction_id": "t"}),
    );
    check.refuses::<types::LoginRequest>("login for an empty user id", &json!({"user_id": ""}));
    // typify checks string lengths while deserializing; the schemas say so too.
    check.refuses::<types::CredentialUpdate>("empty credential name", &json!({"name": ""}));
    check.refuses::<types::RegistrationRequest>(
        "user name over 128 characters",
        &json!({"user_id": "u", "username": "x".repeat(129)}),
    );

    check.finish();
}
