//! The admin API of a self-hosted Passkey Server: tenants and their WebAuthn configuration,
//! API keys, JWK secrets, users, audit logs and health.
//!
//! Start with [`admin()`](crate::admin()). The admin server (port 8001 by default) has no
//! authentication of its own and returns secrets in plaintext, in lists too: keep it
//! private, or put a gateway in front of it ([`AdminConfig::header`](crate::AdminConfig::header)).
//! Hanko Cloud has no admin API; tenants there are managed in the console.
//!
//! ```no_run
//! use hanko_passkeys::admin::TenantConfig;
//! use hanko_passkeys::AdminConfig;
//!
//! # async fn demo() -> Result<(), hanko_passkeys::Error> {
//! let admin = hanko_passkeys::admin(AdminConfig::new("http://localhost:8001"))?;
//! let config = TenantConfig::new("example.com", "Example", ["https://example.com"]);
//! let created = admin.create_tenant("example", config).with_api_key().await?;
//! // The new tenant, ready for the public API.
//! let tenant = created.tenant("http://localhost:8000")?;
//! let options = tenant.registration().initialize("user-42", "alice@example.com").await?;
//! # Ok(()) }
//! ```

mod config;
mod hooks;
mod secret;
mod tenant_config;
mod tenants;

#[doc(inline)]
pub use crate::generated::admin::types::{
    Attachment, AttestationPreference, CorsConfig, MfaConfig, RelyingPartyConfig,
    ResidentKeyRequirement, TenantConfig, TenantDetails, TenantSummary, UserDetails, UserSummary,
    UserVerification, WebauthnConfig,
};
pub use config::AdminConfig;
pub use hooks::AdminHooks;
pub use secret::Secret;
pub use tenants::{
    Admin, AdminTenant, AdminUser, CreateTenant, CreatedTenant, SecretKind, Secrets, UserList,
    admin,
};
