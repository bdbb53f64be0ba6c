//! Project automation. `cargo xtask regen [--from PATH|URL] [--admin-from PATH|URL] [--check]`
//! rebuilds the vendored OpenAPI specs (`openapi/passkey-api.json`,
//! `openapi/passkey-admin-api.json`) from the upstream Passkey API and admin API specs.

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
                         or openapi/passkey-admin-api.json is stale";

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
