//! Where a tenant's changes go besides memory: with `--data`, an SQLite file (see
//! `crate::store`), written through before each request is answered.

use uuid::Uuid;

use super::{AuditLog, Session, StoredCredential, Transaction, User};
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
    AuditLog(AuditLog),
    AuditLogRemoved(Uuid),
}

/// A durable copy of tenants' data.
pub(crate) trait Journal: Send + Sync {
    /// Writes `changes` of `tenant`, in order, durably (a crash after this returns loses
    /// none of them).
    fn apply(&self, tenant: Uuid, changes: Vec<Change>);

    /// Stores a new tenant.
    fn save_tenant(&self, id: Uuid, config: &TenantConfig, api_key: &str) -> Result<(), String>;

    /// Stores a tenant's new signing key (PKCS#8), before anything is signed with it.
    fn save_key(&self, tenant: Uuid, kid: Uuid, pkcs8: &[u8]);
}
