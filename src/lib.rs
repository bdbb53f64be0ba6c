#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod audit;
mod client;
mod config;
mod credentials;
mod error;
pub mod generated;
mod pagination;
mod tenant;
pub mod token;
mod token_value;
pub mod webauthn;

pub use audit::AuditLogQuery;
pub use config::{Config, DEFAULT_BASE_URL};
pub use credentials::{CredentialHandle, CredentialList, Order};
pub use error::{BODY_EXCERPT_LIMIT, Error, ErrorKind};
pub use generated::types::{AuditLog, Credential, Jwk, Jwks, Transaction};
pub use pagination::Page;
pub use tenant::{
    Login, Mfa, MfaLogin, MfaRegistration, Registration, RegistrationInit, Tenant, Transactions,
    User, UserLogin, tenant,
};
pub use token_value::Token;
pub use webauthn::{AssertionResponse, LoginOptions, RegistrationOptions, RegistrationResponse};
