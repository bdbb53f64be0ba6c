//! The token a finalize call returns.

use std::fmt;

use crate::token::{Claims, TokenError, Verifier};

/// A JWT returned by a successful finalize call: proof, signed by the tenant's key, that the
/// user completed the ceremony. Verify it before trusting it ([`Token::verify`]); its
/// claims name the user (`sub`) and the credential (`cred`).
///
/// `Debug` shows only the start of the token: it is a bearer credential for five minutes.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    /// Wraps a compact JWT. The SDK's finalize calls return tokens; build one yourself
    /// only to test your own code (a fake of the SDK behind your trait), or to verify a
    /// token that reached you another way.
    ///
    /// ```
    /// let token = hanko_passkeys::Token::new("eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    /// assert_eq!(token.as_str(), "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
    /// ```
    pub fn new(token: impl Into<String>) -> Self {
        Token(token.into())
    }

    /// The compact JWT.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Verifies the token (signature, algorithm, audience, expiry) and returns its claims.
    ///
    /// # Errors
    ///
    /// A [`TokenError`](crate::token::TokenError): the token is malformed, expired or not yet
    /// valid, signed with an unknown key or a bad signature, or for another relying party
    /// ([`TokenError::is_token_rejected`](crate::token::TokenError::is_token_rejected)); or the key
    /// set could not be fetched
    /// ([`TokenError::is_jwks_unavailable`](crate::token::TokenError::is_jwks_unavailable)).
    pub async fn verify(&self, verifier: &Verifier) -> Result<Claims, TokenError> {
        verifier.verify(&self.0).await
    }

    /// Verifies a transaction token and that it confirms `transaction_id`.
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify), and
    /// [`TokenError::TransactionMismatch`](crate::token::TokenError::TransactionMismatch) when the
    /// token confirms another transaction.
    pub async fn verify_transaction(
        &self,
        verifier: &Verifier,
        transaction_id: &str,
    ) -> Result<Claims, TokenError> {
        verifier.verify_transaction(&self.0, transaction_id).await
    }

    /// The compact JWT, owned.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl AsRef<str> for Token {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head: String = self.0.chars().take(12).collect();
        write!(f, "Token({head}…)")
    }
}
