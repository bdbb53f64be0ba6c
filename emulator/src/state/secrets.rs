//! A tenant's secrets: its API keys and its JWK secrets (the admin API's `secrets/api` and
//! `secrets/jwk`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Which list a secret is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum SecretKind {
    /// An API key: what the `apiKey` header carries.
    Api,
    /// A JWK secret: on the server, what the tenant's signing keys are encrypted with.
    Jwk,
}

impl SecretKind {
    /// The kind a `secrets/{kind}` path segment names.
    pub(crate) fn from_path(segment: &str) -> Option<Self> {
        match segment {
            "api" => Some(Self::Api),
            "jwk" => Some(Self::Jwk),
            _ => None,
        }
    }
}

/// One secret: an API key or a JWK secret.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Secret {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) secret: String,
    pub(crate) created_at: DateTime<Utc>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl Secret {
    /// A new secret named `name`: 64 random bytes, base64url with padding (88 characters).
    pub(crate) fn generate(name: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self::with_value(name, crate::keys::random_secret(), now)
    }

    /// A new secret with a given value.
    pub(crate) fn with_value(name: impl Into<String>, secret: String, now: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::new_v4(),
            name: name.into(),
            secret,
            created_at: now,
        }
    }
}

/// A tenant's secrets, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Secrets {
    pub(crate) api: Vec<Secret>,
    pub(crate) jwk: Vec<Secret>,
}

impl Secrets {
    /// The secrets of one kind.
    pub(crate) fn of(&self, kind: SecretKind) -> &[Secret] {
        match kind {
            SecretKind::Api => &self.api,
            SecretKind::Jwk => &self.jwk,
        }
    }

    pub(super) fn of_mut(&mut self, kind: SecretKind) -> &mut Vec<Secret> {
        match kind {
            SecretKind::Api => &mut self.api,
            SecretKind::Jwk => &mut self.jwk,
        }
    }

    /// Which list holds a secret with this value (API keys first, as the server checks them).
    pub(crate) fn kind_of(&self, value: &str) -> Option<SecretKind> {
        [SecretKind::Api, SecretKind::Jwk]
            .into_iter()
            .find(|&kind| self.of(kind).iter().any(|s| s.secret == value))
    }
}
