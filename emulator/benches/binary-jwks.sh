#!/usr/bin/env bash
# How soon the emulator binary serves its tenant's JWKS after it is started (the JWKS waits for
# the tenant's RSA key). Starts the built binary RUNS times (default 5), each time reads the
# printed tenant URL, requests `<tenant URL>/.well-known/jwks.json` until it is a 200, and
# prints the time from the start of the process to the answer; then the median against the
# 500 ms target. Needs bash, curl and GNU date.
#   cargo build -p hanko-passkeys-emulator --bin hanko-passkeys-emulator   (a debug build)
#   emulator/benches/binary-jwks.sh [BINARY] [extra emulator arguments...]
#   (default BINARY: ${CARGO_TARGET_DIR:-target}/debug/hanko-passkeys-emulator)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-${CARGO_TARGET_DIR:-$root/target}/debug/hanko-passkeys-emulator}
shift || true
runs=${RUNS:-5}
target_ms=500
[ -x "$bin" ] || { echo "no binary at $bin (build it first)" >&2; exit 1; }

now_ns() { date +%s%N; }
times=()
for i in $(seq "$runs"); do
  fifo=$(mktemp -u)
  mkfifo "$fifo"
  t0=$(now_ns)
  "$bin" --port 0 --log off "$@" >"$fifo" &
  pid=$!
  exec 3<"$fifo"
  rm "$fifo"
  url=
  while IFS= read -r line <&3; do
    case $line in "tenant URL: "*) url=${line#tenant URL: }; break ;; esac
  done
  [ -n "$url" ] || { echo "the emulator printed no tenant URL" >&2; kill "$pid"; exit 1; }
  t_url=$(now_ns)
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "$url/.well-known/jwks.json")" = 200 ]; do
    sleep 0.005
  done
  t1=$(now_ns)
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  exec 3<&-
  ms=$(( (t1 - t0) / 1000000 ))
  times+=("$ms")
  echo "run $i: URL printed after $(( (t_url - t0) / 1000000 )) ms, JWKS served after $ms ms"
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p")
verdict=FAIL
[ "$median" -le "$target_ms" ] && verdict=PASS
echo "JWKS after the start (median of $runs): $median ms, target $target_ms ms: $verdict"
