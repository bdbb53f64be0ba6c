//! `--data PATH`: tenants and their data in an SQLite file, written through before each
//! request is answered (WAL, `synchronous=NORMAL`: a killed process loses nothing that was
//! acknowledged), read back at start.
//!
//! Rows are kept as JSON documents keyed by what identifies them; the in-memory state stays
//! the one that answers requests.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::config::{
    Attachment, AttestationPreference, ResidentKey, TenantConfig, UserVerification,
    WebauthnSettings,
};
use crate::error::EmulatorError;
use crate::state::{Change, Journal};

/// The SQLite file of an emulator.
pub(crate) struct Store {
    connection: Mutex<Connection>,
}

/// A tenant as it was stored: configuration, API key, signing keys and data rows.
pub(crate) struct StoredTenant {
    pub(crate) id: Uuid,
    pub(crate) api_key: String,
    pub(crate) config: TenantConfig,
    /// `(kid, PKCS#8)`, oldest first.
    pub(crate) keys: Vec<(Uuid, Vec<u8>)>,
    /// The data, in the order it was written.
    pub(crate) rows: Vec<Change>,
}

fn failed(e: impl std::fmt::Display) -> EmulatorError {
    EmulatorError::Storage(e.to_string())
}

impl Store {
    /// Opens (or creates) the file at `path`.
    pub(crate) fn open(path: &Path) -> Result<Self, EmulatorError> {
        let connection = Connection::open(path).map_err(failed)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = NORMAL;
                 CREATE TABLE IF NOT EXISTS tenants (
                     id TEXT PRIMARY KEY, api_key TEXT NOT NULL, config TEXT NOT NULL);
                 CREATE TABLE IF NOT EXISTS signing_keys (
                     tenant TEXT NOT NULL, kid TEXT NOT NULL, pkcs8 BLOB NOT NULL,
                     PRIMARY KEY (tenant, kid));
                 CREATE TABLE IF NOT EXISTS rows (
                     tenant TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
                     body TEXT NOT NULL, PRIMARY KEY (tenant, kind, key));",
            )
            .map_err(failed)?;
        connection
            .busy_timeout(Duration::from_secs(5))
            .map_err(failed)?;
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
            .prepare("SELECT id, api_key, config FROM tenants ORDER BY rowid")
            .map_err(failed)?;
        let rows = statement
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })
            .map_err(failed)?;
        for row in rows {
            let (id, api_key, config) = row.map_err(failed)?;
            let id = Uuid::parse_str(&id).map_err(failed)?;
            let config: StoredConfig = serde_json::from_str(&config).map_err(failed)?;
            tenants.push(StoredTenant {
                id,
                api_key,
                config: config.into_config(id)?,
                keys: Vec::new(),
                rows: Vec::new(),
            });
        }
        for tenant in &mut tenants {
            let id = tenant.id.to_string();
            let mut keys = connection
                .prepare("SELECT kid, pkcs8 FROM signing_keys WHERE tenant = ?1 ORDER BY rowid")
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
    })
}

impl Journal for Store {
    fn apply(&self, tenant: Uuid, changes: Vec<Change>) {
        let tenant = tenant.to_string();
        let mut connection = self.connection();
        let result = (|| -> Result<(), String> {
            let tx = connection.transaction().map_err(|e| e.to_string())?;
            for change in &changes {
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
            tx.commit().map_err(|e| e.to_string())
        })();
        if let Err(e) = result {
            tracing::error!(error = %e, "cannot write the emulator's data file");
        }
    }

    fn save_tenant(&self, id: Uuid, config: &TenantConfig, api_key: &str) -> Result<(), String> {
        let config =
            serde_json::to_string(&StoredConfig::from(config)).map_err(|e| e.to_string())?;
        self.connection()
            .execute(
                "INSERT INTO tenants (id, api_key, config) VALUES (?1, ?2, ?3)",
                params![id.to_string(), api_key, config],
            )
            .map(drop)
            .map_err(|e| e.to_string())
    }

    fn save_key(&self, tenant: Uuid, kid: Uuid, pkcs8: &[u8]) {
        let result = self.connection().execute(
            "INSERT OR IGNORE INTO signing_keys (tenant, kid, pkcs8) VALUES (?1, ?2, ?3)",
            params![tenant.to_string(), kid.to_string(), pkcs8],
        );
        if let Err(e) = result {
            tracing::error!(error = %e, "cannot store a signing key");
        }
    }
}

/// A tenant's configuration as stored (the API key and id live in their own columns).
#[derive(Serialize, Deserialize)]
struct StoredConfig {
    rp_id: String,
    rp_name: String,
    origins: Vec<String>,
    passkey: StoredSettings,
    mfa: StoredSettings,
    rsa_bits: u32,
}

#[derive(Serialize, Deserialize)]
struct StoredSettings {
    timeout_ms: u64,
    user_verification: String,
    attachment: Option<String>,
    attestation: String,
    resident_key: String,
}

impl From<&TenantConfig> for StoredConfig {
    fn from(c: &TenantConfig) -> Self {
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
        }
    }
}

impl StoredConfig {
    fn into_config(self, id: Uuid) -> Result<TenantConfig, EmulatorError> {
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
        Ok(config)
    }
}
