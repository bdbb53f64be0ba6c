//! Memory under load: 16 clients on loopback, for `LOAD_SECONDS` (default 60), mostly login
//! initializes that are never finished (each one a pending session and an audit row).
//! Resident memory must stay flat once the emulator's limits are reached.
//!
//! `LOAD_SECONDS=60 cargo test -p hanko-passkeys-emulator --test load -- --ignored --nocapture`
//! (`.ci/run` runs it).

#![cfg(target_os = "linux")]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hanko_passkeys_emulator::Emulator;
use serde_json::json;

const CLIENTS: usize = 16;

/// Resident set size of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

#[test]
#[ignore = "takes LOAD_SECONDS (60 by default); run by .ci/run"]
fn resident_memory_stays_flat_under_16_clients() {
    let seconds: u64 = std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let duration = Duration::from_secs(seconds);
    // Warm-up: until the session and audit-log limits (10 000 each) are reached.
    let warm_up = duration / 3;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let emu = Arc::new(Emulator::builder().rsa_bits(2048).start().await.unwrap());
        let requests = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let mut clients = Vec::new();
        for client in 0..CLIENTS {
            let (emu, requests) = (emu.clone(), requests.clone());
            clients.push(tokio::spawn(async move {
                let http = reqwest::Client::new();
                // A long (but storable) User-Agent, as browsers send.
                let agent = format!("load-client-{client} {}", "x".repeat(200));
                let mut n = 0u64;
                while started.elapsed() < duration {
                    n += 1;
                    let request = if n.is_multiple_of(10) {
                        // A finalize that fails: no state, no audit row.
                        http.post(format!("{}/login/finalize", emu.tenant_url()))
                            .json(&json!({"id": "AAAA", "type": "public-key"}))
                    } else {
                        http.post(format!("{}/login/initialize", emu.tenant_url()))
                            .json(&json!({}))
                    };
                    let status = request
                        .header("user-agent", &agent)
                        .send()
                        .await
                        .expect("request")
                        .status();
                    assert!(status == 200 || status == 400, "{status}");
                    requests.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        // One RSS sample a second while the clients run.
        let mut samples = Vec::new();
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        while started.elapsed() < duration {
            ticks.tick().await;
            samples.push((started.elapsed(), rss_kib()));
        }
        for client in clients {
            client.await.unwrap();
        }
        let total = requests.load(Ordering::Relaxed);
        let after_warm_up: Vec<u64> = samples
            .iter()
            .filter(|(t, _)| *t >= warm_up)
            .map(|(_, rss)| *rss)
            .collect();
        let first = *after_warm_up.first().expect("samples after warm-up");
        let last = *after_warm_up.last().unwrap();
        let max = *after_warm_up.iter().max().unwrap();
        println!(
            "{total} requests in {seconds} s ({:.0}/s) from {CLIENTS} clients; RSS after warm-up ({} s): {} MiB, at the end {} MiB, max {} MiB",
            total as f64 / seconds as f64,
            warm_up.as_secs(),
            first / 1024,
            last / 1024,
            max / 1024
        );
        // Flat: no more than 8 MiB above the level right after warm-up (without the limits,
        // the same load grows it by about 0.75 MiB a second).
        assert!(
            max <= first + 8 * 1024,
            "RSS grew from {first} KiB to {max} KiB: {samples:?}"
        );
    });
}
