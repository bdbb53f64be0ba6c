//! Throughput of the SDK against the local emulator, over real HTTP on 127.0.0.1.
//!
//! `cargo bench -p hanko-passkeys-benches --bench emulator -- --noplot`
//!
//! `ceremony/*`: one element is one full passkey ceremony: registration initialize → virtual
//! authenticator → registration finalize → discoverable login initialize → virtual
//! authenticator → login finalize, each call through the `tenant()` facade. Every ceremony
//! uses a fresh user id and a fresh virtual authenticator (one device per user, as in life),
//! and the emulator verifies what it always verifies: attestation, assertion signature,
//! origin, RP id hash, flags, challenge. It signs two RS256 tokens per ceremony.
//!
//! - `sequential/rsa{4096,2048}`: one ceremony at a time on the multi-threaded runtime, so the
//!   time is one ceremony's latency, wake-ups between the two cores included.
//! - `current_thread/rsa{4096,2048}`: one ceremony at a time, emulator and client on one
//!   current-thread runtime (what a `#[tokio::test]` gets).
//! - `parallel4/rsa{4096,2048}`: batches of `PARALLEL` ceremonies in flight at once (separate
//!   users), so both cores work: the machine's ceremony throughput.
//! - `rsa4096` is the server's token key size (§4.1 of the contract) and the emulator's
//!   default; `rsa2048` is what test setups use for speed (`rsa_bits(2048)`). The two RSA
//!   private-key operations per ceremony are most of the cost at 4096 bits.
//!
//! `login_initialize/16_clients`: 16 tasks sharing one `Tenant` (one connection pool), each
//! sending `LOGIN_INITS_PER_CLIENT` discoverable login initializes back to back; one element
//! is one request.
//!
//! Except in `current_thread/*`, the emulator, the SDK and the authenticator share one
//! multi-threaded runtime with a worker per core: the numbers are for everything on one machine.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hanko_passkeys::{AssertionResponse, Config, RegistrationResponse, Tenant};
use hanko_passkeys_emulator::Emulator;
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
use tokio::runtime::Runtime;

/// Ceremonies in flight at once in the `parallel` benchmarks.
const PARALLEL: u64 = 4;
/// Concurrent clients in the login-initialize group.
const CLIENTS: u64 = 16;
/// Requests each client sends per measured batch.
const LOGIN_INITS_PER_CLIENT: u64 = 8;

/// Per-process counter for user ids: every measured ceremony registers a new user.
static NEXT_USER: AtomicU64 = AtomicU64::new(0);

/// One full ceremony for a new user; panics on any failure so a broken flow cannot be timed
/// as a fast one.
async fn ceremony(tenant: Tenant, origin: String) {
    let n = NEXT_USER.fetch_add(1, Ordering::Relaxed);
    // Fixed width: never exactly 16 bytes, which the API cannot log in (contract §5.4).
    let user_id = format!("bench-user-{n:012}");
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

/// An emulator with `bits`-bit token keys and an SDK tenant for it.
fn setup(rt: &Runtime, bits: u32) -> (Emulator, Tenant, String) {
    let emulator = rt
        .block_on(Emulator::builder().rsa_bits(bits).start())
        .expect("emulator starts");
    let tenant = hanko_passkeys::tenant(
        Config::new(emulator.tenant_id().to_string())
            .api_key(emulator.api_key())
            // The SDK takes the API root and adds the tenant itself.
            .base_url(emulator.base_url()),
    )
    .expect("tenant config");
    let origin = emulator.origin();
    // One ceremony up front: fails fast on a broken setup and opens pooled connections.
    rt.block_on(ceremony(tenant.clone(), origin.clone()));
    (emulator, tenant, origin)
}

fn emulator_benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");

    let mut group = c.benchmark_group("ceremony");
    group.measurement_time(Duration::from_secs(6));
    let mut emulators = Vec::new();
    for bits in [4096, 2048] {
        let (emulator, tenant, origin) = setup(&rt, bits);

        group.throughput(Throughput::Elements(1));
        group.bench_function(format!("sequential/rsa{bits}"), |b| {
            b.iter_custom(|iters| {
                let (tenant, origin) = (tenant.clone(), origin.clone());
                // The loop runs as a task on the runtime's workers, like a request handler
                // would, not on the thread inside `block_on`: every hop between that thread
                // and the workers costs a futex wake-up, which made the measured latency
                // mostly scheduler noise.
                rt.block_on(rt.spawn(async move {
                    let start = Instant::now();
                    for _ in 0..iters {
                        ceremony(tenant.clone(), origin.clone()).await;
                    }
                    start.elapsed()
                }))
                .expect("sequential ceremonies")
            })
        });

        // The same on a current-thread runtime with its own emulator: what a `#[tokio::test]`
        // (current-thread by default) gets. Emulator and client share one thread, so no
        // step waits for another core to wake up.
        let local = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("current-thread runtime");
        let (local_emulator, local_tenant, local_origin) = setup(&local, bits);
        group.bench_function(format!("current_thread/rsa{bits}"), |b| {
            b.iter_custom(|iters| {
                local.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        ceremony(local_tenant.clone(), local_origin.clone()).await;
                    }
                    start.elapsed()
                })
            })
        });
        local.block_on(local_emulator.shutdown());
        drop(local_tenant);

        group.throughput(Throughput::Elements(PARALLEL));
        group.bench_function(format!("parallel{PARALLEL}/rsa{bits}"), |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iters {
                        // Spawned, not joined in place, so the client side runs on both
                        // workers too.
                        let batch: Vec<_> = (0..PARALLEL)
                            .map(|_| tokio::spawn(ceremony(tenant.clone(), origin.clone())))
                            .collect();
                        for task in batch {
                            task.await.expect("ceremony task");
                        }
                    }
                    start.elapsed()
                })
            })
        });
        emulators.push((emulator, tenant));
    }
    group.finish();

    // Login initialize does not sign anything; any of the emulators will do.
    let tenant = emulators[0].1.clone();
    let mut group = c.benchmark_group("login_initialize");
    group.throughput(Throughput::Elements(CLIENTS * LOGIN_INITS_PER_CLIENT));
    group.bench_function(format!("{CLIENTS}_clients"), |b| {
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

    for (emulator, _) in emulators {
        rt.block_on(emulator.shutdown());
    }
}

criterion_group!(benches, emulator_benches);
criterion_main!(benches);
