//! A JSON-lines driver for testing other clients (Hanko's JS SDK) against the emulator.
//!
//! It starts one emulator and prints its connection details as the first line of stdout:
//!
//! ```text
//! {"base_url":"http://127.0.0.1:PORT","tenant_url":"http://127.0.0.1:PORT/TENANT","tenant_id":"…","api_key":"…","rp_id":"localhost","origin":"http://localhost:8080"}
//! ```
//!
//! Then it plays the browser: every stdin line is one command and gets exactly one stdout line
//! back, in order. One virtual authenticator is kept for the whole run, so a login finds the
//! credentials registered before it.
//!
//! - `{"cmd":"register","options":{"publicKey":{…}}}` → the registration credential JSON that
//!   `registration/finalize` takes;
//! - `{"cmd":"login","options":{"publicKey":{…}}}` → the assertion JSON that `login/finalize`
//!   takes;
//! - `{"cmd":"credentials"}` → `{"credential_ids":[…]}`, what the authenticator holds;
//! - anything that fails → `{"error":"…"}`; the driver keeps going.
//!
//! An optional `"id"` in a command is echoed in its answer. The driver stops the emulator and
//! exits at end of input.

use clap::Parser;
use hanko_passkeys_emulator::Emulator;
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
use serde_json::{Value, json};
use std::io::{BufRead as _, Write as _};

/// Emulator plus virtual authenticator, driven by JSON lines on stdin.
#[derive(Debug, Parser)]
#[command(name = "passkeys-emulator-harness", version)]
struct Args {
    /// Relying party id.
    #[arg(long, default_value = "localhost")]
    rp_id: String,
    /// Allowed origin, also the origin the virtual authenticator signs for.
    #[arg(long, default_value = "http://localhost:8080")]
    origin: String,
    /// RSA key size for token signing. 2048 by default: key generation at start-up is the
    /// slowest part of a short test run, and the size does not change any wire format.
    #[arg(long, default_value_t = 2048, value_parser = parse_bits)]
    rsa_bits: u32,
}

fn parse_bits(s: &str) -> Result<u32, String> {
    match s {
        "2048" => Ok(2048),
        "3072" => Ok(3072),
        "4096" => Ok(4096),
        _ => Err("must be 2048, 3072 or 4096".to_string()),
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let emulator = match Emulator::builder()
        .rp_id(&args.rp_id)
        .origin(&args.origin)
        .rsa_bits(args.rsa_bits)
        // Every run registers and signs tokens: generate the key while the client starts.
        .keys_at_start(true)
        .start()
        .await
    {
        Ok(e) => e,
        Err(e) => {
            eprintln!("passkeys-emulator-harness: cannot start the emulator: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let authenticator = VirtualAuthenticator::new(&args.origin);
    let hello = json!({
        "tenant_url": emulator.tenant_url(),
        "base_url": emulator.base_url(),
        "tenant_id": emulator.tenant_id().to_string(),
        "api_key": emulator.api_key(),
        "rp_id": emulator.rp_id(),
        "origin": args.origin,
    });

    let mut code = std::process::ExitCode::SUCCESS;
    if write_line(&hello).is_err() {
        // Nobody is listening; nothing left to do.
        emulator.shutdown().await;
        return std::process::ExitCode::FAILURE;
    }
    // Blocking stdin lives on its own thread (the crate's tokio has no `io-std`, and adding
    // features to it would rebuild the workspace's tokio for one small binary).
    let (tx, mut rx) = tokio::sync::mpsc::channel::<std::io::Result<String>>(16);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let failed = line.is_err();
            if tx.blocking_send(line).is_err() || failed {
                break;
            }
        }
    });
    loop {
        let line = match rx.recv().await {
            Some(Ok(line)) => line,
            None => break,
            Some(Err(e)) => {
                // Not UTF-8 or a broken pipe: report it and stop, since the line framing is lost.
                eprintln!("passkeys-emulator-harness: reading stdin: {e}");
                code = std::process::ExitCode::FAILURE;
                break;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        let answer = answer(&authenticator, &line).await;
        if write_line(&answer).is_err() {
            break;
        }
    }
    emulator.shutdown().await;
    code
}

/// Runs one command line; every outcome, good or bad, becomes one JSON value.
async fn answer(authenticator: &VirtualAuthenticator, line: &str) -> Value {
    let command: Value = match serde_json::from_str(line) {
        Ok(v) => v,
        Err(e) => return json!({ "error": format!("not JSON: {e}") }),
    };
    let mut reply = match command.get("cmd").and_then(Value::as_str) {
        Some("register") => match command.get("options") {
            Some(options) => authenticator
                .register(options)
                .await
                .unwrap_or_else(|e| json!({ "error": e.to_string() })),
            None => json!({ "error": "register needs \"options\"" }),
        },
        Some("login") => match command.get("options") {
            Some(options) => authenticator
                .login(options)
                .await
                .unwrap_or_else(|e| json!({ "error": e.to_string() })),
            None => json!({ "error": "login needs \"options\"" }),
        },
        Some("credentials") => json!({ "credential_ids": authenticator.credential_ids() }),
        Some(other) => json!({ "error": format!("unknown cmd {other:?}") }),
        None => json!({ "error": "missing \"cmd\"" }),
    };
    if let (Some(id), Some(obj)) = (command.get("id"), reply.as_object_mut()) {
        obj.insert("id".into(), id.clone());
    }
    reply
}

/// Writes one answer line. Errors (the reader went away) end the driver instead of panicking
/// like `println!` would.
fn write_line(value: &Value) -> std::io::Result<()> {
    // `Value`'s Display is compact JSON: never a raw newline inside, so one value is one line.
    let mut text = value.to_string();
    text.push('\n');
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}
