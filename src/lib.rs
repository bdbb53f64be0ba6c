#![doc = include_str!("lib.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod admin;
mod audit;
mod client;
mod clock;
mod config;
mod credentials;
mod error;
mod error_body;
mod exchange;
#[cfg(target_arch = "wasm32")]
mod fetch;
pub mod generated;
pub mod guide;
mod operations;
mod pagination;
mod platform;
mod provider;
mod retry;
mod telemetry;
mod tenant;
mod timer;
pub mod token;
mod token_value;
pub mod webauthn;

pub use admin::{Admin, AdminConfig, admin};
pub use audit::AuditLogQuery;
/// The date-time crate of the API's timestamps (`created_at`, `last_used_at`, audit log
/// queries' `start_time`, token claims), re-exported so an app uses the same version without
/// a dependency of its own.
pub use chrono;
pub use config::{Config, DEFAULT_BASE_URL, MAX_USER_AGENT_CHARS};
/// The order of [`CredentialList`] ([`CredentialList::order`]), by creation time: the
/// generated [`ListCredentialsOrder`](generated::types::ListCredentialsOrder) under a shorter
/// name.
#[doc(inline)]
pub use credentials::Order;
pub use credentials::{CredentialHandle, CredentialList};
pub use error::{BODY_EXCERPT_LIMIT, ERROR_TEXT_LIMIT, Error, ErrorBuilder, ErrorKind};
pub use exchange::{DEFAULT_MAX_RESPONSE_BYTES, ERROR_BODY_LIMIT};
#[doc(inline)]
pub use generated::types::{AuditLog, Credential, Jwk, Jwks, Transaction};
/// The HTTP status type of [`Error::status`], [`Error::suggested_status`] and
/// [`ErrorBuilder::status`]: the `http` crate's (1.x), re-exported so an app needs no
/// dependency of its own to build or compare one.
pub use http::StatusCode;
pub use pagination::{MAX_STREAM_PAGES, Page};
pub use provider::Provider;
/// The HTTP client crate of [`Config::http_client`] and
/// [`VerifierBuilder::http_client`](token::VerifierBuilder::http_client), re-exported so an
/// app that configures or shares the client uses the same version.
pub use reqwest;
pub use retry::RetryPolicy;
pub use tenant::{
    Login, Mfa, MfaLogin, MfaRegistration, Registration, RegistrationInit, Tenant, Transactions,
    User, UserLogin, tenant,
};
pub use token_value::Token;
/// The UUID crate of the API's ids (credential AAGUIDs, the admin API's tenant, user and
/// secret ids), re-exported so an app uses the same version without a dependency of its own.
pub use uuid;
#[doc(inline)]
pub use webauthn::{AssertionResponse, LoginOptions, RegistrationOptions, RegistrationResponse};

/// The README's examples, compiled (and where they can, run) as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
