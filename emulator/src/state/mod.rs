//! In-memory state: tenants, users, credentials, sessions, transactions, audit logs.
//!
//! Each tenant's data sits behind one mutex that is never held across an `.await`, so every
//! ceremony step (look up session, verify, store credential, consume session) is atomic: two
//! clients can never both consume the same challenge, and nothing is lost under concurrency.

mod clock;
mod rows;
mod sessions;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use chrono::{DateTime, Utc};
use uuid::Uuid;
use webauthn_rs_core::WebauthnCore;

use crate::config::TenantConfig;
use crate::keys::KeyRing;
pub(crate) use clock::Clock;
pub(crate) use rows::{
    AuditLog, Operation, Session, StoredCredential, Transaction, User, format_time,
};
pub(crate) use sessions::Sessions;

/// Audit-log rows kept per tenant, newest first (the server keeps every row; an emulator that
/// runs for days under load must not).
pub(crate) const AUDIT_LOG_LIMIT: usize = 10_000;

/// Shared state of a running emulator.
#[derive(Debug, Default)]
pub(crate) struct AppState {
    tenants: RwLock<HashMap<Uuid, Arc<Tenant>>>,
    /// Credential ids are a global primary key on the server.
    pub(crate) credential_ids: Mutex<HashSet<Vec<u8>>>,
    /// The emulator's time, shared by its tenants.
    pub(crate) clock: Arc<Clock>,
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
    clock: Arc<Clock>,
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
        clock: Arc<Clock>,
    ) -> Self {
        Self {
            id,
            config,
            api_key,
            webauthn,
            keys,
            clock,
            data: Mutex::new(TenantData::default()),
        }
    }

    /// The current time on the emulator's clock, at the DB's microsecond precision.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) fn data(&self) -> MutexGuard<'_, TenantData> {
        self.data.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether CORS lets `origin` in: echo compares the `Origin` header with each allowed
    /// origin exactly, case included (WebAuthn's own origin check is case-insensitive).
    pub(crate) fn allows_origin(&self, origin: &str) -> bool {
        self.config.origins.iter().any(|a| a == origin)
    }
}

/// All mutable data of a tenant.
#[derive(Debug, Default)]
pub(crate) struct TenantData {
    /// Keyed by the application user id.
    pub(crate) users: HashMap<String, User>,
    /// Keyed by the base64url credential id.
    pub(crate) credentials: HashMap<String, StoredCredential>,
    pub(crate) sessions: Sessions,
    pub(crate) transactions: Vec<Transaction>,
    /// Oldest first, at most [`AUDIT_LOG_LIMIT`].
    pub(crate) audit_logs: VecDeque<AuditLog>,
    seq: u64,
}

impl TenantData {
    /// A strictly increasing number, to order rows created in the same microsecond.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Appends an audit-log row, dropping the oldest beyond [`AUDIT_LOG_LIMIT`].
    pub(crate) fn push_audit_log(&mut self, row: AuditLog) {
        if self.audit_logs.len() >= AUDIT_LOG_LIMIT {
            self.audit_logs.pop_front();
        }
        self.audit_logs.push_back(row);
    }

    /// The credentials of `user_id`, newest first: the order `allowCredentials` lists them in.
    /// The server loads them without `ORDER BY`, so its order is the database's; go-webauthn's
    /// ownership check at finalize looks only at the last one listed (see `assertion::verify`).
    pub(crate) fn credentials_of<'a>(
        &'a self,
        user_id: &'a str,
    ) -> impl Iterator<Item = &'a StoredCredential> + 'a {
        let mut owned: Vec<&StoredCredential> = self
            .credentials
            .values()
            .filter(|c| c.user_id == user_id)
            .collect();
        owned.sort_by_key(|c| std::cmp::Reverse(c.seq));
        owned.into_iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_logs_keep_the_newest_rows_up_to_the_limit() {
        let mut data = TenantData::default();
        for i in 0..AUDIT_LOG_LIMIT + 3 {
            let seq = data.next_seq();
            data.push_audit_log(AuditLog {
                id: Uuid::new_v4(),
                kind: "webauthn_authentication_init_succeeded",
                request_id: i.to_string(),
                source_ip: String::new(),
                user_agent: String::new(),
                actor_user_id: None,
                created_at: Utc::now(),
                seq,
                tenant_id: Uuid::nil(),
                transaction_id: None,
            });
        }
        assert_eq!(data.audit_logs.len(), AUDIT_LOG_LIMIT);
        assert_eq!(
            data.audit_logs.front().map(|l| l.request_id.as_str()),
            Some("3")
        );
    }
}
