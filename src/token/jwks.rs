//! Fetching and parsing the tenant JWKS into ready-to-use decoding keys.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{DecodingKey, DecodingKeyKind};
use reqwest::header::{ACCEPT, CACHE_CONTROL, HeaderMap, HeaderValue, LOCATION};
use serde::Deserialize;
use serde_json::Value;

use super::error::JwksError;
use crate::clock::Instant;
use crate::exchange::{self, BodyError, Settings};
use crate::operations;

/// A JWKS larger than this is refused: Hanko's holds a few keys of ~800 bytes each, so
/// anything near this size is a misconfigured URL, and it bounds memory use.
pub(crate) const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// `max-age` values above this are clamped, so a bogus header cannot pin keys for years.
const MAX_CACHE_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// Smallest and largest RSA moduli accepted from the JWKS (bits). Below 2048 is weak;
/// above 8192 the crypto backend (aws-lc) cannot verify, so such a key could only ever
/// produce `BadSignature` for a genuine token.
pub(crate) const MIN_RSA_BITS: usize = 2048;
pub(crate) const MAX_RSA_BITS: usize = 8192;

/// One snapshot of the tenant's keys. Immutable: a refresh builds a new one and swaps the
/// `Arc`, so readers never see a half-updated set.
pub(crate) struct KeySet {
    /// Bumped on every successful fetch; lets waiting tasks notice a refresh happened.
    pub(crate) generation: u64,
    keys: HashMap<Box<str>, Arc<DecodingKey>>,
    /// `None` before the first successful fetch.
    fresh_until: Option<Instant>,
    /// End of the grace period during which stale keys still verify if refreshing fails.
    usable_until: Option<Instant>,
}

impl KeySet {
    pub(crate) fn empty() -> Self {
        Self {
            generation: 0,
            keys: HashMap::new(),
            fresh_until: None,
            usable_until: None,
        }
    }

    pub(crate) fn get(&self, kid: &str) -> Option<&Arc<DecodingKey>> {
        self.keys.get(kid)
    }

    pub(crate) fn is_fresh(&self, now: Instant) -> bool {
        self.fresh_until.is_some_and(|t| now < t)
    }

    pub(crate) fn is_usable(&self, now: Instant) -> bool {
        self.usable_until.is_some_and(|t| now < t)
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Only kids: the keys are public, but dumping 4096-bit moduli into logs helps nobody.
        let mut kids: Vec<&str> = self.keys.keys().map(|k| &**k).collect();
        kids.sort_unstable();
        f.debug_struct("KeySet")
            .field("generation", &self.generation)
            .field("kids", &kids)
            .finish_non_exhaustive()
    }
}

/// What a successful fetch produced, before it is stamped with a generation.
pub(crate) struct Fetched {
    keys: HashMap<Box<str>, Arc<DecodingKey>>,
    max_age: Option<Duration>,
}

impl Fetched {
    pub(crate) fn into_key_set(
        self,
        generation: u64,
        now: Instant,
        default_max_age: Duration,
        stale_grace: Duration,
    ) -> KeySet {
        let lifetime = self
            .max_age
            .unwrap_or(default_max_age)
            .min(MAX_CACHE_LIFETIME);
        let fresh_until = now.checked_add(lifetime).unwrap_or(now);
        let usable_until = fresh_until.checked_add(stale_grace).unwrap_or(fresh_until);
        KeySet {
            generation,
            keys: self.keys,
            fresh_until: Some(fresh_until),
            usable_until: Some(usable_until),
        }
    }
}

pub(crate) async fn fetch(
    client: &reqwest::Client,
    url: &reqwest::Url,
    settings: &Settings,
) -> Result<Fetched, JwksError> {
    let mut request = reqwest::Request::new(reqwest::Method::GET, url.clone());
    request
        .headers_mut()
        .insert(ACCEPT, HeaderValue::from_static("application/json"));
    let record = exchange::send(client, request, &operations::public::GET_JWKS, settings).await;
    let response = record
        .result
        .map_err(|e| JwksError::from_wire("JWKS request failed", e))?;
    // A caller's own client may follow redirects; keys from wherever it was sent are not
    // the tenant's keys.
    if response.url != *url {
        return Err(JwksError::new(format!(
            "the JWKS request was redirected to {}; redirects are not followed",
            response.url.host_str().unwrap_or("another location")
        )));
    }
    let status = response.status;
    if status.is_redirection() {
        let to = response
            .headers
            .get(LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| url.join(l).ok())
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| "an unreadable location".to_owned());
        return Err(JwksError::new(format!(
            "the JWKS endpoint redirected to {to}; redirects are not followed"
        ))
        .with_status(status.as_u16()));
    }
    if !status.is_success() {
        return Err(
            JwksError::new("JWKS endpoint answered with an error").with_status(status.as_u16())
        );
    }
    let max_age = max_age(&response.headers);
    let body = match response.body {
        Ok(body) => body,
        Err(BodyError::TooLarge { limit }) => {
            return Err(JwksError::new(format!("JWKS is larger than {limit} bytes")));
        }
        Err(BodyError::Read(e)) => {
            return Err(JwksError::from_wire("reading the JWKS failed", e));
        }
    };
    let keys = parse_jwks(&body)?;
    Ok(Fetched { keys, max_age })
}

/// `max-age` from `Cache-Control`; `no-cache`/`no-store` mean "do not reuse", i.e. zero.
/// `None` when absent or unparseable, so the caller's default applies.
pub(crate) fn max_age(headers: &HeaderMap) -> Option<Duration> {
    let mut found = None;
    for value in headers.get_all(CACHE_CONTROL) {
        let Ok(value) = value.to_str() else { continue };
        for directive in value.split(',') {
            let directive = directive.trim();
            let (name, arg) = match directive.split_once('=') {
                Some((name, arg)) => (name.trim(), Some(arg.trim().trim_matches('"'))),
                None => (directive, None),
            };
            if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
                return Some(Duration::ZERO);
            }
            if name.eq_ignore_ascii_case("max-age")
                && let Some(secs) = arg.and_then(|a| a.parse::<u64>().ok())
            {
                found = Some(Duration::from_secs(secs));
            }
        }
    }
    found
}

#[derive(Deserialize)]
struct RawJwks {
    keys: Vec<Value>,
}

/// The subset of JWK members that matter for an RS256 verification key.
#[derive(Deserialize)]
struct RawJwk {
    kty: String,
    kid: Option<String>,
    alg: Option<String>,
    #[serde(rename = "use")]
    use_: Option<String>,
    key_ops: Option<Vec<String>>,
    n: Option<String>,
    e: Option<String>,
}

/// Parses the JWKS and builds one [`DecodingKey`] per usable RS256 key, once, so the warm
/// path never decodes base64 or JSON of keys again.
///
/// Keys that are not RSA, meant for another algorithm or use, malformed, or duplicated
/// are skipped rather than failing the set: one odd key must not lock out the good ones.
/// A set with no usable key at all is an error, so the previous keys stay in use.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<HashMap<Box<str>, Arc<DecodingKey>>, JwksError> {
    let raw: RawJwks = serde_json::from_slice(body).map_err(|e| {
        JwksError::new(format!(
            "JWKS is not a JSON object with a \"keys\" array: {e}"
        ))
    })?;
    let mut keys = HashMap::new();
    for value in raw.keys {
        let Some((kid, key)) = usable_key(value) else {
            continue;
        };
        // First one wins on duplicate kids; Hanko never emits duplicates.
        keys.entry(kid).or_insert_with(|| Arc::new(key));
    }
    if keys.is_empty() {
        return Err(JwksError::new("JWKS contains no usable RS256 key"));
    }
    Ok(keys)
}

fn usable_key(value: Value) -> Option<(Box<str>, DecodingKey)> {
    let jwk: RawJwk = serde_json::from_value(value).ok()?;
    if jwk.kty != "RSA"
        || jwk.alg.as_deref().is_some_and(|a| a != "RS256")
        || jwk.use_.as_deref().is_some_and(|u| u != "sig")
        || jwk
            .key_ops
            .as_ref()
            .is_some_and(|ops| !ops.iter().any(|op| op == "verify"))
    {
        return None;
    }
    let kid = jwk.kid.filter(|k| !k.is_empty())?;
    let key = DecodingKey::from_rsa_components(jwk.n.as_deref()?, jwk.e.as_deref()?).ok()?;
    let DecodingKeyKind::RsaModulusExponent { n, e } = key.kind() else {
        return None;
    };
    let bits = significant_bits(n);
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) || e.is_empty() || significant_bits(e) > 64 {
        return None;
    }
    Some((kid.into_boxed_str(), key))
}

fn significant_bits(be: &[u8]) -> usize {
    match be.iter().position(|&b| b != 0) {
        Some(i) => (be.len() - i) * 8 - be[i].leading_zeros() as usize,
        None => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(CACHE_CONTROL, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn max_age_parsing() {
        assert_eq!(
            max_age(&headers(&["max-age=600"])),
            Some(Duration::from_secs(600))
        );
        assert_eq!(
            max_age(&headers(&["public, Max-Age=\"60\""])),
            Some(Duration::from_secs(60))
        );
        assert_eq!(max_age(&headers(&["max-age=abc"])), None);
        assert_eq!(max_age(&headers(&["max-age=-5"])), None);
        assert_eq!(max_age(&headers(&[])), None);
        assert_eq!(max_age(&headers(&["no-store"])), Some(Duration::ZERO));
    }

    #[test]
    fn significant_bits_counts_from_first_set_bit() {
        assert_eq!(significant_bits(&[0, 0, 1]), 1);
        assert_eq!(significant_bits(&[0x80, 0]), 16);
        assert_eq!(significant_bits(&[]), 0);
    }

    #[test]
    fn garbage_jwks_is_an_error_not_a_panic() {
        for body in [
            &b""[..],
            b"[]",
            b"{}",
            b"{\"keys\":5}",
            b"{\"keys\":[1,null,{}]}",
            b"\xff",
        ] {
            assert!(parse_jwks(body).is_err());
        }
    }
}
