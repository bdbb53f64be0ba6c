//! A tenant's configuration on the admin API: validating a config body as the server's
//! validator does, showing it (`GET /tenants/{id}`), replacing it (`PUT /tenants/{id}/config`).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::Response;
use serde_json::{Value, json};

use super::dto::{self, ConfigBody, SettingsBody};
use super::{Admin, storage_failed};
use crate::config::{
    Attachment, AttestationPreference, ResidentKey, TenantConfig, UserVerification,
    WebauthnSettings,
};
use crate::server::error::ApiError;
use crate::server::extract::{CurrentTenant, EchoBody};
use crate::server::response::no_content;
use crate::state::{AdminView, Tenant};

/// Validates a config body as the server's validator does, collecting every message; `base`
/// gives what the body does not set (tenant id, key size).
pub(super) fn validate(
    config: ConfigBody,
    base: &TenantConfig,
    errors: &mut Vec<String>,
) -> Option<(TenantConfig, AdminView)> {
    let before = errors.len();
    let cors = config.cors.unwrap_or_default();
    match &cors.allowed_origins {
        None => required(errors, "allowed_origins"),
        Some(o) if o.is_empty() => errors.push("allowed_origins must at least have 1 entry".into()),
        Some(_) => {}
    }
    if cors.allow_unsafe_wildcard.is_none() {
        required(errors, "allow_unsafe_wildcard");
    }
    let webauthn = config.webauthn.unwrap_or_default();
    let rp = webauthn.relying_party.unwrap_or_default();
    let rp_id = rp.id.filter(|s| !s.is_empty());
    if rp_id.is_none() {
        required(errors, "id");
    }
    let rp_name = rp.display_name.filter(|s| !s.is_empty());
    if rp_name.is_none() {
        required(errors, "display_name");
    }
    if let Some(icon) = &rp.icon
        && url::Url::parse(icon).is_err()
    {
        errors.push("icon must be a valid URL".into());
    }
    match &rp.origins {
        None => required(errors, "origins"),
        Some(o) if o.is_empty() => errors.push("origins must at least have 1 entry".into()),
        Some(o) => {
            for origin in o {
                if url::Url::parse(origin).is_err() {
                    errors.push(format!("origin {origin:?} is not a valid URL"));
                }
            }
        }
    }
    let passkey = settings(
        errors,
        webauthn.settings,
        WebauthnSettings::passkey_defaults(),
    );
    let mfa = match config.mfa {
        // Without `mfa`, its defaults with the passkey timeout.
        None => WebauthnSettings {
            timeout: passkey.timeout,
            ..WebauthnSettings::mfa_defaults()
        },
        Some(m) => settings(errors, m, WebauthnSettings::mfa_defaults()),
    };
    if errors.len() > before {
        return None;
    }
    let config = TenantConfig {
        tenant_id: base.tenant_id,
        api_key: None,
        rp_id: rp_id.unwrap_or_default(),
        rp_name: rp_name.unwrap_or_default(),
        origins: rp.origins.unwrap_or_default(),
        passkey,
        mfa,
        rsa_bits: base.rsa_bits,
    };
    let view = AdminView {
        cors_origins: cors.allowed_origins,
        allow_unsafe_wildcard: cors.allow_unsafe_wildcard.unwrap_or(false),
        icon: rp.icon,
    };
    Some((config, view))
}

fn required(errors: &mut Vec<String>, field: &str) {
    errors.push(format!("{field} is a required field"));
}

/// A `oneof` value: absent gives `default`, anything not in `choices` a message.
fn one_of<T>(
    errors: &mut Vec<String>,
    field: &str,
    value: Option<&str>,
    parse: fn(&str) -> Option<T>,
    choices: &str,
    default: T,
) -> T {
    match value {
        None => default,
        Some(v) => parse(v).unwrap_or_else(|| {
            errors.push(format!("{field} must be one of '{choices}'"));
            default
        }),
    }
}

/// The settings of `webauthn` or `mfa`: a required non-zero timeout, the rest from `defaults`
/// (`CreatePasskeyConfigDto` and `CreateMFAConfigDto` differ only in their defaults).
fn settings(
    errors: &mut Vec<String>,
    body: SettingsBody,
    defaults: WebauthnSettings,
) -> WebauthnSettings {
    let timeout = body.timeout.filter(|t| *t > 0);
    if timeout.is_none() {
        required(errors, "timeout");
    }
    WebauthnSettings {
        timeout: Duration::from_millis(timeout.map_or(60_000, i64::unsigned_abs)),
        user_verification: one_of(
            errors,
            "user_verification",
            body.user_verification.as_deref(),
            UserVerification::parse,
            "required preferred discouraged",
            defaults.user_verification,
        ),
        attachment: one_of(
            errors,
            "attachment",
            body.attachment.as_deref(),
            |s| Attachment::parse(s).map(Some),
            "platform cross-platform",
            defaults.attachment,
        ),
        attestation: one_of(
            errors,
            "attestation_preference",
            body.attestation_preference.as_deref(),
            AttestationPreference::parse,
            "none indirect direct enterprise",
            defaults.attestation,
        ),
        resident_key: one_of(
            errors,
            "resident_key_requirement",
            body.resident_key_requirement.as_deref(),
            ResidentKey::parse,
            "discouraged preferred required",
            defaults.resident_key,
        ),
    }
}

/// `config` of `GET /tenants/{id}`.
pub(super) fn show(t: &Tenant) -> Value {
    let c = &t.config;
    let settings = |s: &WebauthnSettings| {
        let mut map = serde_json::Map::new();
        map.insert("timeout".into(), (s.timeout.as_millis() as u64).into());
        map.insert(
            "user_verification".into(),
            s.user_verification.as_str().into(),
        );
        if let Some(a) = s.attachment {
            map.insert("attachment".into(), a.as_str().into());
        }
        map.insert(
            "attestation_preference".into(),
            s.attestation.as_str().into(),
        );
        map.insert(
            "resident_key_requirement".into(),
            s.resident_key.as_str().into(),
        );
        map
    };
    let mut rp = json!({ "id": c.rp_id, "display_name": c.rp_name });
    if let Some(icon) = &t.admin.icon {
        rp["icon"] = icon.clone().into();
    }
    rp["origins"] = c.origins.clone().into();
    let mut webauthn = serde_json::Map::new();
    webauthn.insert("relying_party".into(), rp);
    webauthn.extend(settings(&c.passkey));
    let mut mfa = settings(&c.mfa);
    if !mfa.contains_key("attachment") {
        mfa.insert("attachment".into(), Value::Null);
    }
    json!({
        "cors": {
            "allowed_origins": t.admin.cors_origins(&c.origins),
            "allow_unsafe_wildcard": t.admin.allow_unsafe_wildcard,
        },
        "webauthn": webauthn,
        "mfa": mfa,
    })
}

/// `PUT /tenants/{id}/config`: replaces the whole configuration.
pub(crate) async fn replace(
    State(admin): State<Admin>,
    CurrentTenant(t): CurrentTenant,
    body: EchoBody,
) -> Result<Response, ApiError> {
    const TITLE: &str = "unable to update tenant config";
    let body: ConfigBody = dto::bind(&body, dto::UPDATE_CONFIG, TITLE)?;
    let mut errors = Vec::new();
    let base = TenantConfig {
        tenant_id: Some(t.id),
        ..t.config.clone()
    };
    let Some((config, view)) = validate(body, &base, &mut errors) else {
        return Err(ApiError::bad_request(TITLE, errors.join(" and ")));
    };
    let origins = crate::tenants::check_config(&config)
        .map_err(|e| ApiError::bad_request(TITLE, e.to_string()))?;
    let webauthn = crate::tenants::webauthn_for(&config, origins);
    admin
        .state
        .replace_tenant(t.reconfigured(t.display_name.clone(), config, Arc::new(webauthn), view))
        .map_err(storage_failed)?;
    Ok(no_content())
}
