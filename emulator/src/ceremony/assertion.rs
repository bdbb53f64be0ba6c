//! What login, MFA login and transactions share: parsing an assertion as go-webauthn does
//! (`ParseCredentialRequestResponseBody`), finding its session, and validating it as
//! go-webauthn's `ValidateLogin` / `ValidateDiscoverableLogin` do.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use uuid::Uuid;
use webauthn_rs_core::internals::AuthenticatorData;
use webauthn_rs_core::proto::Authentication;

use super::b64url;
use super::verify::{self, Failure, flags};
use crate::server::error::ApiError;
use crate::server::go_decode::{Reader, scan};
use crate::state::{Operation, Session, StoredCredential, Tenant, TenantData};

/// An assertion response, parsed.
pub(crate) struct ParsedAssertion {
    pub(crate) raw_id: Vec<u8>,
    client_data_json: Vec<u8>,
    client: Value,
    pub(crate) challenge: String,
    auth_data: Vec<u8>,
    signature: Vec<u8>,
    user_handle: Option<Vec<u8>>,
}

/// A `URLEncodedBase64` member: absent or `null` is empty, padding is tolerated, anything but
/// a base64url string fails the whole body.
fn base64_member(object: &Value, name: &str) -> Result<Option<Vec<u8>>, ()> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => b64url(s).map(Some).ok_or(()),
        Some(_) => Err(()),
    }
}

impl ParsedAssertion {
    /// Parses `body`; failures are 400s with `title` (which differs per endpoint).
    pub(crate) fn parse(body: &[u8], title: &str) -> Result<Self, ApiError> {
        let err = |details: &str| ApiError::bad_request(title, details);
        let parse = || err("Parse error for Assertion");
        // The body is one JSON object and nothing after it.
        let value: Value = serde_json::from_slice(body).map_err(|_| parse())?;
        if !value.is_object() {
            return Err(parse());
        }
        let text = |name: &str| match value.get(name) {
            None | Some(Value::Null) => Ok(""),
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(_) => Err(()),
        };
        let (id, kind) = (text("id"), text("type"));
        let (Ok(id), Ok(kind)) = (id, kind) else {
            return Err(parse());
        };
        let response = match value.get("response") {
            None | Some(Value::Null) => Value::Object(Default::default()),
            Some(r @ Value::Object(_)) => r.clone(),
            Some(_) => return Err(parse()),
        };
        let member = |object: &Value, name: &str| base64_member(object, name).map_err(|()| parse());
        let raw_id = member(&value, "rawId")?.unwrap_or_default();
        let client_data_json = member(&response, "clientDataJSON")?.unwrap_or_default();
        let auth_data = member(&response, "authenticatorData")?.unwrap_or_default();
        let signature = member(&response, "signature")?.unwrap_or_default();
        let user_handle = member(&response, "userHandle")?;

        if id.is_empty() {
            return Err(err("CredentialAssertionResponse with ID missing"));
        }
        // `id` is a plain string decoded strictly (no padding).
        if URL_SAFE_NO_PAD.decode(id).is_err() {
            return Err(err(
                "CredentialAssertionResponse with ID not base64url encoded",
            ));
        }
        if kind != "public-key" {
            return Err(err("CredentialAssertionResponse with bad type"));
        }
        // `json.Unmarshal` of the client data; its error text is the details.
        if let Err(e) = scan(&client_data_json, Reader::Unmarshal) {
            return Err(err(&e.to_string()));
        }
        let client: Value = serde_json::from_slice(&client_data_json)
            .map_err(|_| err("unexpected end of JSON input"))?;
        let challenge = match client.get("challenge") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => {
                return Err(err(&format!(
                    "json: cannot unmarshal {} into Go struct field CollectedClientData.challenge of type string",
                    go_kind(other)
                )));
            }
        };
        AuthenticatorData::<Authentication>::try_from(auth_data.as_slice())
            .map_err(|_| err("Error unmarshalling auth data"))?;
        Ok(Self {
            raw_id,
            client_data_json,
            client,
            challenge,
            auth_data,
            signature,
            user_handle,
        })
    }

    /// The application user id the response's `userHandle` names (`convertUserHandle`: a
    /// 16-byte handle is read as a UUID, for backward compatibility).
    pub(crate) fn user_handle(&self) -> String {
        convert_user_handle(self.user_handle.as_deref().unwrap_or_default())
    }
}

/// The server's `convertUserHandle`: 16 bytes become a UUID string, anything else is taken as
/// the UTF-8 user id.
pub(crate) fn convert_user_handle(handle: &[u8]) -> String {
    match Uuid::from_slice(handle) {
        Ok(uuid) => uuid.to_string(),
        Err(_) => String::from_utf8_lossy(handle).into_owned(),
    }
}

/// The JSON type as Go's `UnmarshalTypeError` names it.
fn go_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The 401 "failed to validate assertion" with go-webauthn's reason.
pub(crate) fn assertion_error(details: &str) -> ApiError {
    ApiError::unauthorized("failed to validate assertion", details)
}

/// The 401 when the user an assertion names does not exist.
pub(crate) fn unknown_user() -> ApiError {
    ApiError::unauthorized("failed to get user handle", "user not found")
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

/// How [`verify`] treats the user's credentials.
pub(crate) struct Checks {
    /// MFA credentials count as the user's (the MFA endpoints' `WebauthnUser`).
    pub(crate) include_mfa: bool,
}

/// `ValidateLogin` (user-bound) or `ValidateDiscoverableLogin` for `user_id`; on success
/// updates the credential and consumes the session. Returns the credential id.
pub(crate) fn verify(
    tenant: &Tenant,
    data: &mut TenantData,
    parsed: &ParsedAssertion,
    session: &Session,
    user_id: &str,
    checks: Checks,
) -> Result<String, ApiError> {
    let fail = |f: Failure| assertion_error(f.details);
    // go-webauthn does not check a discoverable session's expiry.
    if !session.discoverable && session.expired(tenant.now()) {
        return Err(assertion_error("Session has Expired"));
    }
    let owned: Vec<&StoredCredential> = data
        .credentials_of(user_id)
        .filter(|c| checks.include_mfa || !c.is_mfa)
        .collect();
    if let Some(last) = session.allowed.last() {
        // go-webauthn's loop leaves only the *last* allowed credential's ownership decisive.
        if !owned.iter().any(|c| c.raw_id == *last) {
            return Err(assertion_error(
                "User does not own all credentials from the allowedCredentialList",
            ));
        }
        if !session.allowed.contains(&parsed.raw_id) {
            return Err(assertion_error("User does not own the credential returned"));
        }
    }
    // The server has replaced the response's userHandle with the user's id by now, so
    // go-webauthn's "userHandle and User ID do not match" cannot happen.
    let stored = owned
        .iter()
        .find(|c| c.raw_id == parsed.raw_id)
        .ok_or_else(|| {
            assertion_error("Unable to find the credential for the returned credential ID")
        })?;
    // The session was found by this very challenge, so go-webauthn's comparison holds.
    verify::client_data(
        &parsed.client,
        "webauthn.get",
        &parsed.challenge,
        &tenant.config.origins,
    )
    .map_err(fail)?;
    verify::authenticator_data(&parsed.auth_data, &tenant.config.rp_id, session.uv_required)
        .map_err(fail)?;
    verify::assertion_signature(
        &stored.public_key_cose,
        &parsed.auth_data,
        &parsed.client_data_json,
        &parsed.signature,
    )
    .map_err(fail)?;
    // No sign-counter check; the backup flags are taken as they come (go-webauthn has a TODO
    // there) and stored.
    let id = URL_SAFE_NO_PAD.encode(&parsed.raw_id);
    let flags = verify::flags_of(&parsed.auth_data);
    let now = tenant.now();
    if let Some(mut stored) = data.credentials.get(&id).cloned() {
        stored.last_used_at = now;
        stored.backup_eligible = flags & flags::BACKUP_ELIGIBLE != 0;
        stored.backup_state = flags & flags::BACKUP_STATE != 0;
        data.put_credential(stored);
    }
    data.remove_session(&parsed.challenge);
    Ok(id)
}
