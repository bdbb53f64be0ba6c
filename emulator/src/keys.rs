//! Token signing keys (RSA, RS256) and the JWKS they publish.

use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::error::EmulatorError;

/// One RSA key of a tenant, identified by a v4 UUID `kid`.
pub(crate) struct SigningKey {
    pub(crate) kid: Uuid,
    pair: KeyPair,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    pub(crate) fn generate(bits: u32) -> Result<Self, EmulatorError> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            other => {
                return Err(EmulatorError::Config(format!(
                    "rsa_bits must be 2048, 3072 or 4096, not {other}"
                )));
            }
        };
        let pair = KeyPair::generate(size).map_err(|_| EmulatorError::KeyGeneration)?;
        Ok(Self {
            kid: Uuid::new_v4(),
            pair,
        })
    }

    /// The public key as a JWK, keys sorted like jwx writes them.
    pub(crate) fn jwk(&self) -> Value {
        let public = self.pair.public_key();
        json!({
            "alg": "RS256",
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
            "kid": self.kid.to_string(),
            "kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "use": "sig",
        })
    }

    /// A compact RS256 JWS over `claims` (already in the server's claim order).
    pub(crate) fn sign_jwt(&self, claims: &Value) -> Option<String> {
        let header = json!({"alg": "RS256", "kid": self.kid.to_string(), "typ": "JWT"});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(crate::gojson::to_string(&header, false)),
            URL_SAFE_NO_PAD.encode(crate::gojson::to_string(claims, false))
        );
        let mut signature = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                signing_input.as_bytes(),
                &mut signature,
            )
            .ok()?;
        Some(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}
