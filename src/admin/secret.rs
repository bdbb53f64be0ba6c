//! API keys and JWK secrets as the admin API returns them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::REDACTED;

/// An API key or JWK secret of a tenant.
///
/// The value is in plaintext: the admin server returns it on creation **and in every list**
/// (contract §3), so anything that can reach the admin API can read every key. `Debug` and
/// `Display` never show it; [`Secret::value`] does, and so does serializing it (it writes
/// what the server sent).
///
/// ```
/// let secret: hanko_passkeys::admin::Secret = serde_json::from_str(
///     r#"{"id":"2f1c0e1a-8d8e-4c8e-9a57-0d8f3c8b9e10","name":"ci","secret":"s3cr3t==",
///         "created_at":"2026-11-26T07:00:00Z"}"#,
/// )?;
/// assert_eq!(secret.value(), "s3cr3t==");
/// assert!(!format!("{secret:?} {secret}").contains("s3cr3t"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(
        description = "An API key or JWK secret of a tenant; `secret` is the value, in plaintext."
    )
)]
pub struct Secret {
    /// The secret's id (what deleting it takes).
    pub id: Uuid,
    /// Its name, unique among the tenant's secrets of its kind.
    pub name: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The secret value, in plaintext.
    secret: String,
}

impl Secret {
    /// The secret value (an API key: 88 characters of base64url). Handle it like a password.
    #[must_use]
    pub fn value(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("created_at", &self.created_at)
            .field("secret", &REDACTED)
            .finish()
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "secret {:?} ({}, value {REDACTED})", self.name, self.id)
    }
}
