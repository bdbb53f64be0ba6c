//! Throughput of the SDK against the local emulator, over real HTTP on 127.0.0.1.
//!
//! `cargo bench --bench emulator -- --noplot`
//!
//! - `ceremony/register_and_login`: one full passkey ceremony per element: registration
//!   initialize → virtual authenticator → registration finalize → discoverable login initialize
//!   → virtual authenticator → login finalize, each through the `tenant()` facade. Every
//!   element uses a fresh user id and a fresh virtual authenticator (one device per user, as in
//!   life), and the emulator verifies everything it would verify in a test: attestation,
//!   assertion signature, origin, RP id, flags, challenge. It signs two RS256 tokens per
//!   ceremony with the server's RSA-4096 key size.
//! - `login_initialize/16_clients`: 16 tasks sharing one `Tenant` (one connection pool), each
//!   sending `LOGIN_INITS_PER_CLIENT` discoverable login initializes back to back; throughput
//!   counts requests.
//!
//! The emulator, the SDK and the authenticator share one multi-threaded runtime with a worker
//! per core, so the numbers are for everything on one machine, as in a test suite.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hanko_passkeys::{AssertionResponse, Config, RegistrationResponse, Tenant};
use hanko_passkeys_emulator::Emulator;
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;

/// Concurrent clients in the login-initialize group.
const CLIENTS: u64 = 16;
/// Requests each client sends per measured batch.
const LOGIN_INITS_PER_CLIENT: u64 = 8;

/// Per-process counter for user ids: every measured ceremony registers a new user.
static NEXT_USER: AtomicU64 = AtomicU64::new(0);

/// One full ceremony for a new user; panics on any failure so a broken flow cannot be timed
/// as a fast one.
async fn ceremony(tenant: &Tenant, origin: &str) {
    let n = NEXT_USER.fetch_add(1, Ordering::Relaxed);
    let user_id = format!("bench-user-{n}");
    let device = VirtualAuthenticator::new(origin);

    let options = tenant
        .registration()
        .initialize(user_id.as_str(), "bench@example.com")
        .await
        .expect("registration initialize");
    let created = device
        .register(&options)
        .await
        .expect("authenticator register");
    let created: RegistrationResponse =
        serde_json::from_value(created).expect("registration credential JSON");
    let registered = tenant
        .registration()
        .finalize(&created)
        .await
        .expect("registration finalize");

    let options = tenant.login().initialize().await.expect("login initialize");
    let asserted = device.login(&options).await.expect("authenticator login");
    let asserted: AssertionResponse = serde_json::from_value(asserted).expect("assertion JSON");
    let logged_in = tenant
        .login()
        .finalize(&asserted)
        .await
        .expect("login finalize");
    // Cheap sanity on the results: real tokens came back (the emulator verified the
    // ceremony; the SDK's own token verification is benchmarked in `benches/verify.rs`).
    assert_eq!(registered.as_str().split('.').count(), 3);
    assert_eq!(logged_in.as_str().split('.').count(), 3);
}

fn emulator_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    // Default signing key size (RSA-4096, like the server): the per-token signature is part
    // of what a ceremony costs.
    let emulator = rt
        .block_on(Emulator::builder().start())
        .expect("emulator starts");
    let origin = emulator.origin();
    let tenant = hanko_passkeys::tenant(
        Config::new(emulator.tenant_id().to_string())
            .api_key(emulator.api_key())
            // The SDK takes the API root and adds the tenant itself.
            .base_url(emulator.server_url()),
    )
    .expect("tenant config");

    // One ceremony up front: fails fast on a broken setup and warms the connection pool.
    rt.block_on(ceremony(&tenant, &origin));

    let mut group = c.benchmark_group("ceremony");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("register_and_login", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    ceremony(&tenant, &origin).await;
                }
                start.elapsed()
            })
        })
    });
    group.finish();

    let mut group = c.benchmark_group("login_initialize");
    group.throughput(Throughput::Elements(CLIENTS * LOGIN_INITS_PER_CLIENT));
    group.bench_function("16_clients", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let clients: Vec<_> = (0..CLIENTS)
                        .map(|_| {
                            let tenant = tenant.clone();
                            tokio::spawn(async move {
                                for _ in 0..LOGIN_INITS_PER_CLIENT {
                                    let options =
                                        tenant.login().initialize().await.expect("login init");
                                    assert!(!options.public_key.challenge.is_empty());
                                }
                            })
                        })
                        .collect();
                    for client in clients {
                        client.await.expect("client task");
                    }
                }
                start.elapsed()
            })
        })
    });
    group.finish();

    rt.block_on(emulator.shutdown());
}

criterion_group!(benches, emulator_benches);
criterion_main!(benches);
