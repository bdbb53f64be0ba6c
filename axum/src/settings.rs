//! The configuration: relying-party origins, cookie and session settings; the builder.

use std::sync::Arc;

use axum::http::{HeaderMap, Method, header};
use hanko_passkeys::Tenant;
use hanko_passkeys::token::Verifier;

use crate::problem::{Problem, ProblemKind};
use crate::users::Users;
use crate::{Inner, Passkeys};

/// Why a [`PasskeysBuilder`] could not build.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// No origin was given: the crate must know where the pages are served from.
    NoOrigin,
    /// An origin is not `scheme://host[:port]`; the text says why.
    InvalidOrigin(String),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoOrigin => write!(
                f,
                "no origin given: call PasskeysBuilder::origin with the origin your pages are served from"
            ),
            Self::InvalidOrigin(why) => write!(f, "invalid origin: {why}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// What the crate's extractors and routes read on every request: the relying party's origins.
/// Installed into requests by [`Passkeys::layer`]; opaque.
#[derive(Clone, Debug)]
pub struct Settings(pub(crate) Arc<SettingsInner>);

#[derive(Debug)]
pub(crate) struct SettingsInner {
    /// `scheme://host[:port]`, as browsers send them in `Origin`.
    pub(crate) origins: Vec<String>,
    pub(crate) rp_id: String,
    pub(crate) secure_cookies: bool,
    pub(crate) cookie_name: String,
    pub(crate) session_inactivity: std::time::Duration,
    pub(crate) allow_removing_last_passkey: bool,
}

impl Settings {
    /// Refuses a state-changing request (anything but GET, HEAD, OPTIONS) whose `Origin` is
    /// not one of the relying party's origins, or that has none: browsers send `Origin` on
    /// every such request, so its absence means it did not come from a page of the site.
    pub(crate) fn check_origin(&self, method: &Method, headers: &HeaderMap) -> Result<(), Problem> {
        if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
            return Ok(());
        }
        let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
        match origin {
            Some(origin) if self.0.origins.iter().any(|o| o == origin) => Ok(()),
            _ => Err(Problem::new(ProblemKind::CrossOrigin)),
        }
    }
}

/// Builds [`Passkeys`]: [`Passkeys::builder`].
#[must_use]
pub struct PasskeysBuilder<U> {
    tenant: Tenant,
    verifier: Verifier,
    users: U,
    origins: Vec<String>,
    cookie_name: String,
    session_inactivity: std::time::Duration,
    allow_removing_last_passkey: bool,
}

impl<U: Users> PasskeysBuilder<U> {
    pub(crate) fn new(tenant: Tenant, verifier: Verifier, users: U) -> Self {
        Self {
            tenant,
            verifier,
            users,
            origins: Vec::new(),
            cookie_name: "passkeys_session".into(),
            session_inactivity: std::time::Duration::from_secs(12 * 3600),
            allow_removing_last_passkey: false,
        }
    }

    /// An origin the app's pages are served from, e.g. `https://shop.example` (the relying
    /// party's, as registered at Hanko). At least one; several for related origins, which
    /// [`Passkeys::related_origins`] then publishes. State-changing requests must come from
    /// one of them.
    pub fn origin(mut self, origin: impl Into<String>) -> Self {
        self.origins.push(origin.into());
        self
    }

    /// The session cookie's name (default `passkeys_session`).
    pub fn cookie_name(mut self, name: impl Into<String>) -> Self {
        self.cookie_name = name.into();
        self
    }

    /// How long a session lasts without a request (default 12 hours).
    pub fn session_inactivity(mut self, duration: std::time::Duration) -> Self {
        self.session_inactivity = duration;
        self
    }

    /// Whether a user may remove their last passkey (default: no, answered 409
    /// `last_passkey`: they could not sign in any more).
    pub fn allow_removing_last_passkey(mut self, allow: bool) -> Self {
        self.allow_removing_last_passkey = allow;
        self
    }

    /// Checks the origins and builds.
    pub fn build(self) -> Result<Passkeys<U>, ConfigError> {
        if self.origins.is_empty() {
            return Err(ConfigError::NoOrigin);
        }
        let origins = self
            .origins
            .iter()
            .map(|o| normalize_origin(o))
            .collect::<Result<Vec<_>, _>>()?;
        // Secure cookies when every page is on https (an http://localhost page could not
        // send a Secure cookie back in every browser).
        let secure_cookies = origins.iter().all(|o| o.starts_with("https://"));
        let settings = Settings(Arc::new(SettingsInner {
            rp_id: self.verifier.relying_party_id().to_owned(),
            origins,
            secure_cookies,
            cookie_name: self.cookie_name,
            session_inactivity: self.session_inactivity,
            allow_removing_last_passkey: self.allow_removing_last_passkey,
        }));
        Ok(Passkeys {
            inner: Arc::new(Inner {
                tenant: self.tenant,
                verifier: self.verifier,
                users: self.users,
                settings,
            }),
        })
    }
}

/// `scheme://host[:port]` as a browser writes it in `Origin` (lower-case host, default port
/// left out).
fn normalize_origin(origin: &str) -> Result<String, ConfigError> {
    let invalid = |why: &str| ConfigError::InvalidOrigin(format!("{origin:?}: {why}"));
    let url = url::Url::parse(origin).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(invalid("the scheme must be https (or http for localhost)"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("an origin has no path, query or fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("an origin has no user or password"));
    }
    let serialized = url.origin().ascii_serialization();
    if serialized == "null" {
        return Err(invalid("no host"));
    }
    Ok(serialized)
}

#[cfg(test)]
mod tests {
    use super::normalize_origin;

    #[test]
    fn origins_are_written_as_browsers_send_them() {
        assert_eq!(
            normalize_origin("https://Shop.Example").unwrap(),
            "https://shop.example"
        );
        assert_eq!(
            normalize_origin("https://shop.example:443/").unwrap(),
            "https://shop.example"
        );
        assert_eq!(
            normalize_origin("http://localhost:3000").unwrap(),
            "http://localhost:3000"
        );
        for bad in [
            "shop.example",
            "ftp://shop.example",
            "https://shop.example/app",
            "https://u:p@shop.example",
        ] {
            assert!(normalize_origin(bad).is_err(), "{bad}");
        }
    }
}
