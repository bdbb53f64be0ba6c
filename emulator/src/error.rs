//! Why the emulator could not start or change its configuration ([`EmulatorError`]).

/// Why the emulator could not start or change its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// The listening socket could not be bound.
    #[error("cannot bind the emulator's listener: {0}")]
    Bind(#[source] std::io::Error),
    /// The configuration is not usable (bad origin URL, empty RP id, unsupported key size, ...).
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    /// A tenant with this id already exists.
    #[error("tenant {0} already exists")]
    TenantExists(uuid::Uuid),
    /// No tenant with this id exists.
    #[error("tenant {0} not found")]
    TenantNotFound(uuid::Uuid),
    /// Generating an RSA signing key failed (or a stored one could not be read).
    #[error("cannot generate an RSA signing key")]
    KeyGeneration,
    /// The data file (`EmulatorBuilder::data`) cannot be opened, read or written.
    #[error("emulator data file: {0}")]
    Storage(String),
}
