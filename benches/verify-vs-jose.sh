#!/usr/bin/env bash
# Compares warm-cache RS256 / RSA-4096 verification throughput of this crate with Node's
# jose on the same token and JWKS. Single-threaded on both sides.
#   benches/verify-vs-jose.sh            (honours CARGO_TARGET_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The bench writes token.txt, jwks.json and rp_id.txt into $tmp before measuring.
VERIFY_BENCH_EXPORT_DIR="$tmp" cargo bench -p hanko-passkeys-benches --bench verify -- --noplot verify/rs256_rsa4096_warm >&2

target_dir=$(cargo metadata --format-version 1 --no-deps |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')
estimates="$target_dir/criterion/verify/rs256_rsa4096_warm/new/estimates.json"
rust_rate=$(node -e 'const e=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log((1e9/e.mean.point_estimate).toFixed(0))' "$estimates")

if [ ! -d benches/jose/node_modules/jose ]; then
  (cd benches/jose && npm ci --no-audit --no-fund >&2)
fi
jose_rate=$(node benches/jose/verify.mjs "$tmp")

echo "hanko-passkeys (jsonwebtoken + aws-lc-rs): ${rust_rate} verifications/s"
echo "jose (node $(node --version)):              ${jose_rate} verifications/s"
node -e 'console.log(`ratio rust/jose: ${(process.argv[1]/process.argv[2]).toFixed(2)}x`)' "$rust_rate" "$jose_rate"
