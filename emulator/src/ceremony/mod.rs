//! The WebAuthn ceremonies: one module each for registration, login and transactions, each
//! with its request parsing apart from the state change. Verification is `webauthn-rs-core`'s;
//! options, titles and details are go-webauthn's and the server's.

pub(crate) mod assertion;
pub(crate) mod login;
pub(crate) mod options;
mod packed;
pub(crate) mod registration;
pub(crate) mod transaction;
mod verify;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::RngCore as _;
use serde::Serialize;

use crate::config::{UserVerification, WebauthnSettings};
use crate::server::error::ApiError;
use crate::server::response::GoJson;
use crate::state::Tenant;
use options::TokenResponse;

/// Which of the tenant's two WebAuthn clients a ceremony uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// `/registration/*`, `/login/*`, `/transaction/*`: the tenant's `webauthn` settings.
    Passkey,
    /// `/mfa/*`: the tenant's `mfa` settings.
    Mfa,
}

impl Flow {
    pub(crate) fn settings(self, tenant: &Tenant) -> &WebauthnSettings {
        match self {
            Self::Passkey => &tenant.config.passkey,
            Self::Mfa => &tenant.config.mfa,
        }
    }

    /// The audit-log type of a successful step.
    pub(crate) fn event(self, step: Step) -> &'static str {
        match (self, step) {
            (Self::Passkey, Step::RegistrationInit) => "webauthn_registration_init_succeeded",
            (Self::Passkey, Step::RegistrationFinal) => "webauthn_registration_final_succeeded",
            (Self::Passkey, Step::LoginInit) => "webauthn_authentication_init_succeeded",
            (Self::Passkey, Step::LoginFinal) => "webauthn_authentication_final_succeeded",
            (Self::Mfa, Step::RegistrationInit) => "mfa_registration_init_succeeded",
            (Self::Mfa, Step::RegistrationFinal) => "mfa_registration_final_succeeded",
            (Self::Mfa, Step::LoginInit) => "mfa_authentication_init_succeeded",
            (Self::Mfa, Step::LoginFinal) => "mfa_authentication_final_succeeded",
        }
    }
}

/// A ceremony step that writes an audit-log row.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step {
    RegistrationInit,
    RegistrationFinal,
    LoginInit,
    LoginFinal,
}

/// Decodes base64url, tolerating `=` padding and rejecting the standard alphabet, like Go.
pub(crate) fn b64url(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()
}

/// A fresh challenge: 32 random bytes, base64url.
pub(crate) fn new_challenge() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

/// When a session created at `now` expires.
pub(crate) fn expires(now: DateTime<Utc>, settings: &WebauthnSettings) -> DateTime<Utc> {
    let timeout =
        chrono::Duration::from_std(settings.effective_timeout()).unwrap_or(chrono::Duration::MAX);
    now.checked_add_signed(timeout)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Whether sessions of these settings require the UV flag.
pub(crate) fn uv_required(settings: &WebauthnSettings) -> bool {
    settings.user_verification == UserVerification::Required
}

/// The server's token claims, in its (alphabetical) order.
#[derive(Serialize)]
struct Claims<'a> {
    aud: [&'a str; 1],
    cred: &'a str,
    exp: i64,
    iat: i64,
    sub: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    trans: Option<&'a str>,
}

/// Who a finished ceremony's token is for.
pub(crate) struct Subject {
    pub(crate) user_id: String,
    pub(crate) credential_id: String,
    /// The transaction id, for a transaction.
    pub(crate) transaction: Option<String>,
}

/// Signs the token a finalize answers with (waiting for the tenant's key if it is still being
/// generated).
pub(crate) async fn token(
    tenant: &Tenant,
    subject: Subject,
) -> Result<GoJson<TokenResponse>, ApiError> {
    let iat = tenant.now().timestamp();
    let claims = Claims {
        aud: [&tenant.config.rp_id],
        cred: &subject.credential_id,
        exp: iat + 300,
        iat,
        sub: &subject.user_id,
        trans: subject.transaction.as_deref(),
    };
    let token = tenant
        .keys
        .sign(&claims)
        .await
        .ok_or_else(ApiError::internal)?;
    Ok(GoJson::ok(TokenResponse { token }))
}

/// Removes base64 padding from the members webauthn-rs decodes (it expects unpadded
/// base64url; Go tolerates `=`).
pub(crate) fn strip_padding(value: &mut serde_json::Value) {
    use serde_json::Value;
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
