//! Runs the Hanko Passkey API emulator until Ctrl-C.

use clap::Parser;
use hanko_passkeys_emulator::Emulator;
use uuid::Uuid;

/// Local emulator of the Hanko Passkey API: in memory, or with --data in an SQLite file that
/// keeps every change across restarts.
#[derive(Debug, Parser)]
#[command(name = "hanko-passkeys-emulator", version)]
struct Args {
    /// Port on 127.0.0.1 (0 picks a free port).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Port of the admin API on 127.0.0.1 (the server uses 8001; 0 picks a free port).
    #[arg(long, default_value_t = 0)]
    admin_port: u16,
    /// Relying party id.
    #[arg(long, default_value = "localhost")]
    rp_id: String,
    /// Allowed origin; repeat for several (default http://localhost:8080).
    #[arg(long = "origin", value_parser = parse_origin)]
    origins: Vec<String>,
    /// Tenant id (default: random).
    #[arg(long)]
    tenant_id: Option<Uuid>,
    /// API key (default: 64 random bytes, base64url with padding).
    #[arg(long)]
    api_key: Option<String>,
    /// RSA key size for token signing: 2048, 3072 or 4096.
    #[arg(long, default_value_t = 4096, value_parser = parse_bits)]
    rsa_bits: u32,
    /// Keep everything either API changes in this SQLite file, across restarts and kill -9
    /// (created if missing): tenants with their names and settings (deletions too), API keys
    /// and JWK secrets with their ids, signing keys, users, credentials, pending ceremonies,
    /// transactions and audit logs. When it holds tenants, the first one is the emulator's
    /// tenant and --tenant-id, --api-key, --rp-id, --origin and --rsa-bits are ignored.
    #[arg(long, value_name = "PATH")]
    data: Option<std::path::PathBuf>,
    /// Request log on stderr: one line per request (method, path, status, error title,
    /// duration, request id) at `info`; `off`, `error`, `warn`, `info`, `debug` or `trace`.
    /// API keys, tokens and bodies are never logged.
    #[arg(long, default_value = "info", value_parser = parse_level)]
    log: tracing_subscriber::filter::LevelFilter,
}

fn parse_level(s: &str) -> Result<tracing_subscriber::filter::LevelFilter, String> {
    s.parse()
        .map_err(|_| "must be off, error, warn, info, debug or trace".to_string())
}

fn parse_bits(s: &str) -> Result<u32, String> {
    match s {
        "2048" | "3072" | "4096" => Ok(s.parse().unwrap_or(4096)),
        _ => Err("must be 2048, 3072 or 4096".to_string()),
    }
}

fn parse_origin(s: &str) -> Result<String, String> {
    url::Url::parse(s)
        .map(|_| s.to_string())
        .map_err(|e| format!("not a URL: {e}"))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_max_level(args.log)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    let mut builder = Emulator::builder()
        .port(args.port)
        .admin_port(args.admin_port)
        .rp_id(args.rp_id)
        .rsa_bits(args.rsa_bits)
        // A server that will be asked for tokens: its keys are generated from the start, so
        // the first JWKS or token does not wait for a whole generation.
        .keys_at_start(true);
    for origin in args.origins {
        builder = builder.origin(origin);
    }
    if let Some(id) = args.tenant_id {
        builder = builder.tenant_id(id);
    }
    if let Some(key) = args.api_key {
        builder = builder.api_key(key);
    }
    if let Some(path) = &args.data {
        builder = builder.data(path);
    }
    let emulator = match builder.start().await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: {e}");
            if let hanko_passkeys_emulator::EmulatorError::Bind { address, .. } = &e {
                let flag = if address.port() == args.admin_port {
                    "--admin-port"
                } else {
                    "--port"
                };
                eprintln!("hint: choose another port with {flag} (0 picks a free one)");
            }
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("Hanko Passkey API emulator");
    println!("base URL:   {}", emulator.base_url());
    println!("admin URL:  {}", emulator.admin_base_url());
    println!("tenant URL: {}", emulator.tenant_url());
    println!("tenant id:  {}", emulator.tenant_id());
    println!("API key:    {}", emulator.api_key());
    println!("origins:    {}", emulator.origins().join(", "));
    if let Some(path) = &args.data {
        println!("data file:  {}", path.display());
    }
    println!();
    println!("For the SDK (and the quickstart):");
    println!("  export PASSKEYS_BASE_URL={}", emulator.base_url());
    println!("  export PASSKEYS_TENANT_ID={}", emulator.tenant_id());
    println!("  export PASSKEYS_API_KEY={}", emulator.api_key());
    println!("  export PASSKEYS_ORIGIN={}", emulator.origin());
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    emulator.shutdown().await;
    std::process::ExitCode::SUCCESS
}
