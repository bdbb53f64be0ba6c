#!/usr/bin/env bash
# Cold-build cost of a tiny app using hanko-passkeys (default features) against the same app
# using only reqwest 0.13 (default features: rustls with aws-lc-rs) + serde + tokio.
# A third app uses a copy of the SDK whose build.rs only copies the already generated client
# (no progenitor at build time): the difference to the SDK app is what generation costs.
# Prints wall and CPU seconds of each and the differences. Needs /usr/bin/time (GNU time) and awk.
#   benches/build-cost.sh            (ROUNDS=3 benches/build-cost.sh: alternate rounds, report medians)
set -euo pipefail
sdk_dir=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/sdk/src" "$work/base/src"
cat > "$work/sdk/Cargo.toml" <<TOML
[package]
name = "app-sdk"
version = "0.0.0"
edition = "2024"
[dependencies]
hanko-passkeys = { path = "$sdk_dir" }
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
[workspace]
TOML
cat > "$work/sdk/src/main.rs" <<'RS'
#[tokio::main]
async fn main() {
    let config = hanko_passkeys::Config::new("6fd7d4b3-3f33-4e5e-9c2b-1a2b3c4d5e6f").base_url("https://127.0.0.1:9");
    let tenant = hanko_passkeys::tenant(config).unwrap();
    // Builds the TLS client and fails to connect: no crypto-provider setup needed from the app.
    println!("{:?}", tenant.jwks().await.map(|_| ()).unwrap_err().kind());
}
RS
cat > "$work/base/Cargo.toml" <<'TOML'
[package]
name = "app-base"
version = "0.0.0"
edition = "2024"
[dependencies]
reqwest = { version = "0.13.5", features = ["json", "query"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
[workspace]
TOML
cat > "$work/base/src/main.rs" <<'RS'
#[derive(serde::Deserialize, Debug)]
#[allow(dead_code)]
struct Jwks { keys: Vec<serde_json::Value> }
#[tokio::main]
async fn main() {
    let r = reqwest::Client::new().get("https://127.0.0.1:9/x").send().await;
    println!("{:?} {:?}", r.is_err(), serde_json::from_str::<Jwks>("{\"keys\":[]}").is_ok());
}
RS
cp "$sdk_dir/Cargo.lock" "$work/sdk/Cargo.lock"

# The SDK without generation: same sources, generated code copied in by build.rs.
prepare_nogen() {
  mkdir -p "$work/nogen-sdk" "$work/nogen/src"
  cp -r "$sdk_dir/src" "$sdk_dir/README.md" "$work/nogen-sdk/"
  out_dir=$(dirname "$(ls "$work"/sdk/target/debug/build/hanko-passkeys-*/out/generated.rs | head -1)")
  cp "$out_dir"/generated*.rs "$work/nogen-sdk/"
  awk '/^\[package\]/{p=1} /^\[build-dependencies\]/{p=0} p' "$sdk_dir/Cargo.toml" |
    sed -e 's/^edition.workspace = true/edition = "2024"/' -e '/workspace = true/d' > "$work/nogen-sdk/Cargo.toml"
  printf '\n[workspace]\n' >> "$work/nogen-sdk/Cargo.toml"
  echo 'fn main() { let out = std::env::var("OUT_DIR").unwrap(); for f in ["generated.rs", "generated_admin.rs"] { std::fs::copy(f, format!("{out}/{f}")).unwrap(); } }' > "$work/nogen-sdk/build.rs"
  sed -e "s#path = \"$sdk_dir\"#path = \"$work/nogen-sdk\"#" -e 's/app-sdk/app-nogen/' "$work/sdk/Cargo.toml" > "$work/nogen/Cargo.toml"
  cp "$work/sdk/src/main.rs" "$work/nogen/src/main.rs"
  cp "$sdk_dir/Cargo.lock" "$work/nogen/Cargo.lock"
}

ROUNDS=${ROUNDS:-1}
measure() {
  (cd "$work/$1" && cargo fetch -q && rm -rf target &&
   /usr/bin/time -f "%e %U %S" -o ../time-$1 cargo build -q && cargo run -q >/dev/null)
  read -r wall user sys < "$work/time-$1"
  cpu=$(awk "BEGIN{print $user + $sys}")
  echo "round $2 $1: wall ${wall}s cpu ${cpu}s"
  echo "$wall $cpu" >> "$work/results-$1"
}
median() { sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for round in $(seq "$ROUNDS"); do
  measure base "$round"
  measure sdk "$round"
  [ -d "$work/nogen" ] || prepare_nogen
  measure nogen "$round"
done
for app in base sdk nogen; do
  eval "wall_$app=$(cut -d' ' -f1 "$work/results-$app" | median)"
  eval "cpu_$app=$(cut -d' ' -f2 "$work/results-$app" | median)"
done
echo "median of $ROUNDS: base wall ${wall_base}s cpu ${cpu_base}s; sdk wall ${wall_sdk}s cpu ${cpu_sdk}s"
echo "hanko-passkeys adds: wall $(awk "BEGIN{print $wall_sdk - $wall_base}")s, cpu $(awk "BEGIN{print $cpu_sdk - $cpu_base}")s"
echo "of which generation (sdk - nogen): wall $(awk "BEGIN{print $wall_sdk - $wall_nogen}")s, cpu $(awk "BEGIN{print $cpu_sdk - $cpu_nogen}")s (median nogen: wall ${wall_nogen}s cpu ${cpu_nogen}s)"
