//! Warm-cache verifications per second of one Hanko-style token (RS256, RSA-4096),
//! single-threaded.
//!
//! `cargo bench -p hanko-passkeys-benches --bench verify`. With `VERIFY_BENCH_EXPORT_DIR=DIR` set, the token, the
//! JWKS and the RP id are also written to DIR so `benches/jose/verify.mjs` can verify
//! exactly the same token (see `benches/verify-vs-jose.sh`).

#[path = "../tests/token_common/mod.rs"]
mod token_common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::json;
use token_common::{JwksServer, KEY_A, RP_ID, claims};

fn verify(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let server = rt.block_on(JwksServer::start(&[&KEY_A]));
    let verifier = server.verifier();
    let token = KEY_A.token(&claims());
    // Warm the cache: the one JWKS fetch is not part of what is measured.
    rt.block_on(verifier.verify(&token))
        .expect("token verifies");

    if let Some(dir) = std::env::var_os("VERIFY_BENCH_EXPORT_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::write(dir.join("token.txt"), &token).unwrap();
        std::fs::write(
            dir.join("jwks.json"),
            json!({ "keys": [KEY_A.jwk()] }).to_string(),
        )
        .unwrap();
        std::fs::write(dir.join("rp_id.txt"), RP_ID).unwrap();
    }

    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Elements(1));
    group.bench_function("rs256_rsa4096_warm", |b| {
        b.iter(|| rt.block_on(verifier.verify(black_box(&token))).unwrap())
    });
    group.finish();
    assert_eq!(
        rt.block_on(server.fetches()),
        1,
        "the measured loop never fetched"
    );
}

criterion_group!(benches, verify);
criterion_main!(benches);
