#!/usr/bin/env bash
# The README's first command on a fresh machine: `cargo run --example quickstart` in a clean
# clone of a checkout, with a fresh cargo home (no registry, no downloaded crates) and a fresh
# target directory. Prints CPU (user + sys), wall time, peak memory, crates compiled and the
# size of the target directory. Needs git and /usr/bin/time (GNU time).
#   benches/first-run.sh [CHECKOUT [REV]]    (default: this repository at HEAD; commit first)
#   KEEP=1 benches/first-run.sh ...          (keep the clone, cargo home and logs)
# Other builds on the machine stretch the wall time; the CPU seconds are the comparable figure.
set -euo pipefail
checkout=${1:-$(cd "$(dirname "$0")/.." && pwd)}
rev=${2:-HEAD}
work=$(mktemp -d)
if [ -z "${KEEP:-}" ]; then trap 'rm -rf "$work"' EXIT; fi

git clone --quiet "$checkout" "$work/src"
git -C "$work/src" checkout --quiet "$rev"
mkdir "$work/cargo-home"
# Cargo configuration (mirrors, proxies) carries over; the registry and its caches do not.
for f in "${CARGO_HOME:-$HOME/.cargo}"/config "${CARGO_HOME:-$HOME/.cargo}"/config.toml; do
  if [ -f "$f" ]; then cp "$f" "$work/cargo-home/"; fi
done

cd "$work/src"
unset CARGO_BUILD_TARGET_DIR RUSTC_WRAPPER RUSTFLAGS CARGO_INCREMENTAL
export CARGO_HOME="$work/cargo-home" CARGO_TARGET_DIR="$work/src/target" CARGO_TERM_COLOR=never
/usr/bin/time -v -o "$work/time.txt" cargo run --example quickstart >"$work/stdout.txt" 2>"$work/stderr.txt" || {
  tail -30 "$work/stderr.txt" >&2
  exit 1
}

field() { sed -n "s/^[[:space:]]*$1: //p" "$work/time.txt"; }
user=$(field 'User time (seconds)')
sys=$(field 'System time (seconds)')
echo "checkout        $checkout @ $(git -C "$work/src" rev-parse --short HEAD)"
echo "toolchain       $(rustc --version)"
echo "CPU user+sys    $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.1f s (user %.1f, sys %.1f)", u + s, u, s }')"
echo "wall            $(field 'Elapsed (wall clock) time (h:mm:ss or m:ss)')"
echo "max RSS         $(( $(field 'Maximum resident set size (kbytes)') / 1024 )) MiB"
echo "crates compiled $(grep -c '^ *Compiling ' "$work/stderr.txt")"
echo "crates fetched  $(grep -c '^ *Downloaded ' "$work/stderr.txt" || true)"
echo "target dir      $(du -sh "$CARGO_TARGET_DIR" | cut -f1)"
echo "quickstart      $(wc -l <"$work/stdout.txt") lines, last: $(tail -1 "$work/stdout.txt")"
if [ -n "${KEEP:-}" ]; then echo "kept            $work"; fi
