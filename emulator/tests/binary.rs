//! The `hanko-passkeys-emulator` binary: what it prints, and how it refuses bad arguments.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_hanko-passkeys-emulator");

#[test]
fn bad_arguments_get_a_clear_message_and_a_failure_status() {
    for (args, expected) in [
        (&["--port", "http"][..], "invalid value 'http' for '--port"),
        (
            &["--tenant-id", "nope"][..],
            "invalid value 'nope' for '--tenant-id",
        ),
        (&["--origin", "not a url"][..], "not a URL"),
        (&["--rsa-bits", "1024"][..], "must be 2048, 3072 or 4096"),
        (&["--frobnicate"][..], "unexpected argument '--frobnicate'"),
        (
            &["--log", "loud"][..],
            "must be off, error, warn, info, debug or trace",
        ),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn a_busy_port_is_named_with_the_flag_that_changes_it() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    for (flag, args) in [
        ("--port", ["--port", port.as_str(), "--rsa-bits", "2048"]),
        (
            "--admin-port",
            ["--admin-port", port.as_str(), "--rsa-bits", "2048"],
        ),
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} started on a taken port");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("error: cannot listen on 127.0.0.1:{port}: ")),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "hint: choose another port with {flag} (0 picks a free one)"
            )),
            "{stderr}"
        );
        assert!(!stderr.contains("Os {"), "{stderr}");
    }
}

#[test]
fn prints_what_the_sdk_needs_and_serves_it() {
    let tenant = "2f0c3c1e-8f0a-4d4b-9f51-6b1e0c7d2a93";
    let mut child = Command::new(BIN)
        .args([
            "--tenant-id",
            tenant,
            "--api-key",
            "test-key",
            "--rsa-bits",
            "2048",
            "--origin",
            "http://localhost:3000",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("Press Ctrl-C");
        printed.push(line);
        if done {
            break;
        }
    }
    let base = printed
        .iter()
        .find_map(|l| l.strip_prefix("base URL:"))
        .unwrap()
        .trim()
        .to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{printed:?}");
    assert!(
        printed.contains(&format!("  export PASSKEYS_TENANT_ID={tenant}")),
        "{printed:?}"
    );
    assert!(
        printed.contains(&"  export PASSKEYS_API_KEY=test-key".to_owned()),
        "{printed:?}"
    );
    assert!(
        printed.contains(&"  export PASSKEYS_ORIGIN=http://localhost:3000".to_owned()),
        "{printed:?}"
    );
    // It answers on the printed address.
    let url = format!("{base}/{tenant}/.well-known/jwks.json");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async { reqwest::get(&url).await.map(|r| r.status().as_u16()) });
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(status.unwrap(), 200);
}

/// Starts the binary with `args`; returns it and its base URL (stdout is read up to the
/// "Press Ctrl-C" line).
fn spawn(args: &[&str]) -> (std::process::Child, String) {
    let (child, base, _) = spawn_with_admin(args);
    (child, base)
}

/// [`spawn`], also returning the admin URL.
fn spawn_with_admin(args: &[&str]) -> (std::process::Child, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut base, mut admin) = (String::new(), String::new());
    for line in BufReader::new(child.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some(b) = line.strip_prefix("base URL:") {
            base = b.trim().to_owned();
        }
        if let Some(a) = line.strip_prefix("admin URL:") {
            admin = a.trim().to_owned();
        }
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    (child, base, admin)
}

#[test]
fn logs_each_request_with_its_id_and_never_the_api_key_or_token() {
    use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
    let tenant = "2f0c3c1e-8f0a-4d4b-9f51-6b1e0c7d2a93";
    let key = "SECRET-api-key-0123456789";
    let (mut child, base) = spawn(&[
        "--tenant-id",
        tenant,
        "--api-key",
        key,
        "--rsa-bits",
        "2048",
    ]);
    let url = format!("{base}/{tenant}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (ids, token) = rt.block_on(async {
        let http = reqwest::Client::new();
        let options = http
            .post(format!("{url}/registration/initialize"))
            .header("apiKey", key)
            .json(&serde_json::json!({"user_id": "alice", "username": "alice"}))
            .send()
            .await
            .unwrap();
        let first = options.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let options: serde_json::Value = options.json().await.unwrap();
        let credential = VirtualAuthenticator::new("http://localhost:8080")
            .register(&options)
            .await
            .unwrap();
        let token: serde_json::Value = http
            .post(format!("{url}/registration/finalize"))
            .json(&credential)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let refused = http
            .get(format!("{url}/credentials"))
            .header("apiKey", "wrong-key")
            .header("x-request-id", "my-request-1")
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
        (first, token["token"].as_str().unwrap().to_owned())
    });
    child.kill().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    child.wait().unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 3, "{log}");
    assert!(
        lines[0].contains(&format!(
            "method=POST path=/{tenant}/registration/initialize request_id={ids}"
        )) && lines[0].contains("status=200")
            && lines[0].contains("duration="),
        "{log}"
    );
    assert!(
        lines[1].contains("/registration/finalize") && lines[1].contains("status=200"),
        "{log}"
    );
    assert!(
        lines[2].contains("method=GET")
            && lines[2].contains("request_id=my-request-1")
            && lines[2].contains("status=401 title=\"The api key is invalid\""),
        "{log}"
    );
    for secret in [key, "wrong-key", token.as_str()] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
}

#[test]
fn log_off_is_silent() {
    let tenant = "2f0c3c1e-8f0a-4d4b-9f51-6b1e0c7d2a93";
    let (mut child, base) = spawn(&["--tenant-id", tenant, "--log", "off"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(async {
        reqwest::get(format!("{base}/{tenant}/credentials"))
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 401);
    child.kill().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    child.wait().unwrap();
    assert_eq!(log, "");
}

#[test]
fn admin_requests_are_logged_without_their_secrets() {
    let tenant = "2f0c3c1e-8f0a-4d4b-9f51-6b1e0c7d2a93";
    let (mut child, _, admin) = spawn_with_admin(&["--tenant-id", tenant, "--rsa-bits", "2048"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (secret, request_id) = rt.block_on(async {
        let http = reqwest::Client::new();
        let created = http
            .post(format!("{admin}/tenants/{tenant}/secrets/api"))
            .header("x-request-id", "admin-request-1")
            .json(&serde_json::json!({"name": "CI"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let request_id = created.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let created: serde_json::Value = created.json().await.unwrap();
        let missing = http
            .get(format!(
                "{admin}/tenants/00000000-0000-4000-8000-000000000000"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
        (created["secret"].as_str().unwrap().to_owned(), request_id)
    });
    child.kill().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut log).unwrap();
    child.wait().unwrap();
    assert_eq!(
        request_id, "admin-request-1",
        "the admin API keeps a request id"
    );
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(
        lines[0].contains(&format!(
            "admin{{method=POST path=/tenants/{tenant}/secrets/api request_id=admin-request-1}}"
        )) && lines[0].contains("status=201"),
        "{log}"
    );
    assert!(
        lines[1].contains("method=GET")
            && lines[1].contains("status=404 title=\"tenant not found\""),
        "{log}"
    );
    assert!(
        !log.contains(&secret),
        "the new API key is in the log: {log}"
    );
}
