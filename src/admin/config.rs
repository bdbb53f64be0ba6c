//! Configuration of an [`Admin`](crate::admin::Admin) client.

use std::fmt;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::Error;
use crate::config::{HttpOptions, REDACTED, http_options, redact_userinfo, validate_base_url};

/// How to reach the admin API of a self-hosted Passkey Server (port 8001 by default). Checked
/// by [`admin()`](crate::admin()), which reports every problem as a configuration error
/// before any request is made.
///
/// The admin server has **no authentication of its own** (contract §3): anyone who reaches
/// it can create tenants and read every API key. Keep it on a private network, or put a
/// gateway in front of it and give its credentials with [`header`](Self::header).
///
/// ```
/// use std::time::Duration;
/// use hanko_passkeys::AdminConfig;
///
/// let config = AdminConfig::new("http://passkeys-admin.internal:8001")
///     .header("Authorization", "Bearer a-gateway-token")
///     .timeout(Duration::from_secs(10));
/// let admin = hanko_passkeys::admin(config)?;
/// # Ok::<(), hanko_passkeys::Error>(())
/// ```
#[derive(Clone)]
#[must_use = "a configuration does nothing until admin() uses it"]
pub struct AdminConfig {
    base_url: String,
    headers: Vec<(String, String)>,
    pub(crate) http: HttpOptions,
}

impl AdminConfig {
    /// A configuration for the admin server at `base_url` (there is no default). A path
    /// prefix is kept (`https://gw.example.com/passkeys-admin` →
    /// `https://gw.example.com/passkeys-admin/tenants`).
    pub fn new(base_url: impl Into<String>) -> Self {
        AdminConfig {
            base_url: base_url.into(),
            headers: Vec::new(),
            http: HttpOptions::new(),
        }
    }

    /// A header sent with every request, e.g. the credentials of a gateway in front of the
    /// admin server. Its value is treated as sensitive: never shown in `Debug` output or
    /// logs. Setting a name again replaces the earlier value.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
        self.headers.push((name, value.into()));
        self
    }

    pub(crate) fn validate(&self) -> Result<(String, HeaderMap, HeaderValue), Error> {
        let base_url = validate_base_url(&self.base_url, None)?;
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let header = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
                let shown: String = name.chars().take(64).collect();
                Error::config(format!("{shown:?} is not a valid header name"))
            })?;
            let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
                // The value is never repeated: it may be a credential.
                Error::config(format!(
                    "the value of header {header} contains characters a header cannot carry"
                ))
            })?;
            value.set_sensitive(true);
            headers.insert(header, value);
        }
        let user_agent = self.http.validate()?;
        Ok((base_url, headers, user_agent))
    }
}

http_options!(
    AdminConfig,
    "hanko_passkeys::AdminConfig::new(\"http://localhost:8001\")"
);

impl fmt::Debug for AdminConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("AdminConfig");
        d.field("base_url", &redact_userinfo(&self.base_url)).field(
            "headers",
            &self
                .headers
                .iter()
                .map(|(name, _)| (name.as_str(), REDACTED))
                .collect::<Vec<_>>(),
        );
        self.http.debug_fields(&mut d);
        d.finish()
    }
}
