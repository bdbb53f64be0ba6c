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
    ] {
        let out = Command::new(BIN).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?} was accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
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
