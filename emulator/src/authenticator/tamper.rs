//! Helpers that damage a credential JSON in specific ways, for negative tests.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// Authenticator-data flag bits, for [`set_registration_flags`].
pub mod flags {
    /// UP: the user was present.
    pub const USER_PRESENT: u8 = 0x01;
    /// UV: the user was verified.
    pub const USER_VERIFIED: u8 = 0x04;
    /// BE: the credential may be backed up (synced).
    pub const BACKUP_ELIGIBLE: u8 = 0x08;
    /// BS: the credential is backed up.
    pub const BACKUP_STATE: u8 = 0x10;
}

/// Sets, then clears, flag bits in a registration's authenticator data (inside
/// `response.attestationObject`). With a `none` attestation nothing signs the
/// authenticator data, so the result is still a valid registration, e.g. of a credential
/// that says it is backup eligible. Returns whether there was authenticator data to change.
///
/// ```
/// use hanko_passkeys_emulator::authenticator::tamper::{self, flags};
/// use serde_json::json;
///
/// assert!(!tamper::set_registration_flags(&mut json!({}), flags::BACKUP_ELIGIBLE, 0));
/// ```
pub fn set_registration_flags(credential: &mut Value, set: u8, clear: u8) -> bool {
    use serde_cbor_2::Value as Cbor;
    let Some(Value::String(att)) = credential.pointer_mut("/response/attestationObject") else {
        return false;
    };
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(att.as_str()) else {
        return false;
    };
    let Ok(Cbor::Map(mut map)) = serde_cbor_2::from_slice::<Cbor>(&bytes) else {
        return false;
    };
    let Some(Cbor::Bytes(auth)) = map.get_mut(&Cbor::Text("authData".into())) else {
        return false;
    };
    let Some(flags) = auth.get_mut(32) else {
        return false;
    };
    *flags = (*flags | set) & !clear;
    let Ok(encoded) = serde_cbor_2::to_vec(&Cbor::Map(map)) else {
        return false;
    };
    *att = URL_SAFE_NO_PAD.encode(encoded);
    true
}

/// Sets member `name` of a credential's client data (`response.clientDataJSON`) to
/// `value`. For a registration with a `none` attestation the result is still valid (the
/// client data is only hashed into signatures); for an assertion it breaks the signature.
/// Returns whether there was client data to change.
///
/// ```
/// use hanko_passkeys_emulator::authenticator::tamper;
/// use serde_json::json;
///
/// let mut credential = json!({"response": {"clientDataJSON": "e30"}}); // {}
/// assert!(tamper::set_client_data(&mut credential, "crossOrigin", json!(true)));
/// assert_eq!(credential["response"]["clientDataJSON"], "eyJjcm9zc09yaWdpbiI6dHJ1ZX0");
/// ```
pub fn set_client_data(credential: &mut Value, name: &str, value: Value) -> bool {
    let Some(Value::String(data)) = credential.pointer_mut("/response/clientDataJSON") else {
        return false;
    };
    let Some(mut client) = URL_SAFE_NO_PAD
        .decode(data.as_str())
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
    else {
        return false;
    };
    let Some(object) = client.as_object_mut() else {
        return false;
    };
    object.insert(name.to_string(), value);
    *data = URL_SAFE_NO_PAD.encode(client.to_string());
    true
}

/// Flips a bit in an assertion's `response.signature`: the server answers 401
/// "failed to validate assertion". Returns whether there was a signature to damage.
///
/// ```
/// use hanko_passkeys_emulator::authenticator::tamper;
/// use serde_json::json;
///
/// let mut assertion = json!({"response": {"signature": "AAEC"}});
/// assert!(tamper::corrupt_signature(&mut assertion));
/// assert_eq!(assertion["response"]["signature"], "AAED");
/// assert!(!tamper::corrupt_signature(&mut json!({})));
/// ```
pub fn corrupt_signature(assertion: &mut Value) -> bool {
    let Some(Value::String(sig)) = assertion.pointer_mut("/response/signature") else {
        return false;
    };
    let Ok(mut bytes) = URL_SAFE_NO_PAD.decode(sig.as_str()) else {
        return false;
    };
    let Some(last) = bytes.last_mut() else {
        return false;
    };
    *last ^= 0x01;
    *sig = URL_SAFE_NO_PAD.encode(bytes);
    true
}

/// Replaces an assertion's `response.userHandle` (`None` removes it).
///
/// ```
/// use hanko_passkeys_emulator::authenticator::tamper;
/// use serde_json::json;
///
/// let mut assertion = json!({"response": {"userHandle": "YWxpY2U"}});
/// tamper::set_user_handle(&mut assertion, Some(b"bob"));
/// assert_eq!(assertion["response"]["userHandle"], "Ym9i");
/// tamper::set_user_handle(&mut assertion, None);
/// assert!(assertion["response"].get("userHandle").is_none());
/// ```
pub fn set_user_handle(assertion: &mut Value, handle: Option<&[u8]>) {
    if let Some(response) = assertion
        .pointer_mut("/response")
        .and_then(Value::as_object_mut)
    {
        match handle {
            Some(h) => {
                response.insert("userHandle".into(), URL_SAFE_NO_PAD.encode(h).into());
            }
            None => {
                response.remove("userHandle");
            }
        }
    }
}
