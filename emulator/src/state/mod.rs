//! In-memory state: tenants, users, credentials, sessions, transactions, audit logs.
//!
//! Each tenant's data sits behind one mutex that is never held across an `.await`, so every
//! ceremony step (look up session, verify, store credential, consume session) is atomic: two
//! clients can never both consume the same challenge, and nothing is lost under concurrency.

mod admin_view;
mod clock;
mod journal;
mod rows;
mod secrets;
mod sessions;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use chrono::{DateTime, Utc};
use uuid::Uuid;
use webauthn_rs_core::WebauthnCore;

use crate::config::TenantConfig;
use crate::keys::KeyRing;
pub(crate) use admin_view::AdminView;
pub(crate) use clock::Clock;
pub(crate) use journal::{Change, Journal, TenantRecord};
pub(crate) use rows::{
    AuditLog, Operation, Session, StoredCredential, Transaction, User, format_time,
};
pub(crate) use secrets::{Secret, SecretKind, Secrets};
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

    /// Every tenant, oldest first.
    pub(crate) fn tenants(&self) -> Vec<Arc<Tenant>> {
        let mut all: Vec<Arc<Tenant>> = self
            .tenants
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect();
        all.sort_by_key(|t| (t.created_at, t.id));
        all
    }

    /// Puts a reconfigured tenant (see [`Tenant::reconfigured`]) in place of the old one, and
    /// writes its new settings to the journal (if any) before the caller answers.
    pub(crate) fn replace_tenant(&self, tenant: Tenant) -> Result<(), String> {
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = tenants.get_mut(&tenant.id) {
            if let Some(journal) = &self.journal {
                journal.save_tenant(&tenant.record(), Vec::new())?;
            }
            *slot = Arc::new(tenant);
        }
        Ok(())
    }

    /// Removes a tenant with all its data, from memory and from the journal; `false` if it was
    /// not there.
    pub(crate) fn remove_tenant(&self, id: &Uuid) -> Result<bool, String> {
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        if !tenants.contains_key(id) {
            return Ok(false);
        }
        if let Some(journal) = &self.journal {
            journal.remove_tenant(*id)?;
        }
        let removed = tenants.remove(id);
        drop(tenants);
        match removed {
            Some(tenant) => {
                let data = tenant.data();
                let mut ids = self
                    .credential_ids
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                for c in data.credentials.values() {
                    ids.remove(&c.raw_id);
                }
                Ok(true)
            }
            None => Ok(false),
        }
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
///
/// The configuration and verifier are fixed; the admin API changes them by putting a
/// [`reconfigured`](Tenant::reconfigured) tenant in place, which shares the keys and data
/// (secrets included) of the old one.
pub(crate) struct Tenant {
    pub(crate) id: Uuid,
    pub(crate) display_name: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) config: TenantConfig,
    /// What the admin API shows beyond `config` (CORS settings, RP icon).
    pub(crate) admin: AdminView,
    pub(crate) webauthn: Arc<WebauthnCore>,
    pub(crate) keys: Arc<KeyRing>,
    clock: Arc<Clock>,
    /// Where the tenant's changes are written through (`--data`); `None` in memory.
    journal: Option<Arc<dyn Journal>>,
    data: Arc<Mutex<TenantData>>,
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
    /// A tenant with the settings of `record`; its data (secrets included) comes with
    /// `storage`.
    pub(crate) fn new(
        record: TenantRecord,
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
            id: record.id,
            display_name: record.display_name,
            created_at: record.created_at,
            config: record.config,
            admin: record.view,
            webauthn: Arc::new(webauthn),
            keys: Arc::new(keys),
            clock,
            journal,
            data: Arc::new(Mutex::new(data)),
        }
    }

    /// What the journal keeps of the tenant's settings.
    pub(crate) fn record(&self) -> TenantRecord {
        TenantRecord {
            id: self.id,
            display_name: self.display_name.clone(),
            created_at: self.created_at,
            config: self.config.clone(),
            view: self.admin.clone(),
        }
    }

    /// The same tenant (keys, data, secrets) with another name, configuration, verifier and
    /// admin view.
    pub(crate) fn reconfigured(
        &self,
        display_name: String,
        config: TenantConfig,
        webauthn: Arc<WebauthnCore>,
        admin: AdminView,
    ) -> Self {
        Self {
            id: self.id,
            display_name,
            created_at: self.created_at,
            config,
            admin,
            webauthn,
            keys: self.keys.clone(),
            clock: self.clock.clone(),
            journal: self.journal.clone(),
            data: self.data.clone(),
        }
    }

    /// Which kind of secret `key` is: one of the tenant's API keys, one of its JWK secrets,
    /// or neither (`None`, also for an empty key).
    pub(crate) fn secret_kind(&self, key: &str) -> Option<SecretKind> {
        if key.is_empty() {
            return None;
        }
        let data = self.data.lock().unwrap_or_else(|e| e.into_inner());
        data.secrets.kind_of(key)
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

    /// The `Access-Control-Allow-Origin` CORS answers to `origin`, or `None` when the tenant's
    /// `cors.allowed_origins` do not let it in (see [`AdminView::cors_allow_origin`]; echo
    /// compares case-sensitively, WebAuthn's own origin check is case-insensitive).
    pub(crate) fn cors_allow_origin(&self, origin: &str) -> Option<String> {
        self.admin.cors_allow_origin(&self.config.origins, origin)
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
    /// API keys and JWK secrets (the admin API's `secrets`).
    pub(crate) secrets: Secrets,
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

    /// Removes a user (by application user id) with their credentials (the server's DB
    /// cascades; the caller removes the user's transactions); returns the removed credentials'
    /// raw ids.
    pub(crate) fn remove_user(&mut self, user_id: &str) -> Vec<Vec<u8>> {
        if self.users.remove(user_id).is_none() {
            return Vec::new();
        }
        self.note(|| Change::UserRemoved(user_id.to_string()));
        let ids: Vec<String> = self
            .credentials
            .values()
            .filter(|c| c.user_id == user_id)
            .map(|c| c.id.clone())
            .collect();
        let mut raw = Vec::new();
        for id in ids {
            if let Some(c) = self.remove_credential(&id) {
                raw.push(c.raw_id);
            }
        }
        raw
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

    /// Removes the transactions of the user with internal id `user` (the server's DB cascades
    /// a user's deletion to them).
    pub(crate) fn remove_transactions_of(&mut self, user: Uuid) {
        let mut removed = Vec::new();
        self.transactions.retain(|t| {
            let keep = t.user_internal_id != user;
            if !keep {
                removed.push(t.id);
            }
            keep
        });
        for id in removed {
            self.note(|| Change::TransactionRemoved(id));
        }
    }

    /// Adds a secret (API key or JWK secret), newest last.
    pub(crate) fn push_secret(&mut self, kind: SecretKind, secret: Secret) {
        self.note(|| Change::Secret(kind, secret.clone()));
        self.secrets.of_mut(kind).push(secret);
    }

    /// Removes a secret; `false` if there was none with this id.
    pub(crate) fn remove_secret(&mut self, kind: SecretKind, id: Uuid) -> bool {
        let list = self.secrets.of_mut(kind);
        let Some(index) = list.iter().position(|s| s.id == id) else {
            return false;
        };
        list.remove(index);
        self.note(|| Change::SecretRemoved(kind, id));
        true
    }

    /// Rebuilds data from the rows a journal kept, in their order.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
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
                Change::Secret(kind, secret) => data.push_secret(kind, secret),
                Change::AuditLog(l) => {
                    data.seq = data.seq.max(l.seq);
                    data.push_audit_log(l);
                }
                Change::CredentialRemoved(_)
                | Change::UserRemoved(_)
                | Change::SessionRemoved(_)
                | Change::TransactionRemoved(_)
                | Change::SecretRemoved(..)
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
