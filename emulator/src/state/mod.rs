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

    /// Puts a reconfigured tenant (see [`Tenant::reconfigured`]) in place of the old one.
    pub(crate) fn replace_tenant(&self, tenant: Tenant) {
        let mut tenants = self.tenants.write().unwrap_or_else(|e| e.into_inner());
        if tenants.contains_key(&tenant.id) {
            tenants.insert(tenant.id, Arc::new(tenant));
        }
    }

    /// Removes a tenant with all its data; `false` if it was not there.
    pub(crate) fn remove_tenant(&self, id: &Uuid) -> bool {
        let removed = self
            .tenants
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
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
                true
            }
            None => false,
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
/// [`reconfigured`](Tenant::reconfigured) tenant in place, which shares the secrets, keys and
/// data of the old one.
pub(crate) struct Tenant {
    pub(crate) id: Uuid,
    pub(crate) display_name: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) config: TenantConfig,
    /// What the admin API shows beyond `config` (CORS settings, RP icon).
    pub(crate) admin: crate::admin::AdminView,
    pub(crate) webauthn: Arc<WebauthnCore>,
    pub(crate) keys: Arc<KeyRing>,
    /// API keys and JWK secrets (the admin API's `secrets`).
    pub(crate) secrets: Arc<Mutex<Secrets>>,
    clock: Arc<Clock>,
    /// Where the tenant's changes are written through (`--data`); `None` in memory.
    journal: Option<Arc<dyn Journal>>,
    data: Arc<Mutex<TenantData>>,
}

/// One secret of the admin API: an API key or a JWK secret.
#[derive(Clone)]
pub(crate) struct Secret {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) secret: String,
    pub(crate) created_at: DateTime<Utc>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl Secret {
    /// A new secret named `name`: 64 random bytes, base64url with padding (88 characters).
    pub(crate) fn generate(name: impl Into<String>, now: DateTime<Utc>) -> Self {
        Self::with_value(name, crate::keys::random_secret(), now)
    }

    /// A secret with a given value.
    pub(crate) fn with_value(name: impl Into<String>, secret: String, now: DateTime<Utc>) -> Self {
        Self {
            id: Uuid::new_v4(),
            name: name.into(),
            secret,
            created_at: now,
        }
    }
}

/// A tenant's secrets, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Secrets {
    pub(crate) api: Vec<Secret>,
    pub(crate) jwk: Vec<Secret>,
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
        let now = clock.now();
        let secrets = Secrets {
            api: vec![Secret::with_value("Initial API Key", api_key, now)],
            jwk: vec![Secret::generate("Initial JWK Key", now)],
        };
        Self {
            id,
            display_name: config.rp_name.clone(),
            created_at: now,
            config,
            admin: crate::admin::AdminView::default(),
            webauthn: Arc::new(webauthn),
            keys: Arc::new(keys),
            secrets: Arc::new(Mutex::new(secrets)),
            clock,
            journal,
            data: Arc::new(Mutex::new(data)),
        }
    }

    /// The same tenant (secrets, keys, data) with another name, configuration, verifier and
    /// admin view.
    pub(crate) fn reconfigured(
        &self,
        display_name: String,
        config: TenantConfig,
        webauthn: Arc<WebauthnCore>,
        admin: crate::admin::AdminView,
    ) -> Self {
        Self {
            id: self.id,
            display_name,
            created_at: self.created_at,
            config,
            admin,
            webauthn,
            keys: self.keys.clone(),
            secrets: self.secrets.clone(),
            clock: self.clock.clone(),
            journal: self.journal.clone(),
            data: self.data.clone(),
        }
    }

    /// The tenant's secrets, locked.
    pub(crate) fn secrets(&self) -> MutexGuard<'_, Secrets> {
        self.secrets.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `key` is one of the tenant's API keys.
    pub(crate) fn accepts_api_key(&self, key: &str) -> bool {
        !key.is_empty() && self.secrets().api.iter().any(|s| s.secret == key)
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

    /// Removes a user (by application user id) with their credentials (the server's DB
    /// cascades; transactions stay in memory until restart); returns the removed credentials' raw ids.
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
                | Change::UserRemoved(_)
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
