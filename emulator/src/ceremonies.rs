//! The WebAuthn endpoints: registration, login, MFA and transactions, with go-webauthn's
//! options shapes and the server's error titles. Verification is done by `webauthn-rs-core`.

use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use rand::RngCore as _;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::internals::AuthenticatorData;
use webauthn_rs_core::proto::{
    AuthenticationState, COSEAlgorithm, Credential, PublicKeyCredential,
    RegisterPublicKeyCredential, Registration, RegistrationState, UserVerificationPolicy,
};

use crate::config::{UserVerification, WebauthnSettings};
use crate::error::ApiError;
use crate::http::{Ctx, invalid, json, opt_string};
use crate::resources::audit;
use crate::state::{AppState, Operation, Session, StoredCredential, Tenant, TenantData, User, now};

/// COSE algorithms in go-webauthn's default order.
const ALGORITHMS: [i64; 10] = [-7, -35, -36, -257, -258, -259, -37, -38, -39, -8];

/// Decodes base64url, tolerating `=` padding and rejecting the standard alphabet, like Go.
pub(crate) fn b64url(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

fn settings(tenant: &Tenant, mfa: bool) -> &WebauthnSettings {
    if mfa {
        &tenant.config.mfa
    } else {
        &tenant.config.passkey
    }
}

fn expires(settings: &WebauthnSettings) -> chrono::DateTime<Utc> {
    let timeout =
        chrono::Duration::from_std(settings.effective_timeout()).unwrap_or(chrono::Duration::MAX);
    Utc::now()
        .checked_add_signed(timeout)
        .unwrap_or(chrono::DateTime::<Utc>::MAX_UTC)
}

fn timeout_ms(settings: &WebauthnSettings) -> u64 {
    u64::try_from(settings.effective_timeout().as_millis()).unwrap_or(u64::MAX)
}

fn max_len(messages: &mut Vec<String>, field: &str, value: Option<&str>, max: usize) {
    if value.is_some_and(|v| v.chars().count() > max) {
        messages.push(format!("{field} cannot have more than {max} entries"));
    }
}

fn token(
    tenant: &Tenant,
    user_id: &str,
    credential_id: &str,
    transaction: Option<&str>,
) -> Result<Response, ApiError> {
    let iat = Utc::now().timestamp();
    let mut claims = json!({
        "aud": [tenant.config.rp_id],
        "cred": credential_id,
        "exp": iat + 300,
        "iat": iat,
        "sub": user_id,
    });
    if let (Some(t), Some(map)) = (transaction, claims.as_object_mut()) {
        map.insert("trans".into(), t.into());
    }
    let jwt = tenant.sign(&claims).ok_or_else(ApiError::internal)?;
    Ok(json(StatusCode::OK, &json!({"token": jwt}), false))
}

// ---------------------------------------------------------------------------------------------
// Registration
// ---------------------------------------------------------------------------------------------

pub(crate) fn registration_init(
    state: &AppState,
    tenant: &Tenant,
    ctx: &Ctx,
    mfa: bool,
) -> Result<Response, ApiError> {
    let body = ctx.bind_body()?;
    let user_id = opt_string(&body, "user_id", &ctx.body)?;
    let username = opt_string(&body, "username", &ctx.body)?;
    let display_name = opt_string(&body, "display_name", &ctx.body)?;
    let icon = opt_string(&body, "icon", &ctx.body)?;
    let mut messages = Vec::new();
    if user_id.as_deref().is_none_or(str::is_empty) {
        messages.push("user_id is a required field".to_string());
    }
    match username.as_deref() {
        None | Some("") => messages.push("username is a required field".to_string()),
        v => max_len(&mut messages, "username", v, 128),
    }
    max_len(&mut messages, "display_name", display_name.as_deref(), 128);
    if let Some(icon) = icon.as_deref()
        && !is_go_url(icon)
    {
        messages.push("icon must be a valid URL".to_string());
    }
    if !messages.is_empty() {
        return Err(invalid(messages));
    }
    let (user_id, username) = (user_id.unwrap_or_default(), username.unwrap_or_default());
    if user_id.chars().count() > 255
        || username.chars().count() > 255
        || icon.as_ref().is_some_and(|i| i.len() > 255)
    {
        return Err(ApiError::internal());
    }
    let display_name = display_name
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| username.clone());
    let settings = settings(tenant, mfa);
    let challenge = URL_SAFE_NO_PAD.encode(random_bytes::<32>());

    let mut data = tenant.data();
    let user = data.users.entry(user_id.clone()).or_insert_with(|| User {
        id: Uuid::new_v4(),
        user_id: user_id.clone(),
        name: String::new(),
        display_name: String::new(),
        icon: None,
    });
    user.name = username.clone();
    user.display_name = display_name.clone();
    user.icon = icon.clone().filter(|i| !i.is_empty());
    data.sessions.insert(
        challenge.clone(),
        Session {
            operation: Operation::Registration,
            user_id: user_id.clone(),
            uv_required: settings.user_verification == UserVerification::Required,
            allowed: Vec::new(),
            discoverable: false,
            expires_at: expires(settings),
        },
    );
    let kind = if mfa {
        "mfa_registration_init_succeeded"
    } else {
        "webauthn_registration_init_succeeded"
    };
    audit(state, &mut data, tenant.id, ctx, kind, Some(&user_id), None);
    drop(data);

    let mut user_obj = Map::new();
    user_obj.insert("name".into(), username.into());
    if let Some(icon) = icon.filter(|i| !i.is_empty()) {
        user_obj.insert("icon".into(), icon.into());
    }
    user_obj.insert("displayName".into(), display_name.into());
    user_obj.insert(
        "id".into(),
        URL_SAFE_NO_PAD.encode(user_id.as_bytes()).into(),
    );
    let mut selection = Map::new();
    if let Some(attachment) = settings.attachment {
        selection.insert("authenticatorAttachment".into(), attachment.as_str().into());
    }
    selection.insert(
        "requireResidentKey".into(),
        (settings.resident_key == crate::config::ResidentKey::Required).into(),
    );
    selection.insert("residentKey".into(), settings.resident_key.as_str().into());
    selection.insert(
        "userVerification".into(),
        settings.user_verification.as_str().into(),
    );
    let options = json!({"publicKey": {
        "rp": {"name": tenant.config.rp_name, "id": tenant.config.rp_id},
        "user": Value::Object(user_obj),
        "challenge": challenge,
        "pubKeyCredParams": ALGORITHMS.iter().map(|alg| json!({"type": "public-key", "alg": alg})).collect::<Vec<_>>(),
        "timeout": timeout_ms(settings),
        "authenticatorSelection": Value::Object(selection),
        "attestation": settings.attestation.as_str(),
    }});
    Ok(json(StatusCode::OK, &options, ctx.pretty))
}

/// go-playground's `url` check: parses, and has a scheme.
fn is_go_url(s: &str) -> bool {
    url::Url::parse(s).is_ok()
}

/// A registration response, parsed as go-webauthn does before any verification.
struct ParsedRegistration {
    credential: RegisterPublicKeyCredential,
    challenge: String,
    fmt: String,
    att_stmt_empty: bool,
    auth_data: AuthenticatorData<Registration>,
}

fn parse_registration(body: &[u8]) -> Result<ParsedRegistration, ApiError> {
    let parse_err = |details: &str| {
        ApiError::bad_request("unable to parse credential creation response", details)
    };
    let reg = "Parse error for Registration";
    let att = "Error parsing attestation response";
    let value: Value = serde_json::from_slice(body).map_err(|_| parse_err(reg))?;
    let id = value.get("id").and_then(Value::as_str).unwrap_or("");
    if id.is_empty() || b64url(id).is_none_or(|b| b.is_empty()) {
        return Err(parse_err(reg));
    }
    if value.get("type").and_then(Value::as_str) != Some("public-key") {
        return Err(parse_err(reg));
    }
    let response = value.get("response").ok_or_else(|| parse_err(reg))?;
    let client_data = response
        .get("clientDataJSON")
        .and_then(Value::as_str)
        .and_then(b64url)
        .ok_or_else(|| parse_err(reg))?;
    let attestation_object = response
        .get("attestationObject")
        .and_then(Value::as_str)
        .and_then(b64url)
        .ok_or_else(|| parse_err(reg))?;
    let client: Value = serde_json::from_slice(&client_data).map_err(|_| parse_err(reg))?;
    let challenge = client
        .get("challenge")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();

    let cbor: serde_cbor_2::Value =
        serde_cbor_2::from_slice(&attestation_object).map_err(|_| parse_err(att))?;
    let serde_cbor_2::Value::Map(map) = cbor else {
        return Err(parse_err(att));
    };
    let text = |k: &str| serde_cbor_2::Value::Text(k.to_string());
    let fmt = match map.get(&text("fmt")) {
        Some(serde_cbor_2::Value::Text(f)) => f.clone(),
        _ => return Err(parse_err(att)),
    };
    let att_stmt_empty = match map.get(&text("attStmt")) {
        Some(serde_cbor_2::Value::Map(m)) => m.is_empty(),
        _ => true,
    };
    let auth_data_bytes = match map.get(&text("authData")) {
        Some(serde_cbor_2::Value::Bytes(b)) => b.clone(),
        _ => return Err(parse_err(att)),
    };
    let auth_data = AuthenticatorData::<Registration>::try_from(auth_data_bytes.as_slice())
        .map_err(|_| parse_err(att))?;
    if auth_data.acd.is_none() {
        return Err(parse_err(att));
    }

    // Normalize base64 padding for webauthn-rs, which expects unpadded base64url.
    let mut normalized = value.clone();
    strip_padding(&mut normalized);
    if let Some(obj) = normalized.as_object_mut() {
        obj.entry("rawId")
            .or_insert_with(|| Value::String(id.trim_end_matches('=').to_string()));
    }
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(normalized).map_err(|_| parse_err(reg))?;
    Ok(ParsedRegistration {
        credential,
        challenge,
        fmt,
        att_stmt_empty,
        auth_data,
    })
}

fn strip_padding(value: &mut Value) {
    for key in ["id", "rawId"] {
        if let Some(Value::String(s)) = value.get_mut(key) {
            *s = s.trim_end_matches('=').to_string();
        }
    }
    if let Some(Value::Object(response)) = value.get_mut("response") {
        for (_, v) in response.iter_mut() {
            if let Value::String(s) = v {
                *s = s.trim_end_matches('=').to_string();
            }
        }
    }
}

fn attestation_error(details: &str) -> ApiError {
    ApiError::bad_request("failed to validate attestation", details)
}

fn registration_state(
    tenant: &Tenant,
    challenge: &[u8],
    uv_required: bool,
) -> Result<RegistrationState, ApiError> {
    let builder = tenant
        .webauthn
        .new_challenge_register_builder(b"user", "user", "user")
        .map_err(|_| ApiError::internal())?
        .credential_algorithms(vec![
            COSEAlgorithm::ES256,
            COSEAlgorithm::ES384,
            COSEAlgorithm::ES521,
            COSEAlgorithm::RS256,
            COSEAlgorithm::RS384,
            COSEAlgorithm::RS512,
            COSEAlgorithm::PS256,
            COSEAlgorithm::PS384,
            COSEAlgorithm::PS512,
            COSEAlgorithm::EDDSA,
        ])
        .user_verification_policy(if uv_required {
            UserVerificationPolicy::Required
        } else {
            UserVerificationPolicy::Discouraged_DO_NOT_USE
        });
    let (_, template) = tenant
        .webauthn
        .generate_challenge_register(builder)
        .map_err(|_| ApiError::internal())?;
    // The state's challenge is private; swap ours in through its serde form.
    let mut value = serde_json::to_value(&template).map_err(|_| ApiError::internal())?;
    if let Some(obj) = value.as_object_mut() {
        obj.insert("challenge".into(), URL_SAFE_NO_PAD.encode(challenge).into());
    }
    serde_json::from_value(value).map_err(|_| ApiError::internal())
}

fn registration_error(e: &WebauthnError) -> ApiError {
    match e {
        WebauthnError::UserNotVerified => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "failed to validate attestation: Error validating the authenticator response: User verification required but flag not set by authenticator\n",
            "",
        ),
        WebauthnError::InvalidClientDataType => attestation_error("Error validating ceremony type"),
        WebauthnError::MismatchedChallenge => attestation_error("Error validating challenge"),
        WebauthnError::InvalidRPOrigin | WebauthnError::CredentialCrossOrigin => {
            attestation_error("Error validating origin")
        }
        WebauthnError::InvalidRPIDHash | WebauthnError::UserNotPresent => {
            attestation_error("Error validating the authenticator response")
        }
        WebauthnError::AttestationNotSupported => attestation_error("Invalid attestation format"),
        _ => attestation_error("Error validating attestation"),
    }
}

const ATTESTATION_FORMATS: [&str; 7] = [
    "none",
    "packed",
    "tpm",
    "android-key",
    "android-safetynet",
    "apple",
    "fido-u2f",
];

pub(crate) async fn registration_finalize(
    state: &AppState,
    tenant: &Tenant,
    ctx: &Ctx,
    mfa: bool,
) -> Result<Response, ApiError> {
    let parsed = parse_registration(&ctx.body)?;
    let mut data = tenant.data();
    let session = data
        .sessions
        .get(&parsed.challenge)
        .filter(|s| s.operation == Operation::Registration)
        .cloned()
        .ok_or_else(|| {
            ApiError::bad_request("received challenge does not match with any stored one", "")
        })?;
    let user = data
        .users
        .get(&session.user_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("user not found"))?;
    if session.expires_at < Utc::now() {
        return Err(attestation_error("Session has Expired"));
    }
    let challenge_bytes =
        b64url(&parsed.challenge).ok_or_else(|| attestation_error("Error validating challenge"))?;
    let reg_state = registration_state(tenant, &challenge_bytes, session.uv_required)?;
    let credential = tenant
        .webauthn
        .register_credential(&parsed.credential, &reg_state, None)
        .map_err(|e| registration_error(&e))?;
    // webauthn-rs skips formats it does not know; go-webauthn rejects them, and `none` must
    // have an empty statement.
    if !ATTESTATION_FORMATS.contains(&parsed.fmt.as_str())
        || (parsed.fmt == "none" && !parsed.att_stmt_empty)
    {
        return Err(attestation_error("Invalid attestation format"));
    }
    let acd = parsed
        .auth_data
        .acd
        .as_ref()
        .ok_or_else(ApiError::internal)?;
    let raw_id = acd.credential_id.to_vec();
    {
        let mut ids = state
            .credential_ids
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if !ids.insert(raw_id.clone()) {
            // A duplicate primary key is a plain DB error on the server.
            return Err(ApiError::internal());
        }
    }
    let id = URL_SAFE_NO_PAD.encode(&raw_id);
    let aaguid = Uuid::from_slice(acd.aaguid.as_slice()).unwrap_or_default();
    let public_key = serde_cbor_2::to_vec(&acd.credential_pk)
        .map(|b| URL_SAFE_NO_PAD.encode(b))
        .unwrap_or_default();
    let created = now();
    data.credentials.insert(
        id.clone(),
        StoredCredential {
            id: id.clone(),
            raw_id,
            name: crate::aaguid::name(&aaguid).map_or_else(|| format!("cred-{id}"), str::to_string),
            public_key,
            attestation_type: parsed.fmt.clone(),
            aaguid,
            last_used_at: created,
            created_at: created,
            seq: state.next_seq(),
            backup_eligible: parsed.auth_data.backup_eligible,
            backup_state: parsed.auth_data.backup_state,
            is_mfa: mfa,
            user_id: user.user_id.clone(),
            credential,
        },
    );
    data.sessions.remove(&parsed.challenge);
    let kind = if mfa {
        "mfa_registration_final_succeeded"
    } else {
        "webauthn_registration_final_succeeded"
    };
    audit(
        state,
        &mut data,
        tenant.id,
        ctx,
        kind,
        Some(&user.user_id),
        None,
    );
    drop(data);
    token(tenant, &user.user_id, &id, None)
}

// ---------------------------------------------------------------------------------------------
// Login and MFA login
// ---------------------------------------------------------------------------------------------

fn request_options(
    settings: &WebauthnSettings,
    rp_id: &str,
    challenge: &str,
    allowed: Option<&[Vec<u8>]>,
) -> Value {
    let mut options = Map::new();
    options.insert("challenge".into(), challenge.into());
    options.insert("timeout".into(), timeout_ms(settings).into());
    options.insert("rpId".into(), rp_id.into());
    if let Some(allowed) = allowed {
        options.insert(
            "allowCredentials".into(),
            allowed
                .iter()
                .map(|id| json!({"type": "public-key", "id": URL_SAFE_NO_PAD.encode(id)}))
                .collect(),
        );
    }
    options.insert(
        "userVerification".into(),
        settings.user_verification.as_str().into(),
    );
    json!({"publicKey": Value::Object(options)})
}

/// Creates an `authentication` session for `user_id` (or a discoverable one) and its options.
fn start_assertion(
    state: &AppState,
    tenant: &Tenant,
    ctx: &Ctx,
    data: &mut TenantData,
    user_id: Option<&str>,
    mfa: bool,
) -> Result<Value, ApiError> {
    let settings = settings(tenant, mfa);
    let challenge = URL_SAFE_NO_PAD.encode(random_bytes::<32>());
    let allowed = match user_id {
        Some(uid) => {
            let allowed: Vec<Vec<u8>> = data
                .credentials_of(uid)
                .filter(|c| mfa || !c.is_mfa)
                .map(|c| c.raw_id.clone())
                .collect();
            if allowed.is_empty() {
                return Err(ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "failed to create webauthn assertion options for login: Found no credentials for user",
                    "",
                ));
            }
            Some(allowed)
        }
        None => None,
    };
    let options = request_options(
        settings,
        &tenant.config.rp_id,
        &challenge,
        allowed.as_deref(),
    );
    data.sessions.insert(
        challenge,
        Session {
            operation: Operation::Authentication,
            user_id: user_id.unwrap_or("").to_string(),
            uv_required: settings.user_verification == UserVerification::Required,
            allowed: allowed.unwrap_or_default(),
            discoverable: user_id.is_none(),
            expires_at: expires(settings),
        },
    );
    let kind = if mfa {
        "mfa_authentication_init_succeeded"
    } else {
        "webauthn_authentication_init_succeeded"
    };
    audit(state, data, tenant.id, ctx, kind, user_id, None);
    Ok(options)
}

pub(crate) fn login_init(
    state: &AppState,
    tenant: &Tenant,
    ctx: &Ctx,
) -> Result<Response, ApiError> {
    let body = ctx.bind_body()?;
    let user_id = opt_string(&body, "user_id", &ctx.body)?;
    if user_id.as_deref() == Some("") {
        return Err(invalid(vec!["user_id must at least have 1 entry".into()]));
    }
    if let Some(uid) = user_id.as_deref() {
        let key = ctx
            .headers
            .get("apikey")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .unwrap_or("");
        if key.is_empty() {
            return Err(ApiError::unauthorized("api key is missing", ""));
        }
        crate::server::check_api_key(tenant, ctx)?;
        let data = tenant.data();
        if !data.users.contains_key(uid) {
            return Err(ApiError::not_found("user not found"));
        }
    }
    let mut data = tenant.data();
    let options = start_assertion(state, tenant, ctx, &mut data, user_id.as_deref(), false)?;
    Ok(json(StatusCode::OK, &options, ctx.pretty))
}

pub(crate) fn mfa_login_init(
    state: &AppState,
    tenant: &Tenant,
    ctx: &Ctx,
) -> Result<Response, ApiError> {
    let body = ctx.bind_body()?;
    let Some(user_id) = opt_string(&body, "user_id", &ctx.body)?.filter(|u| !u.is_empty()) else {
        return Err(invalid(vec!["user_id is a required field".into()]));
    };
    let mut data = tenant.data();
    if !data.users.contains_key(&user_id) {
        return Err(ApiError::not_found("user not found"));
    }
    let options = start_assertion(state, tenant, ctx, &mut data, Some(&user_id), true)?;
    Ok(json(StatusCode::OK, &options, ctx.pretty))
}

/// An assertion response parsed as go-webauthn's `ParseCredentialRequestResponseBody` does.
struct ParsedAssertion {
    credential: PublicKeyCredential,
    challenge: String,
}

fn parse_assertion(body: &[u8], title: &str) -> Result<ParsedAssertion, ApiError> {
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
    AuthenticatorData::<webauthn_rs_core::proto::Authentication>::try_from(auth_data.as_slice())
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
    Ok(ParsedAssertion {
        credential,
        challenge,
    })
}

/// The user a returned userHandle names: 16-byte handles become a UUID string (server quirk).
fn user_from_handle(handle: Option<&[u8]>) -> Option<String> {
    let handle = handle.filter(|h| !h.is_empty())?;
    if handle.len() == 16 {
        return Uuid::from_slice(handle).ok().map(|u| u.to_string());
    }
    String::from_utf8(handle.to_vec()).ok()
}

fn assertion_error(details: &str) -> ApiError {
    ApiError::unauthorized("failed to validate assertion", details)
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

/// Verifies an assertion against a session; on success updates the credential and consumes
/// the session. Returns (application user id, credential id).
fn verify_assertion(
    tenant: &Tenant,
    data: &mut TenantData,
    parsed: &ParsedAssertion,
    session: &Session,
    user_id: &str,
    include_mfa: bool,
    check_expiry: bool,
) -> Result<String, ApiError> {
    let raw_id = parsed.credential.raw_id.clone();
    if check_expiry && session.expires_at < Utc::now() {
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
        .filter(|c| c.user_id == user_id && (include_mfa || !c.is_mfa))
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
        stored.last_used_at = now();
        stored.backup_eligible = result.backup_eligible();
        stored.backup_state = result.backup_state();
        stored.credential.backup_eligible = result.backup_eligible();
        stored.credential.backup_state = result.backup_state();
    }
    data.sessions.remove(&parsed.challenge);
    Ok(id)
}

pub(crate) async fn login_finalize(
    state: &AppState,
    tenant: &Tenant,
    ctx: &Ctx,
    mfa: bool,
) -> Result<Response, ApiError> {
    let parsed = parse_assertion(&ctx.body, "unable to finish login")?;
    let mut data = tenant.data();
    let session = assertion_session(&data, &parsed.challenge, Operation::Authentication)?;
    let user_id = if session.discoverable {
        user_from_handle(parsed.credential.response.user_handle.as_deref())
            .filter(|u| data.users.contains_key(u))
            .ok_or_else(|| ApiError::unauthorized("failed to get user handle", "user not found"))?
    } else {
        if !data.users.contains_key(&session.user_id) {
            return Err(ApiError::unauthorized(
                "failed to get user handle",
                "user not found",
            ));
        }
        session.user_id.clone()
    };
    // go-webauthn's ValidateDiscoverableLogin does not check expiry.
    let cred_id = verify_assertion(
        tenant,
        &mut data,
        &parsed,
        &session,
        &user_id,
        mfa,
        !session.discoverable,
    )?;
    let kind = if mfa {
        "mfa_authentication_final_succeeded"
    } else {
        "webauthn_authentication_final_succeeded"
    };
    audit(state, &mut data, tenant.id, ctx, kind, Some(&user_id), None);
    drop(data);
    token(tenant, &user_id, &cred_id, None)
}

// ---------------------------------------------------------------------------------------------
// Transactions
// ---------------------------------------------------------------------------------------------

pub(crate) fn transaction_init(
    state: &AppState,
    tenant: &Tenant,
    ctx: &Ctx,
) -> Result<Response, ApiError> {
    let body = ctx.bind_body()?;
    let user_id = opt_string(&body, "user_id", &ctx.body)?;
    let transaction_id = opt_string(&body, "transaction_id", &ctx.body)?;
    let transaction_data = body
        .get("transaction_data")
        .or_else(|| {
            body.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("transaction_data"))
                .map(|(_, v)| v)
        })
        .cloned()
        .unwrap_or(Value::Null);
    let mut messages = Vec::new();
    if user_id.as_deref().is_none_or(str::is_empty) {
        messages.push("user_id is a required field".to_string());
    }
    match transaction_id.as_deref() {
        None | Some("") => messages.push("transaction_id is a required field".to_string()),
        v => max_len(&mut messages, "transaction_id", v, 128),
    }
    let zero = match &transaction_data {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        _ => false,
    };
    if zero {
        messages.push("transaction_data is a required field".to_string());
    }
    if !messages.is_empty() {
        return Err(invalid(messages));
    }
    let (user_id, transaction_id) = (
        user_id.unwrap_or_default(),
        transaction_id.unwrap_or_default(),
    );

    let mut data = tenant.data();
    let user = data
        .users
        .get(&user_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("unable to find user"))?;
    if data
        .transactions
        .iter()
        .any(|t| t.identifier == transaction_id)
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "transaction already exists",
            "",
        ));
    }
    let all: Vec<&StoredCredential> = data.credentials_of(&user_id).collect();
    if all.is_empty() {
        return Err(ApiError::bad_request(
            "user has no suitable credentials for this operation",
            "",
        ));
    }
    let allowed: Vec<Vec<u8>> = all
        .iter()
        .filter(|c| !c.is_mfa)
        .map(|c| c.raw_id.clone())
        .collect();
    if allowed.is_empty() {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "failed to create webauthn assertion options for transaction: Found no credentials for user",
            "",
        ));
    }
    let canonical = crate::gojson::canonical(&transaction_data);
    let mut challenge_bytes = random_bytes::<32>().to_vec();
    let mut hasher = Sha256::new();
    hasher.update(transaction_id.as_bytes());
    hasher.update(canonical.as_bytes());
    challenge_bytes.extend_from_slice(&hasher.finalize());
    let challenge = URL_SAFE_NO_PAD.encode(&challenge_bytes);
    let settings = &tenant.config.passkey;
    let options = request_options(settings, &tenant.config.rp_id, &challenge, Some(&allowed));
    data.transactions.push(crate::state::Transaction {
        id: Uuid::new_v4(),
        identifier: transaction_id.clone(),
        data: canonical,
        challenge: challenge.clone(),
        user_internal_id: user.id,
        created_at: now(),
    });
    data.sessions.insert(
        challenge,
        Session {
            operation: Operation::Transaction,
            user_id: user_id.clone(),
            uv_required: settings.user_verification == UserVerification::Required,
            allowed,
            discoverable: false,
            expires_at: expires(settings),
        },
    );
    audit(
        state,
        &mut data,
        tenant.id,
        ctx,
        "webauthn_transaction_init_succeeded",
        Some(&user_id),
        Some(&transaction_id),
    );
    Ok(json(StatusCode::OK, &options, ctx.pretty))
}

pub(crate) async fn transaction_finalize(
    state: &AppState,
    tenant: &Tenant,
    ctx: &Ctx,
) -> Result<Response, ApiError> {
    let parsed = parse_assertion(&ctx.body, "unable to finish transaction")?;
    let mut data = tenant.data();
    let transaction = data
        .transactions
        .iter()
        .find(|t| t.challenge == parsed.challenge)
        .cloned()
        .ok_or_else(|| {
            ApiError::unauthorized(
                "failed to get session data",
                "no transaction found for this challenge",
            )
        })?;
    let session = assertion_session(&data, &parsed.challenge, Operation::Transaction)?;
    let user_id = user_from_handle(parsed.credential.response.user_handle.as_deref())
        .filter(|u| data.users.contains_key(u))
        .ok_or_else(|| ApiError::unauthorized("failed to get user handle", "user not found"))?;
    if user_id != session.user_id {
        return Err(assertion_error("ID mismatch for User and Session"));
    }
    let cred_id = verify_assertion(tenant, &mut data, &parsed, &session, &user_id, false, true)?;
    audit(
        state,
        &mut data,
        tenant.id,
        ctx,
        "webauthn_transaction_final_succeeded",
        Some(&user_id),
        Some(&transaction.identifier),
    );
    drop(data);
    token(tenant, &user_id, &cred_id, Some(&transaction.identifier))
}

/// The session an assertion answers; a miss (unknown, replayed or other-kind challenge) is the
/// server's 401 for logins and transactions.
fn assertion_session(
    data: &crate::state::TenantData,
    challenge: &str,
    operation: Operation,
) -> Result<crate::state::Session, ApiError> {
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
