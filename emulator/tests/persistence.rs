//! `--data`: what was acknowledged survives a restart, a `kill -9` included.

#![cfg(feature = "sqlite")]

mod common;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use common::*;
use hanko_passkeys_emulator::Emulator;
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
use serde_json::{Value, json};

/// A fresh path for a data file (removed with its WAL files when dropped).
struct DataFile(PathBuf);

impl DataFile {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "hanko-emulator-{name}-{}-{}.db",
            std::process::id(),
            uuid::Uuid::new_v4()
        ));
        Self(path)
    }
}

impl Drop for DataFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.0.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

#[tokio::test]
async fn tenants_users_credentials_and_audit_logs_survive_a_restart() {
    let file = DataFile::new("restart");
    let h = start_with(common::builder().data(&file.0)).await;
    let (tenant, key) = (h.emu.tenant_id(), h.emu.api_key().to_string());
    let id = h.register_id("alice").await;
    let jwks_before = ok_json(
        h.http
            .get(h.url("/.well-known/jwks.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    // A ceremony left half-way: its session must survive too.
    let pending = h.login_options(Some("alice")).await;
    let Harness { emu, http, auth } = h;
    emu.shutdown().await;

    // The builder's tenant settings do not matter any more: the file's tenant is restored.
    let emu = Emulator::builder().data(&file.0).start().await.unwrap();
    let h = Harness { emu, http, auth };
    assert_eq!(h.emu.tenant_id(), tenant);
    assert_eq!(h.emu.api_key(), key);
    let dto = ok_json(h.get_key(&format!("/credentials/{id}")).await).await;
    assert_eq!(dto["user_id"], "alice");
    // The same signing keys: tokens issued before verify after.
    let jwks_after = ok_json(
        h.http
            .get(h.url("/.well-known/jwks.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(jwks_before, jwks_after);
    let assertion = h.auth.login(&pending).await.unwrap();
    let token = ok_json(h.post("/login/finalize", &assertion).await).await;
    assert_eq!(claims(token["token"].as_str().unwrap())["sub"], "alice");
    let logs = ok_json(h.get_key("/audit_logs?per_page=100").await).await;
    let kinds: Vec<&str> = logs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "webauthn_authentication_final_succeeded",
            "webauthn_authentication_init_succeeded",
            "webauthn_registration_final_succeeded",
            "webauthn_registration_init_succeeded"
        ]
    );
    // A consumed session stays consumed after a restart.
    let Harness { emu, http, auth } = h;
    emu.shutdown().await;
    let emu = Emulator::builder().data(&file.0).start().await.unwrap();
    let h = Harness { emu, http, auth };
    expect_error(
        h.post("/login/finalize", &assertion).await,
        401,
        "failed to get session data",
    )
    .await;
}

const BIN: &str = env!("CARGO_BIN_EXE_hanko-passkeys-emulator");

/// Starts the binary on `file`; returns it and its tenant URL and API key.
fn spawn(file: &DataFile) -> (Child, String, String) {
    let (child, url, key, _) = spawn_with_admin(file);
    (child, url, key)
}

/// Starts the binary on `file`; returns it, its tenant URL, API key and admin URL.
fn spawn_with_admin(file: &DataFile) -> (Child, String, String, String) {
    let mut child = Command::new(BIN)
        .args(["--rsa-bits", "2048", "--log", "off", "--data"])
        .arg(&file.0)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut url, mut key, mut admin) = (String::new(), String::new(), String::new());
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(u) = line.strip_prefix("tenant URL:") {
            url = u.trim().to_string();
        }
        if let Some(a) = line.strip_prefix("admin URL:") {
            admin = a.trim().to_string();
        }
        if let Some(k) = line.strip_prefix("API key:") {
            key = k.trim().to_string();
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    (child, url, key, admin)
}

#[tokio::test]
async fn kill_9_in_the_middle_of_a_ceremony_loses_nothing_acknowledged() {
    let file = DataFile::new("kill");
    let http = reqwest::Client::new();
    let browser = VirtualAuthenticator::new("http://localhost:8080");
    let (mut child, url, key) = spawn(&file);
    let options: Value = http
        .post(format!("{url}/registration/initialize"))
        .header("apiKey", &key)
        .json(&json!({"user_id": "alice", "username": "alice"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // SIGKILL: no shutdown, no flush.
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, url_after, key_after) = spawn(&file);
    assert_eq!(key_after, key);
    assert_eq!(
        url_after.rsplit('/').next(),
        url.rsplit('/').next(),
        "same tenant"
    );
    let credential = browser.register(&options).await.unwrap();
    let r = http
        .post(format!("{url_after}/registration/finalize"))
        .json(&credential)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the acknowledged session survived");
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, url, key) = spawn(&file);
    let options: Value = http
        .post(format!("{url}/login/initialize"))
        .header("apiKey", &key)
        .json(&json!({"user_id": "alice"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let assertion = browser.login(&options).await.unwrap();
    let status = http
        .post(format!("{url}/login/finalize"))
        .json(&assertion)
        .send()
        .await
        .unwrap()
        .status();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status, 200, "the passkey a browser keeps still logs in");
}

/// An emulator on a data file, restarted at will; the admin API's view of a tenant.
struct Restartable<'a> {
    file: &'a DataFile,
    emu: Option<Emulator>,
    http: reqwest::Client,
}

impl<'a> Restartable<'a> {
    async fn start(file: &'a DataFile) -> Self {
        let emu = common::builder().data(&file.0).start().await.unwrap();
        Self {
            file,
            emu: Some(emu),
            http: reqwest::Client::new(),
        }
    }

    fn emu(&self) -> &Emulator {
        self.emu.as_ref().unwrap()
    }

    async fn restart(&mut self) {
        self.emu.take().unwrap().shutdown().await;
        self.emu = Some(
            Emulator::builder()
                .data(&self.file.0)
                .start()
                .await
                .unwrap(),
        );
    }

    fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.emu().admin_base_url()))
    }

    async fn get(&self, path: &str) -> Value {
        ok_json(self.admin(reqwest::Method::GET, path).send().await.unwrap()).await
    }

    /// Everything the admin API shows of tenant `id`, and the tenant list.
    async fn snapshot(&self, id: &str) -> Value {
        json!({
            "tenants": self.get("/tenants").await,
            "tenant": self.get(&format!("/tenants/{id}")).await,
            "api": self.get(&format!("/tenants/{id}/secrets/api")).await,
            "jwk": self.get(&format!("/tenants/{id}/secrets/jwk")).await,
            "users": self.get(&format!("/tenants/{id}/users")).await,
        })
    }

    /// The status of `GET /{id}/credentials` with `key`.
    async fn public_status(&self, id: &str, key: &str) -> u16 {
        self.http
            .get(format!(
                "{}/{id}/credentials?user_id=x",
                self.emu().base_url()
            ))
            .header("apiKey", key)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    /// Restarts and checks that the admin API shows tenant `id` exactly as before.
    async fn restart_unchanged(&mut self, id: &str) -> Value {
        let before = self.snapshot(id).await;
        self.restart().await;
        let after = self.snapshot(id).await;
        assert_eq!(
            after, before,
            "the restart changed what the admin API shows"
        );
        after
    }
}

fn tenant_config(origins: &[&str], cors: &[&str], uv: &str) -> Value {
    json!({
        "cors": {"allowed_origins": cors, "allow_unsafe_wildcard": false},
        "webauthn": {
            "relying_party": {
                "id": "localhost", "display_name": "Example Shop",
                "icon": "https://shop.example/icon.png", "origins": origins
            },
            "timeout": 60000,
            "user_verification": uv
        },
        "mfa": {"timeout": 30000, "user_verification": "discouraged"}
    })
}

#[tokio::test]
async fn every_admin_change_survives_a_restart() {
    use reqwest::Method;
    let file = DataFile::new("admin");
    let mut emu = Restartable::start(&file).await;

    // Created with its own name (not the relying party's), CORS and icon, and an API key.
    let created = ok_json(
        emu.admin(Method::POST, "/tenants")
            .json(&json!({
                "display_name": "Shop",
                "create_api_key": true,
                "config": tenant_config(&["http://localhost:8080"], &["https://shop.example"], "required"),
            }))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_string();
    let first_key = created["api_key"]["secret"].as_str().unwrap().to_string();
    let after = emu.restart_unchanged(&id).await;
    assert_eq!(after["tenant"]["display_name"], "Shop");
    assert_eq!(
        after["tenant"]["config"]["cors"]["allowed_origins"],
        json!(["https://shop.example"])
    );
    assert_eq!(after["api"][0]["id"], created["api_key"]["id"]);
    assert_eq!(
        after["api"][0]["created_at"],
        created["api_key"]["created_at"]
    );
    assert_eq!(emu.public_status(&id, &first_key).await, 200);

    // Renamed.
    let r = emu
        .admin(Method::PUT, &format!("/tenants/{id}"))
        .json(&json!({"display_name": "Shop (renamed)"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let after = emu.restart_unchanged(&id).await;
    assert_eq!(after["tenant"]["display_name"], "Shop (renamed)");

    // A second API key: it works after the restart.
    let second = ok_json(
        emu.admin(Method::POST, &format!("/tenants/{id}/secrets/api"))
            .json(&json!({"name": "CI"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let second_key = second["secret"].as_str().unwrap().to_string();
    let after = emu.restart_unchanged(&id).await;
    assert_eq!(after["api"].as_array().unwrap().len(), 2);
    assert_eq!(after["api"][1], second);
    assert_eq!(emu.public_status(&id, &second_key).await, 200);

    // Reconfigured: the whole configuration replaced.
    let r = emu
        .admin(Method::PUT, &format!("/tenants/{id}/config"))
        .json(&tenant_config(
            &["http://localhost:8080", "http://localhost:3000"],
            &["*"],
            "discouraged",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let after = emu.restart_unchanged(&id).await;
    assert_eq!(
        after["tenant"]["config"]["webauthn"]["user_verification"],
        "discouraged"
    );
    assert_eq!(
        after["tenant"]["config"]["cors"]["allowed_origins"],
        json!(["*"])
    );
    assert_eq!(after["tenant"]["config"]["mfa"]["timeout"], 30000);
    // The new settings are in force on the public API after the restart.
    let options = ok_json(
        emu.http
            .post(format!("{}/{id}/login/initialize", emu.emu().base_url()))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(options["publicKey"]["userVerification"], "discouraged");

    // A JWK secret (a new signing key) and the first API key removed.
    let jwks_url = format!("{}/{id}/.well-known/jwks.json", emu.emu().base_url());
    ok_json(
        emu.admin(Method::POST, &format!("/tenants/{id}/secrets/jwk"))
            .json(&json!({"name": "rotation"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let first_id = after["api"][0]["id"].as_str().unwrap().to_string();
    let r = emu
        .admin(
            Method::DELETE,
            &format!("/tenants/{id}/secrets/api/{first_id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let jwks: Value = ok_json(emu.http.get(&jwks_url).send().await.unwrap()).await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    let after = emu.restart_unchanged(&id).await;
    assert_eq!(after["jwk"].as_array().unwrap().len(), 2);
    assert_eq!(after["api"].as_array().unwrap().len(), 1);
    let jwks_url = format!("{}/{id}/.well-known/jwks.json", emu.emu().base_url());
    let jwks_after: Value = ok_json(emu.http.get(&jwks_url).send().await.unwrap()).await;
    assert_eq!(jwks_after, jwks);
    assert_eq!(emu.public_status(&id, &first_key).await, 401);
    assert_eq!(emu.public_status(&id, &second_key).await, 200);

    // Deleted: gone after the restart, and the emulator's first tenant is untouched.
    let first_tenant = emu.emu().tenant_id();
    let r = emu
        .admin(Method::DELETE, &format!("/tenants/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    emu.restart().await;
    let r = emu
        .admin(Method::GET, &format!("/tenants/{id}"))
        .send()
        .await
        .unwrap();
    expect_error(r, 404, "tenant not found").await;
    let tenants = emu.get("/tenants").await;
    assert_eq!(tenants.as_array().unwrap().len(), 1);
    assert_eq!(tenants[0]["id"], first_tenant.to_string());
    assert_eq!(emu.emu().tenant_id(), first_tenant);
}

#[tokio::test]
async fn a_user_deleted_through_the_admin_api_stays_deleted_with_its_transactions() {
    use reqwest::Method;
    let file = DataFile::new("user");
    let h = start_with(common::builder().data(&file.0)).await;
    h.register("alice").await;
    h.register("bob").await;
    let internal = h.emu.internal_user_id(h.emu.tenant_id(), "alice").unwrap();
    let bob = h.emu.internal_user_id(h.emu.tenant_id(), "bob").unwrap();
    let options = ok_json(
        h.post_key(
            "/transaction/initialize",
            &json!({"user_id": "alice", "transaction_id": "t-1", "transaction_data": {"amount": 1}}),
        )
        .await,
    )
    .await;
    let assertion = h.auth.login(&options).await.unwrap();
    ok_json(h.post_key("/transaction/finalize", &assertion).await).await;
    let Harness { emu, http, auth } = h;
    let user_url = |emu: &Emulator, user| {
        format!(
            "{}/tenants/{}/users/{user}",
            emu.admin_base_url(),
            emu.tenant_id()
        )
    };
    let shown = ok_json(http.get(user_url(&emu, internal)).send().await.unwrap()).await;
    assert_eq!(shown["transactions"].as_array().unwrap().len(), 1);
    let r = http
        .request(Method::DELETE, user_url(&emu, internal))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    emu.shutdown().await;

    let emu = Emulator::builder().data(&file.0).start().await.unwrap();
    let h = Harness { emu, http, auth };
    let r = h.http.get(user_url(&h.emu, internal)).send().await.unwrap();
    expect_error(r, 404, "user not found").await;
    let list = ok_json(h.get_key(&format!("/transaction/{internal}")).await).await;
    assert_eq!(list, json!([]), "the transactions went with the user");
    let bob_shown = ok_json(h.http.get(user_url(&h.emu, bob)).send().await.unwrap()).await;
    assert_eq!(bob_shown["user_id"], "bob");
}

#[tokio::test]
async fn an_admin_change_acknowledged_before_a_kill_9_is_kept() {
    let file = DataFile::new("admin-kill");
    let http = reqwest::Client::new();
    let (mut child, _, _, admin) = spawn_with_admin(&file);
    let created: Value = http
        .post(format!("{admin}/tenants"))
        .json(&json!({
            "display_name": "Shop",
            "create_api_key": true,
            "config": tenant_config(&["http://localhost:8080"], &["http://localhost:8080"], "required"),
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let second: Value = http
        .post(format!("{admin}/tenants/{id}/secrets/api"))
        .json(&json!({"name": "CI"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // SIGKILL right after the answers: no shutdown, no flush.
    child.kill().unwrap();
    child.wait().unwrap();

    let (mut child, url, _, admin) = spawn_with_admin(&file);
    let base = url.rsplit_once('/').unwrap().0;
    let tenant: Value = http
        .get(format!("{admin}/tenants/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let status = http
        .get(format!("{base}/{id}/credentials?user_id=x"))
        .header("apiKey", second["secret"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .status();
    let keys: Value = http
        .get(format!("{admin}/tenants/{id}/secrets/api"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(tenant["display_name"], "Shop");
    assert_eq!(status, 200, "the second API key works after the kill");
    assert_eq!(keys, json!([created["api_key"], second]));
}

#[tokio::test]
async fn a_data_file_of_the_first_layout_is_migrated_and_keeps_its_api_key() {
    let file = DataFile::new("legacy");
    let tenant = uuid::Uuid::new_v4();
    let key = "legacy-key";
    {
        // What emulators before the secrets were kept wrote (`PRAGMA user_version` 0).
        let db = rusqlite::Connection::open(&file.0).unwrap();
        db.execute_batch(
            "CREATE TABLE tenants (id TEXT PRIMARY KEY, api_key TEXT NOT NULL, config TEXT NOT NULL);
             CREATE TABLE signing_keys (tenant TEXT NOT NULL, kid TEXT NOT NULL, pkcs8 BLOB NOT NULL,
                 PRIMARY KEY (tenant, kid));
             CREATE TABLE rows (tenant TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
                 body TEXT NOT NULL, PRIMARY KEY (tenant, kind, key));",
        )
        .unwrap();
        let settings = json!({"timeout_ms": 60000, "user_verification": "required",
            "attachment": null, "attestation": "direct", "resident_key": "required"});
        let config = json!({"rp_id": "localhost", "rp_name": "Legacy",
            "origins": ["http://localhost:8080"], "passkey": settings, "mfa": settings,
            "rsa_bits": 2048});
        db.execute(
            "INSERT INTO tenants (id, api_key, config) VALUES (?1, ?2, ?3)",
            rusqlite::params![tenant.to_string(), key, config.to_string()],
        )
        .unwrap();
    }
    let mut emu = Restartable::start(&file).await;
    assert_eq!(emu.emu().tenant_id(), tenant);
    assert_eq!(emu.emu().api_key(), key);
    let after = emu.restart_unchanged(&tenant.to_string()).await;
    assert_eq!(after["tenant"]["display_name"], "Legacy");
    assert_eq!(after["api"][0]["name"], "Initial API Key");
    assert_eq!(after["jwk"][0]["name"], "Initial JWK Key");
    assert_eq!(emu.public_status(&tenant.to_string(), key).await, 200);
}
