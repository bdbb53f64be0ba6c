//! Registration, passkey (`/registration/*`) and MFA (`/mfa/registration/*`): both initialize
//! endpoints create the same session; the finalize endpoint decides `is_mfa`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::internals::AuthenticatorData;
use webauthn_rs_core::proto::{
    COSEAlgorithm, COSEKey, RegisterPublicKeyCredential, Registration, RegistrationState,
    UserVerificationPolicy,
};

use super::options::{CreationOptionsResponse, TokenResponse, UserEntity};
use super::{
    Flow, Step, Subject, b64url, expires, new_challenge, strip_padding, token, uv_required,
};
use super::{packed, verify};
use crate::resources::audit_logs::record;
use crate::server::binding::Validation;
use crate::server::error::ApiError;
use crate::server::extract::{CurrentTenant, EchoBody, RequestMeta};
use crate::server::go_decode::{Reader, scan};
use crate::server::response::GoJson;
use crate::state::{AppState, Operation, Session, StoredCredential, Tenant, User};

pub(crate) async fn initialize(
    tenant: CurrentTenant,
    meta: RequestMeta,
    body: EchoBody,
) -> Result<GoJson<CreationOptionsResponse>, ApiError> {
    begin(&tenant, &meta, &body, Flow::Passkey)
}

pub(crate) async fn initialize_mfa(
    tenant: CurrentTenant,
    meta: RequestMeta,
    body: EchoBody,
) -> Result<GoJson<CreationOptionsResponse>, ApiError> {
    begin(&tenant, &meta, &body, Flow::Mfa)
}

pub(crate) async fn finalize(
    State(state): State<Arc<AppState>>,
    CurrentTenant(tenant): CurrentTenant,
    meta: RequestMeta,
    body: EchoBody,
) -> Result<GoJson<TokenResponse>, ApiError> {
    let subject = finish(&state, &tenant, &meta, &body, Flow::Passkey)?;
    token(&tenant, subject).await
}

pub(crate) async fn finalize_mfa(
    State(state): State<Arc<AppState>>,
    CurrentTenant(tenant): CurrentTenant,
    meta: RequestMeta,
    body: EchoBody,
) -> Result<GoJson<TokenResponse>, ApiError> {
    let subject = finish(&state, &tenant, &meta, &body, Flow::Mfa)?;
    token(&tenant, subject).await
}

/// The body of both initialize endpoints (`InitRegistrationDto`), validated.
struct InitRequest {
    user_id: String,
    username: String,
    /// The username when blank or absent.
    display_name: String,
    /// `None` when absent or empty.
    icon: Option<String>,
}

impl InitRequest {
    fn parse(body: &EchoBody) -> Result<Self, ApiError> {
        let bound = body.bind("request.InitRegistrationDto")?;
        let user_id = bound.string("user_id")?;
        let username = bound.string("username")?;
        let display_name = bound.string("display_name")?;
        let icon = bound.string("icon")?;
        Validation::default()
            .required("user_id", user_id.as_deref())
            .required("username", username.as_deref())
            .max_len("username", username.as_deref(), 128)
            .max_len("display_name", display_name.as_deref(), 128)
            .check(
                icon.as_deref().is_some_and(|i| !is_go_url(i)),
                "icon must be a valid URL",
            )
            .finish()?;
        let (user_id, username) = (user_id.unwrap_or_default(), username.unwrap_or_default());
        // No validation rule; the varchar(255) columns refuse them (a DB error → 500).
        // Postgres counts characters, not bytes.
        if user_id.chars().count() > 255
            || username.chars().count() > 255
            || icon.as_ref().is_some_and(|i| i.chars().count() > 255)
        {
            return Err(ApiError::internal());
        }
        let display_name = display_name
            .filter(|d| !d.trim().is_empty())
            .unwrap_or_else(|| username.clone());
        Ok(Self {
            user_id,
            username,
            display_name,
            icon: icon.filter(|i| !i.is_empty()),
        })
    }
}

/// go-playground's `url` check (v10.16): a `file:/` URL, or one that Go's `url.Parse` takes
/// and that has a scheme and a host, a fragment or an opaque part (so `foo:` is not one).
fn is_go_url(s: &str) -> bool {
    if s.is_empty() || s.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return false;
    }
    if s.starts_with("file:/") {
        return !s.contains(' ');
    }
    let (rest, fragment) = s.split_once('#').unwrap_or((s, ""));
    let Some((scheme, rest)) = rest.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok || !escapes_ok(rest) || !escapes_ok(fragment) {
        return false;
    }
    let rest = rest.split_once('?').map_or(rest, |(r, _)| r);
    let host = match rest.strip_prefix("//") {
        Some(authority) => {
            let authority = authority.split('/').next().unwrap_or("");
            let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
            if !host_ok(host) {
                return false;
            }
            host
        }
        None => "",
    };
    let opaque = if rest.starts_with('/') { "" } else { rest };
    !(host.is_empty() && fragment.is_empty() && opaque.is_empty())
}

/// Go's `unescape`: every `%` starts a two-digit hex escape.
fn escapes_ok(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

/// Go's `parseHost`: an optional numeric port, and no spaces or other bytes a host cannot hold.
fn host_ok(host: &str) -> bool {
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        match rest.split_once(']') {
            Some((_, after)) => ("", after.strip_prefix(':').unwrap_or(after)),
            None => return false,
        }
    } else {
        host.rsplit_once(':').unwrap_or((host, ""))
    };
    port.bytes().all(|b| b.is_ascii_digit())
        && !name.bytes().any(|b| {
            matches!(
                b,
                b' ' | b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'\\' | b'^' | b'`'
            )
        })
}

/// Creates or updates the user, stores a `registration` session and answers its options.
fn begin(
    CurrentTenant(tenant): &CurrentTenant,
    meta: &RequestMeta,
    body: &EchoBody,
    flow: Flow,
) -> Result<GoJson<CreationOptionsResponse>, ApiError> {
    let request = InitRequest::parse(body)?;
    meta.audit_columns_fit()?;
    tenant.keys.prepare();
    let settings = flow.settings(tenant);
    let challenge = new_challenge();

    let mut data = tenant.data();
    // A new user, or the existing one (same internal id) with the new names and icon.
    let now = tenant.now();
    let (id, created_at) = data
        .users
        .get(&request.user_id)
        .map_or_else(|| (Uuid::new_v4(), now), |u| (u.id, u.created_at));
    data.put_user(User {
        created_at,
        id,
        user_id: request.user_id.clone(),
        name: request.username.clone(),
        display_name: request.display_name.clone(),
        icon: request.icon.clone(),
    });
    let now = tenant.now();
    let session = Session {
        operation: Operation::Registration,
        user_id: request.user_id.clone(),
        uv_required: uv_required(settings),
        allowed: Vec::new(),
        discoverable: false,
        expires_at: expires(now, settings),
    };
    data.put_session(challenge.clone(), session, now);
    record(
        tenant,
        &mut data,
        meta,
        flow.event(Step::RegistrationInit),
        Some(&request.user_id),
        None,
    );
    drop(data);

    let user = UserEntity {
        id: URL_SAFE_NO_PAD.encode(request.user_id.as_bytes()),
        name: request.username,
        icon: request.icon,
        display_name: request.display_name,
    };
    Ok(GoJson::ok(CreationOptionsResponse::new(
        &tenant.config.rp_name,
        &tenant.config.rp_id,
        user,
        challenge,
        settings,
    )))
}

/// A registration response, parsed as go-webauthn does before any verification
/// (`ParseCredentialCreationResponseBody`).
struct ParsedRegistration {
    /// The body in webauthn-rs' form, for the attestation formats it verifies for us.
    credential: Option<RegisterPublicKeyCredential>,
    client_data_json: Vec<u8>,
    client: Value,
    challenge: String,
    fmt: String,
    att_stmt: std::collections::BTreeMap<serde_cbor_2::Value, serde_cbor_2::Value>,
    raw_auth_data: Vec<u8>,
    auth_data: AuthenticatorData<Registration>,
}

impl ParsedRegistration {
    fn parse(body: &[u8]) -> Result<Self, ApiError> {
        let parse_err = |details: &str| {
            ApiError::bad_request("unable to parse credential creation response", details)
        };
        let reg = || parse_err("Parse error for Registration");
        let att = || parse_err("Error parsing attestation response");
        let value: Value = serde_json::from_slice(body).map_err(|_| reg())?;
        if !value.is_object() {
            return Err(reg());
        }
        let text = |name: &str| match value.get(name) {
            None | Some(Value::Null) => Ok(""),
            Some(Value::String(s)) => Ok(s.as_str()),
            Some(_) => Err(()),
        };
        let (Ok(id), Ok(kind)) = (text("id"), text("type")) else {
            return Err(reg());
        };
        let response = match value.get("response") {
            None | Some(Value::Null) => Value::Object(Default::default()),
            Some(r @ Value::Object(_)) => r.clone(),
            Some(_) => return Err(reg()),
        };
        let member = |name: &str| match response.get(name) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::String(s)) => b64url(s).ok_or_else(reg),
            Some(_) => Err(reg()),
        };
        let client_data_json = member("clientDataJSON")?;
        let attestation_object = member("attestationObject")?;
        // `id` is a plain string, decoded strictly (no padding); it must not be empty.
        if URL_SAFE_NO_PAD.decode(id).map_or(true, |b| b.is_empty()) || kind != "public-key" {
            return Err(reg());
        }

        scan(&client_data_json, Reader::Unmarshal).map_err(|_| att())?;
        let client: Value = serde_json::from_slice(&client_data_json).map_err(|_| att())?;
        let challenge = match client.get("challenge") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(att()),
        };
        let cbor: serde_cbor_2::Value =
            serde_cbor_2::from_slice(&attestation_object).map_err(|_| att())?;
        let serde_cbor_2::Value::Map(map) = cbor else {
            return Err(att());
        };
        let key = |k: &str| serde_cbor_2::Value::Text(k.to_string());
        let fmt = match map.get(&key("fmt")) {
            Some(serde_cbor_2::Value::Text(f)) => f.clone(),
            None => String::new(),
            _ => return Err(att()),
        };
        let att_stmt = match map.get(&key("attStmt")) {
            Some(serde_cbor_2::Value::Map(m)) => m.clone(),
            None => Default::default(),
            _ => return Err(att()),
        };
        let raw_auth_data = match map.get(&key("authData")) {
            Some(serde_cbor_2::Value::Bytes(b)) => b.clone(),
            _ => return Err(att()),
        };
        let auth_data = AuthenticatorData::<Registration>::try_from(raw_auth_data.as_slice())
            .map_err(|_| att())?;
        if auth_data.acd.is_none() {
            return Err(att());
        }

        let mut normalized = value.clone();
        strip_padding(&mut normalized);
        if let Some(obj) = normalized.as_object_mut() {
            obj.entry("rawId")
                .or_insert_with(|| Value::String(id.to_string()));
        }
        Ok(Self {
            credential: serde_json::from_value(normalized).ok(),
            client_data_json,
            client,
            challenge,
            fmt,
            att_stmt,
            raw_auth_data,
            auth_data,
        })
    }
}

fn attestation_error(details: &str) -> ApiError {
    ApiError::bad_request("failed to validate attestation", details)
}

/// webauthn-rs' registration state for a session, with the session's challenge.
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

/// go-webauthn's titles and details for a refused attestation.
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

/// Steps 13-14 of go-webauthn's registration: the statement of `fmt`. Returns the
/// credential's public key.
fn attestation_statement(
    tenant: &Tenant,
    parsed: &ParsedRegistration,
    uv_required: bool,
) -> Result<COSEKey, ApiError> {
    let format_error = || attestation_error("Invalid attestation format");
    let acd = parsed.auth_data.acd.as_ref().ok_or_else(format_error)?;
    let key = COSEKey::try_from(&acd.credential_pk)
        .map_err(|_| attestation_error("Error validating attestation"))?;
    match parsed.fmt.as_str() {
        "none" if parsed.att_stmt.is_empty() => Ok(key),
        "none" => Err(format_error()),
        "packed" => packed_statement(tenant, parsed, key),
        // Other statements with certificates: webauthn-rs verifies them (it also re-checks the
        // client data, and refuses a `crossOrigin: true` that go-webauthn would take).
        "tpm" | "android-key" | "android-safetynet" | "apple" | "fido-u2f" => {
            let credential = parsed.credential.as_ref().ok_or_else(format_error)?;
            let challenge = b64url(&parsed.challenge)
                .ok_or_else(|| attestation_error("Error validating challenge"))?;
            let state = registration_state(tenant, &challenge, uv_required)?;
            let registered = tenant
                .webauthn
                .register_credential(credential, &state, None)
                .map_err(|e| registration_error(&e))?;
            Ok(registered.cred)
        }
        _ => Err(format_error()),
    }
}

/// go-webauthn's `verifyPackedFormat`. It reads `attStmt` as fxamacker/cbor decodes it into Go
/// values: `alg` counts only as an `int64` (a negative CBOR integer; a positive one is a
/// `uint64`), `x5c` only as an array, `ecdaaKeyId` only as a byte string.
fn packed_statement(
    tenant: &Tenant,
    parsed: &ParsedRegistration,
    key: COSEKey,
) -> Result<COSEKey, ApiError> {
    use serde_cbor_2::Value as Cbor;
    let statement = |name: &str| parsed.att_stmt.get(&Cbor::Text(name.into()));
    let alg = match statement("alg") {
        Some(Cbor::Integer(alg)) if *alg < 0 => i64::try_from(*alg).ok(),
        _ => None,
    }
    .ok_or_else(|| attestation_error("Error retrieving alg value"))?;
    let Some(Cbor::Bytes(sig)) = statement("sig") else {
        return Err(attestation_error("Error retrieving sig value"));
    };
    match (statement("x5c"), statement("ecdaaKeyId")) {
        (Some(Cbor::Array(x5c)), _) => {
            let aaguid = parsed
                .auth_data
                .acd
                .as_ref()
                .map(|acd| acd.aaguid.as_slice());
            packed::basic_attestation(
                x5c,
                alg,
                sig,
                &parsed.raw_auth_data,
                &Sha256::digest(&parsed.client_data_json),
                aaguid.unwrap_or_default(),
                tenant.now(),
            )
            .map_err(|refusal| match refusal {
                packed::Refusal::Details(details) => attestation_error(&details),
                // The server panics (index out of range) and drops the connection.
                packed::Refusal::EmptyChain => ApiError::internal(),
            })?;
        }
        // `ErrNotSpecImplemented`.
        (_, Some(Cbor::Bytes(_))) => {
            return Err(attestation_error(
                "This field is not yet supported by the WebAuthn spec",
            ));
        }
        // Self attestation.
        _ => verify::packed_self_attestation(
            &key,
            alg,
            &parsed.raw_auth_data,
            &parsed.client_data_json,
            sig,
        )
        .map_err(|f| attestation_error(f.details))?,
    }
    Ok(key)
}

/// Verifies the attestation against its session, stores the credential, consumes the session;
/// the token is for the returned subject.
fn finish(
    state: &AppState,
    tenant: &Tenant,
    meta: &RequestMeta,
    body: &EchoBody,
    flow: Flow,
) -> Result<Subject, ApiError> {
    let parsed = ParsedRegistration::parse(&body.bytes)?;
    meta.audit_columns_fit()?;
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
    if session.expired(tenant.now()) {
        return Err(attestation_error("Session has Expired"));
    }
    // `ParsedCredentialCreationData.Verify`: client data, authenticator data, statement.
    verify::client_data(
        &parsed.client,
        "webauthn.create",
        &parsed.challenge,
        &tenant.config.origins,
    )
    .map_err(|f| attestation_error(f.details))?;
    verify::authenticator_data(
        &parsed.raw_auth_data,
        &tenant.config.rp_id,
        session.uv_required,
    )
    .map_err(|f| {
        if f.info.contains("User verification") {
            // The server's own status for it, so that a UI can tell "set up a PIN".
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("failed to validate attestation: {}: {}", f.details, f.info),
                f.details,
            )
        } else {
            attestation_error(f.details)
        }
    })?;
    let public_key_cose = attestation_statement(tenant, &parsed, session.uv_required)?;
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
    let created = tenant.now();
    let seq = data.next_seq();
    data.put_credential(StoredCredential {
        id: id.clone(),
        raw_id,
        name: crate::aaguid::name(&aaguid).map_or_else(|| format!("cred-{id}"), str::to_string),
        public_key,
        attestation_type: parsed.fmt.clone(),
        aaguid,
        last_used_at: created,
        created_at: created,
        seq,
        backup_eligible: parsed.auth_data.backup_eligible,
        backup_state: parsed.auth_data.backup_state,
        is_mfa: flow == Flow::Mfa,
        user_id: user.user_id.clone(),
        public_key_cose,
    });
    data.remove_session(&parsed.challenge);
    record(
        tenant,
        &mut data,
        meta,
        flow.event(Step::RegistrationFinal),
        Some(&user.user_id),
        None,
    );
    Ok(Subject {
        user_id: user.user_id,
        credential_id: id,
        transaction: None,
    })
}
