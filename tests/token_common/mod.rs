//! Shared fixtures for the token tests and the benchmark: RSA-4096 keys shipped as test data
//! (`tests/keys`), tokens signed through jsonwebtoken, and a JWKS server whose answer can be
//! changed while a test runs. The server is the hostile server (`tests/hostile`): it runs in
//! the test's own runtime, so the token tests run on tokio's paused time.
#![allow(dead_code)] // each test binary uses a different part of the fixtures

#[path = "../hostile/mod.rs"]
mod hostile;

use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::KeyPair;
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hanko_passkeys::token::{Verifier, VerifierBuilder};
use hostile::{Hostile, Reply};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Value, json};

pub const RP_ID: &str = "example.com";
pub const JWKS_PATH: &str = "/6a8e3b4c-tenant/.well-known/jwks.json";

/// An RSA-4096 key pair in the forms the tests need.
pub struct TestKey {
    pub kid: String,
    /// PKCS#1 `RSAPrivateKey` DER, the form `EncodingKey::from_rsa_der` (aws-lc's
    /// `RsaKeyPair::from_der`) expects.
    pub encoding: EncodingKey,
    pub n: String,
    pub e: String,
    /// The public key as PEM (SubjectPublicKeyInfo), for the HS256 key-confusion test.
    pub public_pem: String,
}

impl TestKey {
    /// The key in `pem` (unencrypted PKCS#8, `-----BEGIN PRIVATE KEY-----`).
    fn from_pem(kid: &str, pem: &str) -> Self {
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let pkcs8 = STANDARD.decode(body).expect("PEM body is base64");
        let pair = KeyPair::from_pkcs8(&pkcs8).expect("an RSA PKCS#8 key");
        assert_eq!(
            pair.public_modulus_len(),
            512,
            "an RSA-4096 key, like Hanko's"
        );
        // jsonwebtoken wants the PKCS#1 key inside the PKCS#8 document.
        let pkcs1 = pkcs1_from_pkcs8(&pkcs8).to_vec();
        // Prove the unwrapping produced a key aws-lc accepts, rather than failing later.
        aws_lc_rs::signature::RsaKeyPair::from_der(&pkcs1).expect("PKCS#1 key parses");
        let public = pair.public_key();
        let spki = public.as_der().expect("export SPKI");
        let pem_body = STANDARD
            .encode(spki.as_ref())
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("\n");
        TestKey {
            kid: kid.to_owned(),
            encoding: EncodingKey::from_rsa_der(&pkcs1),
            n: URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            e: URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
            public_pem: format!(
                "-----BEGIN PUBLIC KEY-----\n{pem_body}\n-----END PUBLIC KEY-----\n"
            ),
        }
    }

    /// The JWK exactly as Hanko serves it (members sorted, base64url without padding).
    pub fn jwk(&self) -> Value {
        json!({"alg": "RS256", "e": self.e, "kid": self.kid, "kty": "RSA", "n": self.n, "use": "sig"})
    }

    /// A token signed by this key with the given header and claims (header used verbatim,
    /// so tests can lie about `alg` while the signature is a real RS256 one).
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let message = format!("{}.{}", b64_json(header), b64_json(claims));
        let signature =
            jsonwebtoken::crypto::sign(message.as_bytes(), &self.encoding, Algorithm::RS256)
                .expect("sign");
        format!("{message}.{signature}")
    }

    /// A well-formed Hanko token for `claims` (header `{"alg":"RS256","kid":..,"typ":"JWT"}`).
    pub fn token(&self, claims: &Value) -> String {
        let mut header = jsonwebtoken::Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding).expect("encode")
    }
}

/// Extracts the OCTET STRING `privateKey` of a PKCS#8 `PrivateKeyInfo`
/// (SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING privateKey, .. }).
fn pkcs1_from_pkcs8(der: &[u8]) -> &[u8] {
    fn tlv(buf: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = buf[0];
        let (len, header) = match buf[1] {
            l if l < 0x80 => (l as usize, 2),
            l => {
                let n = (l & 0x7f) as usize;
                (
                    buf[2..2 + n]
                        .iter()
                        .fold(0usize, |acc, b| (acc << 8) | *b as usize),
                    2 + n,
                )
            }
        };
        (tag, &buf[header..header + len], &buf[header + len..])
    }
    let (tag, body, _) = tlv(der);
    assert_eq!(tag, 0x30, "PKCS#8 is a SEQUENCE");
    let (tag, _, rest) = tlv(body);
    assert_eq!(tag, 0x02, "version INTEGER");
    let (tag, _, rest) = tlv(rest);
    assert_eq!(tag, 0x30, "AlgorithmIdentifier SEQUENCE");
    let (tag, key, _) = tlv(rest);
    assert_eq!(tag, 0x04, "privateKey OCTET STRING");
    key
}

pub fn b64_json(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// Test data (`tests/keys/README.md`), read once per test binary.
pub static KEY_A: LazyLock<TestKey> = LazyLock::new(|| {
    TestKey::from_pem(
        "4f2d8a1e-9b3c-4e6f-8a7d-1c2b3e4f5a6b",
        include_str!("../keys/token-a.pem"),
    )
});
pub static KEY_B: LazyLock<TestKey> = LazyLock::new(|| {
    TestKey::from_pem(
        "a7c9e1f3-2b4d-4f6a-9c8e-0d1f2a3b4c5d",
        include_str!("../keys/token-b.pem"),
    )
});
/// Never published in any JWKS.
pub static KEY_OUTSIDER: LazyLock<TestKey> = LazyLock::new(|| {
    TestKey::from_pem(
        "0e1f2a3b-4c5d-4e6f-8a9b-c0d1e2f3a4b5",
        include_str!("../keys/token-outsider.pem"),
    )
});

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims as Hanko issues them at `now`.
pub fn claims() -> Value {
    let iat = now();
    json!({"aud": [RP_ID], "cred": "Y3JlZGVudGlhbC1pZA", "exp": iat + 300, "iat": iat, "sub": "user-42"})
}

/// `claims()` with `key` set to `value` (`Value::Null` removes it).
pub fn claims_with(key: &str, value: Value) -> Value {
    let mut c = claims();
    let map = c.as_object_mut().unwrap();
    if value.is_null() {
        map.remove(key);
    } else {
        map.insert(key.to_owned(), value);
    }
    c
}

struct State {
    keys: Vec<Value>,
    raw_body: Option<String>,
    status: u16,
    cache_control: Option<String>,
    delay: Duration,
}

/// A JWKS endpoint whose answer tests change on the fly; anything but `GET` of
/// [`JWKS_PATH`] is a 404.
pub struct JwksServer {
    pub server: Hostile,
    state: Arc<Mutex<State>>,
}

impl JwksServer {
    /// Serves `keys` with `Cache-Control: max-age=600`, like Hanko.
    pub async fn start(keys: &[&TestKey]) -> Self {
        let state = Arc::new(Mutex::new(State {
            keys: keys.iter().map(|k| k.jwk()).collect(),
            raw_body: None,
            status: 200,
            cache_control: Some("max-age=600".to_owned()),
            delay: Duration::ZERO,
        }));
        let serving = state.clone();
        let server = Hostile::start(move |_, request| {
            if request.method != "GET" || request.path != JWKS_PATH {
                return Reply::json(404, &json!({"title": "not found"}));
            }
            let state = serving.lock().unwrap();
            let body = match &state.raw_body {
                Some(raw) => raw.clone(),
                None => json!({ "keys": state.keys }).to_string(),
            };
            let mut headers = vec![("content-type".to_owned(), "application/json".to_owned())];
            if let Some(cc) = &state.cache_control {
                headers.push(("cache-control".to_owned(), cc.clone()));
            }
            Reply::Full(state.status, headers, body.into_bytes()).after(state.delay)
        })
        .await;
        JwksServer { server, state }
    }

    pub fn url(&self) -> String {
        format!("{}{JWKS_PATH}", self.server.url())
    }

    pub fn builder(&self) -> VerifierBuilder {
        Verifier::builder(self.url(), RP_ID)
    }

    pub fn verifier(&self) -> Verifier {
        self.builder().build().expect("valid config")
    }

    pub fn set_jwks(&self, keys: Vec<Value>) {
        let mut state = self.state.lock().unwrap();
        state.keys = keys;
        state.raw_body = None;
    }

    pub fn set_raw_body(&self, body: &str) {
        self.state.lock().unwrap().raw_body = Some(body.to_owned());
    }

    pub fn set_status(&self, status: u16) {
        self.state.lock().unwrap().status = status;
    }

    pub fn set_cache_control(&self, value: Option<&str>) {
        self.state.lock().unwrap().cache_control = value.map(str::to_owned);
    }

    /// How long the server waits before answering (on the test runtime's clock).
    pub fn set_delay(&self, delay: Duration) {
        self.state.lock().unwrap().delay = delay;
    }

    /// Requests the server received, each a JWKS fetch.
    pub async fn fetches(&self) -> usize {
        let seen = self.server.seen();
        for request in &seen {
            assert_eq!(
                (request.method.as_str(), request.path.as_str()),
                ("GET", JWKS_PATH),
                "every request was a JWKS fetch"
            );
        }
        seen.len()
    }
}
