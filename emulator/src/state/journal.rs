//! Where a tenant's changes go besides memory: with `--data`, an SQLite file (see the `store`
//! module), written through before each request is answered.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::admin_view::AdminView;
use super::rows::{AuditLog, Session, StoredCredential, Transaction, User};
use super::secrets::{Secret, SecretKind};
use crate::config::TenantConfig;

/// One change to a tenant's data, as the journal stores it.
#[derive(Debug, Clone)]
#[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
pub(crate) enum Change {
    User(User),
    UserRemoved(String),
    Credential(StoredCredential),
    CredentialRemoved(String),
    Session(String, Session),
    SessionRemoved(String),
    Transaction(Transaction),
    TransactionRemoved(Uuid),
    AuditLog(AuditLog),
    AuditLogRemoved(Uuid),
    Secret(SecretKind, Secret),
    SecretRemoved(SecretKind, Uuid),
}

/// A tenant's settings, as the journal keeps them: everything but its data and keys.
#[derive(Debug, Clone)]
pub(crate) struct TenantRecord {
    pub(crate) id: Uuid,
    pub(crate) display_name: String,
    pub(crate) created_at: DateTime<Utc>,
    /// The API key in it is not used: API keys are secrets, kept as data.
    pub(crate) config: TenantConfig,
    pub(crate) view: AdminView,
}

/// A durable copy of tenants and their data.
pub(crate) trait Journal: Send + Sync {
    /// Writes `changes` of `tenant`, in order, durably (a crash after this returns loses
    /// none of them).
    fn apply(&self, tenant: Uuid, changes: Vec<Change>);

    /// Stores a tenant's settings, new or changed (the order tenants were first stored in is
    /// kept), and `changes` of its data in the same transaction (a new tenant's first secrets).
    fn save_tenant(&self, tenant: &TenantRecord, changes: Vec<Change>) -> Result<(), String>;

    /// Removes a tenant with its data and keys.
    fn remove_tenant(&self, id: Uuid) -> Result<(), String>;

    /// Stores a tenant's new signing key (PKCS#8) at `position` in its ring (keys are
    /// generated in parallel and may arrive out of order), before anything is signed with it.
    fn save_key(&self, tenant: Uuid, kid: Uuid, position: u64, pkcs8: &[u8]);
}
