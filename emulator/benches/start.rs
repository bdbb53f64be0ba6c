//! How long an emulator takes to start, and to serve its first JWKS and first token, as a test
//! sees it.
//!
//! `cargo bench -p hanko-passkeys-emulator --bench start --profile dev` (a debug build, what
//! `cargo test` uses; without `--profile dev` it measures the optimized build).
//!
//! Every start uses the defaults, RSA-4096 token keys included, on a current-thread runtime
//! (what `#[tokio::test]` gets). Printed, as medians over the runs:
//! - `start`: `Emulator::builder().start()` until it returns (the port is bound and serving);
//! - `first answer`: until a first API call (`GET /credentials`) is answered;
//! - the total of `STARTS` starts (what a suite of that many emulator tests pays);
//! - `first JWKS`: from the start until the tenant's JWKS is served, which waits for its RSA key
//!   to exist (the key is generated on a thread of its own);
//! - `first token`: from the start until `registration/finalize` answers with a token: a
//!   `registration/initialize` (which starts the key's generation), the virtual
//!   authenticator's answer, and the finalize, which signs the token once the key exists.
//!
//! The two last are compared with the target of [`TARGET`] for their median of [`RUNS`]. An
//! RSA key's generation time varies a lot from key to key (it searches random numbers for
//! primes), so the single runs are printed too.

use std::time::{Duration, Instant};

use hanko_passkeys_emulator::Emulator;
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
use serde_json::{Value, json};

/// Emulators started for the start and first-answer medians.
const STARTS: usize = 50;
/// Emulators whose first JWKS, and emulators whose first token, are awaited (each generates
/// an RSA-4096 key).
const RUNS: usize = 5;
/// What a fresh emulator's first JWKS and first token should take at most (median).
const TARGET: Duration = Duration::from_millis(300);

fn median(samples: &[Duration]) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// `  name (median of N): X ms, 1.23 × the target: PASS  [runs: ...]`
fn against_target(name: &str, samples: &[Duration]) -> String {
    let median = median(samples);
    let ratio = median.as_secs_f64() / TARGET.as_secs_f64();
    let verdict = if median <= TARGET { "PASS" } else { "FAIL" };
    let runs: Vec<String> = samples
        .iter()
        .map(|d| format!("{:.0}", d.as_secs_f64() * 1000.0))
        .collect();
    format!(
        "  {name} (median of {}): {}, {ratio:.2} × the {} target: {verdict}  [runs, ms: {}]",
        samples.len(),
        ms(median),
        ms(TARGET),
        runs.join(", ")
    )
}

/// From the start of a new emulator until its JWKS is served.
async fn first_jwks(http: &reqwest::Client) -> Duration {
    let t0 = Instant::now();
    let emu = Emulator::builder().start().await.expect("emulator starts");
    let status = http
        .get(format!("{}/.well-known/jwks.json", emu.tenant_url()))
        .send()
        .await
        .expect("JWKS request")
        .status();
    let elapsed = t0.elapsed();
    assert_eq!(status, 200);
    emu.shutdown().await;
    elapsed
}

/// From the start of a new emulator until its first registration is finalized with a token.
async fn first_token(http: &reqwest::Client) -> Duration {
    let t0 = Instant::now();
    let emu = Emulator::builder().start().await.expect("emulator starts");
    let options: Value = http
        .post(format!("{}/registration/initialize", emu.tenant_url()))
        .header("apiKey", emu.api_key())
        .json(&json!({"user_id": "alice", "username": "alice"}))
        .send()
        .await
        .expect("initialize")
        .json()
        .await
        .expect("creation options");
    let credential = VirtualAuthenticator::new(emu.origin())
        .register(&options)
        .await
        .expect("the virtual authenticator registers");
    let response: Value = http
        .post(format!("{}/registration/finalize", emu.tenant_url()))
        .json(&credential)
        .send()
        .await
        .expect("finalize")
        .json()
        .await
        .expect("token response");
    let elapsed = t0.elapsed();
    assert!(response["token"].is_string(), "no token: {response}");
    emu.shutdown().await;
    elapsed
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let http = reqwest::Client::new();
    rt.block_on(async {
        let mut starts = Vec::new();
        let mut answers = Vec::new();
        let total = Instant::now();
        for _ in 0..STARTS {
            let t0 = Instant::now();
            let emu = Emulator::builder().start().await.expect("emulator starts");
            starts.push(t0.elapsed());
            let status = http
                .get(format!("{}/credentials", emu.tenant_url()))
                .header("apiKey", emu.api_key())
                .send()
                .await
                .expect("first request")
                .status();
            answers.push(t0.elapsed());
            assert_eq!(status, 200);
            emu.shutdown().await;
        }
        let total = total.elapsed();

        let mut jwks = Vec::new();
        for _ in 0..RUNS {
            jwks.push(first_jwks(&http).await);
        }
        let mut tokens = Vec::new();
        for _ in 0..RUNS {
            tokens.push(first_token(&http).await);
        }

        let profile = if cfg!(debug_assertions) {
            "debug"
        } else {
            "optimized"
        };
        println!("emulator start ({profile} build, RSA-4096, current-thread runtime)");
        println!(
            "  start (median of {STARTS}):        {}",
            ms(median(&starts))
        );
        println!(
            "  first answer (median of {STARTS}): {}",
            ms(median(&answers))
        );
        println!("  {STARTS} starts with a first answer: {}", ms(total));
        println!("{}", against_target("first JWKS", &jwks));
        println!("{}", against_target("first token", &tokens));
    });
}
