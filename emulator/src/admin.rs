//! The admin API (`router/admin.go`, port 8001 on the server), on a listener of its own.
//!
//! It reaches the same state as the public API: what it changes (a tenant's configuration, its
//! API keys, its signing keys, its users) takes effect on the public API at once. Like the
//! server's, it has no authentication.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{OriginalUri, Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::{
    Attachment, AttestationPreference, ResidentKey, TenantConfig, UserVerification,
    WebauthnSettings,
};
use crate::error::ApiError;
use crate::resources::credentials::CredentialDto;
use crate::server::extract::{CurrentTenant, parse_gofrs_uuid};
use crate::server::pagination::{Defaults, Paging, query_pairs, query_value};
use crate::server::response::{GoJson, no_content};
use crate::state::{AppState, Secret, Tenant, format_time};

/// What the admin handlers share: the state, the public base URL and the key size of new
/// tenants.
#[derive(Clone)]
pub(crate) struct Admin {
    pub(crate) state: Arc<AppState>,
    pub(crate) public_base: String,
    pub(crate) rsa_bits: u32,
}

/// The admin application.
pub(crate) fn router(admin: Admin) -> Router {
    let tenant_routes = Router::new()
        .route(
            "/tenants/{tenant_id}",
            get(get_tenant).put(rename_tenant).delete(delete_tenant),
        )
        .route(
            "/tenants/{tenant_id}/config",
            axum::routing::put(put_config),
        )
        .route(
            "/tenants/{tenant_id}/audit_logs",
            get(crate::resources::audit_logs::list),
        )
        .route(
            "/tenants/{tenant_id}/secrets/{kind}",
            get(list_secrets).post(create_secret),
        )
        .route(
            "/tenants/{tenant_id}/secrets/{kind}/{secret_id}",
            axum::routing::delete(delete_secret),
        )
        .route("/tenants/{tenant_id}/users", get(list_users))
        .route(
            "/tenants/{tenant_id}/users/{user_id}",
            get(get_user).delete(delete_user),
        )
        .route_layer(from_fn_with_state(admin.clone(), tenant));
    Router::new()
        .route("/health/alive", get(alive))
        .route("/health/ready", get(ready))
        .route("/tenants", get(list_tenants).post(create_tenant))
        .merge(tenant_routes)
        .fallback(crate::server::middleware::not_found)
        .layer(from_fn(crate::server::middleware::echo_output))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            crate::server::BODY_LIMIT,
        ))
        .layer(from_fn(crate::server::middleware::body_limit_error))
        .layer(tower_http::cors::CorsLayer::very_permissive())
        .with_state(admin)
}

/// `TenantMiddleware` on `/tenants/{tenant_id}/…`: 400 for a bad id, 404 for an unknown one.
async fn tenant(
    State(admin): State<Admin>,
    OriginalUri(uri): OriginalUri,
    mut request: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let segment = uri.path().split('/').nth(2).unwrap_or("");
    let id = parse_gofrs_uuid(segment).ok_or_else(crate::server::middleware::invalid_tenant)?;
    let tenant = admin
        .state
        .tenant(&id)
        .ok_or_else(|| ApiError::not_found("tenant not found"))?;
    request.extensions_mut().insert(CurrentTenant(tenant));
    Ok(next.run(request).await)
}

async fn alive() -> Response {
    GoJson::ok(serde_json::json!({ "alive": true })).into_response()
}

async fn ready() -> Response {
    GoJson::ok(serde_json::json!({ "ready": true })).into_response()
}

#[derive(Serialize)]
struct TenantListItem {
    id: Uuid,
    display_name: String,
}

async fn list_tenants(State(admin): State<Admin>) -> Response {
    let items: Vec<TenantListItem> = admin
        .state
        .tenants()
        .iter()
        .map(|t| TenantListItem {
            id: t.id,
            display_name: t.display_name.clone(),
        })
        .collect();
    GoJson::ok(items).into_response()
}

/// A JSON body as echo binds it: nothing for an empty body, else the JSON or a 400 with `title`.
fn bind<T: for<'de> Deserialize<'de> + Default>(body: &Bytes, title: &str) -> Result<T, ApiError> {
    if body.is_empty() {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| ApiError::bad_request(title, e.to_string()))
}

#[derive(Deserialize, Default)]
struct CreateTenantBody {
    display_name: Option<String>,
    #[serde(default)]
    create_api_key: bool,
    config: Option<ConfigBody>,
}

#[derive(Deserialize, Default)]
struct ConfigBody {
    cors: Option<CorsBody>,
    webauthn: Option<WebauthnBody>,
    mfa: Option<MfaBody>,
}

#[derive(Deserialize, Default)]
struct CorsBody {
    allowed_origins: Option<Vec<String>>,
    allow_unsafe_wildcard: Option<bool>,
}

#[derive(Deserialize, Default)]
struct WebauthnBody {
    relying_party: Option<RelyingPartyBody>,
    timeout: Option<u64>,
    user_verification: Option<String>,
    attachment: Option<String>,
    attestation_preference: Option<String>,
    resident_key_requirement: Option<String>,
}

#[derive(Deserialize, Default)]
struct RelyingPartyBody {
    id: Option<String>,
    display_name: Option<String>,
    icon: Option<String>,
    origins: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
struct MfaBody {
    timeout: Option<u64>,
    user_verification: Option<String>,
    attachment: Option<String>,
    attestation_preference: Option<String>,
    resident_key_requirement: Option<String>,
}

/// What the admin API shows of a tenant's configuration beyond [`TenantConfig`].
#[derive(Debug, Clone, Default)]
pub(crate) struct AdminView {
    pub(crate) cors_origins: Option<Vec<String>>,
    pub(crate) allow_unsafe_wildcard: bool,
    pub(crate) icon: Option<String>,
}

/// Validates a config body as the server's validator does, collecting every message.
fn validate_config(
    config: ConfigBody,
    base: &TenantConfig,
    errors: &mut Vec<String>,
) -> Option<(TenantConfig, AdminView)> {
    fn required(errors: &mut Vec<String>, field: &str) {
        errors.push(format!("{field} is a required field"));
    }
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
    let timeout = webauthn.timeout.filter(|t| *t > 0);
    if timeout.is_none() {
        required(errors, "timeout");
    }
    let passkey = WebauthnSettings {
        timeout: Duration::from_millis(timeout.unwrap_or(60_000)),
        user_verification: one_of(
            errors,
            "user_verification",
            webauthn.user_verification.as_deref(),
            UserVerification::parse,
            "required preferred discouraged",
            UserVerification::Required,
        ),
        attachment: one_of(
            errors,
            "attachment",
            webauthn.attachment.as_deref(),
            |s| Attachment::parse(s).map(Some),
            "platform cross-platform",
            None,
        ),
        attestation: one_of(
            errors,
            "attestation_preference",
            webauthn.attestation_preference.as_deref(),
            AttestationPreference::parse,
            "none indirect direct enterprise",
            AttestationPreference::Direct,
        ),
        resident_key: one_of(
            errors,
            "resident_key_requirement",
            webauthn.resident_key_requirement.as_deref(),
            ResidentKey::parse,
            "discouraged preferred required",
            ResidentKey::Required,
        ),
    };
    let mfa = match config.mfa {
        None => WebauthnSettings {
            timeout: passkey.timeout,
            ..WebauthnSettings::mfa_defaults()
        },
        Some(m) => {
            let timeout = m.timeout.filter(|t| *t > 0);
            if timeout.is_none() {
                required(errors, "timeout");
            }
            WebauthnSettings {
                timeout: Duration::from_millis(timeout.unwrap_or(60_000)),
                user_verification: one_of(
                    errors,
                    "user_verification",
                    m.user_verification.as_deref(),
                    UserVerification::parse,
                    "required preferred discouraged",
                    UserVerification::Preferred,
                ),
                attachment: Some(one_of(
                    errors,
                    "attachment",
                    m.attachment.as_deref(),
                    Attachment::parse,
                    "platform cross-platform",
                    Attachment::CrossPlatform,
                )),
                attestation: one_of(
                    errors,
                    "attestation_preference",
                    m.attestation_preference.as_deref(),
                    AttestationPreference::parse,
                    "none indirect direct enterprise",
                    AttestationPreference::Direct,
                ),
                resident_key: one_of(
                    errors,
                    "resident_key_requirement",
                    m.resident_key_requirement.as_deref(),
                    ResidentKey::parse,
                    "discouraged preferred required",
                    ResidentKey::Discouraged,
                ),
            }
        }
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

#[derive(Serialize)]
struct SecretDto {
    id: Uuid,
    name: String,
    secret: String,
    created_at: String,
}

impl From<&Secret> for SecretDto {
    fn from(s: &Secret) -> Self {
        Self {
            id: s.id,
            name: s.name.clone(),
            secret: s.secret.clone(),
            created_at: format_time(&s.created_at),
        }
    }
}

#[derive(Serialize)]
struct CreatedTenant {
    id: Uuid,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<SecretDto>,
}

async fn create_tenant(State(admin): State<Admin>, body: Bytes) -> Result<Response, ApiError> {
    const TITLE: &str = "unable to create tenant";
    let body: CreateTenantBody = bind(&body, TITLE)?;
    let mut errors = Vec::new();
    let display_name = body.display_name.filter(|s| !s.is_empty());
    if display_name.is_none() {
        errors.push("display_name is a required field".into());
    }
    let base = TenantConfig {
        rsa_bits: admin.rsa_bits,
        ..TenantConfig::default()
    };
    let validated = validate_config(body.config.unwrap_or_default(), &base, &mut errors);
    let (Some(display_name), Some((config, view))) = (display_name, validated) else {
        return Err(ApiError::bad_request(TITLE, errors.join(" and ")));
    };
    let info = crate::emulator::create_tenant(&admin.state, config, &admin.public_base)
        .await
        .map_err(|e| ApiError::bad_request(TITLE, e.to_string()))?;
    let tenant = admin
        .state
        .tenant(&info.tenant_id)
        .ok_or_else(ApiError::internal)?;
    let api_key = if body.create_api_key {
        let secrets = tenant.secrets();
        secrets.api.first().map(SecretDto::from)
    } else {
        tenant.secrets().api.clear();
        None
    };
    admin.state.replace_tenant(tenant.reconfigured(
        display_name,
        tenant.config.clone(),
        tenant.webauthn.clone(),
        view,
    ));
    Ok(GoJson(
        StatusCode::CREATED,
        CreatedTenant {
            id: info.tenant_id,
            api_key,
        },
    )
    .into_response())
}

async fn get_tenant(CurrentTenant(t): CurrentTenant) -> Response {
    let c = &t.config;
    let settings = |s: &WebauthnSettings| {
        serde_json::json!({
            "timeout": s.timeout.as_millis() as u64,
            "user_verification": s.user_verification.as_str(),
            "attachment": s.attachment.map(Attachment::as_str),
            "attestation_preference": s.attestation.as_str(),
            "resident_key_requirement": s.resident_key.as_str(),
        })
    };
    let mut rp = serde_json::json!({ "id": c.rp_id, "display_name": c.rp_name });
    if let Some(icon) = &t.admin.icon {
        rp["icon"] = icon.clone().into();
    }
    rp["origins"] = c.origins.clone().into();
    let mut webauthn = serde_json::json!({ "relying_party": rp });
    let passkey = settings(&c.passkey);
    if let serde_json::Value::Object(map) = passkey {
        for (k, v) in map {
            if !v.is_null() {
                webauthn[k] = v;
            }
        }
    }
    let body = serde_json::json!({
        "id": t.id,
        "display_name": t.display_name,
        "config": {
            "cors": {
                "allowed_origins": t.admin.cors_origins.clone().unwrap_or_else(|| c.origins.clone()),
                "allow_unsafe_wildcard": t.admin.allow_unsafe_wildcard,
            },
            "webauthn": webauthn,
            "mfa": settings(&c.mfa),
        }
    });
    GoJson::ok(body).into_response()
}

#[derive(Deserialize, Default)]
struct RenameBody {
    display_name: Option<String>,
}

async fn rename_tenant(
    State(admin): State<Admin>,
    CurrentTenant(t): CurrentTenant,
    body: Bytes,
) -> Result<Response, ApiError> {
    const TITLE: &str = "unable to update tenant";
    let body: RenameBody = bind(&body, TITLE)?;
    let name = body
        .display_name
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request(TITLE, "display_name is a required field"))?;
    admin.state.replace_tenant(t.reconfigured(
        name,
        t.config.clone(),
        t.webauthn.clone(),
        t.admin.clone(),
    ));
    Ok(no_content())
}

async fn delete_tenant(State(admin): State<Admin>, CurrentTenant(t): CurrentTenant) -> Response {
    admin.state.remove_tenant(&t.id);
    no_content()
}

async fn put_config(
    State(admin): State<Admin>,
    CurrentTenant(t): CurrentTenant,
    body: Bytes,
) -> Result<Response, ApiError> {
    const TITLE: &str = "unable to update tenant config";
    let body: ConfigBody = bind(&body, TITLE)?;
    let mut errors = Vec::new();
    let base = TenantConfig {
        tenant_id: Some(t.id),
        ..t.config.clone()
    };
    let Some((config, view)) = validate_config(body, &base, &mut errors) else {
        return Err(ApiError::bad_request(TITLE, errors.join(" and ")));
    };
    let origins = crate::emulator::check_config(&config)
        .map_err(|e| ApiError::bad_request(TITLE, e.to_string()))?;
    let webauthn = crate::emulator::webauthn_for(&config, origins);
    admin.state.replace_tenant(t.reconfigured(
        t.display_name.clone(),
        config,
        Arc::new(webauthn),
        view,
    ));
    Ok(no_content())
}

/// Which secrets a `secrets/{kind}` path names; any other kind is echo's 404.
fn secret_kind(kind: &str) -> Result<bool, ApiError> {
    match kind {
        "api" => Ok(false),
        "jwk" => Ok(true),
        _ => Err(ApiError::route_not_found()),
    }
}

async fn list_secrets(
    CurrentTenant(t): CurrentTenant,
    Path(path): Path<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let jwk = secret_kind(path.get("kind").map_or("", String::as_str))?;
    let secrets = t.secrets();
    let list = if jwk { &secrets.jwk } else { &secrets.api };
    let items: Vec<SecretDto> = list.iter().map(SecretDto::from).collect();
    Ok(GoJson::ok(items).into_response())
}

#[derive(Deserialize, Default)]
struct SecretBody {
    name: Option<String>,
}

async fn create_secret(
    CurrentTenant(t): CurrentTenant,
    Path(path): Path<std::collections::HashMap<String, String>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    const TITLE: &str = "unable to create key";
    let jwk = secret_kind(path.get("kind").map_or("", String::as_str))?;
    let body: SecretBody = bind(&body, TITLE)?;
    let name = body
        .name
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::bad_request(TITLE, "name is a required field"))?;
    let secret = Secret::generate(name, t.now());
    {
        let mut secrets = t.secrets();
        let list = if jwk {
            &mut secrets.jwk
        } else {
            &mut secrets.api
        };
        // The unique index on (config, name, type): a bare 500.
        if list.iter().any(|s| s.name == secret.name) {
            return Err(ApiError::internal());
        }
        list.push(secret.clone());
    }
    if jwk {
        // The server generates the new key on the tenant's next public request (§4.4).
        t.keys.rotate();
    }
    Ok(GoJson(StatusCode::CREATED, SecretDto::from(&secret)).into_response())
}

async fn delete_secret(
    CurrentTenant(t): CurrentTenant,
    Path(path): Path<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    const TITLE: &str = "unable to remove key";
    let jwk = secret_kind(path.get("kind").map_or("", String::as_str))?;
    let raw = path.get("secret_id").map_or("", String::as_str);
    let id = Uuid::parse_str(raw)
        .ok()
        .filter(|u| u.get_version_num() == 4)
        .ok_or_else(|| ApiError::bad_request(TITLE, "secret_id must be a valid uuid4"))?;
    let mut secrets = t.secrets();
    let list = if jwk {
        &mut secrets.jwk
    } else {
        &mut secrets.api
    };
    let Some(index) = list.iter().position(|s| s.id == id) else {
        return Err(ApiError::not_found(format!(
            "secret with ID '{id}' not found"
        )));
    };
    list.remove(index);
    Ok(no_content())
}

#[derive(Serialize, Clone)]
struct UserDto {
    id: Uuid,
    user_id: String,
    name: String,
    icon: Option<String>,
    display_name: String,
}

async fn list_users(
    CurrentTenant(t): CurrentTenant,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    const TITLE: &str = "unable to parse request";
    let pairs = query_pairs(&uri);
    let paging = Paging::parse(&pairs, Defaults::NotPositive)
        .map_err(|e| ApiError::bad_request(TITLE, e))?;
    let desc = match query_value(&pairs, "sort_direction").map(str::to_ascii_lowercase) {
        None => true,
        Some(d) if d.is_empty() || d == "desc" => true,
        Some(d) if d == "asc" => false,
        Some(_) => {
            return Err(ApiError::bad_request(
                TITLE,
                "sort_direction must be desc or asc",
            ));
        }
    };
    let mut users: Vec<(chrono::DateTime<chrono::Utc>, UserDto)> = t
        .data()
        .users
        .values()
        .map(|u| {
            (
                u.created_at,
                UserDto {
                    id: u.id,
                    user_id: u.user_id.clone(),
                    name: u.name.clone(),
                    icon: u.icon.clone(),
                    display_name: u.display_name.clone(),
                },
            )
        })
        .collect();
    users.sort_by_key(|(at, u)| (*at, u.id));
    if desc {
        users.reverse();
    }
    let items: Vec<UserDto> = users.into_iter().map(|(_, u)| u).collect();
    let page = paging.slice(&items);
    let mut response = GoJson::ok(page).into_response();
    paging.headers(&headers, &uri, items.len(), &mut response);
    Ok(response)
}

/// The tenant holding the user with internal id `raw` (any tenant: the server looks users up
/// by primary key alone), and the user's application id.
fn find_user(admin: &Admin, raw: &str) -> Result<(Arc<Tenant>, String), ApiError> {
    let id = parse_gofrs_uuid(raw).ok_or_else(|| ApiError::bad_request("invalid user_id", ""))?;
    for tenant in admin.state.tenants() {
        let found = tenant
            .data()
            .users
            .values()
            .find(|u| u.id == id)
            .map(|u| u.user_id.clone());
        if let Some(user_id) = found {
            return Ok((tenant, user_id));
        }
    }
    Err(ApiError::not_found("user not found"))
}

async fn get_user(
    State(admin): State<Admin>,
    Path(path): Path<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (tenant, user_id) = find_user(&admin, path.get("user_id").map_or("", String::as_str))?;
    let data = tenant.data();
    let user = data
        .users
        .get(&user_id)
        .ok_or_else(|| ApiError::not_found("user not found"))?;
    let credentials: Vec<CredentialDto> = data
        .credentials_of(&user_id)
        .map(CredentialDto::from)
        .collect();
    let transactions: Vec<crate::ceremony::transaction::TransactionDto<'_>> = data
        .transactions
        .iter()
        .filter(|x| x.user_internal_id == user.id)
        .map(|x| crate::ceremony::transaction::TransactionDto {
            id: x.id,
            identifier: &x.identifier,
            data: &x.data,
            created_at: format_time(&x.created_at),
            updated_at: format_time(&x.created_at),
        })
        .collect();
    let body = serde_json::json!({
        "id": user.id,
        "user_id": user.user_id,
        "name": user.name,
        "icon": user.icon,
        "display_name": user.display_name,
        "credentials": credentials,
        "transactions": transactions,
    });
    Ok(GoJson::ok(body).into_response())
}

async fn delete_user(
    State(admin): State<Admin>,
    Path(path): Path<std::collections::HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let (tenant, user_id) = find_user(&admin, path.get("user_id").map_or("", String::as_str))?;
    let raw_ids = {
        let mut data = tenant.data();
        let internal = data.users.get(&user_id).map(|u| u.id);
        let raw = data.remove_user(&user_id);
        if let Some(internal) = internal {
            data.transactions.retain(|x| x.user_internal_id != internal);
        }
        raw
    };
    let mut ids = admin
        .state
        .credential_ids
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    for raw in raw_ids {
        ids.remove(&raw);
    }
    Ok(no_content())
}
