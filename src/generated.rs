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
