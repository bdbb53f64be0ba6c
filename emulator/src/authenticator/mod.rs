//! A software WebAuthn authenticator and client (1Password's `passkey-client`), turning the
//! emulator's options into the JSON a browser posts (`@github/webauthn-json` style).
//!
//! One [`VirtualAuthenticator`] holds any number of credentials, for any number of users. Clones
//! share the same credentials, so [`VirtualAuthenticator::with_origin`] can act as a phishing
//! page that holds the user's real keys.
//!
//! It plays the browser's part of a ceremony: [`register`](VirtualAuthenticator::register) takes
//! the `{"publicKey":{…}}` options from a `*/registration/initialize` call and returns the
//! credential JSON for `*/registration/finalize`; [`login`](VirtualAuthenticator::login) does
//! the same for login, MFA login and transactions.
//!
//! Like a browser, it refuses ([`AuthenticatorError::Refused`], with Chromium's error text)
//! what no browser would pass to an authenticator: a user handle over 64 bytes, an RP id that
//! is not the origin's host or a parent domain of it, an IP-address origin, and a non-secure
//! origin other than `http://localhost`. The server accepts some of these (user ids up to 255
//! bytes, IP addresses as RP ids); a test that passes here also passes in a browser.
//!
//! ```
//! use hanko_passkeys_emulator::Emulator;
//! use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
//! use serde_json::{Value, json};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emu = Emulator::builder().rsa_bits(2048).start().await?;
//! let http = reqwest::Client::new();
//! let browser = VirtualAuthenticator::new(emu.origin());
//!
//! // Registration: the server's options go to the authenticator, its answer back to the server.
//! let options: Value = http
//!     .post(format!("{}/registration/initialize", emu.tenant_url()))
//!     .header("apiKey", emu.api_key())
//!     .json(&json!({"user_id": "alice", "username": "alice@example.com"}))
//!     .send().await?.json().await?;
//! let credential = browser.register(&options).await?;
//! let registered: Value = http
//!     .post(format!("{}/registration/finalize", emu.tenant_url()))
//!     .json(&credential)
//!     .send().await?.json().await?;
//! assert!(registered["token"].is_string());
//!
//! // A discoverable login: no user id, the authenticator picks its credential for the RP.
//! let options: Value = http
//!     .post(format!("{}/login/initialize", emu.tenant_url()))
//!     .json(&json!({}))
//!     .send().await?.json().await?;
//! let assertion = browser.login(&options).await?;
//! let response = http
//!     .post(format!("{}/login/finalize", emu.tenant_url()))
//!     .json(&assertion)
//!     .send().await?;
//! assert_eq!(response.status(), 200);
//! emu.shutdown().await;
//! # Ok(()) }
//! ```

mod browser;
mod device;
mod error;
mod resign;
mod store;
pub mod tamper;
mod user;

pub use device::{Attestation, VirtualAuthenticator};
pub use error::AuthenticatorError;
