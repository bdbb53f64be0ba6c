//! The rows a tenant's data holds, as the server's tables hold them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use webauthn_rs_core::proto::COSEKey;

/// A webauthn user (`webauthn_users` row).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct User {
    pub(crate) id: Uuid,
    pub(crate) user_id: String,
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) icon: Option<String>,
    /// When the user was first created (the admin API sorts on it).
    #[serde(default)]
    pub(crate) created_at: DateTime<Utc>,
}

/// A stored credential and everything its DTO shows.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// The credential public key, for verifying assertions.
    pub(crate) public_key_cose: COSEKey,
}

/// What a session was created for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Operation {
    Registration,
    Authentication,
    Transaction,
}

/// A pending ceremony, keyed by its challenge.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Session {
    pub(crate) operation: Operation,
    /// Application user id; empty for a discoverable login.
    pub(crate) user_id: String,
    pub(crate) uv_required: bool,
    pub(crate) allowed: Vec<Vec<u8>>,
    pub(crate) discoverable: bool,
    pub(crate) expires_at: DateTime<Utc>,
}

impl Session {
    /// Whether the session is past its expiry at `now`.
    pub(crate) fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires_at < now
    }
}

/// A transaction row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Transaction {
    pub(crate) id: Uuid,
    pub(crate) identifier: String,
    pub(crate) data: String,
    pub(crate) challenge: String,
    pub(crate) user_internal_id: Uuid,
    pub(crate) created_at: DateTime<Utc>,
}

/// An audit log row.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct AuditLog {
    pub(crate) id: Uuid,
    pub(crate) kind: String,
    pub(crate) request_id: String,
    pub(crate) source_ip: String,
    pub(crate) user_agent: String,
    pub(crate) actor_user_id: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) seq: u64,
    pub(crate) tenant_id: Uuid,
    pub(crate) transaction_id: Option<String>,
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
