//! In-memory state: tenants, users, credentials, sessions, transactions, audit logs.
//!
//! Each tenant's data sits behind one mutex that is never held across an `.await`, so every
//! ceremony step (look up session, verify, store credential, consume session) is atomic: two
//! clients can never both consume the same challenge, and nothing is lost under concurrency.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use chrono::{DateTime, Utc};
use uuid::Uuid;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::proto::Credential;

use crate::config::TenantConfig;
use crate::keys::KeyRing;

/// Shared state of a running emulator.
#[derive(Debug, Default)]
pub(crate) struct AppState {
    tenants: RwLock<HashMap<Uuid, Arc<Tenant>>>,
    /// Credential ids are a global primary key on the server.
    pub(crate) credential_ids: Mutex<HashSet<Vec<u8>>>,
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
}

/// One tenant: its configuration, WebAuthn verifier, signing keys and data.
pub(crate) struct Tenant {
    pub(crate) id: Uuid,
    pub(crate) config: TenantConfig,
    pub(crate) api_key: String,
    pub(crate) webauthn: WebauthnCore,
    pub(crate) keys: KeyRing,
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
        keys: KeyRing,
    ) -> Self {
        Self {
            id,
            config,
            api_key,
            webauthn,
            keys,
            data: Mutex::new(TenantData::default()),
        }
    }

    pub(crate) fn data(&self) -> MutexGuard<'_, TenantData> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether CORS lets `origin` in.
    pub(crate) fn allows_origin(&self, origin: &str) -> bool {
        self.config
            .origins
            .iter()
            .any(|a| a.eq_ignore_ascii_case(origin.trim_end_matches('/')))
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
    seq: u64,
}

impl TenantData {
    /// A strictly increasing number, to order rows created in the same microsecond.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

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
