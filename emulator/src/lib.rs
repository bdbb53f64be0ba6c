#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod aaguid;
mod admin;
mod app;
pub mod authenticator;
mod ceremony;
mod config;
mod emulator;
mod error;
mod gojson;
mod keys;
mod resources;
mod server;
mod state;
#[cfg(feature = "sqlite")]
mod store;
mod tenants;

pub use config::{
    Attachment, AttestationPreference, ResidentKey, TenantConfig, TenantInfo, UserVerification,
    WebauthnSettings,
};
pub use emulator::{Emulator, EmulatorBuilder};
pub use error::EmulatorError;
