//! Builders for a tenant's configuration, on the generated types. Whatever is not set is left
//! out of the request, and the server applies its own default (contract §3).

use std::num::NonZeroU64;
use std::time::Duration;

use super::{
    Attachment, AttestationPreference, CorsConfig, MfaConfig, RelyingPartyConfig,
    ResidentKeyRequirement, TenantConfig, UserVerification, WebauthnConfig,
};

/// Timeout of a new configuration: the server has no default (it requires a non-zero one).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

fn millis(timeout: Duration) -> NonZeroU64 {
    let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
    NonZeroU64::new(ms).unwrap_or(NonZeroU64::MIN)
}

impl TenantConfig {
    /// A configuration for the relying party `rp_id` (your site's domain, e.g.
    /// `example.com`), shown as `rp_name`, accepting ceremonies from `origins` (e.g.
    /// `https://example.com`), which are also the CORS origins.
    ///
    /// Everything else is the server's default: user verification `required`, any
    /// authenticator attachment, attestation `direct`, resident key `required`, no unsafe
    /// wildcard, and for MFA `preferred`, `cross-platform`, `direct`, `discouraged` with the
    /// passkey timeout. The timeout is 60 s (the server requires one).
    ///
    /// ```
    /// use std::time::Duration;
    /// use hanko_passkeys::admin::{MfaConfig, TenantConfig, UserVerification};
    ///
    /// let config = TenantConfig::new("example.com", "Example", ["https://example.com"])
    ///     .user_verification(UserVerification::Discouraged)
    ///     .timeout(Duration::from_secs(120))
    ///     .mfa(MfaConfig::new(Duration::from_secs(60)));
    /// assert_eq!(config.webauthn.timeout.get(), 120_000);
    /// assert_eq!(config.cors.allowed_origins, ["https://example.com"]);
    /// ```
    pub fn new<S: Into<String>>(
        rp_id: impl Into<String>,
        rp_name: impl Into<String>,
        origins: impl IntoIterator<Item = S>,
    ) -> Self {
        let origins: Vec<String> = origins.into_iter().map(Into::into).collect();
        TenantConfig {
            cors: CorsConfig {
                allowed_origins: origins.clone(),
                allow_unsafe_wildcard: false,
            },
            webauthn: WebauthnConfig {
                relying_party: RelyingPartyConfig {
                    id: rp_id.into(),
                    display_name: rp_name.into(),
                    icon: None,
                    origins,
                },
                timeout: millis(DEFAULT_TIMEOUT),
                user_verification: None,
                attachment: None,
                attestation_preference: None,
                resident_key_requirement: None,
            },
            mfa: None,
        }
    }

    /// How long a passkey ceremony may take (milliseconds on the wire; zero becomes 1 ms,
    /// since the server refuses zero).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.webauthn.timeout = millis(timeout);
        self
    }

    /// Whether authenticators must verify the user (server default: `required`).
    #[must_use]
    pub fn user_verification(mut self, value: UserVerification) -> Self {
        self.webauthn.user_verification = Some(value);
        self
    }

    /// Which authenticators may register passkeys (server default: any).
    #[must_use]
    pub fn attachment(mut self, value: Attachment) -> Self {
        self.webauthn.attachment = Some(value);
        self
    }

    /// Attestation conveyance preference (server default: `direct`).
    #[must_use]
    pub fn attestation(mut self, value: AttestationPreference) -> Self {
        self.webauthn.attestation_preference = Some(value);
        self
    }

    /// Whether passkeys must be discoverable (server default: `required`).
    #[must_use]
    pub fn resident_key(mut self, value: ResidentKeyRequirement) -> Self {
        self.webauthn.resident_key_requirement = Some(value);
        self
    }

    /// Absolute URL of the relying party's icon.
    #[must_use]
    pub fn icon(mut self, url: impl Into<String>) -> Self {
        self.webauthn.relying_party.icon = Some(url.into());
        self
    }

    /// CORS origins, when they differ from the WebAuthn origins (`*` and subdomain wildcards
    /// such as `https://*.example.com` are accepted).
    #[must_use]
    pub fn cors_origins<S: Into<String>>(mut self, origins: impl IntoIterator<Item = S>) -> Self {
        self.cors.allowed_origins = origins.into_iter().map(Into::into).collect();
        self
    }

    /// With a `*` CORS origin, reflect any origin while allowing credentials (default false).
    #[must_use]
    pub fn allow_unsafe_wildcard(mut self, allow: bool) -> Self {
        self.cors.allow_unsafe_wildcard = allow;
        self
    }

    /// Second-factor settings (without them, the server's defaults).
    #[must_use]
    pub fn mfa(mut self, mfa: MfaConfig) -> Self {
        self.mfa = Some(mfa);
        self
    }
}

impl MfaConfig {
    /// MFA settings with this ceremony timeout and the server's defaults for the rest: user
    /// verification `preferred`, attachment `cross-platform`, attestation `direct`, resident
    /// key `discouraged`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use hanko_passkeys::admin::{Attachment, MfaConfig};
    ///
    /// let mfa = MfaConfig::new(Duration::from_secs(60)).attachment(Attachment::Platform);
    /// assert_eq!(mfa.attachment, Some(Attachment::Platform));
    /// ```
    #[must_use]
    pub fn new(timeout: Duration) -> Self {
        MfaConfig {
            timeout: millis(timeout),
            user_verification: None,
            attachment: None,
            attestation_preference: None,
            resident_key_requirement: None,
        }
    }

    /// Whether authenticators must verify the user (server default: `preferred`).
    #[must_use]
    pub fn user_verification(mut self, value: UserVerification) -> Self {
        self.user_verification = Some(value);
        self
    }

    /// Which authenticators may register second factors (server default: `cross-platform`).
    #[must_use]
    pub fn attachment(mut self, value: Attachment) -> Self {
        self.attachment = Some(value);
        self
    }

    /// Attestation conveyance preference (server default: `direct`).
    #[must_use]
    pub fn attestation(mut self, value: AttestationPreference) -> Self {
        self.attestation_preference = Some(value);
        self
    }

    /// Whether MFA credentials must be discoverable (server default: `discouraged`).
    #[must_use]
    pub fn resident_key(mut self, value: ResidentKeyRequirement) -> Self {
        self.resident_key_requirement = Some(value);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_milliseconds_and_never_zero() {
        assert_eq!(millis(Duration::from_secs(60)).get(), 60_000);
        assert_eq!(millis(Duration::ZERO).get(), 1);
        assert_eq!(millis(Duration::MAX).get(), u64::MAX);
    }

    #[test]
    fn unset_options_are_left_out_for_the_server_defaults() {
        let json = serde_json::to_value(TenantConfig::new("rp", "RP", ["https://rp"])).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "cors": {"allowed_origins": ["https://rp"], "allow_unsafe_wildcard": false},
                "webauthn": {
                    "relying_party": {"id": "rp", "display_name": "RP", "origins": ["https://rp"]},
                    "timeout": 60000
                }
            })
        );
    }
}
