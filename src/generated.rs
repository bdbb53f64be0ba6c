//! The clients progenitor generates from the vendored specs at build time: the Passkey API
//! (`openapi/passkey-api.json`, this module) and the admin API ([`admin`]).
//!
//! This is the escape hatch, not the SDK's API: everything here is reachable through the
//! facade, [`Tenant`](crate::Tenant) and [`Admin`](crate::Admin), which is what to use first.
//! Get the generated [`Client`] configured for a tenant from [`Tenant::raw`](crate::Tenant::raw)
//! (and the admin one from [`Admin::raw`](crate::Admin::raw)); it cannot be built otherwise.
//!
//! Its calls go through the same request hook as the facade's: the API key is sent exactly
//! where the facade would send it (and never elsewhere), a call that needs it fails before
//! sending when none is configured (progenitor's [`Error::Custom`], naming the operation),
//! and retries, the response size limits, the `tracing` span and the `User-Agent` apply;
//! redirects are not followed. What the facade adds on top:
//!
//! - **argument checks** before anything is sent: a new user's id is one browsers and the
//!   server can log in with (not over 64 bytes, not exactly 16), page numbers are at least
//!   1, transaction data is not null; the raw client sends what it is given and lets the
//!   server answer;
//! - **one error type**, [`hanko_passkeys::Error`](crate::Error), with the status, the API's
//!   title and details, the request id and an [`ErrorKind`](crate::ErrorKind); the raw client
//!   returns progenitor's [`Error`] around the API's [`ErrorBody`](types::ErrorBody);
//! - **typed pagination**: [`Page`](crate::Page) with the total and the next page from the
//!   `Link` and `X-Total-Count` headers, and streams over all pages; the raw client returns
//!   one page and leaves the headers to you;
//! - [`Token`](crate::Token)s that verify themselves, where the raw client returns the bare
//!   [`TokenResponse`](types::TokenResponse). The WebAuthn types
//!   ([`webauthn`](crate::webauthn)) are the same on both sides.
//!
//! ```no_run
//! use hanko_passkeys::generated::Error;
//! use hanko_passkeys::generated::types::{ErrorBody, ListCredentialsOrder};
//!
//! # async fn demo(tenant: hanko_passkeys::Tenant) -> Result<(), Error<ErrorBody>> {
//! let oldest_first = Some(ListCredentialsOrder::Asc);
//! match tenant
//!     .raw()
//!     .list_credentials(&tenant.id(), oldest_first, Some(1), Some(50), None)
//!     .await
//! {
//!     Ok(page) => {
//!         // The total is a response header: pagination is up to the caller.
//!         let total = page.headers().get("x-total-count").and_then(|v| v.to_str().ok());
//!         println!("{} credentials on this page, {total:?} in all", page.len());
//!         for credential in page.into_inner() {
//!             println!("{} {:?}", credential.id, credential.name);
//!         }
//!     }
//!     // The API answered with its error body.
//!     Err(Error::ErrorResponse(body)) => {
//!         println!("{}: {} {:?}", body.status(), body.title, body.details);
//!     }
//!     Err(other) => return Err(other),
//! }
//! # Ok(()) }
//! ```

// What progenitor writes: the docs of every public item come from the specs (see
// `openapi/corrections.yaml`) and from `build/surface.rs`.
#![allow(missing_docs)]
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
/// [`Admin`](crate::Admin), and [`Admin::raw`](crate::Admin::raw) gives the generated
/// [`Client`](admin::Client) configured with the same request hook as the facade (custom
/// headers, retries, limits, tracing). The facade adds argument checks, the one error type
/// [`hanko_passkeys::Error`](crate::Error) and typed pagination. The schemas the admin API
/// shares with the public API ([`Credential`](types::Credential),
/// [`Transaction`](types::Transaction), [`AuditLog`](types::AuditLog) and the error body,
/// [`ErrorBody`](types::ErrorBody)) are the public client's types.
///
/// ```no_run
/// # async fn demo(admin: hanko_passkeys::Admin) -> Result<(), Box<dyn std::error::Error>> {
/// for tenant in admin.raw().list_tenants().await?.into_inner() {
///     println!("{} {}", tenant.id, tenant.display_name);
/// }
/// # Ok(()) }
/// ```
pub mod admin {
    include!(concat!(env!("OUT_DIR"), "/generated_admin.rs"));
}
