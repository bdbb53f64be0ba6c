//! Token signing keys (RSA, RS256) and the JWKS they publish.

use std::fmt;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
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

    /// The public key as a JWK.
    pub(crate) fn jwk(&self) -> Jwk {
        let public = self.pair.public_key();
        Jwk {
            alg: "RS256",
            e: URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
            kid: self.kid,
            kty: "RSA",
            n: URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            r#use: "sig",
        }
    }

    /// A compact RS256 JWS over `claims` (a struct in the server's claim order).
    pub(crate) fn sign_jwt(&self, claims: &impl Serialize) -> Option<String> {
        let header = JwsHeader {
            alg: "RS256",
            kid: self.kid,
            typ: "JWT",
        };
        let encode = |value: serde_json::Value| {
            URL_SAFE_NO_PAD.encode(crate::gojson::to_string(&value, false))
        };
        let signing_input = format!(
            "{}.{}",
            encode(serde_json::to_value(header).ok()?),
            encode(serde_json::to_value(claims).ok()?)
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

/// A public RSA key as jwx writes it into the JWKS: members sorted by name.
#[derive(Debug, Serialize)]
pub(crate) struct Jwk {
    alg: &'static str,
    e: String,
    kid: Uuid,
    kty: &'static str,
    n: String,
    r#use: &'static str,
}

/// The protected header of the server's tokens.
#[derive(Serialize)]
struct JwsHeader {
    alg: &'static str,
    kid: Uuid,
    typ: &'static str,
}
