//! go-webauthn v0.10.0's checks of client data, authenticator data and signatures, in its
//! order and with its messages (`protocol/client.go`, `protocol/authenticator.go`,
//! `protocol/assertion.go`). Things it does not check are not checked here either:
//! `crossOrigin`, `topOrigin`, the sign counter, and whether the backup flags are consistent.

use sha2::{Digest, Sha256};
use webauthn_rs_core::proto::COSEKey;

/// A failed check: go-webauthn's `Details`, and its `DevInfo` where the server shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) details: &'static str,
    pub(crate) info: &'static str,
}

impl Failure {
    const fn new(details: &'static str) -> Self {
        Self { details, info: "" }
    }
}

/// `ErrVerification`'s default details.
const AUTHENTICATOR_RESPONSE: &str = "Error validating the authenticator response";

/// The authenticator-data flag bits.
pub(crate) mod flags {
    pub(crate) const USER_PRESENT: u8 = 0x01;
    pub(crate) const USER_VERIFIED: u8 = 0x04;
    pub(crate) const BACKUP_ELIGIBLE: u8 = 0x08;
    pub(crate) const BACKUP_STATE: u8 = 0x10;
}

/// The flags byte of raw authenticator data (already parsed once, so at least 37 bytes).
pub(crate) fn flags_of(auth_data: &[u8]) -> u8 {
    auth_data.get(32).copied().unwrap_or(0)
}

/// `CollectedClientData.Verify`: type, challenge, origin, token binding.
pub(crate) fn client_data(
    client: &serde_json::Value,
    ceremony: &str,
    challenge: &str,
    origins: &[String],
) -> Result<(), Failure> {
    let text = |name: &str| client.get(name).and_then(serde_json::Value::as_str);
    if text("type") != Some(ceremony) {
        return Err(Failure::new("Error validating ceremony type"));
    }
    if text("challenge") != Some(challenge) {
        return Err(Failure::new("Error validating challenge"));
    }
    let origin = fully_qualified_origin(text("origin").unwrap_or(""))
        .ok_or(Failure::new("Error decoding clientData origin as URL"))?;
    if !origins.iter().any(|o| o.eq_ignore_ascii_case(&origin)) {
        return Err(Failure::new("Error validating origin"));
    }
    if let Some(binding) = client.get("tokenBinding").filter(|b| !b.is_null()) {
        match binding.get("status").and_then(serde_json::Value::as_str) {
            None | Some("") => {
                return Err(Failure::new(
                    "Error decoding clientData, token binding present without status",
                ));
            }
            Some("present" | "supported" | "not-supported") => {}
            Some(_) => {
                return Err(Failure::new(
                    "Error decoding clientData, token binding present with invalid status",
                ));
            }
        }
    }
    Ok(())
}

/// `FullyQualifiedOrigin`: `scheme://host[:port]` of the client data's origin (Go's
/// `url.ParseRequestURI`, path, query and user info dropped, the port kept as written).
fn fully_qualified_origin(raw: &str) -> Option<String> {
    if raw.starts_with("android:apk-key-hash:") {
        return Some(raw.to_string());
    }
    let (scheme, rest) = raw.split_once("://")?;
    let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid_scheme || raw.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return None;
    }
    let authority = rest.split(['/', '?']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{host}"))
}

/// `AuthenticatorData.Verify`: RP id hash, user presence, user verification when required.
pub(crate) fn authenticator_data(
    auth_data: &[u8],
    rp_id: &str,
    uv_required: bool,
) -> Result<(), Failure> {
    let rp_id_hash = Sha256::digest(rp_id.as_bytes());
    if auth_data.get(..32) != Some(rp_id_hash.as_slice()) {
        return Err(Failure::new(AUTHENTICATOR_RESPONSE));
    }
    let flags = flags_of(auth_data);
    if flags & flags::USER_PRESENT == 0 {
        return Err(Failure::new(AUTHENTICATOR_RESPONSE));
    }
    if uv_required && flags & flags::USER_VERIFIED == 0 {
        return Err(Failure {
            details: AUTHENTICATOR_RESPONSE,
            info: "User verification required but flag not set by authenticator\n",
        });
    }
    Ok(())
}

/// `webauthncose.VerifySignature` over `authData ‖ SHA-256(clientDataJSON)`, with
/// go-webauthn's details for an assertion.
pub(crate) fn assertion_signature(
    key: &COSEKey,
    auth_data: &[u8],
    client_data_json: &[u8],
    signature: &[u8],
) -> Result<(), Failure> {
    let mut signed = auth_data.to_vec();
    signed.extend_from_slice(&Sha256::digest(client_data_json));
    match key.verify_signature(signature, &signed) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Failure::new(
            "Error validating the assertion signature: <nil>",
        )),
        // A signature that does not even parse (not DER for ECDSA, wrong length).
        Err(_) => Err(Failure::new(
            "Error validating the assertion signature: Signature invalid or not provided",
        )),
    }
}

/// Packed self attestation (`handleSelfAttestation`): the statement's `alg` is the
/// credential key's, and `sig` verifies with it over `authData ‖ clientDataHash`.
pub(crate) fn packed_self_attestation(
    key: &COSEKey,
    alg: i64,
    auth_data: &[u8],
    client_data_json: &[u8],
    signature: &[u8],
) -> Result<(), Failure> {
    if i64::from(key.type_ as i32) != alg {
        return Err(Failure::new(
            "Public key algorithm does not equal att statement algorithm",
        ));
    }
    let mut signed = auth_data.to_vec();
    signed.extend_from_slice(&Sha256::digest(client_data_json));
    match key.verify_signature(signature, &signed) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Failure::new("Unable to verify signature")),
        Err(_) => Err(Failure::new("Signature invalid or not provided")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_reduced_like_go() {
        for (raw, fq) in [
            ("http://localhost:8080", Some("http://localhost:8080")),
            ("https://a.example/path?q#f", Some("https://a.example")),
            ("https://user@a.example:443/", Some("https://a.example:443")),
            ("android:apk-key-hash:abc", Some("android:apk-key-hash:abc")),
            ("localhost:8080", None),
            ("https://", None),
            ("", None),
        ] {
            assert_eq!(fully_qualified_origin(raw).as_deref(), fq, "{raw}");
        }
    }
}
