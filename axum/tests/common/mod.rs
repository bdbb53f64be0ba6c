//! An app built on the crate, served on loopback against the emulator, and a browser-like
//! client: a cookie jar, the page's `Origin`, and a virtual authenticator.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::routing::{get, post};
use hanko_passkeys::AssertionResponse;
use hanko_passkeys_axum::tower_sessions::{MemoryStore, Session, SessionStore};
use hanko_passkeys_axum::{Passkeys, Problem, SecondFactor, SignUpError, SignedIn, User, Users};
use hanko_passkeys_emulator::Emulator;
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
use serde_json::{Value, json};

/// The app's users, in memory.
#[derive(Default, Clone)]
pub struct DemoUsers {
    pub users: Arc<Mutex<HashMap<String, User>>>,
    pub require_second_factor: bool,
    pub closed: bool,
}

impl Users for DemoUsers {
    type Error = std::convert::Infallible;

    async fn find(&self, user_id: &str) -> Result<Option<User>, Self::Error> {
        Ok(self.users.lock().unwrap().get(user_id).cloned())
    }

    async fn find_by_name(&self, name: &str) -> Result<Option<User>, Self::Error> {
        Ok(self
            .users
            .lock()
            .unwrap()
            .values()
            .find(|u| u.name == name)
            .cloned())
    }

    async fn check_name(&self, name: &str) -> Result<(), SignUpError<Self::Error>> {
        if self.users.lock().unwrap().values().any(|u| u.name == name) {
            return Err(SignUpError::NameTaken);
        }
        Ok(())
    }

    async fn create(&self, user_id: &str, name: &str) -> Result<User, SignUpError<Self::Error>> {
        let mut users = self.users.lock().unwrap();
        if users.values().any(|u| u.name == name) {
            return Err(SignUpError::NameTaken);
        }
        let user = User::new(user_id, name);
        users.insert(user_id.to_owned(), user.clone());
        Ok(user)
    }

    async fn sign_up_open(&self) -> bool {
        !self.closed
    }

    async fn requires_second_factor(&self, _user: &User) -> bool {
        self.require_second_factor
    }
}

#[derive(Clone)]
struct AppState {
    passkeys: Passkeys<DemoUsers>,
}

impl axum::extract::FromRef<AppState> for Passkeys<DemoUsers> {
    fn from_ref(state: &AppState) -> Self {
        state.passkeys.clone()
    }
}

/// The app's own routes: a profile (signed in), a settings page (second factor), and a
/// payment confirmed with a passkey.
fn app(passkeys: Passkeys<DemoUsers>, store: impl SessionStore + Clone) -> Router {
    Router::new()
        .route("/api/profile", get(|user: SignedIn| async move { Json(json!({"user": user.user_id, "second_factor": user.second_factor})) }))
        .route("/api/settings", post(|SecondFactor(user): SecondFactor| async move { Json(json!({"user": user.user_id})) }))
        .route("/api/pay/start", post(pay_start))
        .route("/api/pay/finish", post(pay_finish))
        .nest("/passkeys", passkeys.router())
        .merge(passkeys.related_origins())
        .layer(passkeys.layer(store))
        .with_state(AppState { passkeys })
}

async fn pay_start(
    axum::extract::State(state): axum::extract::State<AppState>,
    session: Session,
    user: SignedIn,
    Json(body): Json<Value>,
) -> Result<Json<hanko_passkeys::LoginOptions>, Problem> {
    let id = body["id"].as_str().unwrap_or("payment").to_owned();
    let data = json!({"amount": body["amount"], "to": "Bob"});
    Ok(Json(
        state
            .passkeys
            .start_transaction(&session, &user, id, &data)
            .await?,
    ))
}

async fn pay_finish(
    axum::extract::State(state): axum::extract::State<AppState>,
    session: Session,
    user: SignedIn,
    Json(assertion): Json<AssertionResponse>,
) -> Result<Json<Value>, Problem> {
    let confirmed = state
        .passkeys
        .confirm_transaction(&session, &user, &assertion)
        .await?;
    Ok(Json(
        json!({"id": confirmed.id, "data": confirmed.data, "user": confirmed.user_id, "credential": confirmed.credential}),
    ))
}

/// The emulator, and one app instance (or more, sharing a store) in front of it.
pub struct World {
    pub emu: Emulator,
    pub users: DemoUsers,
    pub passkeys: Passkeys<DemoUsers>,
    pub origin: String,
}

impl World {
    pub async fn start() -> Self {
        Self::start_with(DemoUsers::default(), &[]).await
    }

    pub async fn start_with(users: DemoUsers, extra_origins: &[&str]) -> Self {
        // The emulator's test key (`emulator/tests/keys/README.md`): no key generated per test.
        let emu = Emulator::builder()
            .rsa_bits(2048)
            .token_key_pem(hanko_passkeys_emulator::TEST_TOKEN_KEY_PEM)
            .start()
            .await
            .unwrap();
        let origin = emu.origin();
        let config = hanko_passkeys::Config::new(emu.tenant_id().to_string())
            .api_key(emu.api_key())
            .base_url(emu.base_url())
            .relying_party_id(emu.rp_id());
        let tenant = hanko_passkeys::tenant(config).unwrap();
        let mut builder =
            Passkeys::builder(tenant.clone(), tenant.verifier().unwrap(), users.clone())
                .origin(&origin);
        for o in extra_origins {
            builder = builder.origin(*o);
        }
        let passkeys = builder.build().unwrap();
        Self {
            emu,
            users,
            passkeys,
            origin,
        }
    }

    /// Serves an app instance on loopback with `store`; returns its base URL.
    pub async fn serve(&self, store: impl SessionStore + Clone) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = app(self.passkeys.clone(), store);
        tokio::spawn(async move { axum::serve(listener, app).await });
        format!("http://{addr}")
    }

    /// An app instance with its own memory store, and a browser on it.
    pub async fn browser(&self) -> Browser {
        let base = self.serve(MemoryStore::default()).await;
        Browser::new(&base, &self.origin)
    }
}

/// A browser: cookies, the page's origin on every request, a virtual authenticator.
pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub jar: Arc<reqwest::cookie::Jar>,
    pub origin: String,
    pub auth: VirtualAuthenticator,
}

/// An answer: status and JSON body (problem JSON included).
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: Value,
    pub cookie: Option<String>,
}

impl Answer {
    /// Asserts a success and returns the body.
    pub fn ok(self) -> Value {
        assert!(
            (200..300).contains(&self.status),
            "{} {}",
            self.status,
            self.body
        );
        self.body
    }

    /// Asserts a problem of `code` with `status`.
    pub fn problem(self, status: u16, code: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.body
        );
        assert_eq!(self.body["code"], code, "{}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(
            self.body["type"].as_str().unwrap().starts_with("https://"),
            "{}",
            self.body
        );
        self.body
    }
}

impl Browser {
    pub fn new(base: &str, origin: &str) -> Self {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        Self::with_jar(base, origin, jar, VirtualAuthenticator::new(origin))
    }

    pub fn with_jar(
        base: &str,
        origin: &str,
        jar: Arc<reqwest::cookie::Jar>,
        auth: VirtualAuthenticator,
    ) -> Self {
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .build()
            .unwrap();
        Self {
            base: base.to_owned(),
            http,
            jar,
            origin: origin.to_owned(),
            auth,
        }
    }

    /// The same browser (cookies, authenticator) on another app instance.
    pub fn on(&self, base: &str) -> Self {
        Self::with_jar(base, &self.origin, self.jar.clone(), self.auth.clone())
    }

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        origin: Option<&str>,
    ) -> Answer {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let cookie = response
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().unwrap().to_owned());
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Answer {
            status,
            content_type,
            body,
            cookie,
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        self.send(reqwest::Method::GET, path, None, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        let origin = self.origin.clone();
        self.send(reqwest::Method::POST, path, Some(body), Some(&origin))
            .await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Answer {
        let origin = self.origin.clone();
        self.send(reqwest::Method::PATCH, path, Some(body), Some(&origin))
            .await
    }

    pub async fn delete(&self, path: &str) -> Answer {
        let origin = self.origin.clone();
        self.send(reqwest::Method::DELETE, path, None, Some(&origin))
            .await
    }

    /// The session cookie's value the jar would send.
    pub fn session_cookie(&self) -> Option<String> {
        use reqwest::cookie::CookieStore as _;
        let url = self.base.parse().unwrap();
        let header = self.jar.cookies(&url)?;
        header
            .to_str()
            .unwrap()
            .split("; ")
            .find_map(|c| c.strip_prefix("passkeys_session="))
            .map(str::to_owned)
    }

    /// Signs up `name` with this browser's authenticator; returns the session view.
    pub async fn sign_up(&self, name: &str) -> Value {
        let options = self
            .post("/passkeys/sign-up/initialize", &json!({"name": name}))
            .await
            .ok();
        let credential = self.auth.register(&options).await.unwrap();
        self.post("/passkeys/sign-up/finalize", &credential)
            .await
            .ok()
    }

    /// A discoverable login with this browser's authenticator; returns the answer.
    pub async fn login(&self) -> Answer {
        let options = self
            .post("/passkeys/login/initialize", &json!({}))
            .await
            .ok();
        let assertion = self.auth.login(&options).await.unwrap();
        self.post("/passkeys/login/finalize", &assertion).await
    }

    /// Registers a security key (another authenticator) for the signed-in user.
    pub async fn add_security_key(&self, key: &VirtualAuthenticator) -> Value {
        let options = self
            .post("/passkeys/mfa/registration/initialize", &json!({}))
            .await
            .ok();
        let credential = key.register(&options).await.unwrap();
        self.post("/passkeys/mfa/registration/finalize", &credential)
            .await
            .ok()
    }

    pub async fn state(&self) -> Value {
        self.get("/passkeys/session").await.ok()
    }
}
