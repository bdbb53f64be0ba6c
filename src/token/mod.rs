//! Local verification of the tokens Hanko returns from registration, login, MFA and
//! transaction finalize.
//!
//! Hanko signs these tokens as RS256 JWTs with the tenant's RSA-4096 key and publishes the
//! public keys at `{api}/{tenant_id}/.well-known/jwks.json`. A [`Verifier`] fetches and
//! caches that JWKS and checks a token without a round trip to Hanko:
//!
//! ```no_run
//! use hanko_passkeys::token::{TokenError, Verifier};
//!
//! # async fn run(token: &str) -> Result<(), TokenError> {
//! let verifier = Verifier::builder(
//!     "https://passkeys.hanko.io/6a8e3b4c-5f1d-4b2a-9c3e-7d6f5e4a3b2c/.well-known/jwks.json",
//!     "example.com",
//! )
//! .build()?;
//!
//! let claims = verifier.verify(token).await?;
//! println!("user {} used credential {}", claims.sub, claims.cred);
//!
//! let claims = verifier.verify_transaction(token, "payment-4711").await?;
//! # let _ = claims;
//! # Ok(()) }
//! ```

mod claims;
mod error;
mod jwks;
mod verifier;

pub use claims::Claims;
pub use error::{JwksError, TokenError};
pub use verifier::{MIN_REFRESH_INTERVAL, Verifier, VerifierBuilder};
