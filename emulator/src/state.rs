//! In-memory state: tenants, users, credentials, sessions, transactions, audit logs.
//!
//! Each tenant's data sits behind one mutex that is never held across an `.await`, so every
//! ceremony step (look up session, verify, store credential, consume session) is atomic: two
//! clients can never both consume the same challenge, and nothing is lost under concurrency.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::proto::Credential;

use crate::config::TenantConfig;
use crate::keys::SigningKey;

/// Shared state of a running emulator.
#[derive(Debug, Default)]
pub(crate) struct AppState {
    tenants: RwLock<HashMap<Uuid, Arc<Tenant>>>,
    /// Credential ids are a global primary key on the server.
    pub(crate) credential_ids: Mutex<HashSet<Vec<u8>>>,
    seq: AtomicU64,
}

impl AppState {
    pub(crate) fn tenant(&self, id: &Uuid) -> Option<Arc<Tenant>> {
        self.tenants
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(id)
            .cloned()
    }

    pub(crate) fn insert_tenant(&self, tenant: Tenant) -> Result<Arc<Tenant>, Uuid> {
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        if tenants.contains_key(&tenant.id) {
            return Err(tenant.id);
        }
        let tenant = Arc::new(tenant);
        tenants.insert(tenant.id, tenant.clone());
        Ok(tenant)
    }

    /// A strictly increasing number, to order rows created in the same microsecond.
    pub(crate) fn next_seq(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::Relaxed)
    }
}

/// One tenant: its configuration, WebAuthn verifier, signing keys and data.
pub(crate) struct Tenant {
    pub(crate) id: Uuid,
    pub(crate) config: TenantConfig,
    pub(crate) api_key: String,
    pub(crate) webauthn: WebauthnCore,
    pub(crate) keys: RwLock<Vec<SigningKey>>,
    data: Mutex<TenantData>,
}

impl std::fmt::Debug for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenant")
            .field("id", &self.id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Tenant {
    pub(crate) fn new(
        id: Uuid,
        config: TenantConfig,
        api_key: String,
        webauthn: WebauthnCore,
        key: SigningKey,
    ) -> Self {
        Self {
            id,
            config,
            api_key,
            webauthn,
            keys: RwLock::new(vec![key]),
            data: Mutex::new(TenantData::default()),
        }
    }

    pub(crate) fn data(&self) -> MutexGuard<'_, TenantData> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Signs `claims` with the newest key.
    pub(crate) fn sign(&self, claims: &Value) -> Option<String> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        keys.last()?.sign_jwt(claims)
    }

    pub(crate) fn jwks(&self) -> Value {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        json!({"keys": keys.iter().map(SigningKey::jwk).collect::<Vec<_>>()})
    }
}

/// A webauthn user (`webauthn_users` row).
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: Uuid,
    pub(crate) user_id: String,
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) icon: Option<String>,
}

/// A stored credential and everything its DTO shows.
#[derive(Debug, Clone)]
pub(crate) struct StoredCredential {
    pub(crate) id: String,
    pub(crate) raw_id: Vec<u8>,
    pub(crate) name: String,
    pub(crate) public_key: String,
    pub(crate) attestation_type: String,
    pub(crate) aaguid: Uuid,
    pub(crate) last_used_at: DateTime<Utc>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) seq: u64,
    pub(crate) backup_eligible: bool,
    pub(crate) backup_state: bool,
    pub(crate) is_mfa: bool,
    pub(crate) user_id: String,
    pub(crate) credential: Credential,
}

impl StoredCredential {
    pub(crate) fn dto(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "public_key": self.public_key,
            "attestation_type": self.attestation_type,
            "aaguid": self.aaguid.to_string(),
            "last_used_at": format_time(&self.last_used_at),
            "created_at": format_time(&self.created_at),
            "transports": [],
            "backup_eligible": self.backup_eligible,
            "backup_state": self.backup_state,
            "is_mfa": self.is_mfa,
            "user_id": self.user_id,
        })
    }
}

/// What a session was created for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Registration,
    Authentication,
    Transaction,
}

/// A pending ceremony, keyed by its challenge.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) operation: Operation,
    /// Application user id; empty for a discoverable login.
    pub(crate) user_id: String,
    pub(crate) uv_required: bool,
    pub(crate) allowed: Vec<Vec<u8>>,
    pub(crate) discoverable: bool,
    pub(crate) expires_at: DateTime<Utc>,
}

/// A transaction row.
#[derive(Debug, Clone)]
pub(crate) struct Transaction {
    pub(crate) id: Uuid,
    pub(crate) identifier: String,
    pub(crate) data: String,
    pub(crate) challenge: String,
    pub(crate) user_internal_id: Uuid,
    pub(crate) created_at: DateTime<Utc>,
}

impl Transaction {
    pub(crate) fn dto(&self) -> Value {
        json!({
            "id": self.id.to_string(),
            "identifier": self.identifier,
            "data": self.data,
            "created_at": format_time(&self.created_at),
            "updated_at": format_time(&self.created_at),
        })
    }
}

/// An audit log row.
#[derive(Debug, Clone)]
pub(crate) struct AuditLog {
    pub(crate) id: Uuid,
    pub(crate) kind: &'static str,
    pub(crate) request_id: String,
    pub(crate) source_ip: String,
    pub(crate) user_agent: String,
    pub(crate) actor_user_id: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) seq: u64,
    pub(crate) tenant_id: Uuid,
    pub(crate) transaction_id: Option<String>,
}

impl AuditLog {
    pub(crate) fn dto(&self) -> Value {
        let mut map = serde_json::Map::new();
        map.insert("id".into(), self.id.to_string().into());
        map.insert("type".into(), self.kind.into());
        map.insert(
            "meta_http_request_id".into(),
            self.request_id.clone().into(),
        );
        map.insert("meta_source_ip".into(), self.source_ip.clone().into());
        map.insert("meta_user_agent".into(), self.user_agent.clone().into());
        if let Some(actor) = &self.actor_user_id {
            map.insert("actor_user_id".into(), actor.clone().into());
        }
        map.insert("created_at".into(), format_time(&self.created_at).into());
        map.insert("updated_at".into(), format_time(&self.created_at).into());
        map.insert("tenant_id".into(), self.tenant_id.to_string().into());
        map.insert(
            "transaction_id".into(),
            self.transaction_id
                .clone()
                .map_or(Value::Null, Value::String),
        );
        Value::Object(map)
    }
}

/// All mutable data of a tenant.
#[derive(Debug, Default)]
pub(crate) struct TenantData {
    /// Keyed by the application user id.
    pub(crate) users: HashMap<String, User>,
    /// Keyed by the base64url credential id.
    pub(crate) credentials: HashMap<String, StoredCredential>,
    /// Keyed by the challenge string.
    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) transactions: Vec<Transaction>,
    pub(crate) audit_logs: Vec<AuditLog>,
}

impl TenantData {
    pub(crate) fn credentials_of<'a>(
        &'a self,
        user_id: &'a str,
    ) -> impl Iterator<Item = &'a StoredCredential> + 'a {
        self.credentials
            .values()
            .filter(move |c| c.user_id == user_id)
    }
}

/// The current time at the DB's microsecond precision.
pub(crate) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Go's RFC 3339 with a variable-length fraction (`time.RFC3339Nano`), in UTC.
pub(crate) fn format_time(t: &DateTime<Utc>) -> String {
    let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let nanos = t.timestamp_subsec_nanos();
    if nanos == 0 {
        format!("{base}Z")
    } else {
        let frac = format!("{nanos:09}");
        format!("{base}.{}Z", frac.trim_end_matches('0'))
    }
}
