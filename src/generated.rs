//! The client progenitor generates from `openapi/passkey-api.json` at build time.
//!
//! An escape hatch: everything here is reachable through the facade ([`Tenant`](crate::Tenant)),
//! which adds the API key only where it is needed, validates arguments and maps errors. Use
//! [`Tenant::raw`](crate::Tenant::raw) to get the client configured for the tenant.

#![allow(
    missing_docs,
    rustdoc::bare_urls,
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags
)]
#![allow(
    clippy::all,
    clippy::pedantic,
    unused_imports,
    dead_code,
    irrefutable_let_patterns
)]

include!(concat!(env!("OUT_DIR"), "/generated.rs"));

/// The client progenitor generates from `openapi/passkey-admin-api.json`: the admin API of a
/// self-hosted Passkey Server.
///
/// An escape hatch like its parent module: everything here is reachable through
/// [`Admin`](crate::Admin); [`Admin::raw`](crate::Admin::raw) gives the client configured with
/// the same request hook (custom headers, retries, limits, tracing). The schemas the admin API
/// shares with the public API ([`Credential`](types::Credential),
/// [`Transaction`](types::Transaction), [`AuditLog`](types::AuditLog) and the error body)
/// are the public client's types.
pub mod admin {
    include!(concat!(env!("OUT_DIR"), "/generated_admin.rs"));
}
