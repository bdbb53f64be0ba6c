//! The non-ceremony routes: JWKS, credentials and audit logs.

pub(crate) mod audit_logs;
pub(crate) mod credentials;
pub(crate) mod jwks;
