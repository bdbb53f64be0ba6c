use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

/// Why a token was rejected, or why it could not be checked.
///
/// The variants say exactly which rule failed, so logs are useful; the predicates
/// ([`is_token_rejected`](Self::is_token_rejected),
/// [`is_jwks_unavailable`](Self::is_jwks_unavailable), ...) are what most callers should
/// branch on, because new variants may be added.
///
/// ```
/// use hanko_passkeys::token::TokenError;
///
/// fn http_status(err: &TokenError) -> u16 {
///     if err.is_jwks_unavailable() {
///         503 // not the client's fault: the keys could not be fetched
///     } else if err.is_token_rejected() {
///         401
///     } else {
///         500
///     }
/// }
/// assert_eq!(http_status(&TokenError::BadSignature), 401);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum TokenError {
    /// The input is not a well-formed compact JWS / JWT (wrong number of parts, bad
    /// base64url, header or payload not a JSON object, too large, ...).
    Malformed(String),
    /// The header names an algorithm other than RS256 (e.g. `none`, `HS256`, `ES256`, `PS256`).
    UnsupportedAlgorithm(String),
    /// The header has no `kid`, so no key of the JWKS can be chosen.
    MissingKeyId,
    /// The tenant JWKS has no usable key with this `kid` (even after a refresh, or a refresh
    /// was not allowed yet by the minimum refresh interval).
    UnknownKey {
        /// The `kid` from the token header (truncated if very long).
        kid: String,
    },
    /// The signature does not verify with the key selected by `kid`.
    BadSignature,
    /// A required claim (`sub`, `cred`, `aud`, `iat` or `exp`) is absent or `null`.
    MissingClaim(&'static str),
    /// A claim is present but has the wrong type or an impossible value.
    InvalidClaim {
        /// The claim name.
        claim: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `exp` is further in the past than the leeway allows.
    Expired {
        /// The token's `exp`.
        expired_at: DateTime<Utc>,
        /// The verifier's clock when it checked.
        now: DateTime<Utc>,
        /// The configured clock-skew leeway.
        leeway: Duration,
    },
    /// `iat` is further in the future than the leeway allows.
    IssuedInFuture {
        /// The token's `iat`.
        issued_at: DateTime<Utc>,
        /// The verifier's clock when it checked.
        now: DateTime<Utc>,
        /// The configured clock-skew leeway.
        leeway: Duration,
    },
    /// The token carries an `nbf` further in the future than the leeway allows.
    NotYetValid {
        /// The token's `nbf`.
        not_before: DateTime<Utc>,
        /// The verifier's clock when it checked.
        now: DateTime<Utc>,
        /// The configured clock-skew leeway.
        leeway: Duration,
    },
    /// `aud` does not contain the configured relying-party id.
    WrongAudience {
        /// The configured relying-party id.
        expected: String,
        /// The audiences found in the token.
        found: Vec<String>,
    },
    /// [`Verifier::verify_transaction`](crate::token::Verifier::verify_transaction): the
    /// token's `trans` claim differs from the expected transaction id, or is absent.
    TransactionMismatch {
        /// The transaction id the caller expected.
        expected: String,
        /// The token's `trans`, if any.
        found: Option<String>,
    },
    /// The JWKS could not be fetched or parsed and no usable cached key exists.
    JwksUnavailable(JwksError),
    /// The verifier was configured with an invalid value (reported by
    /// [`VerifierBuilder::build`](crate::token::VerifierBuilder::build)).
    InvalidConfig(String),
}

impl TokenError {
    /// True when the token itself is at fault (malformed, wrong algorithm, unknown key,
    /// bad signature, bad claims, expired, wrong audience or transaction): answer 401.
    ///
    /// ```
    /// use hanko_passkeys::token::TokenError;
    /// assert!(TokenError::MissingKeyId.is_token_rejected());
    /// assert!(!TokenError::InvalidConfig("x".into()).is_token_rejected());
    /// ```
    #[must_use]
    pub fn is_token_rejected(&self) -> bool {
        !matches!(self, Self::JwksUnavailable(_) | Self::InvalidConfig(_))
    }

    /// True when the keys could not be obtained: a server-side, usually transient problem.
    ///
    /// ```
    /// use hanko_passkeys::token::TokenError;
    /// assert!(!TokenError::BadSignature.is_jwks_unavailable());
    /// ```
    #[must_use]
    pub fn is_jwks_unavailable(&self) -> bool {
        matches!(self, Self::JwksUnavailable(_))
    }

    /// True when the token is past its `exp` (plus leeway).
    ///
    /// ```
    /// use hanko_passkeys::token::TokenError;
    /// assert!(!TokenError::BadSignature.is_expired());
    /// ```
    #[must_use]
    pub fn is_expired(&self) -> bool {
        matches!(self, Self::Expired { .. })
    }

    /// True for configuration errors reported by
    /// [`VerifierBuilder::build`](crate::token::VerifierBuilder::build).
    ///
    /// ```
    /// use hanko_passkeys::token::Verifier;
    /// let err = Verifier::builder("https://example.com/jwks.json", "").build().unwrap_err();
    /// assert!(err.is_config());
    /// ```
    #[must_use]
    pub fn is_config(&self) -> bool {
        matches!(self, Self::InvalidConfig(_))
    }

    /// Truncates attacker-controlled text so an error (and the log line it ends up in)
    /// stays small whatever the token contains.
    pub(crate) fn clip(s: &str) -> String {
        const MAX: usize = 64;
        match s.char_indices().nth(MAX) {
            Some((i, _)) => format!("{}...", &s[..i]),
            None => s.to_owned(),
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(reason) => write!(f, "malformed token: {reason}"),
            Self::UnsupportedAlgorithm(alg) => {
                write!(
                    f,
                    "unsupported token algorithm {alg:?}: only RS256 is accepted"
                )
            }
            Self::MissingKeyId => {
                f.write_str("token header has no \"kid\", so no verification key can be chosen")
            }
            Self::UnknownKey { kid } => {
                write!(f, "the tenant JWKS has no usable key with kid {kid:?}")
            }
            Self::BadSignature => f.write_str("token signature is invalid"),
            Self::MissingClaim(claim) => write!(f, "token has no {claim:?} claim"),
            Self::InvalidClaim { claim, reason } => {
                write!(f, "token claim {claim:?} is invalid: {reason}")
            }
            Self::Expired {
                expired_at,
                now,
                leeway,
            } => write!(
                f,
                "token expired at {expired_at} (now {now}, leeway {}s)",
                leeway.as_secs()
            ),
            Self::IssuedInFuture {
                issued_at,
                now,
                leeway,
            } => write!(
                f,
                "token issued in the future at {issued_at} (now {now}, leeway {}s)",
                leeway.as_secs()
            ),
            Self::NotYetValid {
                not_before,
                now,
                leeway,
            } => write!(
                f,
                "token not valid before {not_before} (now {now}, leeway {}s)",
                leeway.as_secs()
            ),
            Self::WrongAudience { expected, found } => write!(
                f,
                "token audience {found:?} does not contain the relying party id {expected:?}"
            ),
            Self::TransactionMismatch {
                expected,
                found: Some(found),
            } => write!(
                f,
                "token is for transaction {found:?}, expected transaction {expected:?}"
            ),
            Self::TransactionMismatch {
                expected,
                found: None,
            } => write!(
                f,
                "token has no transaction id (\"trans\" claim), expected transaction {expected:?}"
            ),
            Self::JwksUnavailable(err) => write!(f, "verification keys unavailable: {err}"),
            Self::InvalidConfig(reason) => {
                write!(f, "invalid token verifier configuration: {reason}")
            }
        }
    }
}

impl StdError for TokenError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Self::JwksUnavailable(err) => Some(err),
            _ => None,
        }
    }
}

/// Why the JWKS could not be fetched or used.
///
/// Keeps the HTTP status (if a response arrived) and the transport error, so a proxy's 502
/// or a timeout can be told apart from a JWKS without usable keys.
#[derive(Debug, Clone)]
pub struct JwksError {
    message: String,
    status: Option<u16>,
    timeout: bool,
    source: Option<Arc<crate::exchange::WireError>>,
}

impl JwksError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            status: None,
            timeout: false,
            source: None,
        }
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// A failure on the wire: reqwest's natively, the SDK's `fetch` call's on wasm.
    pub(crate) fn from_wire(message: &str, err: crate::exchange::WireError) -> Self {
        #[cfg(not(target_arch = "wasm32"))]
        let (status, timeout) = (err.status().map(|s| s.as_u16()), err.is_timeout());
        #[cfg(target_arch = "wasm32")]
        let (status, timeout) = (None, matches!(err, crate::fetch::FetchError::Timeout));
        Self {
            message: message.to_owned(),
            status,
            timeout,
            source: Some(Arc::new(err)),
        }
    }

    /// The HTTP status of the JWKS response, when one arrived and was not a success.
    ///
    /// ```
    /// # fn f(err: &hanko_passkeys::token::JwksError) {
    /// if err.status() == Some(503) { /* Hanko is down */ }
    /// # }
    /// ```
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// True when the fetch timed out.
    ///
    /// ```
    /// # fn f(err: &hanko_passkeys::token::JwksError) {
    /// if err.is_timeout() { /* slow network */ }
    /// # }
    /// ```
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        self.timeout
    }
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl StdError for JwksError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}
