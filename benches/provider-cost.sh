#!/usr/bin/env bash
# What the passkey provider table (src/provider/) costs:
#  1. compiling the SDK lib (release and dev, incremental off, dependencies already built):
#     a copy of the SDK without the provider module, the SDK, the SDK with `provider-icons`;
#     ROUNDS rebuilds each after touching its src/lib.rs, user CPU seconds;
#  2. the size of a release binary that uses the SDK (a tenant and its verifier) without the
#     lookup, with `Provider::from_aaguid(..).name()`, and with `icon_light()`, each built
#     with and without `provider-icons`, stripped.
# The crate's download size is `cargo package` (see src/provider/README.md).
# Needs GNU time (/usr/bin/time) and strip.
#   benches/provider-cost.sh          (ROUNDS=5 benches/provider-cost.sh)
set -euo pipefail
sdk_dir=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-3}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$sdk_dir/target} CARGO_INCREMENTAL=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The SDK without the module: same workspace layout, nothing else changed.
mkdir -p "$work/without"
(cd "$sdk_dir" && git ls-files -z | xargs -0 cp --parents -t "$work/without")
rm -r "$work/without/src/provider"
sed -i -e '/^mod provider;$/d' -e '/^pub use provider::Provider;$/d' "$work/without/src/lib.rs"

lib_cpu() { # dir label features...
  local dir=$1 label=$2
  shift 2
  for profile in release dev; do
    (cd "$dir" && cargo build -q --profile "$profile" -p hanko-passkeys "$@")
    for _ in $(seq "$rounds"); do
      touch "$dir/src/lib.rs"
      (cd "$dir" && /usr/bin/time -f "%U" -o "$work/t" cargo build -q --profile "$profile" -p hanko-passkeys "$@")
      printf '%-24s %-8s %s s\n' "$label" "$profile" "$(cat "$work/t")"
    done
  done
}
echo "== compiling the SDK lib (user CPU)"
lib_cpu "$work/without" "without the table"
lib_cpu "$sdk_dir" "names"
lib_cpu "$sdk_dir" "names + icons" --features provider-icons

mkdir -p "$work/bins/src/bin"
cat > "$work/bins/Cargo.toml" <<TOML
[package]
name = "provider-cost"
version = "0.0.0"
edition = "2024"
[dependencies]
hanko-passkeys = { path = "$sdk_dir", default-features = false }
uuid = "1.17"
[features]
icons = ["hanko-passkeys/provider-icons"]
[workspace]
TOML
cp "$sdk_dir/Cargo.lock" "$work/bins/Cargo.lock"
prelude='let arg = std::env::args().nth(1).unwrap_or_default();
    let aaguid: uuid::Uuid = arg.parse().unwrap_or_default();
    let tenant = hanko_passkeys::tenant(hanko_passkeys::Config::new(arg.clone())).unwrap();
    let verifier = tenant.verifier().is_ok();'
cat > "$work/bins/src/bin/sdk.rs" <<RS
fn main() {
    $prelude
    println!("{aaguid} {verifier}");
}
RS
cat > "$work/bins/src/bin/name.rs" <<RS
fn main() {
    $prelude
    let provider = hanko_passkeys::Provider::from_aaguid(aaguid);
    println!("{aaguid} {verifier} {:?}", provider.map(|p| p.name()));
}
RS
cat > "$work/bins/src/bin/icon.rs" <<RS
fn main() {
    $prelude
    let provider = hanko_passkeys::Provider::from_aaguid(aaguid);
    #[cfg(feature = "icons")]
    let icon = provider.and_then(|p| p.icon_light());
    #[cfg(not(feature = "icons"))]
    let icon: Option<&str> = None;
    println!("{aaguid} {verifier} {:?} {:?}", provider.map(|p| p.name()), icon.map(str::len));
}
RS
echo "== release binaries, stripped (bytes)"
for features in "" "--features=icons"; do
  (cd "$work/bins" && cargo build -q --release --bins $features)
  for bin in sdk name icon; do
    strip -o "$work/stripped" "$CARGO_TARGET_DIR/release/$bin"
    printf '%-6s %-18s %s\n' "$bin" "${features:-(no features)}" "$(stat -c %s "$work/stripped")"
  done
done
