//! Project automation. `cargo xtask regen [--from PATH|URL] [--admin-from PATH|URL] [--check]`
//! rebuilds the vendored OpenAPI specs (`openapi/passkey-api.json`,
//! `openapi/passkey-admin-api.json`) from the upstream Passkey API and admin API specs.
//! `cargo xtask aaguids --from FILE...` rebuilds the vendored table of passkey providers
//! (`src/provider/`) from downloaded copies of the community AAGUID list.

mod aaguids;
mod convert;
mod corrections;
mod regen;
mod summary;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask regen [--from PATH|URL] [--admin-from PATH|URL] [--check]

  --from PATH|URL        upstream Passkey API spec, OpenAPI 3.1
                         (default: the published openapi-passkeys.yaml)
  --admin-from PATH|URL  upstream admin API spec, OpenAPI 3.1
                         (default: teamhanko/passkeys spec/passkey-server-admin.yaml)
  --check                exit non-zero and show the difference when openapi/passkey-api.json
                         or openapi/passkey-admin-api.json is stale

usage: cargo xtask aaguids --from FILE [--from FILE...] [--icons svg|all|none] [--check]

  --from FILE            a downloaded aaguid.json or combined_aaguid.json of
                         passkeydeveloper/passkey-authenticator-aaguids; with several, an
                         AAGUID in a later file replaces its entry in earlier ones
  --icons svg|all|none   which icons src/provider/icons.rs keeps (default svg: the community
                         list's own; all adds the PNGs combined_aaguid.json copies from FIDO MDS)
  --check                exit non-zero when src/provider/table.rs or icons.rs is stale
Record the files' source, commit and date in src/provider/README.md.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("regen") => match regen::Options::parse(&args[1..]).and_then(|o| regen::run(&o)) {
            Ok(code) => code,
            Err(message) => {
                eprintln!("error: {message}");
                ExitCode::from(2)
            }
        },
        Some("aaguids") => {
            match aaguids::Options::parse(&args[1..]).and_then(|o| aaguids::run(&o)) {
                Ok(code) => code,
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(2)
                }
            }
        }
        Some("-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}
