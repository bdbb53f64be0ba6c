//! How long an emulator takes to start, as a test sees it.
//!
//! `cargo bench -p hanko-passkeys-emulator --bench start --profile dev` (a debug build, what
//! `cargo test` uses; without `--profile dev` it measures the optimized build).
//!
//! Every start uses the defaults, RSA-4096 token keys included, on a current-thread runtime
//! (what `#[tokio::test]` gets). Printed, as medians over the runs:
//! - `start`: `Emulator::builder().start()` until it returns (the port is bound and serving);
//! - `first answer`: until a first API call (`GET /credentials`) is answered;
//! - `JWKS`: until the tenant's JWKS is served, which waits for its RSA key to exist (the
//!   key is generated on a thread of its own, so this is the key generation time);
//! - and the total of `STARTS` starts (what a suite of that many emulator tests pays).

use std::time::{Duration, Instant};

use hanko_passkeys_emulator::Emulator;

/// Emulators started for the start and first-answer medians.
const STARTS: usize = 50;
/// Emulators whose JWKS is awaited (each generates an RSA-4096 key).
const JWKS_RUNS: usize = 5;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
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
        for _ in 0..JWKS_RUNS {
            let t0 = Instant::now();
            let emu = Emulator::builder().start().await.expect("emulator starts");
            let status = http
                .get(format!("{}/.well-known/jwks.json", emu.tenant_url()))
                .send()
                .await
                .expect("JWKS request")
                .status();
            jwks.push(t0.elapsed());
            assert_eq!(status, 200);
            emu.shutdown().await;
        }

        let profile = if cfg!(debug_assertions) {
            "debug"
        } else {
            "optimized"
        };
        println!("emulator start ({profile} build, RSA-4096, current-thread runtime)");
        println!(
            "  start (median of {STARTS}):        {}",
            ms(median(starts))
        );
        println!(
            "  first answer (median of {STARTS}): {}",
            ms(median(answers))
        );
        println!("  {STARTS} starts with a first answer: {}", ms(total));
        println!(
            "  JWKS served (median of {JWKS_RUNS}):   {}",
            ms(median(jwks))
        );
    });
}
