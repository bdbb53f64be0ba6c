use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

use super::claims::{Claims, RawClaims};
use super::error::{JwksError, TokenError};
use super::jwks::{self, KeySet};
use crate::RetryPolicy;
use crate::clock::{self, Instant};
use crate::config::redact_userinfo;
use crate::exchange::Settings;

/// Hanko tokens are about 1.2 KB; anything this large is not one, and refusing it early
/// bounds the work an attacker can cause.
const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// The token lifetime is 300 s; a leeway above it would let expired tokens live twice as long.
const MAX_LEEWAY: Duration = Duration::from_secs(300);
const MAX_INTERVAL: Duration = Duration::from_secs(24 * 3600);
const MAX_STALE_GRACE: Duration = Duration::from_secs(7 * 24 * 3600);
const MAX_FETCH_TIMEOUT: Duration = Duration::from_secs(300);

/// Floor of [`VerifierBuilder::min_refresh_interval`]: below it, tokens with random `kid`s
/// could make the verifier fetch the JWKS on nearly every verification.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_millis(100);

/// Verifies Hanko passkey tokens (RS256 JWTs) locally against the tenant's JWKS.
///
/// Cheap to clone: clones share one key cache, so create one per tenant at start-up and
/// hand clones to request handlers.
///
/// # Rules
/// * Only RS256 is accepted, whatever the header says; the key is chosen by the header's
///   `kid` from the JWKS (a token without `kid` is rejected).
/// * `aud` (array or string) must contain the relying-party id; `sub`, `cred`, `iat` and
///   `exp` are required; `exp` and `iat` are checked with the leeway (default 30 s), and
///   `nbf` too if present.
///
/// # Key cache
/// * The JWKS is fetched on first use and kept for the response's `Cache-Control: max-age`
///   (default 600 s). Concurrent verifications on a cold cache share one fetch.
/// * A token whose `kid` is unknown triggers a refresh, but at most one fetch attempt
///   happens per [minimum refresh interval](VerifierBuilder::min_refresh_interval)
///   (default 30 s), so random `kid`s cannot hammer the endpoint. A key that appears in the
///   JWKS right after a fetch may therefore be refused for up to that interval.
/// * If refreshing fails (network error, non-2xx, a JWKS without usable keys), the keys
///   already known keep verifying until their `max-age` plus a
///   [grace period](VerifierBuilder::stale_if_error) (default 1 h) is over: Hanko never
///   removes keys from the JWKS, so a stale key is still a genuine tenant key, and an outage
///   of the JWKS endpoint should not log everyone out. After that the verifier fails with
///   [`TokenError::JwksUnavailable`] until a fetch succeeds. A successful fetch replaces
///   the set, so a key removed from the JWKS stops verifying.
/// * Keys are parsed once per fetch; a warm verification takes no lock held across an
///   `.await` and does no I/O.
///
/// ```no_run
/// use hanko_passkeys::token::Verifier;
///
/// # async fn run(token: &str) -> Result<(), hanko_passkeys::token::TokenError> {
/// let verifier = Verifier::builder(
///     "https://passkeys.hanko.io/6a8e3b4c-5f1d-4b2a-9c3e-7d6f5e4a3b2c/.well-known/jwks.json",
///     "example.com",
/// )
/// .build()?;
/// let claims = verifier.verify(token).await?;
/// println!("user {} logged in with credential {}", claims.sub, claims.cred);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Verifier {
    inner: Arc<Inner>,
}

struct Inner {
    jwks_url: reqwest::Url,
    relying_party_id: String,
    http: reqwest::Client,
    leeway: Duration,
    min_refresh_interval: Duration,
    default_max_age: Duration,
    stale_grace: Duration,
    fetch: Settings,
    validation: Validation,
    /// Read synchronously on every verification; written only after a fetch.
    keys: RwLock<Arc<KeySet>>,
    /// Held across the fetch, which makes refreshing single-flight. Warm verifications
    /// never touch it.
    refresh: tokio::sync::Mutex<RefreshState>,
}

#[derive(Default)]
struct RefreshState {
    last_attempt: Option<Instant>,
    last_error: Option<JwksError>,
}

impl Verifier {
    /// Starts configuring a verifier for the JWKS at `jwks_url` (Hanko:
    /// `{api}/{tenant_id}/.well-known/jwks.json`) and the relying-party id that must appear
    /// in `aud`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use hanko_passkeys::token::Verifier;
    ///
    /// let verifier = Verifier::builder("https://passkeys.hanko.io/t/.well-known/jwks.json", "example.com")
    ///     .leeway(Duration::from_secs(10))
    ///     .build()
    ///     .unwrap();
    /// # let _ = verifier;
    /// ```
    pub fn builder(
        jwks_url: impl AsRef<str>,
        relying_party_id: impl Into<String>,
    ) -> VerifierBuilder {
        VerifierBuilder {
            jwks_url: jwks_url.as_ref().to_owned(),
            relying_party_id: relying_party_id.into(),
            http_client: None,
            leeway: Duration::from_secs(30),
            min_refresh_interval: Duration::from_secs(30),
            default_max_age: Duration::from_secs(600),
            stale_grace: Duration::from_secs(3600),
            fetch_timeout: Duration::from_secs(10),
            allow_insecure_http: false,
            retry: RetryPolicy::default(),
        }
    }

    /// Verifies a token from registration, login or MFA finalize and returns its claims.
    ///
    /// Works for transaction tokens too (then [`Claims::trans`] is set), but use
    /// [`verify_transaction`](Self::verify_transaction) when a transaction is expected.
    ///
    /// # Errors
    ///
    /// A [`TokenError`](crate::token::TokenError): the token is malformed, expired or not yet
    /// valid, signed with an unknown key or a bad signature, or for another relying party
    /// ([`TokenError::is_token_rejected`](crate::token::TokenError::is_token_rejected)); or the key
    /// set could not be fetched
    /// ([`TokenError::is_jwks_unavailable`](crate::token::TokenError::is_jwks_unavailable)).
    ///
    /// ```no_run
    /// # async fn run(verifier: hanko_passkeys::token::Verifier, token: &str) {
    /// match verifier.verify(token).await {
    ///     Ok(claims) => println!("logged in: {}", claims.sub),
    ///     Err(e) if e.is_jwks_unavailable() => eprintln!("try again later: {e}"),
    ///     Err(e) => eprintln!("rejected: {e}"),
    /// }
    /// # }
    /// ```
    pub async fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let header = parse_header(token)?;
        let key = self.inner.key(&header.kid).await?;
        let data = jsonwebtoken::decode::<RawClaims>(token, &key, &self.inner.validation)
            .map_err(map_jwt_error)?;
        data.claims
            .validate(&self.inner.relying_party_id, self.inner.leeway, Utc::now())
    }

    /// Like [`verify`](Self::verify), and also requires the `trans` claim to equal
    /// `expected_transaction_id` (the id passed to transaction initialize).
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify), and
    /// [`TokenError::TransactionMismatch`](crate::token::TokenError::TransactionMismatch) when the
    /// token confirms another transaction.
    ///
    /// ```no_run
    /// # async fn run(verifier: hanko_passkeys::token::Verifier, token: &str) -> Result<(), hanko_passkeys::token::TokenError> {
    /// let claims = verifier.verify_transaction(token, "payment-4711").await?;
    /// assert_eq!(claims.trans.as_deref(), Some("payment-4711"));
    /// # Ok(()) }
    /// ```
    pub async fn verify_transaction(
        &self,
        token: &str,
        expected_transaction_id: &str,
    ) -> Result<Claims, TokenError> {
        let claims = self.verify(token).await?;
        if claims.trans.as_deref() != Some(expected_transaction_id) {
            return Err(TokenError::TransactionMismatch {
                expected: expected_transaction_id.to_owned(),
                found: claims.trans.as_deref().map(TokenError::clip),
            });
        }
        Ok(claims)
    }

    /// The JWKS URL this verifier fetches keys from.
    ///
    /// ```
    /// # let v = hanko_passkeys::token::Verifier::builder("https://h.example/t/.well-known/jwks.json", "rp").build().unwrap();
    /// assert_eq!(v.jwks_url(), "https://h.example/t/.well-known/jwks.json");
    /// ```
    #[must_use]
    pub fn jwks_url(&self) -> &str {
        self.inner.jwks_url.as_str()
    }

    /// The relying-party id required in `aud`.
    ///
    /// ```
    /// # let v = hanko_passkeys::token::Verifier::builder("https://h.example/jwks.json", "example.com").build().unwrap();
    /// assert_eq!(v.relying_party_id(), "example.com");
    /// ```
    #[must_use]
    pub fn relying_party_id(&self) -> &str {
        &self.inner.relying_party_id
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("jwks_url", &self.inner.jwks_url.as_str())
            .field("relying_party_id", &self.inner.relying_party_id)
            .field("leeway", &self.inner.leeway)
            .field("keys", &self.inner.snapshot())
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn snapshot(&self) -> Arc<KeySet> {
        // A panic elsewhere while holding the write lock cannot leave a torn value (the
        // write is a single Arc swap), so a poisoned lock is still safe to read.
        self.keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn store(&self, set: KeySet) {
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(set);
    }

    async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, TokenError> {
        let seen = self.snapshot();
        if seen.is_fresh(clock::now())
            && let Some(key) = seen.get(kid)
        {
            return Ok(key.clone());
        }

        // Stale-but-usable keys are served while another task refreshes, instead of
        // queueing behind its network round trip.
        let mut state = match self.refresh.try_lock() {
            Ok(state) => state,
            Err(_) => {
                if seen.is_usable(clock::now())
                    && let Some(key) = seen.get(kid)
                {
                    return Ok(key.clone());
                }
                self.refresh.lock().await
            }
        };

        // Whoever held the lock before us may have fetched what we need.
        let now = clock::now();
        let current = self.snapshot();
        if current.is_fresh(now)
            && let Some(key) = current.get(kid)
        {
            return Ok(key.clone());
        }

        let may_fetch = state
            .last_attempt
            .is_none_or(|t| now.saturating_duration_since(t) >= self.min_refresh_interval);
        let mut fetch_error = None;
        if may_fetch {
            state.last_attempt = Some(now);
            match jwks::fetch(&self.http, &self.jwks_url, &self.fetch).await {
                Ok(fetched) => {
                    let set = fetched.into_key_set(
                        current.generation + 1,
                        clock::now(),
                        self.default_max_age,
                        self.stale_grace,
                    );
                    let key = set.get(kid).cloned();
                    state.last_error = None;
                    self.store(set);
                    return key.ok_or_else(|| TokenError::UnknownKey {
                        kid: TokenError::clip(kid),
                    });
                }
                Err(err) => {
                    state.last_error = Some(err.clone());
                    fetch_error = Some(err);
                }
            }
        }

        if current.is_usable(now) {
            if let Some(key) = current.get(kid) {
                return Ok(key.clone());
            }
            // A refresh that just failed says nothing about the kid; do not blame the token.
            if let Some(err) = fetch_error {
                return Err(TokenError::JwksUnavailable(err));
            }
            return Err(TokenError::UnknownKey {
                kid: TokenError::clip(kid),
            });
        }
        Err(TokenError::JwksUnavailable(
            fetch_error
                .or_else(|| state.last_error.clone())
                .unwrap_or_else(|| {
                    JwksError::new(
                        "no usable JWKS cached and the minimum refresh interval has not passed",
                    )
                }),
        ))
    }
}

/// Configures a [`Verifier`]; created by [`Verifier::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct VerifierBuilder {
    jwks_url: String,
    relying_party_id: String,
    http_client: Option<reqwest::Client>,
    leeway: Duration,
    min_refresh_interval: Duration,
    default_max_age: Duration,
    stale_grace: Duration,
    fetch_timeout: Duration,
    allow_insecure_http: bool,
    retry: RetryPolicy,
}

impl VerifierBuilder {
    /// Uses this HTTP client for JWKS fetches (share the SDK's client to reuse connections
    /// and proxy settings). Default: a new client that follows no redirects. Keys from a
    /// response that a client of yours reached through a redirect are refused.
    ///
    /// ```
    /// # use hanko_passkeys::token::Verifier;
    /// let http = hanko_passkeys::reqwest::Client::new();
    /// let v = Verifier::builder("https://h.example/jwks.json", "example.com").http_client(http).build();
    /// # assert!(v.is_ok());
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Clock-skew tolerance for `exp`, `iat` and `nbf`. Default 30 s; at most 300 s (the
    /// token lifetime), larger values are an [`InvalidConfig`](TokenError::InvalidConfig) error.
    ///
    /// ```
    /// # use std::time::Duration; use hanko_passkeys::token::Verifier;
    /// let err = Verifier::builder("https://h.example/jwks.json", "rp")
    ///     .leeway(Duration::from_secs(3600))
    ///     .build()
    ///     .unwrap_err();
    /// assert!(err.is_config());
    /// ```
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Minimum time between two JWKS fetch attempts triggered by unknown `kid`s, expired
    /// caches or failed refreshes. Default 30 s; at least [`MIN_REFRESH_INTERVAL`] (100 ms: at most ten fetches a second),
    /// which keeps tokens with random `kid`s from turning every verification into a fetch;
    /// at most 24 h.
    ///
    /// ```
    /// # use std::time::Duration; use hanko_passkeys::token::Verifier;
    /// let v = Verifier::builder("https://h.example/jwks.json", "rp")
    ///     .min_refresh_interval(Duration::from_secs(60))
    ///     .build();
    /// # assert!(v.is_ok());
    /// ```
    pub fn min_refresh_interval(mut self, interval: Duration) -> Self {
        self.min_refresh_interval = interval;
        self
    }

    /// How long to keep the JWKS when the response has no usable `Cache-Control: max-age`.
    /// Default 600 s (what Hanko sends); at most 24 h.
    ///
    /// ```
    /// # use std::time::Duration; use hanko_passkeys::token::Verifier;
    /// let v = Verifier::builder("https://h.example/jwks.json", "rp")
    ///     .default_max_age(Duration::from_secs(300))
    ///     .build();
    /// # assert!(v.is_ok());
    /// ```
    pub fn default_max_age(mut self, max_age: Duration) -> Self {
        self.default_max_age = max_age;
        self
    }

    /// How long after its `max-age` a cached key may still be used while refreshing fails.
    /// Default 1 h; `Duration::ZERO` disables it; at most 7 days.
    ///
    /// ```
    /// # use std::time::Duration; use hanko_passkeys::token::Verifier;
    /// let v = Verifier::builder("https://h.example/jwks.json", "rp")
    ///     .stale_if_error(Duration::ZERO)
    ///     .build();
    /// # assert!(v.is_ok());
    /// ```
    pub fn stale_if_error(mut self, grace: Duration) -> Self {
        self.stale_grace = grace;
        self
    }

    /// How JWKS fetches are retried (default [`RetryPolicy::default`]); all attempts of one
    /// fetch share its [timeout](Self::fetch_timeout).
    ///
    /// ```
    /// # use hanko_passkeys::{RetryPolicy, token::Verifier};
    /// let v = Verifier::builder("https://h.example/jwks.json", "rp").retry(RetryPolicy::none()).build();
    /// # assert!(v.is_ok());
    /// ```
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Timeout of one JWKS fetch, connection to last byte, retries included. Default 10 s;
    /// must be non-zero and at most 300 s.
    ///
    /// ```
    /// # use std::time::Duration; use hanko_passkeys::token::Verifier;
    /// let v = Verifier::builder("https://h.example/jwks.json", "rp")
    ///     .fetch_timeout(Duration::from_secs(3))
    ///     .build();
    /// # assert!(v.is_ok());
    /// ```
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.fetch_timeout = timeout;
        self
    }

    /// Allows a plain `http://` JWKS URL on a non-loopback host (e.g. a self-hosted Hanko
    /// inside a private network). Off by default: over plain HTTP anyone on the path could
    /// substitute their own keys. Loopback hosts are always allowed.
    ///
    /// ```
    /// # use hanko_passkeys::token::Verifier;
    /// let v = Verifier::builder("http://hanko:8000/t/.well-known/jwks.json", "rp")
    ///     .allow_insecure_http(true)
    ///     .build();
    /// # assert!(v.is_ok());
    /// ```
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Validates the configuration and creates the verifier. No request is made yet.
    ///
    /// # Errors
    /// [`TokenError::InvalidConfig`] for an empty relying-party id, a JWKS URL that is not
    /// an absolute `https` URL (or `http` on loopback / with
    /// [`allow_insecure_http`](Self::allow_insecure_http)), out-of-range durations, or an
    /// HTTP client that cannot be created.
    ///
    /// ```
    /// # use hanko_passkeys::token::Verifier;
    /// assert!(Verifier::builder("not a url", "example.com").build().unwrap_err().is_config());
    /// assert!(Verifier::builder("http://example.com/jwks.json", "example.com").build().is_err());
    /// assert!(Verifier::builder("http://127.0.0.1:8000/jwks.json", "example.com").build().is_ok());
    /// ```
    pub fn build(self) -> Result<Verifier, TokenError> {
        let invalid = |msg: String| Err(TokenError::InvalidConfig(msg));
        let rp = self.relying_party_id;
        if rp.trim().is_empty() {
            return invalid("the relying party id is empty; it must be the RP ID of the tenant (e.g. \"example.com\")".into());
        }
        if rp.trim() != rp {
            return invalid(format!(
                "the relying party id {rp:?} has leading or trailing whitespace"
            ));
        }
        let shown = redact_userinfo(self.jwks_url.trim());
        if shown != self.jwks_url.trim() {
            return invalid(format!(
                "the JWKS URL {shown:?} must not contain credentials (user:password@)"
            ));
        }
        let url = match reqwest::Url::parse(&shown) {
            Ok(url) => url,
            Err(e) => {
                return invalid(format!(
                    "the JWKS URL {shown:?} is not a valid absolute URL: {e}"
                ));
            }
        };
        let loopback = match url.host_str() {
            Some(host) => {
                let host = host.trim_start_matches('[').trim_end_matches(']');
                host.eq_ignore_ascii_case("localhost")
                    || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
            }
            None => return invalid(format!("the JWKS URL {url} has no host")),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback || self.allow_insecure_http => {}
            "http" => {
                return invalid(format!(
                    "the JWKS URL {url} uses plain http; use https, or allow_insecure_http(true) inside a trusted network"
                ));
            }
            other => {
                return invalid(format!(
                    "the JWKS URL {url} has unsupported scheme {other:?}; use https"
                ));
            }
        }
        if self.leeway > MAX_LEEWAY {
            return invalid(format!(
                "leeway {:?} is above the maximum {MAX_LEEWAY:?}",
                self.leeway
            ));
        }
        for (name, value) in [
            ("min_refresh_interval", self.min_refresh_interval),
            ("default_max_age", self.default_max_age),
        ] {
            if value > MAX_INTERVAL {
                return invalid(format!(
                    "{name} {value:?} is above the maximum {MAX_INTERVAL:?}"
                ));
            }
        }
        if self.min_refresh_interval < MIN_REFRESH_INTERVAL {
            return invalid(format!(
                "min_refresh_interval {:?} is below the minimum {MIN_REFRESH_INTERVAL:?}, which protects the JWKS endpoint from tokens with random kids",
                self.min_refresh_interval
            ));
        }
        if self.stale_grace > MAX_STALE_GRACE {
            return invalid(format!(
                "stale_if_error {:?} is above the maximum {MAX_STALE_GRACE:?}",
                self.stale_grace
            ));
        }
        if self.fetch_timeout.is_zero() || self.fetch_timeout > MAX_FETCH_TIMEOUT {
            return invalid(format!(
                "fetch_timeout {:?} must be non-zero and at most {MAX_FETCH_TIMEOUT:?}",
                self.fetch_timeout
            ));
        }
        let http = match self.http_client {
            Some(client) => client,
            None => {
                match crate::platform::no_redirects(crate::platform::client_builder(None)).build() {
                    Ok(client) => client,
                    Err(e) => return invalid(format!("cannot create the HTTP client: {e}")),
                }
            }
        };

        // The claims are checked by RawClaims::validate for precise errors and chrono
        // types; jsonwebtoken is pinned to RS256 and only checks the signature.
        let mut validation = Validation::new(Algorithm::RS256);
        validation.algorithms = vec![Algorithm::RS256];
        validation.required_spec_claims = HashSet::new();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        validation.leeway = 0;

        Ok(Verifier {
            inner: Arc::new(Inner {
                jwks_url: url,
                relying_party_id: rp,
                http,
                leeway: self.leeway,
                min_refresh_interval: self.min_refresh_interval,
                default_max_age: self.default_max_age,
                stale_grace: self.stale_grace,
                fetch: Settings {
                    retry: self.retry,
                    budget: self.fetch_timeout,
                    max_response_bytes: jwks::MAX_JWKS_BYTES,
                },
                validation,
                keys: RwLock::new(Arc::new(KeySet::empty())),
                refresh: tokio::sync::Mutex::new(RefreshState::default()),
            }),
        })
    }
}

/// The header members we act on. Values are loosely typed so that a wrong type is a
/// [`TokenError::Malformed`], not a serde panic path or an opaque message.
#[derive(Deserialize)]
struct RawHeader {
    alg: Option<Value>,
    kid: Option<Value>,
    crit: Option<Value>,
}

struct Header {
    kid: String,
}

/// Decides on the algorithm and the key id before any key is looked up, so a token can
/// never steer which kind of key (or secret) is used.
fn parse_header(token: &str) -> Result<Header, TokenError> {
    let malformed = |msg: &str| TokenError::Malformed(msg.to_owned());
    if token.is_empty() {
        return Err(malformed("the token is empty"));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::Malformed(format!(
            "the token is {} bytes, more than the {MAX_TOKEN_BYTES} accepted",
            token.len()
        )));
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed(
            "expected three dot-separated parts (compact JWS)",
        ));
    };
    if header.is_empty() || payload.is_empty() {
        return Err(malformed("the header or payload part is empty"));
    }
    let header = URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| malformed("the header is not unpadded base64url"))?;
    let header: RawHeader = serde_json::from_slice(&header).map_err(|e| {
        TokenError::Malformed(format!("the header is not a valid JSON object: {e}"))
    })?;
    let alg = match header.alg {
        Some(Value::String(alg)) => alg,
        Some(_) => return Err(malformed("the header's \"alg\" is not a string")),
        None => return Err(malformed("the header has no \"alg\"")),
    };
    if alg != "RS256" {
        return Err(TokenError::UnsupportedAlgorithm(TokenError::clip(&alg)));
    }
    // RFC 7515 4.1.11: extensions listed in "crit" must be understood; we support none.
    if header.crit.is_some() {
        return Err(malformed(
            "the header has \"crit\" extensions, none are supported",
        ));
    }
    let kid = match header.kid {
        Some(Value::String(kid)) if !kid.is_empty() => kid,
        Some(Value::String(_)) | None | Some(Value::Null) => return Err(TokenError::MissingKeyId),
        Some(_) => return Err(malformed("the header's \"kid\" is not a string")),
    };
    if signature.is_empty() {
        return Err(malformed("the signature part is empty"));
    }
    Ok(Header { kid })
}

fn map_jwt_error(err: jsonwebtoken::errors::Error) -> TokenError {
    match err.kind() {
        ErrorKind::InvalidSignature | ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat => {
            TokenError::BadSignature
        }
        ErrorKind::InvalidAlgorithm
        | ErrorKind::UnsupportedAlgorithm
        | ErrorKind::InvalidAlgorithmName => {
            TokenError::UnsupportedAlgorithm("(rejected by the JWT library)".to_owned())
        }
        ErrorKind::Base64(_) => {
            TokenError::Malformed("a part is not unpadded base64url".to_owned())
        }
        ErrorKind::Json(e) => TokenError::Malformed(format!("invalid JSON: {e}")),
        ErrorKind::Utf8(_) => TokenError::Malformed("the payload is not UTF-8".to_owned()),
        other => TokenError::Malformed(format!("{other:?}")),
    }
}
