//! A local, in-memory emulator of the Hanko Passkey API, plus a virtual WebAuthn
//! authenticator, for testing code that talks to Hanko without the real server.
//!
//! The emulator reproduces the server's wire contract: routes under `/{tenant_id}`, the `apiKey`
//! header rules, error bodies `{"title","details","status"}` with the server's titles, the
//! middleware order, 404 for unknown routes and methods, `X-Request-Id`, pagination headers,
//! go-webauthn's option shapes, RS256 tokens and the JWKS. WebAuthn responses are verified for
//! real (by `webauthn-rs-core`), so a test can only log in with a credential it registered.
//!
//! ```no_run
//! use hanko_passkeys_emulator::Emulator;
//! use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let emu = Emulator::builder().rsa_bits(2048).start().await?;
//! let http = reqwest::Client::new();
//! let options: serde_json::Value = http
//!     .post(format!("{}/registration/initialize", emu.base_url()))
//!     .header("apiKey", emu.api_key())
//!     .json(&serde_json::json!({"user_id": "alice", "username": "alice"}))
//!     .send().await?.json().await?;
//! let authenticator = VirtualAuthenticator::new(emu.origin());
//! let credential = authenticator.register(&options).await?;
//! let token: serde_json::Value = http
//!     .post(format!("{}/registration/finalize", emu.base_url()))
//!     .json(&credential)
//!     .send().await?.json().await?;
//! # let _ = token; Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod aaguid;
pub mod authenticator;
mod ceremonies;
mod config;
mod emulator;
mod error;
mod gojson;
mod http;
mod keys;
mod resources;
mod server;
mod state;

pub use config::{
    Attachment, AttestationPreference, ResidentKey, TenantConfig, TenantInfo, UserVerification,
    WebauthnSettings,
};
pub use emulator::{Emulator, EmulatorBuilder};
pub use error::EmulatorError;
