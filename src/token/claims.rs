use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::TokenError;

/// The verified claims of a Hanko passkey token.
///
/// Returned by [`Verifier`](crate::token::Verifier) only after the signature, the audience
/// and the time claims were checked. [`Claims::new`] builds one without a token, for tests
/// of your own code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(
        description = "The claims of a Hanko passkey token (the JWT payload); `iat` and `exp` \
        are seconds since the epoch."
    )
)]
#[non_exhaustive]
pub struct Claims {
    /// The application's user id, as passed to Hanko at registration.
    pub sub: String,
    /// The credential id (base64url without padding) that was registered or used.
    pub cred: String,
    /// The audiences; contains the relying-party id the verifier was built with.
    pub aud: Vec<String>,
    /// When Hanko issued the token.
    #[serde(with = "chrono::serde::ts_seconds")]
    #[cfg_attr(feature = "schemars", schemars(with = "i64"))]
    pub iat: DateTime<Utc>,
    /// When the token expires (Hanko: `iat` + 5 minutes).
    #[serde(with = "chrono::serde::ts_seconds")]
    #[cfg_attr(feature = "schemars", schemars(with = "i64"))]
    pub exp: DateTime<Utc>,
    /// The transaction id, present only on tokens from a transaction finalize.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trans: Option<String>,
}

impl Claims {
    /// Claims as a verifier would return them, **for tests of your own code** (a fake of
    /// the SDK behind your trait): `iat` is now and `exp` five minutes later, like Hanko's.
    ///
    /// ```
    /// let claims = hanko_passkeys::token::Claims::new("user-42", "credential-id", "example.com");
    /// assert_eq!(claims.sub, "user-42");
    /// assert_eq!(claims.aud, ["example.com"]);
    /// assert!(claims.trans.is_none());
    /// ```
    pub fn new(
        sub: impl Into<String>,
        cred: impl Into<String>,
        relying_party_id: impl Into<String>,
    ) -> Self {
        let iat = Utc::now();
        Claims {
            sub: sub.into(),
            cred: cred.into(),
            aud: vec![relying_party_id.into()],
            iat,
            exp: iat + chrono::Duration::minutes(5),
            trans: None,
        }
    }

    /// The same claims for a transaction token confirming `transaction_id`.
    ///
    /// ```
    /// let claims = hanko_passkeys::token::Claims::new("user-42", "cred", "example.com")
    ///     .with_transaction("tx-1");
    /// assert_eq!(claims.trans.as_deref(), Some("tx-1"));
    /// ```
    #[must_use]
    pub fn with_transaction(mut self, transaction_id: impl Into<String>) -> Self {
        self.trans = Some(transaction_id.into());
        self
    }
}

/// The payload as sent, loosely typed so that every wrong type becomes a precise
/// [`TokenError`] instead of an opaque serde message.
#[derive(Deserialize)]
pub(crate) struct RawClaims {
    sub: Option<Value>,
    cred: Option<Value>,
    aud: Option<Value>,
    iat: Option<Value>,
    exp: Option<Value>,
    nbf: Option<Value>,
    trans: Option<Value>,
}

impl RawClaims {
    /// Checks the claims against the verifier's rules and builds [`Claims`].
    pub(crate) fn validate(
        self,
        relying_party_id: &str,
        leeway: Duration,
        now: DateTime<Utc>,
    ) -> Result<Claims, TokenError> {
        let sub = required_string("sub", self.sub)?;
        let cred = required_string("cred", self.cred)?;
        let aud = audiences(self.aud)?;
        let iat = required_time("iat", self.iat)?;
        let exp = required_time("exp", self.exp)?;
        let nbf = self.nbf.map(|v| time("nbf", v)).transpose()?;
        let trans = match self.trans {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => return Err(wrong_type("trans", "a string", &other)),
        };

        // Every sum is checked: a validly signed token may carry times at the edge of
        // chrono's range, and that must be an error, not a panic.
        let skew = chrono::Duration::from_std(leeway).unwrap_or(chrono::Duration::zero());
        let out_of_range = |claim: &'static str| TokenError::InvalidClaim {
            claim,
            reason: "is too close to the end of the representable time range".to_owned(),
        };
        let exp_with_skew = exp.checked_add_signed(skew).ok_or(out_of_range("exp"))?;
        let latest_issue = now.checked_add_signed(skew).ok_or(out_of_range("iat"))?;
        if exp_with_skew < now {
            return Err(TokenError::Expired {
                expired_at: exp,
                now,
                leeway,
            });
        }
        if iat > latest_issue {
            return Err(TokenError::IssuedInFuture {
                issued_at: iat,
                now,
                leeway,
            });
        }
        if let Some(nbf) = nbf
            && nbf > latest_issue
        {
            return Err(TokenError::NotYetValid {
                not_before: nbf,
                now,
                leeway,
            });
        }
        if exp < iat {
            return Err(TokenError::InvalidClaim {
                claim: "exp",
                reason: format!("expires ({exp}) before it was issued ({iat})"),
            });
        }
        if !aud.iter().any(|a| a == relying_party_id) {
            return Err(TokenError::WrongAudience {
                expected: relying_party_id.to_owned(),
                found: aud.iter().take(8).map(|a| TokenError::clip(a)).collect(),
            });
        }

        Ok(Claims {
            sub,
            cred,
            aud,
            iat,
            exp,
            trans,
        })
    }
}

fn wrong_type(claim: &'static str, expected: &str, found: &Value) -> TokenError {
    let found = match found {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    TokenError::InvalidClaim {
        claim,
        reason: format!("expected {expected}, found {found}"),
    }
}

fn required_string(claim: &'static str, value: Option<Value>) -> Result<String, TokenError> {
    match value {
        None => Err(TokenError::MissingClaim(claim)),
        Some(Value::String(s)) if s.is_empty() => Err(TokenError::InvalidClaim {
            claim,
            reason: "is empty".to_owned(),
        }),
        Some(Value::String(s)) => Ok(s),
        Some(other) => Err(wrong_type(claim, "a string", &other)),
    }
}

/// RFC 7519 allows `aud` as a single string or an array; Hanko sends an array.
fn audiences(value: Option<Value>) -> Result<Vec<String>, TokenError> {
    match value {
        None => Err(TokenError::MissingClaim("aud")),
        Some(Value::String(s)) => Ok(vec![s]),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(s) => Ok(s),
                other => Err(wrong_type("aud", "an array of strings", &other)),
            })
            .collect(),
        Some(other) => Err(wrong_type("aud", "a string or an array of strings", &other)),
    }
}

fn required_time(claim: &'static str, value: Option<Value>) -> Result<DateTime<Utc>, TokenError> {
    time(claim, value.ok_or(TokenError::MissingClaim(claim))?)
}

/// NumericDate: seconds since the epoch; RFC 7519 allows fractions, which are dropped.
fn time(claim: &'static str, value: Value) -> Result<DateTime<Utc>, TokenError> {
    let Value::Number(n) = &value else {
        return Err(wrong_type(claim, "a number (NumericDate)", &value));
    };
    let secs = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => Some(i),
        // The range check keeps the cast exact and rejects NaN/inf and absurd values.
        (None, Some(f)) if f.is_finite() && f.abs() < 1e15 => Some(f.floor() as i64),
        _ => None,
    };
    secs.and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or_else(|| TokenError::InvalidClaim {
            claim,
            reason: format!("{n} is not a representable time"),
        })
}
