//! A web app with passkeys, on `hanko-passkeys-axum`: sign-up, passkey login (with autofill),
//! a security key as second factor, transaction confirmation, and passkey management.
//!
//! ```sh
//! cargo run -p hanko-passkeys-web-example     # then open http://localhost:3000 in Chromium
//! ```
//!
//! With no environment set it runs the Passkey API emulator in this process (relying party
//! `localhost`, origin `http://localhost:$PORT`). With `PASSKEYS_TENANT_ID`, `PASSKEYS_API_KEY`,
//! `PASSKEYS_ORIGIN` (and optionally `PASSKEYS_BASE_URL`) it uses that tenant; the page must
//! then be served at `PASSKEYS_ORIGIN`. `PORT` (default 3000, 0 = any free port) is where it
//! listens; `EMULATOR_TIMEOUT_SECS` shortens the emulator's ceremony timeout (default 60).
//! `REDIS_URL` (e.g. `redis://127.0.0.1:6379`) keeps the sessions in Redis instead of this
//! process's memory, so that several instances behind one origin share them.
//!
//! The crate's router (`/passkeys/...`) does the ceremonies and the session; the page
//! (`static/`) uses the crate's browser module. The app's own code is its users
//! (`users.rs`), a transfer confirmed with a passkey, and the server around them.

mod users;

use std::error::Error;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderValue;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Json, Router};
use hanko_passkeys::{AssertionResponse, Config, LoginOptions};
use hanko_passkeys_axum::BoundedMemoryStore;
use hanko_passkeys_axum::tower_sessions::{Session, SessionStore};
use hanko_passkeys_axum::{JsonBody, Passkeys, Problem, ProblemKind, SignedIn};
use hanko_passkeys_emulator::Emulator;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::users::DemoUsers;

type Demo = Passkeys<DemoUsers>;

const INDEX_HTML: &str = include_str!("../static/index.html");
const APP_JS: &str = include_str!("../static/app.js");

/// The transfer the demo asks users to confirm.
fn transfer() -> Value {
    json!({"amount": "100.00", "currency": "EUR", "to": "Bob", "iban": "DE02 1203 0000 0000 2020 51"})
}

/// Transaction, step 1: a new transaction id (unique per tenant, forever) for the transfer;
/// the crate remembers in the session what is to be confirmed.
async fn transfer_initialize(
    State(passkeys): State<Demo>,
    session: Session,
    user: SignedIn,
) -> Result<Json<LoginOptions>, Problem> {
    let id = format!("transfer-{}", uuid::Uuid::new_v4());
    let options = passkeys
        .start_transaction(&session, &user, id, &transfer())
        .await?;
    Ok(Json(options))
}

/// Transaction, step 2: the crate verifies that the token confirms exactly the transfer this
/// session started, for this user, and hands it back.
async fn transfer_finalize(
    State(passkeys): State<Demo>,
    session: Session,
    user: SignedIn,
    JsonBody(assertion): JsonBody<AssertionResponse>,
) -> Result<Json<Value>, Problem> {
    let confirmed = passkeys
        .confirm_transaction(&session, &user, &assertion)
        .await?;
    let mut answer = confirmed.data;
    answer["transaction_id"] = confirmed.id.into();
    answer["credential"] = confirmed.credential.into();
    Ok(Json(answer))
}

/// The whole app: the page, the crate's routes under `/passkeys`, the transfer, sessions in
/// `store`.
fn app(passkeys: Demo, origin: String, store: impl SessionStore + Clone) -> Router {
    let site = json!({"origin": origin, "rp_id": passkeys.verifier().relying_party_id()});
    Router::new()
        .route(
            "/",
            get(|| async { ([(CONTENT_TYPE, "text/html; charset=utf-8")], INDEX_HTML) }),
        )
        .route(
            "/app.js",
            get(|| async { ([(CONTENT_TYPE, "text/javascript; charset=utf-8")], APP_JS) }),
        )
        // Where the page must be served from, for its warning when it is not.
        .route("/api/config", get(move || async move { Json(site) }))
        .route("/api/transfer/initialize", post(transfer_initialize))
        .route("/api/transfer/finalize", post(transfer_finalize))
        .nest("/passkeys", passkeys.router())
        .fallback(|| async { Problem::new(ProblemKind::NotFound) })
        .layer(passkeys.layer(store))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(passkeys)
}

/// The security headers of every answer. Provider icons are `data:` URIs.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    if !headers.contains_key(CACHE_CONTROL) {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// The SDK configuration, the page's origin and the emulator when we run one.
async fn passkey_backend(port: u16) -> Result<(Config, String, Option<Emulator>), Box<dyn Error>> {
    if std::env::var("PASSKEYS_TENANT_ID").is_ok_and(|v| !v.trim().is_empty()) {
        let origin = std::env::var("PASSKEYS_ORIGIN")
            .map_err(|_| "PASSKEYS_ORIGIN (the origin the page is served from) must be set with PASSKEYS_TENANT_ID")?;
        let rp_id = url::Url::parse(&origin)
            .map_err(|e| format!("PASSKEYS_ORIGIN {origin:?}: {e}"))?
            .host_str()
            .ok_or("PASSKEYS_ORIGIN has no host")?
            .to_owned();
        return Ok((Config::from_env()?.relying_party_id(rp_id), origin, None));
    }
    let origin = format!("http://localhost:{port}");
    let mut builder = Emulator::builder()
        .rp_id("localhost")
        .rp_name("hanko-passkeys web example")
        .origin(&origin)
        .keys_at_start(true);
    if let Some(secs) = std::env::var("EMULATOR_TIMEOUT_SECS")
        .ok()
        .filter(|s| !s.is_empty())
    {
        let timeout = Duration::from_secs(
            secs.parse()
                .map_err(|_| "EMULATOR_TIMEOUT_SECS must be a number of seconds")?,
        );
        builder = builder.timeout(timeout).mfa_timeout(timeout);
    }
    let emulator = builder.start().await?;
    let config = Config::new(emulator.tenant_id().to_string())
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .relying_party_id(emulator.rp_id());
    Ok((config, origin, Some(emulator)))
}

/// Sessions in Redis when `REDIS_URL` is set, else in this process's memory.
async fn with_sessions(passkeys: Demo, origin: String) -> Result<(Router, String), Box<dyn Error>> {
    let Some(url) = std::env::var("REDIS_URL").ok().filter(|u| !u.is_empty()) else {
        let store = BoundedMemoryStore::default();
        return Ok((app(passkeys, origin, store), "memory".into()));
    };
    use tower_sessions_redis_store::RedisStore;
    use tower_sessions_redis_store::fred::prelude::{ClientLike as _, Config as RedisConfig, Pool};
    let pool = Pool::new(RedisConfig::from_url(&url)?, None, None, None, 2)?;
    pool.init().await?;
    // Not the URL: it may hold a password.
    Ok((app(passkeys, origin, RedisStore::new(pool)), "Redis".into()))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    let port: u16 = match std::env::var("PORT") {
        Ok(p) if !p.is_empty() => p
            .parse()
            .map_err(|_| format!("PORT {p:?} is not a port number"))?,
        _ => 3000,
    };
    // Listen first: with PORT=0 the origin needs the port we got.
    let v4 = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(|e| {
            format!("cannot listen on 127.0.0.1:{port}: {e}; set PORT to another port (PORT=0 picks a free one)")
        })?;
    let port = v4.local_addr()?.port();
    // `localhost` may resolve to ::1 first; serve there too when the system has IPv6.
    let v6 = TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port)))
        .await
        .ok();

    // Keep the emulator alive as long as the app.
    let (config, origin, emulator) = passkey_backend(port).await?;
    let tenant = hanko_passkeys::tenant(config)?;
    let backend = match &emulator {
        Some(_) => format!("built-in emulator at {}", tenant.base_url()),
        None => format!("tenant at {}", tenant.base_url()),
    };
    let verifier = tenant.verifier()?;
    let rp_id = verifier.relying_party_id().to_owned();
    let passkeys = Passkeys::builder(tenant, verifier, DemoUsers::default())
        .origin(&origin)
        .build()?;
    let (routes, sessions) = with_sessions(passkeys, origin.clone()).await?;
    if let Some(v6) = v6 {
        let routes = routes.clone();
        tokio::spawn(async move { axum::serve(v6, routes).await });
    }
    println!("passkeys: {backend}, relying party {rp_id}, sessions in {sessions}");
    // Tests wait for this line; keep its shape.
    println!("listening on http://localhost:{port} (open {origin})");
    axum::serve(v4, routes)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
