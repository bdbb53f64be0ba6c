//! A web app with passkeys, on top of `hanko-passkeys`: sign-up, passkey login (with autofill),
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
//!
//! The page (`static/`) calls the browser's WebAuthn API; these handlers call the SDK, verify
//! every token locally, and only then start the app's own session (an HTTP-only cookie).

mod account;
mod auth;
mod failure;
mod store;

use std::error::Error;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::Request;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, HOST, ORIGIN, REFERRER_POLICY,
    SET_COOKIE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use hanko_passkeys::token::{Claims, Verifier};
use hanko_passkeys::{Config, Tenant, Token};
use hanko_passkeys_emulator::Emulator;
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;

use crate::failure::Failure;
use crate::store::{Stage, Store, User};

/// Everything the handlers share.
pub struct App {
    pub tenant: Tenant,
    /// Checks the tokens finalize calls return; clones share one JWKS cache.
    pub verifier: Verifier,
    /// The origin the page must be served from (the relying party's).
    pub origin: String,
    pub rp_id: String,
    store: Mutex<Store>,
}

pub type Shared = Arc<App>;

/// A `Set-Cookie` header, as a response part.
pub type SetCookie = [(HeaderName, HeaderValue); 1];

impl App {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the maps half-updated in a way that
        // matters for a demo; keep serving.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn secure_cookies(&self) -> bool {
        self.origin.starts_with("https://")
    }

    /// The signed-in user of the request, and their session id.
    pub fn signed_in(&self, headers: &HeaderMap) -> Result<(String, User), Failure> {
        self.session_user(headers, Stage::SignedIn)
    }

    /// The user of a session at `stage`.
    pub fn session_user(
        &self,
        headers: &HeaderMap,
        stage: Stage,
    ) -> Result<(String, User), Failure> {
        let mut store = self.store();
        let (id, session) = store.session(headers).ok_or_else(Failure::not_signed_in)?;
        if session.stage != stage {
            return Err(Failure::not_signed_in());
        }
        let user_id = session.user_id.clone();
        let user = store
            .user(&user_id)
            .cloned()
            .ok_or_else(Failure::not_signed_in)?;
        Ok((id, user))
    }

    /// Starts a session for `user_id` and returns the `Set-Cookie` header for it. Any session
    /// the request had ends: a new stage always gets a new id.
    pub fn start_session(
        &self,
        headers: &HeaderMap,
        user_id: &str,
        stage: Stage,
    ) -> Result<SetCookie, Failure> {
        let mut store = self.store();
        if let Some((old, _)) = store.session(headers) {
            store.end_session(&old);
        }
        let id = store.start_session(user_id, stage).ok_or_else(|| {
            Failure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                "Too many sessions; try again later.",
            )
        })?;
        Ok([(
            SET_COOKIE,
            cookie(&store::session_cookie_header(&id, self.secure_cookies())),
        )])
    }

    /// Ends the request's session, if any, and returns the header that clears the cookie.
    pub fn end_session(&self, headers: &HeaderMap) -> SetCookie {
        let mut store = self.store();
        if let Some((id, _)) = store.session(headers) {
            store.end_session(&id);
        }
        [(
            SET_COOKIE,
            cookie(&store::clear_cookie_header(self.secure_cookies())),
        )]
    }

    /// Verifies a finalize call's token locally: signature by the tenant's key (JWKS),
    /// audience = our relying party, expiry. Nothing is trusted before this.
    pub async fn verified(
        &self,
        token: Result<Token, hanko_passkeys::Error>,
    ) -> Result<Claims, Failure> {
        Ok(token?.verify(&self.verifier).await?)
    }
}

fn cookie(value: &str) -> HeaderValue {
    // Built from base64url, digits and ASCII attributes only.
    HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Parses a JSON request body; anything else is a 400 with a message, never a panic.
pub fn json_body<T: DeserializeOwned>(body: &Bytes, what: &str) -> Result<T, Failure> {
    serde_json::from_slice(body)
        .map_err(|e| Failure::bad_request(format!("The request is not {what}: {e}")))
}

const INDEX_HTML: &str = include_str!("../static/index.html");
const APP_JS: &str = include_str!("../static/app.js");

fn router(app: Shared) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { ([(CONTENT_TYPE, "text/html; charset=utf-8")], INDEX_HTML) }),
        )
        .route(
            "/app.js",
            get(|| async { ([(CONTENT_TYPE, "text/javascript; charset=utf-8")], APP_JS) }),
        )
        .route("/api/config", get(auth::config))
        .route("/api/me", get(auth::me))
        .route("/api/signup/initialize", post(auth::sign_up_initialize))
        .route("/api/signup/finalize", post(auth::sign_up_finalize))
        .route("/api/login/initialize", post(auth::login_initialize))
        .route("/api/login/finalize", post(auth::login_finalize))
        .route(
            "/api/mfa/login/initialize",
            post(auth::mfa_login_initialize),
        )
        .route("/api/mfa/login/finalize", post(auth::mfa_login_finalize))
        .route("/api/logout", post(auth::logout))
        .route("/api/passkeys", get(account::list))
        .route("/api/passkeys/initialize", post(account::add_initialize))
        .route("/api/passkeys/finalize", post(account::add_finalize))
        .route(
            "/api/passkeys/{id}",
            patch(account::rename).delete(account::remove),
        )
        .route(
            "/api/mfa/registration/initialize",
            post(account::mfa_initialize),
        )
        .route(
            "/api/mfa/registration/finalize",
            post(account::mfa_finalize),
        )
        .route(
            "/api/transfer/initialize",
            post(account::transfer_initialize),
        )
        .route("/api/transfer/finalize", post(account::transfer_finalize))
        .fallback(|| async { Failure::new(StatusCode::NOT_FOUND, "not_found", "No such page.") })
        .layer(middleware::from_fn(guard))
        .with_state(app)
}

/// Refuses state-changing requests from other sites (the `Origin` must be the page's own
/// host), and sets the security headers of every answer.
async fn guard(request: Request, next: Next) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD) && !same_origin(request.headers()) {
        return Failure::new(
            StatusCode::FORBIDDEN,
            "cross_origin",
            "Requests must come from this site's own page.",
        )
        .into_response();
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}

/// Whether a request's `Origin` (sent by browsers on every POST, PATCH and DELETE) names the
/// host it was sent to. A request without `Origin` is not from a browser page.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(ORIGIN) else {
        return true;
    };
    let host = headers.get(HOST).and_then(|h| h.to_str().ok());
    let authority = origin.to_str().ok().and_then(|o| {
        o.strip_prefix("http://")
            .or_else(|| o.strip_prefix("https://"))
    });
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
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
        .origin(&origin);
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

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let port: u16 = match std::env::var("PORT") {
        Ok(p) if !p.is_empty() => p
            .parse()
            .map_err(|_| format!("PORT {p:?} is not a port number"))?,
        _ => 3000,
    };
    // Listen first: with PORT=0 the origin needs the port we got.
    let v4 = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
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
    let app = Arc::new(App {
        tenant,
        verifier,
        origin: origin.clone(),
        rp_id: rp_id.clone(),
        store: Mutex::default(),
    });
    let routes = router(app);
    if let Some(v6) = v6 {
        let routes = routes.clone();
        tokio::spawn(async move { axum::serve(v6, routes).await });
    }
    println!("passkeys: {backend}, relying party {rp_id}");
    // Tests wait for this line; keep its shape.
    println!("listening on http://localhost:{port} (open {origin})");
    axum::serve(v4, routes)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
