//! Why the virtual authenticator could not answer.

/// Why the virtual authenticator could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthenticatorError {
    /// The options are not valid WebAuthn options JSON.
    #[error("invalid WebAuthn options: {0}")]
    Options(String),
    /// The origin is not a valid URL.
    #[error("invalid origin {0:?}")]
    Origin(String),
    /// The WebAuthn client or authenticator failed (no matching credential, ...).
    #[error("WebAuthn operation failed: {0}")]
    Ceremony(String),
    /// A browser would refuse these options before any authenticator sees them; the value is
    /// the error Chromium throws, e.g. `TypeError: User handle exceeds 64 bytes`, or
    /// `SecurityError: This is an invalid domain.` for an IP-address origin.
    #[error("a browser refuses this: {0}")]
    Refused(String),
}
