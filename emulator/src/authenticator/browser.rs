//! What a browser checks and how it shapes the JSON it posts.

use serde_json::Value;

use super::error::AuthenticatorError;
use super::tamper;

/// The longest user handle a browser passes on (WebAuthn's `user.id`: at most 64 bytes).
pub(super) const MAX_USER_HANDLE: usize = 64;

const INVALID_DOMAIN: &str = "SecurityError: This is an invalid domain.";
const BAD_RP_ID: &str = "SecurityError: The relying party ID is not a registrable domain suffix of, nor equal to the current domain.";

/// The browser's RP id checks: the origin's host is a domain (not an IP address), and the RP id
/// is that host or a suffix of it. (The client library would let any origin use `localhost`.)
pub(super) fn check_rp_id(
    origin: &url::Url,
    rp_id: Option<&str>,
) -> Result<(), AuthenticatorError> {
    let Some(url::Host::Domain(host)) = origin.host() else {
        return Err(AuthenticatorError::Refused(INVALID_DOMAIN.into()));
    };
    if let Some(rp_id) = rp_id {
        let rp_id = rp_id.to_ascii_lowercase();
        let suffix = host
            .strip_suffix(rp_id.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'));
        if !suffix {
            return Err(AuthenticatorError::Refused(BAD_RP_ID.into()));
        }
    }
    Ok(())
}

/// The client's refusals as the browser reports them; other failures as they are.
pub(super) fn client_error(e: passkey_client::WebauthnError) -> AuthenticatorError {
    use passkey_client::WebauthnError as E;
    let refused = |message: &str| AuthenticatorError::Refused(message.to_string());
    match e {
        // An IP-address origin has no domain; Chromium: `AuthenticatorStatus::INVALID_DOMAIN`.
        E::OriginMissingDomain | E::InvalidRpId => refused(INVALID_DOMAIN),
        E::OriginRpMissmatch | E::RequiresRelatedOriginsSupport => refused(BAD_RP_ID),
        E::UnprotectedOrigin | E::InsecureLocalhostNotAllowed => refused(
            "SecurityError: The operation is insecure (WebAuthn needs https:// or http://localhost).",
        ),
        other => AuthenticatorError::Ceremony(format!("{other:?}")),
    }
}

/// Makes the client's output look like `@github/webauthn-json`: base64url strings, a
/// `clientExtensionResults` object, `transports` inside the response.
pub(super) fn normalize(json: &mut Value, registration: bool) {
    if let Some(obj) = json.as_object_mut() {
        obj.entry("clientExtensionResults")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(Value::Object(response)) = obj.get_mut("response") {
            // webauthn-json sends only these; the extra `toJSON()` fields are not read anyway.
            if registration {
                response.remove("publicKey");
                response.remove("publicKeyAlgorithm");
                response.remove("authenticatorData");
            } else {
                response.remove("attestationObject");
            }
        }
    }
}

pub(super) fn clear_up_flag_in_attestation(json: &mut Value) {
    tamper::set_registration_flags(json, 0, tamper::flags::USER_PRESENT);
}
