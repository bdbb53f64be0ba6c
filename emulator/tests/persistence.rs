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
    let h = start_with(Emulator::builder().rsa_bits(2048).data(&file.0)).await;
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
    let mut child = Command::new(BIN)
        .args(["--rsa-bits", "2048", "--log", "off", "--data"])
        .arg(&file.0)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut url, mut key) = (String::new(), String::new());
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(u) = line.strip_prefix("tenant URL:") {
            url = u.trim().to_string();
        }
        if let Some(k) = line.strip_prefix("API key:") {
            key = k.trim().to_string();
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    (child, url, key)
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
