#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod aaguid;
mod admin;
mod app;
pub mod authenticator;
mod ceremony;
mod config;
mod emulator;
mod error;
mod gojson;
mod keys;
mod resources;
mod server;
mod state;
#[cfg(feature = "sqlite")]
mod store;
mod tenants;

pub use config::{
    Attachment, AttestationPreference, ResidentKey, TenantConfig, TenantInfo, UserVerification,
    WebauthnSettings,
};
pub use emulator::{Emulator, EmulatorBuilder};
pub use error::EmulatorError;

/// An RSA-2048 private key (PKCS#8 PEM) made for tests and published with this crate, for
/// [`EmulatorBuilder::token_key_pem`]: emulators started with it sign their first tokens
/// without generating a key (about 0.06 s of CPU for RSA-2048 and 0.6 s for RSA-4096 in a
/// debug build, per emulator). Everyone has this key: never use it for anything but tests.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), hanko_passkeys_emulator::EmulatorError> {
/// use hanko_passkeys_emulator::{Emulator, TEST_TOKEN_KEY_PEM};
///
/// let emu = Emulator::builder().token_key_pem(TEST_TOKEN_KEY_PEM).start().await?;
/// # emu.shutdown().await; Ok(()) }
/// ```
pub const TEST_TOKEN_KEY_PEM: &str = include_str!("../tests/keys/token-2048.pem");
