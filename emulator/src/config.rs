//! Tenant configuration: relying party, origins, API key and the WebAuthn settings of the
//! passkey and MFA flows, mirroring the server's tenant config.

use std::fmt;
use std::time::Duration;

use uuid::Uuid;

/// The WebAuthn `userVerification` requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserVerification {
    /// `"required"`: the UV flag must be set.
    Required,
    /// `"preferred"`.
    Preferred,
    /// `"discouraged"`; options then carry the fixed 120000 ms timeout, like the server.
    Discouraged,
}

impl UserVerification {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Preferred => "preferred",
            Self::Discouraged => "discouraged",
        }
    }

    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn parse(s: &str) -> Option<Self> {
        [Self::Required, Self::Preferred, Self::Discouraged]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// The WebAuthn `residentKey` requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResidentKey {
    /// `"required"` (also sends `requireResidentKey: true`).
    Required,
    /// `"preferred"`.
    Preferred,
    /// `"discouraged"`.
    Discouraged,
}

impl ResidentKey {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::Preferred => "preferred",
            Self::Discouraged => "discouraged",
        }
    }

    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn parse(s: &str) -> Option<Self> {
        [Self::Required, Self::Preferred, Self::Discouraged]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// The WebAuthn `authenticatorAttachment` hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attachment {
    /// `"platform"`.
    Platform,
    /// `"cross-platform"`.
    CrossPlatform,
}

impl Attachment {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Platform => "platform",
            Self::CrossPlatform => "cross-platform",
        }
    }

    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn parse(s: &str) -> Option<Self> {
        [Self::Platform, Self::CrossPlatform]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// The WebAuthn `attestation` conveyance preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttestationPreference {
    /// `"none"`.
    None,
    /// `"indirect"`.
    Indirect,
    /// `"direct"` (the server's default).
    Direct,
    /// `"enterprise"`.
    Enterprise,
}

impl AttestationPreference {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Indirect => "indirect",
            Self::Direct => "direct",
            Self::Enterprise => "enterprise",
        }
    }

    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn parse(s: &str) -> Option<Self> {
        [Self::None, Self::Indirect, Self::Direct, Self::Enterprise]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// Settings of one WebAuthn client of a tenant (the passkey one or the MFA one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebauthnSettings {
    /// Ceremony timeout; sent as `timeout` in ms and used as the session lifetime.
    pub timeout: Duration,
    /// Whether the authenticator must verify the user: the options' `userVerification`,
    /// and what finalize then checks.
    pub user_verification: UserVerification,
    /// `authenticatorAttachment`; omitted from options when `None`.
    pub attachment: Option<Attachment>,
    /// The attestation the options ask for (`attestation`).
    pub attestation: AttestationPreference,
    /// Whether the credential must be discoverable: the options' `residentKey`.
    pub resident_key: ResidentKey,
}

impl WebauthnSettings {
    /// The server's passkey defaults: UV and resident key required, no attachment, `direct`,
    /// 60 s.
    pub fn passkey_defaults() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            user_verification: UserVerification::Required,
            attachment: None,
            attestation: AttestationPreference::Direct,
            resident_key: ResidentKey::Required,
        }
    }

    /// The server's MFA defaults: UV preferred, `cross-platform`, resident key discouraged,
    /// `direct`, 60 s.
    pub fn mfa_defaults() -> Self {
        Self {
            timeout: Duration::from_secs(60),
            user_verification: UserVerification::Preferred,
            attachment: Some(Attachment::CrossPlatform),
            attestation: AttestationPreference::Direct,
            resident_key: ResidentKey::Discouraged,
        }
    }

    /// The timeout the options carry and the session gets: 120 s whenever UV is discouraged
    /// (go-webauthn's "UVD" timeout), otherwise the configured one.
    pub(crate) fn effective_timeout(&self) -> Duration {
        if self.user_verification == UserVerification::Discouraged {
            Duration::from_millis(120_000)
        } else {
            self.timeout
        }
    }
}

/// Configuration of one tenant. Start from [`TenantConfig::new`] and adjust the public fields.
#[derive(Clone)]
pub struct TenantConfig {
    /// Tenant id; a random v4 UUID when `None`.
    pub tenant_id: Option<Uuid>,
    /// API key; 64 random bytes, base64url with padding (88 chars, like the server) when `None`.
    pub api_key: Option<String>,
    /// Relying party id, e.g. `localhost`.
    pub rp_id: String,
    /// Relying party display name (`rp.name` in the options).
    pub rp_name: String,
    /// Allowed origins, e.g. `http://localhost:8080`; at least one.
    pub origins: Vec<String>,
    /// Settings of the passkey flows.
    pub passkey: WebauthnSettings,
    /// Settings of the `/mfa/*` flows.
    pub mfa: WebauthnSettings,
    /// RSA modulus size of the token signing keys: 2048, 3072 or 4096 (the server's size).
    pub rsa_bits: u32,
}

impl TenantConfig {
    /// A tenant for `rp_id` accepting `origin`, with the server's defaults elsewhere.
    pub fn new(rp_id: impl Into<String>, origin: impl Into<String>) -> Self {
        let rp_id = rp_id.into();
        Self {
            tenant_id: None,
            api_key: None,
            rp_name: rp_id.clone(),
            rp_id,
            origins: vec![origin.into()],
            passkey: WebauthnSettings::passkey_defaults(),
            mfa: WebauthnSettings::mfa_defaults(),
            rsa_bits: 4096,
        }
    }
}

impl Default for TenantConfig {
    fn default() -> Self {
        Self::new("localhost", "http://localhost:8080")
    }
}

impl fmt::Debug for TenantConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantConfig")
            .field("tenant_id", &self.tenant_id)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("rp_id", &self.rp_id)
            .field("rp_name", &self.rp_name)
            .field("origins", &self.origins)
            .field("passkey", &self.passkey)
            .field("mfa", &self.mfa)
            .field("rsa_bits", &self.rsa_bits)
            .finish()
    }
}

/// What a caller needs to talk to a tenant of a running emulator.
#[derive(Clone)]
pub struct TenantInfo {
    /// The tenant id.
    pub tenant_id: Uuid,
    /// The tenant's API key (send it as the `apiKey` header).
    pub api_key: String,
    /// `http://127.0.0.1:<port>/<tenant_id>`: the tenant's routes start here.
    pub tenant_url: String,
}

impl fmt::Debug for TenantInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TenantInfo")
            .field("tenant_id", &self.tenant_id)
            .field("api_key", &"<redacted>")
            .field("tenant_url", &self.tenant_url)
            .finish()
    }
}
