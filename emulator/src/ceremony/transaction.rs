//! Transactions (`/transaction/*`, API key): a login whose challenge is bound to the
//! transaction's data, and the list of a user's transactions.

use axum::extract::Path;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::assertion::{
    Checks, ParsedAssertion, assertion_error, session_for, unknown_user, verify,
};
use super::options::{RequestOptionsResponse, TokenResponse};
use super::{Subject, expires, random_bytes, token, uv_required};
use crate::resources::audit_logs::record;
use crate::server::binding::Validation;
use crate::server::error::ApiError;
use crate::server::extract::{CurrentTenant, EchoBody, RequestMeta, parse_gofrs_uuid};
use crate::server::response::GoJson;
use crate::state::{Operation, Session, StoredCredential, Tenant, Transaction, format_time};

/// The body of `/transaction/initialize`.
struct InitRequest {
    user_id: String,
    transaction_id: String,
    transaction_data: Value,
}

impl InitRequest {
    fn parse(body: &EchoBody) -> Result<Self, ApiError> {
        let bound = body.bind("request.InitTransactionDto")?;
        let user_id = bound.string("user_id")?;
        let transaction_id = bound.string("transaction_id")?;
        let transaction_data = bound
            .value("transaction_data")
            .cloned()
            .unwrap_or(Value::Null);
        Validation::default()
            .required("user_id", user_id.as_deref())
            .required("transaction_id", transaction_id.as_deref())
            .max_len("transaction_id", transaction_id.as_deref(), 128)
            // An `interface{}`: go-playground treats it like a pointer, so only `null` (or
            // nothing) fails `required`; `""`, `0` and `false` are data.
            .check(
                transaction_data.is_null(),
                "transaction_data is a required field",
            )
            .finish()?;
        Ok(Self {
            user_id: user_id.unwrap_or_default(),
            transaction_id: transaction_id.unwrap_or_default(),
            transaction_data,
        })
    }
}

pub(crate) async fn initialize(
    CurrentTenant(tenant): CurrentTenant,
    meta: RequestMeta,
    body: EchoBody,
) -> Result<GoJson<RequestOptionsResponse>, ApiError> {
    let request = InitRequest::parse(&body)?;
    meta.audit_columns_fit()?;
    tenant.keys.prepare();
    let mut data = tenant.data();
    let user = data
        .users
        .get(&request.user_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("unable to find user"))?;
    if data
        .transactions
        .iter()
        .any(|t| t.identifier == request.transaction_id)
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "transaction already exists",
            "",
        ));
    }
    let all: Vec<&StoredCredential> = data.credentials_of(&request.user_id).collect();
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
    let canonical = crate::gojson::canonical(&request.transaction_data);
    let challenge = bound_challenge(&request.transaction_id, &canonical);
    let settings = &tenant.config.passkey;
    let options = RequestOptionsResponse::new(
        settings,
        &tenant.config.rp_id,
        challenge.clone(),
        Some(&allowed),
    );
    data.push_transaction(Transaction {
        id: Uuid::new_v4(),
        identifier: request.transaction_id.clone(),
        data: canonical,
        challenge: challenge.clone(),
        user_internal_id: user.id,
        created_at: tenant.now(),
    });
    let now = tenant.now();
    let session = Session {
        operation: Operation::Transaction,
        user_id: request.user_id.clone(),
        uv_required: uv_required(settings),
        allowed,
        discoverable: false,
        expires_at: expires(now, settings),
    };
    data.put_session(challenge, session, now);
    record(
        &tenant,
        &mut data,
        &meta,
        "webauthn_transaction_init_succeeded",
        Some(&request.user_id),
        Some(&request.transaction_id),
    );
    Ok(GoJson::ok(options))
}

/// `32 random bytes ‖ SHA-256(transaction_id ‖ data)`, base64url: 86 characters.
fn bound_challenge(transaction_id: &str, canonical_data: &str) -> String {
    use base64::Engine as _;
    let mut bytes = random_bytes::<32>().to_vec();
    let mut hasher = Sha256::new();
    hasher.update(transaction_id.as_bytes());
    hasher.update(canonical_data.as_bytes());
    bytes.extend_from_slice(&hasher.finalize());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes)
}

pub(crate) async fn finalize(
    CurrentTenant(tenant): CurrentTenant,
    meta: RequestMeta,
    body: EchoBody,
) -> Result<GoJson<TokenResponse>, ApiError> {
    let subject = finish(&tenant, &meta, &body)?;
    token(&tenant, subject).await
}

/// Verifies the assertion against the transaction's session; the token is for the returned
/// subject (with the transaction id).
fn finish(tenant: &Tenant, meta: &RequestMeta, body: &EchoBody) -> Result<Subject, ApiError> {
    let parsed = ParsedAssertion::parse(&body.bytes, "unable to finish transaction")?;
    meta.audit_columns_fit()?;
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
    let session = session_for(&data, &parsed.challenge, Operation::Transaction)?;
    // The user comes from the userHandle alone: a transaction needs a discoverable credential.
    let user_id = parsed.user_handle();
    if !data.users.contains_key(&user_id) {
        return Err(unknown_user());
    }
    if user_id != session.user_id {
        return Err(assertion_error("ID mismatch for User and Session"));
    }
    let checks = Checks { include_mfa: false };
    let credential_id = verify(tenant, &mut data, &parsed, &session, &user_id, checks)?;
    record(
        tenant,
        &mut data,
        meta,
        "webauthn_transaction_final_succeeded",
        Some(&user_id),
        Some(&transaction.identifier),
    );
    Ok(Subject {
        user_id,
        credential_id,
        transaction: Some(transaction.identifier),
    })
}

/// A transaction as `GET /transaction/{user_id}` shows it.
#[derive(Serialize)]
pub(crate) struct TransactionDto<'a> {
    pub(crate) id: Uuid,
    pub(crate) identifier: &'a str,
    /// The data as Go re-serialized it, as a JSON string.
    pub(crate) data: &'a str,
    pub(crate) created_at: String,
    pub(crate) updated_at: String,
}

/// The path parameter (the tenant id is a path parameter too).
#[derive(Deserialize)]
pub(crate) struct UserPath {
    user_id: String,
}

pub(crate) async fn list(
    tenant: CurrentTenant,
    Path(UserPath { user_id }): Path<UserPath>,
) -> Result<axum::response::Response, ApiError> {
    list_for(&tenant, &user_id)
}

pub(crate) async fn list_static(
    tenant: CurrentTenant,
    uri: axum::http::Uri,
) -> Result<axum::response::Response, ApiError> {
    let segment = uri.path().rsplit('/').next().unwrap_or("");
    list_for(&tenant, segment)
}

/// The transactions of the webauthn user with *internal* id `user` (never a 404).
fn list_for(
    CurrentTenant(tenant): &CurrentTenant,
    user: &str,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse as _;
    let internal =
        parse_gofrs_uuid(user).ok_or_else(|| ApiError::bad_request("invalid user id", ""))?;
    let data = tenant.data();
    let items: Vec<TransactionDto<'_>> = data
        .transactions
        .iter()
        .filter(|t| t.user_internal_id == internal)
        .map(|t| TransactionDto {
            id: t.id,
            identifier: &t.identifier,
            data: &t.data,
            created_at: format_time(&t.created_at),
            updated_at: format_time(&t.created_at),
        })
        .collect();
    Ok(GoJson::ok(items).into_response())
}
