// Baseline for benches/verify.rs: verifies the same RS256 / RSA-4096 token against the same
// JWKS with jose, single-threaded (one verification in flight at a time), and prints ops/s.
//
// Usage: node verify.mjs DIR   (DIR holds token.txt, jwks.json, rp_id.txt written by
// `VERIFY_BENCH_EXPORT_DIR=DIR cargo bench -p hanko-passkeys-benches --bench verify`; see ../verify-vs-jose.sh)
// Prints a human-readable line on stderr and the bare ops/s number on stdout.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node verify.mjs DIR');
  process.exit(2);
}
const token = readFileSync(join(dir, 'token.txt'), 'utf8').trim();
const jwks = JSON.parse(readFileSync(join(dir, 'jwks.json'), 'utf8'));
const audience = readFileSync(join(dir, 'rp_id.txt'), 'utf8').trim();
const seconds = Number(process.env.JOSE_BENCH_SECONDS ?? 5);

// Same rules as the Rust verifier: RS256 only, audience = RP id, exp checked.
const keySet = createLocalJWKSet(jwks);
const options = { algorithms: ['RS256'], audience, clockTolerance: 30 };
const verifyOnce = async () => {
  const { payload } = await jwtVerify(token, keySet, options);
  if (!payload.sub) throw new Error('no sub');
};

// Warm-up: imports the key into a CryptoKey (cached by createLocalJWKSet) and lets V8 optimise.
const warmupEnd = performance.now() + 1000;
while (performance.now() < warmupEnd) await verifyOnce();

let ops = 0;
const start = performance.now();
const end = start + seconds * 1000;
while (performance.now() < end) {
  for (let i = 0; i < 100; i++) await verifyOnce();
  ops += 100;
}
const rate = ops / ((performance.now() - start) / 1000);
console.error(`jose ${JSON.parse(readFileSync(new URL('./node_modules/jose/package.json', import.meta.url))).version} on node ${process.version}: ${rate.toFixed(0)} verifications/s (${ops} in ${seconds} s)`);
console.log(rate.toFixed(0));
