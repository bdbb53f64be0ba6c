//! What login, MFA login and transactions share: parsing an assertion as go-webauthn does,
//! finding its session, and verifying it against a stored credential.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use uuid::Uuid;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::internals::AuthenticatorData;
use webauthn_rs_core::proto::{
    Authentication, AuthenticationState, Credential, PublicKeyCredential, UserVerificationPolicy,
};

use super::{b64url, strip_padding};
use crate::error::ApiError;
use crate::state::{Operation, Session, Tenant, TenantData};

/// An assertion response parsed as go-webauthn's `ParseCredentialRequestResponseBody` does.
pub(crate) struct ParsedAssertion {
    pub(crate) credential: PublicKeyCredential,
    pub(crate) challenge: String,
}

impl ParsedAssertion {
    /// Parses `body`; failures are 400s with `title` (which differs per endpoint).
    pub(crate) fn parse(body: &[u8], title: &str) -> Result<Self, ApiError> {
        let err = |details: &str| ApiError::bad_request(title, details);
        let parse = "Parse error for Assertion";
        let value: Value = serde_json::from_slice(body).map_err(|_| err(parse))?;
        let id = value.get("id").and_then(Value::as_str).unwrap_or("");
        if id.is_empty() {
            return Err(err("CredentialAssertionResponse with ID missing"));
        }
        if b64url(id).is_none() {
            return Err(err(
                "CredentialAssertionResponse with ID not base64url encoded",
            ));
        }
        if value.get("type").and_then(Value::as_str) != Some("public-key") {
            return Err(err("CredentialAssertionResponse with bad type"));
        }
        let response = value.get("response").ok_or_else(|| err(parse))?;
        let field = |name: &str| response.get(name).and_then(Value::as_str).and_then(b64url);
        let client_data = field("clientDataJSON").ok_or_else(|| err(parse))?;
        let auth_data = field("authenticatorData").ok_or_else(|| err(parse))?;
        field("signature").ok_or_else(|| err(parse))?;
        match response.get("userHandle") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if b64url(s).is_some() => {}
            Some(_) => return Err(err(parse)),
        }
        let client: Value = serde_json::from_slice(&client_data).map_err(|_| err(parse))?;
        let challenge = client
            .get("challenge")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        AuthenticatorData::<Authentication>::try_from(auth_data.as_slice())
            .map_err(|_| err("Error unmarshalling auth data"))?;
        let raw_id_ok = value
            .get("rawId")
            .and_then(Value::as_str)
            .and_then(b64url)
            .is_some();
        let mut normalized = value.clone();
        strip_padding(&mut normalized);
        if let Some(obj) = normalized.as_object_mut() {
            if !raw_id_ok {
                obj.insert("rawId".into(), Value::String(String::new()));
            }
            if let Some(Value::Object(response)) = obj.get_mut("response")
                && response
                    .get("userHandle")
                    .is_some_and(|u| u.as_str() == Some(""))
            {
                response.insert("userHandle".into(), Value::Null);
            }
        }
        let credential: PublicKeyCredential =
            serde_json::from_value(normalized).map_err(|_| err(parse))?;
        Ok(Self {
            credential,
            challenge,
        })
    }

    /// The application user id the response's `userHandle` names.
    pub(crate) fn user_handle(&self) -> Option<String> {
        user_from_handle(self.credential.response.user_handle.as_deref())
    }
}

/// The user a returned userHandle names: 16-byte handles become a UUID string (server quirk).
fn user_from_handle(handle: Option<&[u8]>) -> Option<String> {
    let handle = handle.filter(|h| !h.is_empty())?;
    if handle.len() == 16 {
        return Uuid::from_slice(handle).ok().map(|u| u.to_string());
    }
    String::from_utf8(handle.to_vec()).ok()
}

/// The 401 "failed to validate assertion" with go-webauthn's reason.
pub(crate) fn assertion_error(details: &str) -> ApiError {
    ApiError::unauthorized("failed to validate assertion", details)
}

/// The 401 when the user an assertion names does not exist.
pub(crate) fn unknown_user() -> ApiError {
    ApiError::unauthorized("failed to get user handle", "user not found")
}

fn map_assertion_error(e: &WebauthnError) -> ApiError {
    match e {
        WebauthnError::InvalidClientDataType => assertion_error("Error validating ceremony type"),
        WebauthnError::MismatchedChallenge => assertion_error("Error validating challenge"),
        WebauthnError::InvalidRPOrigin | WebauthnError::CredentialCrossOrigin => {
            assertion_error("Error validating origin")
        }
        WebauthnError::AuthenticationFailure => {
            assertion_error("Error validating the assertion signature: <nil>")
        }
        _ => assertion_error("Error validating the authenticator response"),
    }
}

/// The session an assertion answers; a miss (unknown, replayed or other-kind challenge) is the
/// server's 401 for logins and transactions.
pub(crate) fn session_for(
    data: &TenantData,
    challenge: &str,
    operation: Operation,
) -> Result<Session, ApiError> {
    data.sessions
        .get(challenge)
        .filter(|s| s.operation == operation)
        .cloned()
        .ok_or_else(|| {
            ApiError::unauthorized(
                "failed to get session data",
                "received challenge does not match with any stored one",
            )
        })
}

/// How [`verify`] treats the session.
pub(crate) struct Checks {
    /// MFA credentials may answer (MFA login).
    pub(crate) include_mfa: bool,
    /// The session's expiry is enforced (not for discoverable login, a go-webauthn quirk).
    pub(crate) expiry: bool,
}

/// Verifies an assertion against a session; on success updates the credential and consumes
/// the session. Returns the credential id.
pub(crate) fn verify(
    tenant: &Tenant,
    data: &mut TenantData,
    parsed: &ParsedAssertion,
    session: &Session,
    user_id: &str,
    checks: Checks,
) -> Result<String, ApiError> {
    let raw_id = parsed.credential.raw_id.clone();
    if checks.expiry && session.expired(tenant.now()) {
        return Err(assertion_error("Session has Expired"));
    }
    if !session.discoverable {
        if !session.allowed.is_empty() && !session.allowed.contains(&raw_id) {
            return Err(assertion_error("User does not own the credential returned"));
        }
        if let Some(handle) = parsed
            .credential
            .response
            .user_handle
            .as_deref()
            .filter(|h| !h.is_empty())
            && user_from_handle(Some(handle)).as_deref() != Some(user_id)
        {
            return Err(assertion_error("userHandle and User ID do not match"));
        }
    }
    let id = URL_SAFE_NO_PAD.encode(&raw_id);
    let stored = data
        .credentials
        .get(&id)
        .filter(|c| c.user_id == user_id && (checks.include_mfa || !c.is_mfa))
        .ok_or_else(|| {
            assertion_error("Unable to find the credential for the returned credential ID")
        })?;
    let challenge =
        b64url(&parsed.challenge).ok_or_else(|| assertion_error("Error validating challenge"))?;
    let mut credential: Credential = stored.credential.clone();
    // The server checks UV only when the session requires it, and never the sign counter.
    credential.registration_policy = UserVerificationPolicy::Discouraged_DO_NOT_USE;
    credential.counter = 0;
    let auth_state: AuthenticationState = serde_json::from_value(json!({
        "credentials": [],
        "policy": if session.uv_required { "required" } else { "discouraged" },
        "challenge": URL_SAFE_NO_PAD.encode(&challenge),
        "appid": null,
        "allow_backup_eligible_upgrade": true,
    }))
    .map_err(|_| ApiError::internal())?;
    let result = tenant
        .webauthn
        .authenticate_single_credential(&parsed.credential, &auth_state, &credential)
        .map_err(|e| map_assertion_error(&e))?;
    if let Some(stored) = data.credentials.get_mut(&id) {
        stored.last_used_at = tenant.now();
        stored.backup_eligible = result.backup_eligible();
        stored.backup_state = result.backup_state();
        stored.credential.backup_eligible = result.backup_eligible();
        stored.credential.backup_state = result.backup_state();
    }
    data.sessions.remove(&parsed.challenge);
    Ok(id)
}
