//! Why the emulator could not start or change its configuration ([`EmulatorError`]).

/// Why the emulator could not start or change its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmulatorError {
    /// A listening socket could not be bound (the port is in use, say).
    #[error("cannot listen on {address}: {source}")]
    Bind {
        /// The address asked for, e.g. `127.0.0.1:8000` (`127.0.0.1:0` asks for any port).
        address: std::net::SocketAddr,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
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
