#![doc = include_str!("../README.md")]
#![doc = include_str!("../BROWSER.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod account;
mod ceremonies;
mod extract;
mod problem;
mod session;
mod settings;
mod store;
mod transactions;
mod users;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::{get, patch, post};
use hanko_passkeys::Tenant;
use hanko_passkeys::token::Verifier;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer, SessionStore};

pub use extract::{JsonBody, SecondFactor, SignedIn};
pub use problem::{Problem, ProblemKind};
pub use settings::{ConfigError, PasskeysBuilder, Settings};
pub use store::BoundedMemoryStore;
/// The tower-sessions release the crate is built on: take `Session` and the stores from here
/// (or from a store crate built on the same `tower-sessions-core`, 0.14).
pub use tower_sessions;
pub use transactions::Confirmed;
pub use users::{SignUpError, User, Users};

/// The browser module the router serves at `/passkeys.js`: one ES module, no dependencies.
pub const BROWSER_MODULE: &str = include_str!("../static/passkeys.js");

/// Request bodies the routes take (WebAuthn credentials are a few KiB).
const BODY_LIMIT: usize = 64 * 1024;

/// Passkeys for an axum app: the routes, the session layer, transactions. Cheap to clone
/// (one `Arc`); build it with [`Passkeys::builder`].
pub struct Passkeys<U> {
    inner: Arc<Inner<U>>,
}

struct Inner<U> {
    tenant: Tenant,
    verifier: Verifier,
    users: U,
    settings: Settings,
}

impl<U> Clone for Passkeys<U> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<U> std::fmt::Debug for Passkeys<U> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passkeys")
            .field("tenant", &self.inner.tenant)
            .field("origins", &self.inner.settings.0.origins)
            .finish_non_exhaustive()
    }
}

/// The layer [`Passkeys::layer`] returns: tower-sessions' session manager around the crate's
/// settings. Put it around the whole app, so that the crate's routes and your handlers
/// (with [`SignedIn`], [`SecondFactor`], transactions) share the session.
pub type PasskeysLayer<Store> = tower_layer_stack::Stack<Store>;

#[doc(hidden)]
pub mod tower_layer_stack {
    //! The types behind [`PasskeysLayer`](crate::PasskeysLayer).
    use std::task::{Context, Poll};

    use tower_layer::Layer;
    use tower_sessions::{SessionManagerLayer, SessionStore};

    use crate::Settings;

    /// [`PasskeysLayer`](crate::PasskeysLayer).
    #[derive(Clone, Debug)]
    pub struct Stack<Store: SessionStore> {
        pub(crate) session: SessionManagerLayer<Store>,
        pub(crate) settings: Settings,
    }

    impl<S, Store: SessionStore + Clone> Layer<S> for Stack<Store> {
        type Service = <SessionManagerLayer<Store> as Layer<WithSettings<S>>>::Service;

        fn layer(&self, inner: S) -> Self::Service {
            self.session.layer(WithSettings {
                inner,
                settings: self.settings.clone(),
            })
        }
    }

    /// Puts the crate's [`Settings`] into each request's extensions.
    #[derive(Clone, Debug)]
    pub struct WithSettings<S> {
        inner: S,
        settings: Settings,
    }

    impl<S, B> tower_service::Service<axum::http::Request<B>> for WithSettings<S>
    where
        S: tower_service::Service<axum::http::Request<B>>,
    {
        type Response = S::Response;
        type Error = S::Error;
        type Future = S::Future;

        fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            self.inner.poll_ready(cx)
        }

        fn call(&mut self, mut request: axum::http::Request<B>) -> Self::Future {
            request.extensions_mut().insert(self.settings.clone());
            self.inner.call(request)
        }
    }
}

impl<U: Users> Passkeys<U> {
    /// A builder from the SDK's tenant, its token verifier (whose relying-party id is the
    /// tokens' audience and the WebAuthn RP id) and the app's [`Users`].
    ///
    /// ```no_run
    /// # use hanko_passkeys_axum::{Passkeys, Users};
    /// # fn build<U: Users>(users: U) -> Result<(), Box<dyn std::error::Error>> {
    /// let tenant = hanko_passkeys::tenant(hanko_passkeys::Config::from_env()?.relying_party_id("shop.example"))?;
    /// let passkeys = Passkeys::builder(tenant.clone(), tenant.verifier()?, users)
    ///     .origin("https://shop.example")
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn builder(tenant: Tenant, verifier: Verifier, users: U) -> PasskeysBuilder<U> {
        PasskeysBuilder::new(tenant, verifier, users)
    }

    /// The routes, JSON in and out, to nest under a prefix (`/passkeys` below):
    ///
    /// | route | what |
    /// |---|---|
    /// | `GET /session` | who is signed in: `{"state": "signed_out" \| "second_factor" \| "signed_in", ...}` |
    /// | `POST /sign-up/initialize`, `/sign-up/finalize` | a new user and their first passkey: `{"name"}`, then the credential |
    /// | `POST /login/initialize`, `/login/finalize` | login: `{}` (any passkey; also for autofill) or `{"name"}`, then the assertion |
    /// | `POST /mfa/login/initialize`, `/mfa/login/finalize` | the second factor, with the user's security keys only |
    /// | `POST /passkeys/initialize`, `/passkeys/finalize` | another passkey for the signed-in user |
    /// | `POST /mfa/registration/initialize`, `/mfa/registration/finalize` | a security key as second factor |
    /// | `GET /credentials` | the user's passkeys and security keys, with providers and Signal API payloads |
    /// | `PATCH /credentials/{id}`, `DELETE /credentials/{id}` | rename (`{"name"}`), remove: only the user's own, never their last passkey |
    /// | `POST /sign-out` | ends the session |
    /// | `GET /passkeys.js` | the [browser module](BROWSER_MODULE) |
    ///
    /// Failures are [`Problem`]s. State-changing requests must come from one of the
    /// relying party's origins. The routes need [`layer`](Self::layer) around them.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        Router::new()
            .route("/session", get(account::show::<U>))
            .route(
                "/sign-up/initialize",
                post(ceremonies::sign_up_initialize::<U>),
            )
            .route("/sign-up/finalize", post(ceremonies::sign_up_finalize::<U>))
            .route("/login/initialize", post(ceremonies::login_initialize::<U>))
            .route("/login/finalize", post(ceremonies::login_finalize::<U>))
            .route(
                "/mfa/login/initialize",
                post(ceremonies::mfa_login_initialize::<U>),
            )
            .route(
                "/mfa/login/finalize",
                post(ceremonies::mfa_login_finalize::<U>),
            )
            .route(
                "/passkeys/initialize",
                post(ceremonies::add_initialize::<U>),
            )
            .route("/passkeys/finalize", post(ceremonies::add_finalize::<U>))
            .route(
                "/mfa/registration/initialize",
                post(ceremonies::mfa_registration_initialize::<U>),
            )
            .route(
                "/mfa/registration/finalize",
                post(ceremonies::mfa_registration_finalize::<U>),
            )
            .route("/credentials", get(account::list::<U>))
            .route(
                "/credentials/{id}",
                patch(account::rename::<U>).delete(account::remove::<U>),
            )
            .route("/sign-out", post(account::sign_out))
            .route("/passkeys.js", get(browser_module))
            .fallback(|| async { Problem::new(ProblemKind::NotFound) })
            .layer(DefaultBodyLimit::max(BODY_LIMIT))
            .with_state(self.clone())
    }

    /// The layer to put around the whole app: sessions in `store` (any tower-sessions 0.14
    /// store: [`BoundedMemoryStore`] for one instance, Redis or a database when several instances
    /// share the sessions), with an HttpOnly, `SameSite=Strict` cookie that is `Secure` when
    /// every origin is https, expiring after [`session_inactivity`](PasskeysBuilder::session_inactivity).
    ///
    /// ```
    /// # use hanko_passkeys_axum::{Passkeys, Users};
    /// # fn app<U: Users>(passkeys: Passkeys<U>) -> axum::Router {
    /// use hanko_passkeys_axum::BoundedMemoryStore;
    ///
    /// axum::Router::new()
    ///     .nest("/passkeys", passkeys.router())
    ///     .layer(passkeys.layer(BoundedMemoryStore::default()))
    /// # }
    /// ```
    pub fn layer<Store: SessionStore + Clone>(&self, store: Store) -> PasskeysLayer<Store> {
        let settings = &self.inner.settings.0;
        let inactivity =
            tower_sessions::cookie::time::Duration::try_from(settings.session_inactivity)
                .unwrap_or(tower_sessions::cookie::time::Duration::days(1));
        let session = SessionManagerLayer::new(store)
            .with_name(settings.cookie_name.clone())
            .with_http_only(true)
            .with_same_site(SameSite::Strict)
            .with_secure(settings.secure_cookies)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(inactivity));
        tower_layer_stack::Stack {
            session,
            settings: self.inner.settings.clone(),
        }
    }

    /// `GET /.well-known/webauthn`: the related origins document (WebAuthn Level 3), when the
    /// app has more than one origin: browsers then let pages on all of them use the relying
    /// party id. Merge it at the root of the site of the relying party id; with one origin it
    /// has no routes.
    pub fn related_origins<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let origins = self.inner.settings.0.origins.clone();
        if origins.len() < 2 {
            return Router::new();
        }
        let document = serde_json::json!({ "origins": origins });
        Router::new().route(
            "/.well-known/webauthn",
            get(move || {
                let document = document.clone();
                async move { axum::Json(document) }
            }),
        )
    }

    /// The SDK's tenant.
    pub fn tenant(&self) -> &Tenant {
        &self.inner.tenant
    }

    /// The token verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.inner.verifier
    }

    /// The app's users.
    pub fn users(&self) -> &U {
        &self.inner.users
    }
}

async fn browser_module() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        BROWSER_MODULE,
    )
}
