//! The running emulator: builder, handle, tenants, key rotation, shutdown.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::config::{TenantConfig, TenantInfo, WebauthnSettings};
use crate::error::EmulatorError;
use crate::state::AppState;
use crate::tenants::NewTenant;

/// Configures and starts an [`Emulator`]; get one from [`Emulator::builder`].
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    tenant: TenantConfig,
    port: u16,
    admin_port: u16,
    custom_origins: bool,
    connections: crate::server::Timeouts,
    keys_at_start: bool,
    token_key: Option<TokenKeyPem>,
    #[cfg(feature = "sqlite")]
    data: Option<std::path::PathBuf>,
}

/// A private key in PEM, shown as `<redacted>`.
#[derive(Clone)]
struct TokenKeyPem(String);

impl fmt::Debug for TokenKeyPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl EmulatorBuilder {
    /// Relying party id (default `localhost`); also used as the RP display name.
    pub fn rp_id(mut self, rp_id: impl Into<String>) -> Self {
        let rp_id = rp_id.into();
        self.tenant.rp_name = rp_id.clone();
        self.tenant.rp_id = rp_id;
        self
    }

    /// Relying party display name (`rp.name` in the creation options).
    pub fn rp_name(mut self, name: impl Into<String>) -> Self {
        self.tenant.rp_name = name.into();
        self
    }

    /// Adds an allowed origin. The first call replaces the default `http://localhost:8080`;
    /// later calls add more.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        if !self.custom_origins {
            self.tenant.origins.clear();
            self.custom_origins = true;
        }
        self.tenant.origins.push(origin.into());
        self
    }

    /// Fixes the first tenant's id (default: a random v4 UUID).
    pub fn tenant_id(mut self, id: Uuid) -> Self {
        self.tenant.tenant_id = Some(id);
        self
    }

    /// Fixes the first tenant's API key (default: 64 random bytes, base64url with padding).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.tenant.api_key = Some(key.into());
        self
    }

    /// RSA size of the token signing keys: 2048, 3072 or 4096 (default, like the server).
    ///
    /// Keys are generated on a thread of their own when a tenant first needs one (its first
    /// `*/initialize`, its JWKS, a rotation), so the size does not slow down
    /// [`start`](Self::start); signing and the JWKS wait for the key.
    pub fn rsa_bits(mut self, bits: u32) -> Self {
        self.tenant.rsa_bits = bits;
        self
    }

    /// Starts generating the signing key of every tenant the emulator starts with (restored
    /// ones have theirs) as [`start`](Self::start) returns, instead of when a tenant first
    /// needs it (default `false`), and on two threads where the machine has two cores: the
    /// first key found is used. For a server that will be asked for tokens, like the binary:
    /// its first JWKS or token then waits for what is left of the faster of two generations
    /// (a generation's time is mostly luck), at the price of a second generation's CPU. Not
    /// for tests: an emulator that is never asked for a token would still generate two keys
    /// (RSA-4096: about 0.6 s of CPU each, see the crate's README). Tenants added later
    /// generate theirs when first needed.
    pub fn keys_at_start(mut self, yes: bool) -> Self {
        self.keys_at_start = yes;
        self
    }

    /// For tests: the first tenant's first token signing key, an unencrypted PKCS#8 PEM RSA
    /// key (`-----BEGIN PRIVATE KEY-----`) of 2048, 3072 or 4096 bits, instead of a key
    /// generated for this emulator. Generating one costs about 0.06 s of CPU for RSA-2048 and
    /// 0.6 s for RSA-4096 (see the crate's README), which adds up in a test suite that starts
    /// an emulator per test; a fixed key shipped with the tests costs nothing. The key gets
    /// a new random `kid` in each emulator.
    ///
    /// Only for keys made for testing: every emulator started with the same key signs tokens
    /// that each other's key verifies. Later keys (rotations, other tenants) are generated
    /// with [`rsa_bits`](Self::rsa_bits); tenants restored from a [data file](Self::data) keep
    /// their own keys. A key that cannot be read makes [`start`](Self::start) fail with
    /// [`EmulatorError::Config`] (which never quotes the key); `Debug` does not show it.
    ///
    /// ```
    /// # use hanko_passkeys_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A key generated once for the tests, with
    /// // `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out tests/keys/token-2048.pem`.
    /// let pem = std::fs::read_to_string("tests/keys/token-2048.pem")?;
    /// let emu = Emulator::builder().token_key_pem(pem).start().await?;
    /// let jwks = reqwest::get(format!("{}/.well-known/jwks.json", emu.tenant_url())).await?;
    /// assert_eq!(jwks.status(), 200);
    ///
    /// let bad = Emulator::builder().token_key_pem("not a key").start().await;
    /// assert!(matches!(bad, Err(hanko_passkeys_emulator::EmulatorError::Config(_))));
    /// # Ok(()) }
    /// ```
    pub fn token_key_pem(mut self, pem: impl Into<String>) -> Self {
        self.token_key = Some(TokenKeyPem(pem.into()));
        self
    }

    /// Port on 127.0.0.1; 0 (the default) picks a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Port of the admin API on 127.0.0.1 (the server's is 8001); 0 (the default) picks a free
    /// one. The admin API always runs, on a listener of its own: see
    /// [`Emulator::admin_base_url`].
    pub fn admin_port(mut self, port: u16) -> Self {
        self.admin_port = port;
        self
    }

    /// Passkey ceremony timeout (default 60 s): the options' `timeout` and the session lifetime.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.tenant.passkey.timeout = timeout;
        self
    }

    /// MFA ceremony timeout (default 60 s).
    pub fn mfa_timeout(mut self, timeout: Duration) -> Self {
        self.tenant.mfa.timeout = timeout;
        self
    }

    /// Replaces the passkey WebAuthn settings.
    pub fn passkey_settings(mut self, settings: WebauthnSettings) -> Self {
        self.tenant.passkey = settings;
        self
    }

    /// Replaces the MFA WebAuthn settings.
    pub fn mfa_settings(mut self, settings: WebauthnSettings) -> Self {
        self.tenant.mfa = settings;
        self
    }

    /// Time a client has to send a request's head (request line and headers), counted from its
    /// first byte, or from the connection's accept for its first request (default 30 s). A
    /// client that is slower, or that connects and sends nothing, is disconnected without an
    /// answer. It never runs while a keep-alive connection sits between requests (see
    /// [`idle_timeout`](Self::idle_timeout)), nor on a request's body.
    ///
    /// ```
    /// # use hanko_passkeys_emulator::Emulator;
    /// # use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// // A test of slow clients that should not wait 30 s.
    /// let emu = Emulator::builder()
    ///     .header_timeout(Duration::from_secs(2))
    ///     .start()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn header_timeout(mut self, timeout: Duration) -> Self {
        self.connections.header = timeout;
        self
    }

    /// Closes a keep-alive connection that has sat this long between requests. By default an
    /// idle connection stays open until the client closes it, like the server's: a limit
    /// shorter than a client's pool (undici keeps idle connections 4 s, reqwest and Go 90 s,
    /// Chromium and OkHttp 300 s, urllib3 until the server closes them) makes that client lose a request
    /// now and then, when it sends on a connection just as the emulator closes it.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.connections.idle = Some(timeout);
        self
    }

    /// Keeps everything the public and admin APIs change in the SQLite file at `path`, across
    /// restarts: tenants with their settings, API keys and JWK secrets, signing keys, users,
    /// credentials, pending sessions, transactions and audit logs. Every change is written
    /// before the request that made it is answered. When the file holds tenants, they are
    /// restored and the first one is the emulator's first tenant (the builder's tenant
    /// settings are then not used); otherwise the builder's tenant is created and stored.
    ///
    /// ```no_run
    /// # use hanko_passkeys_emulator::Emulator;
    /// # async fn demo() -> Result<(), hanko_passkeys_emulator::EmulatorError> {
    /// let emu = Emulator::builder().data("emulator.db").port(8000).start().await?;
    /// # Ok(()) }
    /// ```
    #[cfg(feature = "sqlite")]
    pub fn data(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.data = Some(path.into());
        self
    }

    /// Binds 127.0.0.1, creates (or restores) the first tenant and starts serving.
    pub async fn start(self) -> Result<Emulator, EmulatorError> {
        #[cfg_attr(not(feature = "sqlite"), allow(unused_mut))]
        let mut state = AppState::default();
        #[cfg(feature = "sqlite")]
        let stored = match &self.data {
            Some(path) => {
                let store = Arc::new(crate::store::Store::open(path)?);
                let tenants = store.load()?;
                state.journal = Some(store);
                tenants
            }
            None => Vec::new(),
        };
        let state = Arc::new(state);
        let (listener, addr) = bind(self.port).await?;
        let base = format!("http://{addr}");
        let (admin_listener, admin_addr) = bind(self.admin_port).await?;
        let rsa_bits = self.tenant.rsa_bits;
        #[cfg_attr(not(feature = "sqlite"), allow(unused_mut))]
        let mut first = None;
        #[cfg(feature = "sqlite")]
        for tenant in stored {
            let tenant = crate::tenants::restore(&state, tenant)?;
            first.get_or_insert(tenant);
        }
        let first = match first {
            Some(tenant) => tenant,
            None => {
                let token_key = match &self.token_key {
                    Some(TokenKeyPem(pem)) => Some(crate::keys::GivenKey::from_pem(pem)?),
                    None => None,
                };
                let new = NewTenant {
                    token_key,
                    ..NewTenant::from_config(self.tenant)
                };
                crate::tenants::create(&state, new)?
            }
        };
        let info = crate::tenants::info(&first, &base);
        if self.keys_at_start {
            for tenant in state.tenants() {
                tenant.keys.prepare_racing();
            }
        }
        let app = crate::app::public(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let timeouts = self.connections;
        let task = tokio::spawn(crate::server::serve(listener, app, timeouts, async {
            let _ = rx.await;
        }));
        let admin_app = crate::app::admin(crate::admin::Admin {
            state: state.clone(),
            rsa_bits,
        });
        let (admin_tx, admin_rx) = oneshot::channel::<()>();
        let admin_task = tokio::spawn(crate::server::serve(
            admin_listener,
            admin_app,
            timeouts,
            async {
                let _ = admin_rx.await;
            },
        ));
        Ok(Emulator {
            state,
            addr,
            admin_addr,
            base,
            first: info,
            shutdown: vec![tx, admin_tx],
            task: vec![task, admin_task],
        })
    }
}

/// A running Hanko Passkey API emulator on 127.0.0.1. Stops on [`Emulator::shutdown`] or drop.
///
/// ```
/// use hanko_passkeys_emulator::Emulator;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let emu = Emulator::builder()
///     .rp_id("localhost")
///     .origin("http://localhost:3000")
/// #   .rsa_bits(2048) // the JWKS below generates the key: 0.06 s of CPU instead of 0.6 s
///     .start()
///     .await?;
/// assert_eq!(emu.tenant_url(), format!("{}/{}", emu.base_url(), emu.tenant_id()));
/// let jwks = reqwest::get(format!("{}/.well-known/jwks.json", emu.tenant_url())).await?;
/// assert_eq!(jwks.status(), 200);
/// emu.shutdown().await;
/// # Ok(()) }
/// ```
pub struct Emulator {
    state: Arc<AppState>,
    addr: SocketAddr,
    admin_addr: SocketAddr,
    base: String,
    first: TenantInfo,
    shutdown: Vec<oneshot::Sender<()>>,
    task: Vec<JoinHandle<()>>,
}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Emulator")
            .field("addr", &self.addr)
            .field("tenant_id", &self.first.tenant_id)
            .field("api_key", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl Emulator {
    /// A builder with the server's defaults, RP `localhost`, origin `http://localhost:8080`.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            tenant: TenantConfig::default(),
            port: 0,
            admin_port: 0,
            custom_origins: false,
            connections: crate::server::Timeouts::default(),
            keys_at_start: false,
            token_key: None,
            #[cfg(feature = "sqlite")]
            data: None,
        }
    }

    /// `http://127.0.0.1:<port>/<tenant_id>` of the first tenant: where its routes start.
    pub fn tenant_url(&self) -> String {
        self.first.tenant_url.clone()
    }

    /// `http://127.0.0.1:<port>`: the API root, what the SDK's `Config::base_url` (and the JS
    /// SDK's `baseUrl`) take; they add the tenant id themselves.
    pub fn base_url(&self) -> String {
        self.base.clone()
    }

    /// `http://127.0.0.1:<admin port>`: the admin API (tenants, API keys, signing keys, users,
    /// audit logs, health), what the SDK's `AdminConfig` takes. It changes the same state as
    /// the public API, which sees its changes at once. Like the server's, it has no
    /// authentication.
    pub fn admin_base_url(&self) -> String {
        format!("http://{}", self.admin_addr)
    }

    /// The socket address of the admin API.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    /// The socket address the emulator listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The first tenant's id.
    pub fn tenant_id(&self) -> Uuid {
        self.first.tenant_id
    }

    /// The first tenant's API key.
    pub fn api_key(&self) -> &str {
        &self.first.api_key
    }

    /// The first tenant's relying party id.
    pub fn rp_id(&self) -> String {
        self.state
            .tenant(&self.first.tenant_id)
            .map(|t| t.config.rp_id.clone())
            .unwrap_or_default()
    }

    /// The first tenant's first allowed origin.
    pub fn origin(&self) -> String {
        self.origins().into_iter().next().unwrap_or_default()
    }

    /// All allowed origins of the first tenant.
    pub fn origins(&self) -> Vec<String> {
        self.state
            .tenant(&self.first.tenant_id)
            .map(|t| t.config.origins.clone())
            .unwrap_or_default()
    }

    /// Id, key and base URL of the first tenant.
    pub fn tenant(&self) -> TenantInfo {
        self.first.clone()
    }

    /// Adds another tenant (with its own RP, keys and data).
    ///
    /// ```
    /// use hanko_passkeys_emulator::{Emulator, TenantConfig};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emu = Emulator::builder().start().await?;
    /// let shop = emu
    ///     .add_tenant(TenantConfig::new("shop.example", "https://shop.example"))
    ///     .await?;
    /// assert_ne!(shop.tenant_id, emu.tenant_id());
    /// assert_ne!(shop.api_key, emu.api_key());
    /// # Ok(()) }
    /// ```
    pub async fn add_tenant(&self, config: TenantConfig) -> Result<TenantInfo, EmulatorError> {
        let tenant = crate::tenants::create(&self.state, NewTenant::from_config(config))?;
        Ok(crate::tenants::info(&tenant, &self.base))
    }

    /// Generates a new signing key for `tenant_id`: new tokens use it, the JWKS keeps the old
    /// ones. Returns the new `kid`.
    ///
    /// ```
    /// # use hanko_passkeys_emulator::Emulator;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emu = Emulator::builder().rsa_bits(2048).start().await?;
    /// let kid = emu.rotate_signing_key(emu.tenant_id()).await?;
    /// let jwks = reqwest::get(format!("{}/.well-known/jwks.json", emu.tenant_url()))
    ///     .await?
    ///     .text()
    ///     .await?;
    /// assert!(jwks.contains(&kid.to_string()));
    /// # Ok(()) }
    /// ```
    pub async fn rotate_signing_key(&self, tenant_id: Uuid) -> Result<Uuid, EmulatorError> {
        let tenant = self
            .state
            .tenant(&tenant_id)
            .ok_or(EmulatorError::TenantNotFound(tenant_id))?;
        Ok(tenant.keys.rotate())
    }

    /// Moves the emulator's clock forward by `by`, for every tenant: sessions expire, and
    /// timestamps (`created_at`, `last_used_at`, the tokens' `iat` and `exp`) move with it.
    /// Lets a test reach an expiry without waiting for it.
    ///
    /// ```
    /// # use hanko_passkeys_emulator::Emulator;
    /// # use std::time::Duration;
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let emu = Emulator::builder().timeout(Duration::from_secs(60)).start().await?;
    /// // ... initialize a ceremony ...
    /// emu.advance_time(Duration::from_secs(61));
    /// // ... its finalize now fails with "Session has Expired".
    /// # Ok(()) }
    /// ```
    pub fn advance_time(&self, by: Duration) {
        self.state.clock.advance(by);
    }

    /// The internal webauthn-user UUID of an application user: the id that
    /// `GET /{tenant}/transaction/{id}` takes (the server only shows it on its admin API).
    pub fn internal_user_id(&self, tenant_id: Uuid, user_id: &str) -> Option<Uuid> {
        let tenant = self.state.tenant(&tenant_id)?;
        let data = tenant.data();
        data.users.get(user_id).map(|u| u.id)
    }

    /// Stops serving and waits for the server task to end.
    pub async fn shutdown(mut self) {
        for tx in self.shutdown.drain(..) {
            let _ = tx.send(());
        }
        for task in self.task.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        for tx in self.shutdown.drain(..) {
            let _ = tx.send(());
        }
        for task in self.task.drain(..) {
            // Graceful shutdown waits for open keep-alive connections; don't let them keep the
            // port busy after the handle is gone.
            task.abort();
        }
    }
}

/// A listener on 127.0.0.1:`port` and the address it got; the error names the address.
async fn bind(port: u16) -> Result<(tokio::net::TcpListener, std::net::SocketAddr), EmulatorError> {
    let address = std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, port));
    let bound = async {
        let listener = tokio::net::TcpListener::bind(address).await?;
        let local = listener.local_addr()?;
        Ok((listener, local))
    };
    bound
        .await
        .map_err(|source| EmulatorError::Bind { address, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keys_at_start_starts_the_key_generation_of_every_tenant() {
        let lazy = Emulator::builder().rsa_bits(2048).start().await.unwrap();
        let eager = Emulator::builder()
            .rsa_bits(2048)
            .keys_at_start(true)
            .start()
            .await
            .unwrap();
        assert!(!lazy.state.tenants().iter().any(|t| t.keys.under_way()));
        assert!(eager.state.tenants().iter().all(|t| t.keys.under_way()));
        // A tenant added later generates its key when first needed.
        let later = eager
            .add_tenant(TenantConfig::new("shop.example", "https://shop.example"))
            .await
            .unwrap();
        let tenant = eager.state.tenant(&later.tenant_id).unwrap();
        assert!(!tenant.keys.under_way());
        let jwks = reqwest::get(format!("{}/.well-known/jwks.json", eager.tenant_url()))
            .await
            .unwrap();
        assert_eq!(jwks.status(), 200);
    }
}
