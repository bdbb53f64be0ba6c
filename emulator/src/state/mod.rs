//! In-memory state: tenants, users, credentials, sessions, transactions, audit logs.
//!
//! Each tenant's data sits behind one mutex that is never held across an `.await`, so every
//! ceremony step (look up session, verify, store credential, consume session) is atomic: two
//! clients can never both consume the same challenge, and nothing is lost under concurrency.

mod clock;
mod journal;
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
pub(crate) use journal::{Change, Journal};
pub(crate) use rows::{
    AuditLog, Operation, Session, StoredCredential, Transaction, User, format_time,
};
pub(crate) use sessions::Sessions;

/// Audit-log rows kept per tenant, newest first (the server keeps every row; an emulator that
/// runs for days under load must not).
pub(crate) const AUDIT_LOG_LIMIT: usize = 10_000;

/// Shared state of a running emulator.
#[derive(Default)]
pub(crate) struct AppState {
    tenants: RwLock<HashMap<Uuid, Arc<Tenant>>>,
    /// Credential ids are a global primary key on the server.
    pub(crate) credential_ids: Mutex<HashSet<Vec<u8>>>,
    /// The emulator's time, shared by its tenants.
    pub(crate) clock: Arc<Clock>,
    /// Where data is written through (`--data`); `None` keeps everything in memory.
    pub(crate) journal: Option<Arc<dyn Journal>>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("persistent", &self.journal.is_some())
            .finish_non_exhaustive()
    }
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
    /// Where the tenant's changes are written through (`--data`); `None` in memory.
    journal: Option<Arc<dyn Journal>>,
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
        storage: TenantStorage,
    ) -> Self {
        let TenantStorage {
            clock,
            journal,
            mut data,
        } = storage;
        data.recording = journal.is_some();
        Self {
            id,
            config,
            api_key,
            webauthn,
            keys,
            clock,
            journal,
            data: Mutex::new(data),
        }
    }

    /// The current time on the emulator's clock, at the DB's microsecond precision.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The tenant's data, locked. What is changed through it is written to the journal (if
    /// any) when the guard is dropped, before the request that changed it is answered.
    pub(crate) fn data(&self) -> DataGuard<'_> {
        DataGuard {
            data: self.data.lock().unwrap_or_else(|e| e.into_inner()),
            tenant: self,
        }
    }

    /// Whether CORS lets `origin` in: echo compares the `Origin` header with each allowed
    /// origin exactly, case included (WebAuthn's own origin check is case-insensitive).
    pub(crate) fn allows_origin(&self, origin: &str) -> bool {
        self.config.origins.iter().any(|a| a == origin)
    }
}

/// Where a tenant's data lives: the emulator's clock, the journal (if any), and the data it
/// starts with.
pub(crate) struct TenantStorage {
    pub(crate) clock: Arc<Clock>,
    pub(crate) journal: Option<Arc<dyn Journal>>,
    pub(crate) data: TenantData,
}

/// A tenant's locked data; flushes its changes to the journal on drop.
pub(crate) struct DataGuard<'a> {
    data: MutexGuard<'a, TenantData>,
    tenant: &'a Tenant,
}

impl std::ops::Deref for DataGuard<'_> {
    type Target = TenantData;
    fn deref(&self) -> &TenantData {
        &self.data
    }
}

impl std::ops::DerefMut for DataGuard<'_> {
    fn deref_mut(&mut self) -> &mut TenantData {
        &mut self.data
    }
}

impl Drop for DataGuard<'_> {
    fn drop(&mut self) {
        if let Some(journal) = &self.tenant.journal
            && !self.data.changes.is_empty()
        {
            // Still under the lock: changes reach the journal in the order they were made.
            journal.apply(self.tenant.id, std::mem::take(&mut self.data.changes));
        }
    }
}

/// All mutable data of a tenant. Read the fields; change them through the methods, which
/// also note each change for the journal.
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
    recording: bool,
    changes: Vec<Change>,
}

impl TenantData {
    /// A strictly increasing number, to order rows created in the same microsecond.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn note(&mut self, change: impl FnOnce() -> Change) {
        if self.recording {
            self.changes.push(change());
        }
    }

    /// Appends an audit-log row, dropping the oldest beyond [`AUDIT_LOG_LIMIT`].
    pub(crate) fn push_audit_log(&mut self, row: AuditLog) {
        if self.audit_logs.len() >= AUDIT_LOG_LIMIT
            && let Some(old) = self.audit_logs.pop_front()
        {
            self.note(|| Change::AuditLogRemoved(old.id));
        }
        self.note(|| Change::AuditLog(row.clone()));
        self.audit_logs.push_back(row);
    }

    /// Stores a user (new, or with changed names and icon).
    pub(crate) fn put_user(&mut self, user: User) {
        self.note(|| Change::User(user.clone()));
        self.users.insert(user.user_id.clone(), user);
    }

    /// Stores a credential (new or changed).
    pub(crate) fn put_credential(&mut self, credential: StoredCredential) {
        self.note(|| Change::Credential(credential.clone()));
        self.credentials.insert(credential.id.clone(), credential);
    }

    /// Removes a credential.
    pub(crate) fn remove_credential(&mut self, id: &str) -> Option<StoredCredential> {
        let removed = self.credentials.remove(id)?;
        self.note(|| Change::CredentialRemoved(id.to_string()));
        Some(removed)
    }

    /// Stores a session (pruning old ones, see [`Sessions`]).
    pub(crate) fn put_session(&mut self, challenge: String, session: Session, now: DateTime<Utc>) {
        for pruned in self
            .sessions
            .insert(challenge.clone(), session.clone(), now)
        {
            self.note(|| Change::SessionRemoved(pruned));
        }
        self.note(|| Change::Session(challenge, session));
    }

    /// Consumes a session.
    pub(crate) fn remove_session(&mut self, challenge: &str) {
        if self.sessions.remove(challenge).is_some() {
            self.note(|| Change::SessionRemoved(challenge.to_string()));
        }
    }

    /// Stores a new transaction.
    pub(crate) fn push_transaction(&mut self, transaction: Transaction) {
        self.note(|| Change::Transaction(transaction.clone()));
        self.transactions.push(transaction);
    }

    /// Rebuilds data from the rows a journal kept, in their order.
    pub(crate) fn restore(rows: Vec<Change>, now: DateTime<Utc>) -> Self {
        let mut data = Self::default();
        for row in rows {
            match row {
                Change::User(u) => data.put_user(u),
                Change::Credential(c) => {
                    data.seq = data.seq.max(c.seq);
                    data.put_credential(c);
                }
                Change::Session(challenge, s) => data.put_session(challenge, s, now),
                Change::Transaction(t) => data.push_transaction(t),
                Change::AuditLog(l) => {
                    data.seq = data.seq.max(l.seq);
                    data.push_audit_log(l);
                }
                Change::CredentialRemoved(_)
                | Change::SessionRemoved(_)
                | Change::AuditLogRemoved(_) => {}
            }
        }
        data
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
                kind: "webauthn_authentication_init_succeeded".into(),
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
