//! `--data PATH`: tenants and their data in an SQLite file, written through before each
//! request is answered (WAL, `synchronous=NORMAL`: a killed process loses nothing that was
//! acknowledged), read back at start.
//!
//! Rows are kept as JSON documents keyed by what identifies them; the in-memory state stays
//! the one that answers requests. Everything either API changes is kept: tenants with their
//! settings (name, configuration, CORS, icon, creation time), secrets with their ids, signing
//! keys, users, credentials, sessions, transactions, audit logs; a deleted tenant is removed
//! with all of it.
//!
//! `PRAGMA user_version` says which layout a file has: 0 is the layout of emulators before
//! secrets were kept (a tenant row carried its one API key), migrated on open; 1 is this one.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::{
    Attachment, AttestationPreference, ResidentKey, TenantConfig, UserVerification,
    WebauthnSettings,
};
use crate::error::EmulatorError;
use crate::state::{AdminView, Change, Journal, Secret, SecretKind, TenantRecord};
use crate::tenants::StoredTenant;

/// The layout this emulator writes (`PRAGMA user_version`).
const VERSION: i64 = 1;

/// The SQLite file of an emulator.
pub(crate) struct Store {
    connection: Mutex<Connection>,
}

fn failed(e: impl std::fmt::Display) -> EmulatorError {
    EmulatorError::Storage(e.to_string())
}

impl Store {
    /// Opens (or creates) the file at `path`.
    pub(crate) fn open(path: &Path) -> Result<Self, EmulatorError> {
        let mut connection = Connection::open(path).map_err(failed)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 CREATE TABLE IF NOT EXISTS tenants (
                     id TEXT PRIMARY KEY, api_key TEXT NOT NULL, config TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS signing_keys (
                     tenant TEXT NOT NULL, kid TEXT NOT NULL, pkcs8 BLOB NOT NULL,
                     position INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (tenant, kid));
                 CREATE TABLE IF NOT EXISTS rows (
                     tenant TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
                     body TEXT NOT NULL, PRIMARY KEY (tenant, kind, key));",
            )
            .map_err(failed)?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(failed)?;
        migrate(&mut connection, Utc::now())?;
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every stored tenant, in the order they were created.
    pub(crate) fn load(&self) -> Result<Vec<StoredTenant>, EmulatorError> {
        let connection = self.connection();
        let mut tenants = Vec::new();
        let mut statement = connection
            .prepare("SELECT id, config FROM tenants ORDER BY rowid")
            .map_err(failed)?;
        let rows = statement
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(failed)?;
        for row in rows {
            let (id, config) = row.map_err(failed)?;
            let id = Uuid::parse_str(&id).map_err(failed)?;
            let config: StoredConfig = serde_json::from_str(&config).map_err(failed)?;
            tenants.push(StoredTenant {
                record: config.into_record(id)?,
                keys: Vec::new(),
                rows: Vec::new(),
            });
        }
        for tenant in &mut tenants {
            let id = tenant.record.id.to_string();
            let mut keys = connection
                .prepare(
                    "SELECT kid, pkcs8 FROM signing_keys WHERE tenant = ?1
                     ORDER BY position, rowid",
                )
                .map_err(failed)?;
            for key in keys
                .query_map([&id], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
                })
                .map_err(failed)?
            {
                let (kid, pkcs8) = key.map_err(failed)?;
                tenant
                    .keys
                    .push((Uuid::parse_str(&kid).map_err(failed)?, pkcs8));
            }
            let mut rows = connection
                .prepare("SELECT kind, key, body FROM rows WHERE tenant = ?1 ORDER BY rowid")
                .map_err(failed)?;
            for row in rows
                .query_map([&id], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })
                .map_err(failed)?
            {
                let (kind, key, body) = row.map_err(failed)?;
                tenant.rows.push(decode_row(&kind, key, &body)?);
            }
        }
        Ok(tenants)
    }
}

fn decode_row(kind: &str, key: String, body: &str) -> Result<Change, EmulatorError> {
    Ok(match kind {
        "user" => Change::User(serde_json::from_str(body).map_err(failed)?),
        "credential" => Change::Credential(serde_json::from_str(body).map_err(failed)?),
        "session" => Change::Session(key, serde_json::from_str(body).map_err(failed)?),
        "transaction" => Change::Transaction(serde_json::from_str(body).map_err(failed)?),
        "audit_log" => Change::AuditLog(serde_json::from_str(body).map_err(failed)?),
        "api_key" => Change::Secret(SecretKind::Api, serde_json::from_str(body).map_err(failed)?),
        "jwk_secret" => {
            Change::Secret(SecretKind::Jwk, serde_json::from_str(body).map_err(failed)?)
        }
        other => return Err(failed(format!("unknown row kind {other:?}"))),
    })
}

/// `(kind, key, body)` of a row to write, or `(kind, key)` of one to delete.
fn encode(change: &Change) -> Result<(&'static str, String, Option<String>), serde_json::Error> {
    Ok(match change {
        Change::User(u) => ("user", u.user_id.clone(), Some(serde_json::to_string(u)?)),
        Change::UserRemoved(id) => ("user", id.clone(), None),
        Change::Credential(c) => ("credential", c.id.clone(), Some(serde_json::to_string(c)?)),
        Change::CredentialRemoved(id) => ("credential", id.clone(), None),
        Change::Session(challenge, s) => (
            "session",
            challenge.clone(),
            Some(serde_json::to_string(s)?),
        ),
        Change::SessionRemoved(challenge) => ("session", challenge.clone(), None),
        Change::Transaction(t) => (
            "transaction",
            t.id.to_string(),
            Some(serde_json::to_string(t)?),
        ),
        Change::AuditLog(l) => (
            "audit_log",
            l.id.to_string(),
            Some(serde_json::to_string(l)?),
        ),
        Change::AuditLogRemoved(id) => ("audit_log", id.to_string(), None),
        Change::TransactionRemoved(id) => ("transaction", id.to_string(), None),
        Change::Secret(kind, secret) => (
            secret_kind(*kind),
            secret.id.to_string(),
            Some(serde_json::to_string(secret)?),
        ),
        Change::SecretRemoved(kind, id) => (secret_kind(*kind), id.to_string(), None),
    })
}

/// The row kind of a secret.
fn secret_kind(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::Api => "api_key",
        SecretKind::Jwk => "jwk_secret",
    }
}

/// Writes `changes` of `tenant` within a transaction.
fn write_changes(
    tx: &rusqlite::Transaction<'_>,
    tenant: &str,
    changes: &[Change],
) -> Result<(), String> {
    for change in changes {
        let (kind, key, body) = encode(change).map_err(|e| e.to_string())?;
        match body {
            Some(body) => tx.execute(
                "INSERT INTO rows (tenant, kind, key, body) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant, kind, key) DO UPDATE SET body = excluded.body",
                params![tenant, kind, key, body],
            ),
            None => tx.execute(
                "DELETE FROM rows WHERE tenant = ?1 AND kind = ?2 AND key = ?3",
                params![tenant, kind, key],
            ),
        }
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Brings a file to [`VERSION`]. Version 0 files kept one API key per tenant in its row and
/// nothing else of the admin API's: that key becomes the tenant's "Initial API Key" secret
/// (with a JWK secret, as every tenant has), and the name and creation time are fixed now, so
/// that ids and times stay the same from this start on.
fn migrate(connection: &mut Connection, now: DateTime<Utc>) -> Result<(), EmulatorError> {
    let version: i64 = connection
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(failed)?;
    if version > VERSION {
        return Err(failed(format!(
            "the file was written by a newer emulator (layout {version}; this one reads up to {VERSION})"
        )));
    }
    if version == VERSION {
        return Ok(());
    }
    let tx = connection.transaction().map_err(failed)?;
    // Layout 0 kept keys in the order they were stored, which is the order of their rows.
    let has_position = tx
        .prepare("SELECT position FROM signing_keys LIMIT 0")
        .is_ok();
    if !has_position {
        tx.execute_batch("ALTER TABLE signing_keys ADD COLUMN position INTEGER NOT NULL DEFAULT 0")
            .map_err(failed)?;
    }
    let legacy: Vec<(String, String, String)> = {
        let mut statement = tx
            .prepare("SELECT id, api_key, config FROM tenants ORDER BY rowid")
            .map_err(failed)?;
        let rows = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(failed)?;
        rows.collect::<Result<_, _>>().map_err(failed)?
    };
    for (id, api_key, config) in legacy {
        let uuid = Uuid::parse_str(&id).map_err(failed)?;
        let stored: StoredConfig = serde_json::from_str(&config).map_err(failed)?;
        let mut record = stored.into_record(uuid)?;
        record.created_at = now;
        let mut secrets = vec![Change::Secret(
            SecretKind::Jwk,
            Secret::generate("Initial JWK Key", now),
        )];
        if !api_key.is_empty() {
            secrets.insert(
                0,
                Change::Secret(
                    SecretKind::Api,
                    Secret::with_value("Initial API Key", api_key, now),
                ),
            );
        }
        let config = serde_json::to_string(&StoredConfig::from(&record)).map_err(failed)?;
        tx.execute(
            "UPDATE tenants SET api_key = '', config = ?2 WHERE id = ?1",
            params![id, config],
        )
        .map_err(failed)?;
        write_changes(&tx, &id, &secrets).map_err(failed)?;
    }
    tx.pragma_update(None, "user_version", VERSION)
        .map_err(failed)?;
    tx.commit().map_err(failed)
}

impl Journal for Store {
    fn apply(&self, tenant: Uuid, changes: Vec<Change>) {
        let tenant = tenant.to_string();
        let mut connection = self.connection();
        let result = (|| -> Result<(), String> {
            let tx = connection.transaction().map_err(|e| e.to_string())?;
            write_changes(&tx, &tenant, &changes)?;
            tx.commit().map_err(|e| e.to_string())
        })();
        if let Err(e) = result {
            tracing::error!(error = %e, "cannot write the emulator's data file");
        }
    }

    fn save_tenant(&self, tenant: &TenantRecord, changes: Vec<Change>) -> Result<(), String> {
        let config =
            serde_json::to_string(&StoredConfig::from(tenant)).map_err(|e| e.to_string())?;
        let id = tenant.id.to_string();
        let mut connection = self.connection();
        let tx = connection.transaction().map_err(|e| e.to_string())?;
        // An upsert keeps the row (and so the order of tenants) of a tenant stored before.
        tx.execute(
            "INSERT INTO tenants (id, api_key, config) VALUES (?1, '', ?2)
             ON CONFLICT (id) DO UPDATE SET config = excluded.config",
            params![id, config],
        )
        .map_err(|e| e.to_string())?;
        write_changes(&tx, &id, &changes)?;
        tx.commit().map_err(|e| e.to_string())
    }

    fn remove_tenant(&self, id: Uuid) -> Result<(), String> {
        let id = id.to_string();
        let mut connection = self.connection();
        let tx = connection.transaction().map_err(|e| e.to_string())?;
        for table in [
            "DELETE FROM tenants WHERE id = ?1",
            "DELETE FROM signing_keys WHERE tenant = ?1",
            "DELETE FROM rows WHERE tenant = ?1",
        ] {
            tx.execute(table, params![id]).map_err(|e| e.to_string())?;
        }
        tx.commit().map_err(|e| e.to_string())
    }

    fn save_key(&self, tenant: Uuid, kid: Uuid, position: u64, pkcs8: &[u8]) {
        let result = self.connection().execute(
            "INSERT OR IGNORE INTO signing_keys (tenant, kid, pkcs8, position)
             VALUES (?1, ?2, ?3, ?4)",
            params![
                tenant.to_string(),
                kid.to_string(),
                pkcs8,
                i64::try_from(position).unwrap_or(i64::MAX)
            ],
        );
        if let Err(e) = result {
            tracing::error!(error = %e, "cannot store a signing key");
        }
    }
}

/// A tenant's settings as stored (the id lives in its own column; API keys are secrets,
/// stored as rows). The members after `rsa_bits` came with layout 1; a layout-0 file lacks
/// them.
#[derive(Serialize, Deserialize)]
struct StoredConfig {
    rp_id: String,
    rp_name: String,
    origins: Vec<String>,
    passkey: StoredSettings,
    mfa: StoredSettings,
    rsa_bits: u32,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    view: AdminView,
}

#[derive(Serialize, Deserialize)]
struct StoredSettings {
    timeout_ms: u64,
    user_verification: String,
    attachment: Option<String>,
    attestation: String,
    resident_key: String,
}

impl From<&TenantRecord> for StoredConfig {
    fn from(record: &TenantRecord) -> Self {
        let c = &record.config;
        let settings = |s: &WebauthnSettings| StoredSettings {
            timeout_ms: u64::try_from(s.timeout.as_millis()).unwrap_or(u64::MAX),
            user_verification: s.user_verification.as_str().into(),
            attachment: s.attachment.map(|a| a.as_str().into()),
            attestation: s.attestation.as_str().into(),
            resident_key: s.resident_key.as_str().into(),
        };
        Self {
            rp_id: c.rp_id.clone(),
            rp_name: c.rp_name.clone(),
            origins: c.origins.clone(),
            passkey: settings(&c.passkey),
            mfa: settings(&c.mfa),
            rsa_bits: c.rsa_bits,
            display_name: Some(record.display_name.clone()),
            created_at: Some(record.created_at),
            view: record.view.clone(),
        }
    }
}

impl StoredConfig {
    fn into_record(self, id: Uuid) -> Result<TenantRecord, EmulatorError> {
        let bad = |what: &str| failed(format!("stored tenant {id}: bad {what}"));
        let settings = |s: StoredSettings| -> Result<WebauthnSettings, EmulatorError> {
            Ok(WebauthnSettings {
                timeout: Duration::from_millis(s.timeout_ms),
                user_verification: UserVerification::parse(&s.user_verification)
                    .ok_or_else(|| bad("user_verification"))?,
                attachment: match s.attachment {
                    Some(a) => Some(Attachment::parse(&a).ok_or_else(|| bad("attachment"))?),
                    None => None,
                },
                attestation: AttestationPreference::parse(&s.attestation)
                    .ok_or_else(|| bad("attestation"))?,
                resident_key: ResidentKey::parse(&s.resident_key)
                    .ok_or_else(|| bad("resident_key"))?,
            })
        };
        let mut config = TenantConfig::new(self.rp_id, "http://localhost");
        config.tenant_id = Some(id);
        config.rp_name = self.rp_name;
        config.origins = self.origins;
        config.passkey = settings(self.passkey)?;
        config.mfa = settings(self.mfa)?;
        config.rsa_bits = self.rsa_bits;
        Ok(TenantRecord {
            id,
            display_name: self.display_name.unwrap_or_else(|| config.rp_name.clone()),
            // Layout 0 kept no creation time; `migrate` sets one.
            created_at: self.created_at.unwrap_or_default(),
            config,
            view: self.view,
        })
    }
}
