//! What a signed-in user does: list, add, rename and remove passkeys, add a security key
//! (second factor), and confirm a transfer with a passkey (transaction signing).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use futures_util::TryStreamExt as _;
use hanko_passkeys::token::Claims;
use hanko_passkeys::{
    AssertionResponse, Credential, LoginOptions, RegistrationOptions, RegistrationResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::failure::{Failure, Problem};
use crate::store::{User, valid_name};
use crate::{Shared, json_body};

/// The transfer the demo asks users to confirm.
fn transfer() -> Value {
    json!({"amount": "100.00", "currency": "EUR", "to": "Bob", "iban": "DE02 1203 0000 0000 2020 51"})
}

/// All credentials Hanko holds for a user, passkeys and security keys.
async fn credentials_of(app: &Shared, user_id: &str) -> Result<Vec<Credential>, Failure> {
    Ok(app
        .tenant
        .user(user_id)
        .credentials()
        .stream()
        .try_collect()
        .await?)
}

/// Ids of the user's security keys (credentials registered as a second factor).
pub async fn security_keys(app: &Shared, user_id: &str) -> Result<Vec<String>, Failure> {
    let all = credentials_of(app, user_id).await?;
    Ok(all.into_iter().filter(|c| c.is_mfa).map(|c| c.id).collect())
}

/// One of the user's credentials. The API's credential calls are not scoped to a user: check
/// ownership before renaming or removing.
async fn owned(app: &Shared, user: &User, id: &str) -> Result<Credential, Failure> {
    let all = credentials_of(app, &user.id).await?;
    all.into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| Problem::NotFound.into())
}

/// The token must name the user of the session.
fn same_user(claims: &Claims, user: &User) -> Result<(), Failure> {
    if claims.sub == user.id {
        Ok(())
    } else {
        Err(Failure::new(
            StatusCode::FORBIDDEN,
            "refused",
            "This passkey belongs to another account.",
        ))
    }
}

#[derive(Serialize)]
pub struct PasskeyView {
    id: String,
    name: String,
    /// `passkey` or `security_key`.
    kind: &'static str,
    created_at: String,
    last_used_at: Option<String>,
}

pub async fn list(
    State(app): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<Vec<PasskeyView>>, Failure> {
    let (_, user) = app.signed_in(&headers)?;
    let views = credentials_of(&app, &user.id)
        .await?
        .into_iter()
        .map(|c| PasskeyView {
            name: c.name.unwrap_or_else(|| c.id.clone()),
            kind: if c.is_mfa { "security_key" } else { "passkey" },
            created_at: c.created_at.to_rfc3339(),
            last_used_at: c.last_used_at.map(|t| t.to_rfc3339()),
            id: c.id,
        })
        .collect();
    Ok(Json(views))
}

pub async fn add_initialize(
    State(app): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<RegistrationOptions>, Failure> {
    let (_, user) = app.signed_in(&headers)?;
    passkey_options(&app, &user).await
}

/// Creation options for a new passkey of `user` (signed up or signing up).
pub async fn passkey_options(
    app: &Shared,
    user: &User,
) -> Result<Json<RegistrationOptions>, Failure> {
    let registration = app.tenant.registration();
    Ok(Json(registration.initialize(&user.id, &user.name).await?))
}

pub async fn add_finalize(
    State(app): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, Failure> {
    finish_registration(&app, &headers, &body, false).await
}

/// Registers the credential the browser created for the signed-in user, as a passkey or as a
/// second factor, and checks that the verified token names that user.
async fn finish_registration(
    app: &Shared,
    headers: &HeaderMap,
    body: &Bytes,
    second_factor: bool,
) -> Result<Json<Value>, Failure> {
    let (_, user) = app.signed_in(headers)?;
    let credential: RegistrationResponse = json_body(body, "a registration credential")?;
    let token = if second_factor {
        let mfa = app.tenant.user(&user.id).mfa();
        mfa.registration().finalize(&credential).await
    } else {
        app.tenant.registration().finalize(&credential).await
    };
    let claims = app.verified(token).await?;
    same_user(&claims, &user)?;
    Ok(Json(json!({"id": claims.cred})))
}

#[derive(Deserialize)]
pub struct Rename {
    name: String,
}

pub async fn rename(
    State(app): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, Failure> {
    let (_, user) = app.signed_in(&headers)?;
    let Rename { name } = json_body(&body, "a name")?;
    let name = valid_name(&name).ok_or_else(Failure::invalid_name)?;
    let credential = owned(&app, &user, &id).await?;
    app.tenant.credential(&credential.id).rename(name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn remove(
    State(app): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<StatusCode, Failure> {
    let (_, user) = app.signed_in(&headers)?;
    let credential = owned(&app, &user, &id).await?;
    app.tenant.credential(&credential.id).remove().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Second factor: register a security key. The API's default MFA settings ask for a
/// cross-platform authenticator (USB, NFC, BLE, or a phone).
pub async fn mfa_initialize(
    State(app): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<RegistrationOptions>, Failure> {
    let (_, user) = app.signed_in(&headers)?;
    let mfa = app.tenant.user(&user.id).mfa();
    Ok(Json(mfa.registration().initialize(&user.name).await?))
}

pub async fn mfa_finalize(
    State(app): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, Failure> {
    finish_registration(&app, &headers, &body, true).await
}

/// Transaction, step 1: a new transaction id (unique per tenant, forever) bound to the data;
/// the session remembers which transfer it is waiting for.
pub async fn transfer_initialize(
    State(app): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<LoginOptions>, Failure> {
    let (session_id, user) = app.signed_in(&headers)?;
    let transaction_id = format!("transfer-{}", uuid::Uuid::new_v4());
    let options = app
        .tenant
        .transaction()
        .initialize(&user.id, &transaction_id, &transfer())
        .await?;
    match app.store().session(&headers) {
        Some((id, session)) if id == session_id => session.pending_transfer = Some(transaction_id),
        _ => return Err(Failure::not_signed_in()),
    }
    Ok(Json(options))
}

/// Transaction, step 2: the token must confirm exactly the transfer this session started.
/// Transactions take the user from the assertion's `userHandle`, so they need a discoverable
/// credential (a passkey), not a security key.
pub async fn transfer_finalize(
    State(app): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, Failure> {
    let (_, user) = app.signed_in(&headers)?;
    // One answer per transfer: whatever happens next, the next try starts a new one.
    let pending = app
        .store()
        .session(&headers)
        .and_then(|(_, session)| session.pending_transfer.take());
    let transaction_id = pending.ok_or(Problem::Expired)?;
    let assertion: AssertionResponse = json_body(&body, "a WebAuthn assertion")?;
    let token = app.tenant.transaction().finalize(&assertion).await?;
    let claims = token
        .verify_transaction(&app.verifier, &transaction_id)
        .await?;
    same_user(&claims, &user)?;
    let mut confirmed = transfer();
    confirmed["transaction_id"] = json!(transaction_id);
    confirmed["credential"] = json!(claims.cred);
    Ok(Json(confirmed))
}
