//! Login: discoverable or user-bound (`/login/*`), and MFA login (`/mfa/login/*`). Both create
//! `authentication` sessions, so either finalize endpoint takes either kind of challenge.

use axum::http::{HeaderMap, StatusCode};

use super::assertion::{
    Checks, ParsedAssertion, convert_user_handle, session_for, unknown_user, verify,
};
use super::options::{RequestOptionsResponse, TokenResponse};
use super::{Flow, Step, Subject, expires, new_challenge, token, uv_required};
use crate::resources::audit_logs::record;
use crate::server::binding::Validation;
use crate::server::error::ApiError;
use crate::server::extract::{CurrentTenant, EchoBody, RequestMeta};
use crate::server::middleware::{api_key_header, check_api_key};
use crate::server::response::GoJson;
use crate::state::{Operation, Session, Tenant};

/// The body of `/login/initialize`: no user id means a discoverable login.
struct InitRequest {
    user_id: Option<String>,
}

impl InitRequest {
    fn parse(body: &EchoBody) -> Result<Self, ApiError> {
        let user_id = body.bind("request.InitLoginDto")?.string("user_id")?;
        // A pointer field: absent and `null` skip the rule, `""` fails `min=1`.
        Validation::default()
            .check(
                user_id.as_deref() == Some(""),
                "user_id must at least have 1 entry",
            )
            .finish()?;
        Ok(Self { user_id })
    }
}

/// The body of `/mfa/login/initialize`.
struct MfaInitRequest {
    user_id: String,
}

impl MfaInitRequest {
    fn parse(body: &EchoBody) -> Result<Self, ApiError> {
        let user_id = body.bind("request.InitMfaLoginDto")?.string("user_id")?;
        // `required,min=1` on a pointer: absent or `null` is "required", `""` is "min".
        Validation::default()
            .check(user_id.is_none(), "user_id is a required field")
            .check(
                user_id.as_deref() == Some(""),
                "user_id must at least have 1 entry",
            )
            .finish()?;
        Ok(Self {
            user_id: user_id.unwrap_or_default(),
        })
    }
}

pub(crate) async fn initialize(
    CurrentTenant(tenant): CurrentTenant,
    meta: RequestMeta,
    headers: HeaderMap,
    body: EchoBody,
) -> Result<GoJson<RequestOptionsResponse>, ApiError> {
    let request = InitRequest::parse(&body)?;
    // The server's order: validation (400), then the key (401), then the user (404).
    if request.user_id.is_some() {
        if api_key_header(&headers).is_empty() {
            return Err(ApiError::unauthorized("api key is missing", ""));
        }
        check_api_key(&tenant, &headers)?;
    }
    meta.audit_columns_fit()?;
    begin(&tenant, &meta, request.user_id.as_deref(), Flow::Passkey)
}

pub(crate) async fn initialize_mfa(
    CurrentTenant(tenant): CurrentTenant,
    meta: RequestMeta,
    body: EchoBody,
) -> Result<GoJson<RequestOptionsResponse>, ApiError> {
    let request = MfaInitRequest::parse(&body)?;
    meta.audit_columns_fit()?;
    begin(&tenant, &meta, Some(&request.user_id), Flow::Mfa)
}

/// Creates an `authentication` session for `user_id` (or a discoverable one) and its options.
fn begin(
    tenant: &Tenant,
    meta: &RequestMeta,
    user_id: Option<&str>,
    flow: Flow,
) -> Result<GoJson<RequestOptionsResponse>, ApiError> {
    tenant.keys.prepare();
    let settings = flow.settings(tenant);
    let mut data = tenant.data();
    let allowed = match user_id {
        Some(uid) => {
            if !data.users.contains_key(uid) {
                return Err(ApiError::not_found("user not found"));
            }
            // Passkey login ignores MFA credentials; MFA login takes both kinds.
            let allowed: Vec<Vec<u8>> = data
                .credentials_of(uid)
                .filter(|c| flow == Flow::Mfa || !c.is_mfa)
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
    let challenge = new_challenge();
    let options = RequestOptionsResponse::new(
        settings,
        &tenant.config.rp_id,
        challenge.clone(),
        allowed.as_deref(),
    );
    let now = tenant.now();
    let session = Session {
        operation: Operation::Authentication,
        user_id: user_id.unwrap_or("").to_string(),
        uv_required: uv_required(settings),
        allowed: allowed.unwrap_or_default(),
        discoverable: user_id.is_none(),
        expires_at: expires(now, settings),
    };
    data.put_session(challenge, session, now);
    record(
        tenant,
        &mut data,
        meta,
        flow.event(Step::LoginInit),
        user_id,
        None,
    );
    Ok(GoJson::ok(options))
}

pub(crate) async fn finalize(
    CurrentTenant(tenant): CurrentTenant,
    meta: RequestMeta,
    body: EchoBody,
) -> Result<GoJson<TokenResponse>, ApiError> {
    let subject = finish(&tenant, &meta, &body, Flow::Passkey)?;
    token(&tenant, subject).await
}

pub(crate) async fn finalize_mfa(
    CurrentTenant(tenant): CurrentTenant,
    meta: RequestMeta,
    body: EchoBody,
) -> Result<GoJson<TokenResponse>, ApiError> {
    let subject = finish(&tenant, &meta, &body, Flow::Mfa)?;
    token(&tenant, subject).await
}

/// Verifies the assertion against its session; the token is for the returned subject.
fn finish(
    tenant: &Tenant,
    meta: &RequestMeta,
    body: &EchoBody,
    flow: Flow,
) -> Result<Subject, ApiError> {
    let parsed = ParsedAssertion::parse(&body.bytes, "unable to finish login")?;
    meta.audit_columns_fit()?;
    let mut data = tenant.data();
    let session = session_for(&data, &parsed.challenge, Operation::Authentication)?;
    // `loginService.Finalize`: the user is the session's for MFA and for a user-bound session
    // (whatever userHandle the response carries), the userHandle's for a discoverable one; a
    // 16-byte id is read as a UUID either way. So a discoverable session finalized at the MFA
    // endpoint has no user.
    let user_id = if flow == Flow::Mfa || !session.discoverable {
        convert_user_handle(session.user_id.as_bytes())
    } else {
        parsed.user_handle()
    };
    if !data.users.contains_key(&user_id) {
        return Err(unknown_user());
    }
    let checks = Checks {
        include_mfa: flow == Flow::Mfa,
    };
    let credential_id = verify(tenant, &mut data, &parsed, &session, &user_id, checks)?;
    record(
        tenant,
        &mut data,
        meta,
        flow.event(Step::LoginFinal),
        Some(&user_id),
        None,
    );
    Ok(Subject {
        user_id,
        credential_id,
        transaction: None,
    })
}
