//! Configuration of a [`Tenant`](crate::Tenant).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use uuid::Uuid;

use crate::exchange::{DEFAULT_MAX_RESPONSE_BYTES, Settings};
use crate::{Error, RetryPolicy};

/// Longest `User-Agent` the server can store: its audit log keeps it in a `varchar(255)`
/// column and answers 500 to longer ones (contract §9.1).
pub const MAX_USER_AGENT_CHARS: usize = 255;

/// Smallest accepted [`Config::max_response_bytes`].
const MIN_RESPONSE_LIMIT: usize = 4 * 1024;

type ConfigureHttp = Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>;

/// Base URL of Hanko's hosted Passkey API.
pub const DEFAULT_BASE_URL: &str = "https://passkeys.hanko.io";

/// How to reach one tenant of the Passkey API. Checked by [`tenant()`](crate::tenant), which
/// reports every problem as a configuration error before any request is made.
///
/// ```
/// use std::time::Duration;
/// use hanko_passkeys::Config;
///
/// let config = Config::new("0b41b5a3-4c7e-4b2c-9b8e-2f6a3c1d9e77")
///     .api_key("an-api-key-from-the-hanko-console")
///     .base_url("https://passkeys.example.com/hanko")
///     .timeout(Duration::from_secs(10));
/// let tenant = hanko_passkeys::tenant(config)?;
/// # Ok::<(), hanko_passkeys::Error>(())
/// ```
#[derive(Clone)]
#[must_use = "a configuration does nothing until tenant() uses it"]
pub struct Config {
    pub(crate) tenant_id: String,
    pub(crate) api_key: Option<ApiKey>,
    pub(crate) base_url: String,
    pub(crate) http: HttpOptions,
    pub(crate) relying_party_id: Option<String>,
}

/// How a client uses the wire: what [`Config`] and
/// [`AdminConfig`](crate::AdminConfig) share.
#[derive(Clone)]
pub(crate) struct HttpOptions {
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub user_agent: String,
    pub configure_http: Option<ConfigureHttp>,
    pub retry: RetryPolicy,
    pub max_response_bytes: usize,
}

impl HttpOptions {
    pub(crate) fn new() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: concat!("hanko-passkeys-rust/", env!("CARGO_PKG_VERSION")).to_owned(),
            configure_http: None,
            retry: RetryPolicy::default(),
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Checks the options; returns the `User-Agent` header value.
    pub(crate) fn validate(&self) -> Result<HeaderValue, Error> {
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::config("timeouts must be longer than zero"));
        }
        let chars = self.user_agent.chars().count();
        if chars > MAX_USER_AGENT_CHARS {
            return Err(Error::config(format!(
                "the user agent is {chars} characters long; the server stores at most {MAX_USER_AGENT_CHARS} and answers 500 to longer ones"
            )));
        }
        let user_agent = HeaderValue::from_str(&self.user_agent)
            .map_err(|_| Error::config("the user agent is not a valid header value"))?;
        if self.max_response_bytes < MIN_RESPONSE_LIMIT {
            return Err(Error::config(format!(
                "max_response_bytes must be at least {MIN_RESPONSE_LIMIT}, got {}",
                self.max_response_bytes
            )));
        }
        Ok(user_agent)
    }

    /// The HTTP client for these options: never follows redirects.
    pub(crate) fn build_http(&self, user_agent: HeaderValue) -> Result<reqwest::Client, Error> {
        let mut builder =
            crate::platform::client_builder(Some(self.connect_timeout)).user_agent(user_agent);
        if let Some(configure) = &self.configure_http {
            builder = configure(builder);
        }
        crate::platform::no_redirects(builder)
            .build()
            .map_err(|e| Error::config(format!("could not build the HTTP client: {e}")))
    }

    /// How each call may use the wire.
    pub(crate) fn settings(&self) -> Settings {
        Settings {
            retry: self.retry.clone(),
            budget: self.timeout,
            max_response_bytes: self.max_response_bytes,
        }
    }

    pub(crate) fn debug_fields(&self, d: &mut fmt::DebugStruct<'_, '_>) {
        d.field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field(
                "http_client",
                &self.configure_http.as_ref().map(|_| "custom"),
            )
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes);
    }
}

/// The builder methods of [`HttpOptions`] (a field `http`), with their docs, for a
/// configuration type; `$example` is the expression that builds one, for the examples.
macro_rules! http_options {
    ($config:ty, $example:literal) => {
        impl $config {
            /// Total time a call may take, every attempt and wait between retries included, from
            /// sending to the last byte of the response (default 30 s).
            pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
                self.http.timeout = timeout;
                self
            }

            /// Time to establish a connection (default 10 s). No effect on wasm32, where
            /// `fetch` has no connection phase of its own: the call's timeout covers it.
            pub fn connect_timeout(mut self, timeout: std::time::Duration) -> Self {
                self.http.connect_timeout = timeout;
                self
            }

            /// `User-Agent` header (default `hanko-passkeys-rust/<version>`); at most
            /// [`MAX_USER_AGENT_CHARS`](crate::MAX_USER_AGENT_CHARS) characters, since the
            /// server answers 500 to longer ones.
            pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
                self.http.user_agent = user_agent.into();
                self
            }

            /// How failed calls are retried (default [`RetryPolicy::default`](crate::RetryPolicy::default)).
            pub fn retry(mut self, policy: $crate::RetryPolicy) -> Self {
                self.http.retry = policy;
                self
            }

            /// Largest success body accepted, checked while it arrives (default 8 MiB, far above
            /// the largest real page; at least 4 KiB). A larger body fails with
            /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge). Error bodies are
            /// read up to [`ERROR_BODY_LIMIT`](crate::ERROR_BODY_LIMIT).
            pub fn max_response_bytes(mut self, limit: usize) -> Self {
                self.http.max_response_bytes = limit;
                self
            }

            /// Adjusts the HTTP client the SDK builds (proxies, TLS roots, pool settings):
            /// `configure` gets a `reqwest::ClientBuilder` with this configuration's connect
            /// timeout and user agent set, and returns it. Whatever it sets, redirects stay off:
            /// a redirect would carry credentials to another host.
            ///
            /// ```
            /// # use std::time::Duration;
            #[doc = concat!("let config = ", $example)]
            ///     .http_client(|builder| builder.pool_idle_timeout(Duration::from_secs(30)).https_only(true));
            /// # let _ = config;
            /// ```
            pub fn http_client(
                mut self,
                configure: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder
                + Send
                + Sync
                + 'static,
            ) -> Self {
                self.http.configure_http = Some(std::sync::Arc::new(configure));
                self
            }
        }
    };
}
pub(crate) use http_options;

http_options!(
    Config,
    "hanko_passkeys::Config::new(\"0b41b5a3-4c7e-4b2c-9b8e-2f6a3c1d9e77\")"
);

impl Config {
    /// A configuration for the tenant with this id (a UUID), without an API key, against
    /// [`DEFAULT_BASE_URL`].
    pub fn new(tenant_id: impl Into<String>) -> Self {
        Config {
            tenant_id: tenant_id.into(),
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            http: HttpOptions::new(),
            relying_party_id: None,
        }
    }

    /// Reads `PASSKEYS_TENANT_ID` (required), `PASSKEYS_API_KEY` and `PASSKEYS_BASE_URL`
    /// (both optional) from the environment.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) when `PASSKEYS_TENANT_ID` is not set, or a
    /// variable is not valid UTF-8.
    pub fn from_env() -> Result<Self, Error> {
        let var = |name: &str| match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => Ok(Some(value)),
            Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => {
                Err(Error::config(format!("{name} is not valid UTF-8")))
            }
        };
        let tenant_id = var("PASSKEYS_TENANT_ID")?
            .ok_or_else(|| Error::config("PASSKEYS_TENANT_ID is not set"))?;
        let mut config = Config::new(tenant_id);
        if let Some(key) = var("PASSKEYS_API_KEY")? {
            config = config.api_key(key);
        }
        if let Some(url) = var("PASSKEYS_BASE_URL")? {
            config = config.base_url(url);
        }
        Ok(config)
    }

    /// The tenant's secret API key, needed by every call except registration finalize,
    /// discoverable login and JWKS. Without it those public calls still work, and the others
    /// fail with [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) before sending
    /// anything.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(ApiKey(key.into()));
        self
    }

    /// Base URL of the API, e.g. a self-hosted server. A path prefix is kept
    /// (`https://example.com/passkeys` → `https://example.com/passkeys/{tenant_id}/...`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The relying-party id (your site's domain, e.g. `example.com`) that tokens must name in
    /// their `aud` claim. Needed by [`Tenant::verifier`](crate::Tenant::verifier).
    pub fn relying_party_id(mut self, rp_id: impl Into<String>) -> Self {
        self.relying_party_id = Some(rp_id.into());
        self
    }

    /// Validates everything; returns the parts a tenant is made of.
    pub(crate) fn validate(&self) -> Result<Validated, Error> {
        let tenant_id = Uuid::parse_str(self.tenant_id.trim()).map_err(|_| {
            let shown: String = self.tenant_id.chars().take(64).collect();
            Error::config(format!("tenant id {shown:?} is not a UUID"))
        })?;
        let base_url = validate_base_url(&self.base_url, Some(tenant_id))?;
        let api_key = match &self.api_key {
            None => None,
            Some(key) => Some(key.header_value()?),
        };
        let user_agent = self.http.validate()?;
        Ok(Validated {
            tenant_id,
            base_url,
            api_key,
            user_agent,
        })
    }

    /// The HTTP client for this configuration: never follows redirects.
    pub(crate) fn build_http(&self, valid: &Validated) -> Result<reqwest::Client, Error> {
        self.http.build_http(valid.user_agent.clone())
    }
}

pub(crate) struct Validated {
    pub tenant_id: Uuid,
    pub base_url: String,
    pub api_key: Option<HeaderValue>,
    pub user_agent: HeaderValue,
}

/// A checked base URL without a trailing slash. With a tenant id, a URL that ends with it is
/// refused (the SDK adds the tenant itself).
pub(crate) fn validate_base_url(raw: &str, tenant_id: Option<Uuid>) -> Result<String, Error> {
    // Credentials in the URL are refused, and never repeated in a message.
    let shown = redact_userinfo(raw.trim());
    if shown != raw.trim() {
        return Err(Error::config(format!(
            "base URL {shown:?} must not contain credentials (user:password@)"
        )));
    }
    let raw = shown.as_str();
    let url = reqwest::Url::parse(raw)
        .map_err(|e| Error::config(format!("base URL {raw:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::config(format!(
            "base URL {raw:?} must be http or https"
        )));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(Error::config(format!("base URL {raw:?} has no host")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(format!(
            "base URL {raw:?} must not have a query or fragment"
        )));
    }
    let text = url.as_str().trim_end_matches('/').to_owned();
    let last = text.rsplit('/').next().unwrap_or_default();
    if Uuid::parse_str(last).is_ok_and(|id| Some(id) == tenant_id) {
        return Err(Error::config(format!(
            "base URL {text:?} ends with the tenant id; give the API's root, the SDK adds the tenant"
        )));
    }
    Ok(text)
}

pub(crate) const REDACTED: &str = "<redacted>";

/// `raw` with the user-info part of its authority (`user:password@`) replaced, without
/// parsing it as a URL first: the text may not even be one.
pub(crate) fn redact_userinfo(raw: &str) -> String {
    let start = raw.find("://").map_or(0, |i| i + 3);
    let authority_len = raw[start..]
        .find(['/', '?', '#'])
        .unwrap_or(raw.len() - start);
    let authority = &raw[start..start + authority_len];
    match authority.rfind('@') {
        Some(at) => format!("{}{REDACTED}@{}", &raw[..start], &raw[start + at + 1..]),
        None => raw.to_owned(),
    }
}

/// The tenant's API key. Its `Debug` output is redacted.
#[derive(Clone)]
pub(crate) struct ApiKey(String);

impl ApiKey {
    fn header_value(&self) -> Result<HeaderValue, Error> {
        // The server trims the key; do the same so a pasted newline does not break it.
        let key = self.0.trim();
        if key.is_empty() {
            return Err(Error::config("the API key is empty"));
        }
        let mut value = HeaderValue::from_str(key)
            .map_err(|_| Error::config("the API key contains characters a header cannot carry"))?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Config");
        d.field("tenant_id", &self.tenant_id)
            .field("api_key", &self.api_key)
            .field("base_url", &redact_userinfo(&self.base_url))
            .field("relying_party_id", &self.relying_party_id);
        self.http.debug_fields(&mut d);
        d.finish()
    }
}
