#!/usr/bin/env bash
# Client CPU per request and throughput of login().initialize() with 16 requests in flight
# against one local canned server (its own process): this SDK, plain reqwest, and
# @teamhanko/passkeys-sdk 0.2.1 on node, measured in the same run; prints the ratios.
#   benches/client-overhead.sh            (honours CARGO_TARGET_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d benches/js-sdk/node_modules/@teamhanko/passkeys-sdk ]; then
  (cd benches/js-sdk && npm ci --no-audit --no-fund >&2)
fi
cargo bench -p hanko-passkeys-benches --bench client_overhead -- --node "$PWD/benches/js-sdk/login-initialize.mjs"
