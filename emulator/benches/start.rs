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
//!   authenticator's answer, and the finalize, which signs the token once the key exists;
//! - the same two with `keys_at_start(true)` (what the binary uses): the key's generation
//!   starts with the emulator instead of with the first request that needs it, on two threads
//!   racing (each run waits until the previous run's losing generation has ended).
//!
//! The first JWKS and first token are compared with the target of [`TARGET`] for their median
//! of [`RUNS`]. An RSA key's generation time varies a lot from key to key (it searches random
//! numbers for primes), so the single runs are printed too, and last comes what a key costs
//! on average: `KEYS` (default 20) RSA keys of `KEY_BITS` (default 4096) generated one after
//! the other on the bench's thread, the median wall time and the mean CPU time of that thread
//! (Linux), which other work on the machine changes little. `KEYS=200` makes the mean precise
//! to a few percent;
//! `--config 'profile.dev.package.aws-lc-sys.opt-level=0'` measures AWS-LC's C code built
//! without optimization (the root `Cargo.toml` builds it with opt-level 1 in debug builds).

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

/// The CPU time the calling thread has used, where the OS tells (Linux).
fn thread_cpu() -> Option<Duration> {
    let schedstat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = schedstat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// `keys` RSA keys of `size`, one after the other: their wall times and the CPU time they took.
fn generate_keys(keys: usize, size: aws_lc_rs::rsa::KeySize) -> (Vec<Duration>, Option<Duration>) {
    let cpu0 = thread_cpu();
    let walls = (0..keys)
        .map(|_| {
            let t0 = Instant::now();
            aws_lc_rs::rsa::KeyPair::generate(size).expect("an RSA key");
            t0.elapsed()
        })
        .collect();
    let cpu = thread_cpu().zip(cpu0).map(|(end, start)| end - start);
    (walls, cpu)
}

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

/// Waits until no key generation of an earlier run is left (Linux; elsewhere at once): with
/// `keys_at_start`, the generation that lost the race runs to its end after the emulator is
/// gone, and would take a core from the next run.
async fn no_keygen_left() {
    let keygen_threads = || {
        std::fs::read_dir("/proc/self/task").map_or(0, |tasks| {
            tasks
                .flatten()
                .filter(|task| {
                    std::fs::read_to_string(task.path().join("comm"))
                        .is_ok_and(|name| name.trim() == "emulator-keygen")
                })
                .count()
        })
    };
    while keygen_threads() > 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A new emulator, once no key generation of an earlier one is left, and when it started.
async fn started(keys_at_start: bool) -> (Instant, Emulator) {
    no_keygen_left().await;
    let t0 = Instant::now();
    let emu = Emulator::builder()
        .keys_at_start(keys_at_start)
        .start()
        .await
        .expect("emulator starts");
    (t0, emu)
}

/// From the start of a new emulator until its JWKS is served.
async fn first_jwks(http: &reqwest::Client, keys_at_start: bool) -> Duration {
    let (t0, emu) = started(keys_at_start).await;
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
async fn first_token(http: &reqwest::Client, keys_at_start: bool) -> Duration {
    let (t0, emu) = started(keys_at_start).await;
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

        // [first JWKS, first token] without and with `keys_at_start`.
        let mut firsts = [[Vec::new(), Vec::new()], [Vec::new(), Vec::new()]];
        for (keys_at_start, [jwks, tokens]) in [false, true].into_iter().zip(&mut firsts) {
            for _ in 0..RUNS {
                jwks.push(first_jwks(&http, keys_at_start).await);
            }
            for _ in 0..RUNS {
                tokens.push(first_token(&http, keys_at_start).await);
            }
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
        let [[jwks, tokens], [early_jwks, early_tokens]] = &firsts;
        println!("{}", against_target("first JWKS", jwks));
        println!("{}", against_target("first token", tokens));
        println!("  with keys_at_start(true):");
        println!("{}", against_target("first JWKS", early_jwks));
        println!("{}", against_target("first token", early_tokens));
        no_keygen_left().await;
    });

    let keys = std::env::var("KEYS")
        .ok()
        .and_then(|n| n.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(20);
    let (bits, size) = match std::env::var("KEY_BITS").as_deref() {
        Ok("2048") => (2048, aws_lc_rs::rsa::KeySize::Rsa2048),
        Ok("3072") => (3072, aws_lc_rs::rsa::KeySize::Rsa3072),
        _ => (4096, aws_lc_rs::rsa::KeySize::Rsa4096),
    };
    let (walls, cpu) = generate_keys(keys, size);
    let cpu = cpu.map_or("unknown".into(), |cpu| ms(cpu / keys as u32));
    println!(
        "RSA-{bits} key generation ({keys} keys): median {}, mean CPU {cpu}",
        ms(median(&walls))
    );
}
