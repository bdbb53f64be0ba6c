//! Token signing keys (RSA, RS256) and the JWKS they publish.
//!
//! An RSA-4096 key takes about 0.6 s of CPU to generate on average (0.9 s in a debug build
//! whose AWS-LC is not optimized; single keys anywhere from a tenth to three times that), which
//! used to be most of an emulator's start. Keys are generated on a thread of their own, started
//! when a tenant first needs one (an `*/initialize`, the JWKS, a rotation) or, with
//! `EmulatorBuilder::keys_at_start`, as the emulator starts and on two threads racing (see
//! [`KeyRing::prepare_racing`]); signing and the JWKS wait for it.
//! Each tenant still has its own keys of the configured size: nothing is shared between
//! emulators, nothing is weakened.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Once, RwLock};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use tokio::sync::watch;
use uuid::Uuid;

use crate::error::EmulatorError;

/// The RSA size of a tenant's keys, checked when the tenant is created.
pub(crate) fn key_size(bits: u32) -> Result<KeySize, EmulatorError> {
    match bits {
        2048 => Ok(KeySize::Rsa2048),
        3072 => Ok(KeySize::Rsa3072),
        4096 => Ok(KeySize::Rsa4096),
        other => Err(EmulatorError::Config(format!(
            "rsa_bits must be 2048, 3072 or 4096, not {other}"
        ))),
    }
}

/// A new secret (API key or JWK secret): 64 random bytes, base64url with padding, 88
/// characters like the server's.
pub(crate) fn random_secret() -> String {
    use rand::RngCore as _;
    let mut bytes = [0u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

/// Called with each new key's `kid`, its position in the ring (0 for the first key) and its
/// PKCS#8 document, before anything is signed with it. Keys are generated in parallel, so they
/// may be saved out of order: the position is what orders them.
pub(crate) type SaveKey = Arc<dyn Fn(Uuid, u64, &[u8]) + Send + Sync>;

/// A tenant's signing keys, oldest first; the newest signs.
pub(crate) struct KeyRing {
    size: KeySize,
    keys: RwLock<Vec<Arc<PendingKey>>>,
    save: Option<SaveKey>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing").finish_non_exhaustive()
    }
}

impl KeyRing {
    /// A ring with one key, not generated yet; `save` keeps each key once it exists.
    pub(crate) fn new(size: KeySize, save: Option<SaveKey>) -> Self {
        Self {
            size,
            keys: RwLock::new(vec![Arc::new(PendingKey::new(size, 0, save.clone()))]),
            save,
        }
    }

    /// A ring of stored keys (PKCS#8, oldest first); a new one is made if there are none.
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub(crate) fn restore(
        size: KeySize,
        stored: Vec<(Uuid, Vec<u8>)>,
        save: Option<SaveKey>,
    ) -> Result<Self, EmulatorError> {
        if stored.is_empty() {
            return Ok(Self::new(size, save));
        }
        let keys = stored
            .into_iter()
            .map(|(kid, pkcs8)| {
                let pair = KeyPair::from_pkcs8(&pkcs8).map_err(|_| EmulatorError::KeyGeneration)?;
                Ok(Arc::new(PendingKey::generated(kid, size, pair)))
            })
            .collect::<Result<_, EmulatorError>>()?;
        Ok(Self {
            size,
            keys: RwLock::new(keys),
            save,
        })
    }

    /// A ring whose first key is `given` (`EmulatorBuilder::token_key_pem`), saved at once
    /// under a new `kid`; later keys (rotations) are generated with `size`.
    pub(crate) fn with_key(size: KeySize, given: GivenKey, save: Option<SaveKey>) -> Self {
        let kid = Uuid::new_v4();
        if let Some(save) = &save {
            save(kid, 0, &given.pkcs8);
        }
        Self {
            size,
            keys: RwLock::new(vec![Arc::new(PendingKey::generated(kid, size, given.pair))]),
            save,
        }
    }

    /// Starts generating every key that is not under way yet; returns at once.
    pub(crate) fn prepare(&self) {
        for key in self.snapshot() {
            key.start(1);
        }
    }

    /// Like [`prepare`](Self::prepare), with two generations racing for each key where the
    /// machine has two cores or more: the first key found is used, the other is dropped when
    /// its generation ends (aws-lc-rs cannot stop one). A generation's time is mostly luck
    /// (how many random candidates it tests before two are prime), so the faster of two takes
    /// about a third less time than one, for twice the CPU. Each candidate is drawn afresh,
    /// so which generation ends first says nothing about the key it found: the key is as
    /// random and as strong as with one generation.
    pub(crate) fn prepare_racing(&self) {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        for key in self.snapshot() {
            key.start(cores.min(2));
        }
    }

    /// Adds a new newest key and starts generating it; returns its `kid` at once.
    pub(crate) fn rotate(&self) -> Uuid {
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        let position = keys.len() as u64;
        let key = Arc::new(PendingKey::new(self.size, position, self.save.clone()));
        key.start(1);
        let kid = key.kid;
        keys.push(key);
        kid
    }

    /// Whether every key's generation has started (or the key was restored).
    #[cfg(test)]
    pub(crate) fn under_way(&self) -> bool {
        self.snapshot().iter().all(|k| k.started.is_completed())
    }

    fn snapshot(&self) -> Vec<Arc<PendingKey>> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A compact RS256 JWS over `claims` (a struct in the server's claim order), signed by the
    /// newest key once it exists.
    pub(crate) async fn sign(&self, claims: &impl Serialize) -> Option<String> {
        let newest = self.snapshot().pop()?;
        let pair = newest.ready().await?;
        sign_jwt(newest.kid, &pair, claims)
    }

    /// The public keys, oldest first, once they all exist.
    pub(crate) async fn jwks(&self) -> Option<Vec<Jwk>> {
        let keys = self.snapshot();
        let mut jwks = Vec::with_capacity(keys.len());
        for key in keys {
            let pair = key.ready().await?;
            jwks.push(jwk(key.kid, &pair));
        }
        Some(jwks)
    }
}

/// What a key's generation thread reports: nothing yet, the pair, or a failure.
type Generated = Option<Option<Arc<KeyPair>>>;

/// One RSA key, identified by a v4 UUID `kid`, whose pair appears when its thread is done.
struct PendingKey {
    kid: Uuid,
    /// Where the key sits in its ring, for storage.
    position: u64,
    size: KeySize,
    started: Once,
    pair: watch::Sender<Generated>,
    save: Option<SaveKey>,
}

impl PendingKey {
    fn new(size: KeySize, position: u64, save: Option<SaveKey>) -> Self {
        Self {
            kid: Uuid::new_v4(),
            position,
            size,
            started: Once::new(),
            pair: watch::Sender::new(None),
            save,
        }
    }

    /// A key that exists already (restored from storage, or given to the builder).
    fn generated(kid: Uuid, size: KeySize, pair: KeyPair) -> Self {
        let key = Self {
            kid,
            position: 0,
            size,
            started: Once::new(),
            pair: watch::Sender::new(Some(Some(Arc::new(pair)))),
            save: None,
        };
        key.started.call_once(|| {});
        key
    }

    /// Starts `threads` generation threads (at least one), once; the first key any of them
    /// finds is saved and published, the others' are dropped. It fails only if all fail.
    fn start(&self, threads: usize) {
        self.started.call_once(|| {
            let threads = threads.max(1);
            let won = Arc::new(AtomicBool::new(false));
            let left = Arc::new(AtomicUsize::new(threads));
            // The last thread to give up without a key (or not to start) reports the failure;
            // a thread that finds a key never counts down, so the count reaches 0 only when
            // every thread failed.
            let give_up = {
                let (won, left, sender) = (won.clone(), left.clone(), self.pair.clone());
                move || {
                    if left.fetch_sub(1, Ordering::AcqRel) == 1 && !won.load(Ordering::Acquire) {
                        sender.send_replace(Some(None));
                    }
                }
            };
            for _ in 0..threads {
                let (size, kid, position, save) =
                    (self.size, self.kid, self.position, self.save.clone());
                let (sender, won, failed) = (self.pair.clone(), won.clone(), give_up.clone());
                // A plain thread, not a runtime's blocking pool: generation must finish even
                // when the runtime that started it (a test's) is gone, and must not hold up its
                // shutdown.
                let spawned = std::thread::Builder::new()
                    .name("emulator-keygen".into())
                    .spawn(move || match KeyPair::generate(size) {
                        Ok(pair) if !won.swap(true, Ordering::AcqRel) => {
                            if let Some(save) = &save {
                                use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
                                if let Ok(der) = AsDer::<Pkcs8V1Der>::as_der(&pair) {
                                    save(kid, position, der.as_ref());
                                }
                            }
                            sender.send_replace(Some(Some(Arc::new(pair))));
                        }
                        // Another thread's key is the one.
                        Ok(_) => {}
                        Err(_) => failed(),
                    });
                if spawned.is_err() {
                    give_up();
                }
            }
        });
    }

    /// The pair, once generated (starting the generation if nobody has); `None` if it failed.
    async fn ready(&self) -> Option<Arc<KeyPair>> {
        self.start(1);
        let mut receiver = self.pair.subscribe();
        let generated = receiver.wait_for(Option::is_some).await.ok()?;
        generated.clone().flatten()
    }
}

/// A signing key handed to the emulator instead of one it generates
/// (`EmulatorBuilder::token_key_pem`).
pub(crate) struct GivenKey {
    pair: KeyPair,
    pkcs8: Vec<u8>,
}

impl GivenKey {
    /// Reads an unencrypted PKCS#8 PEM RSA key (`-----BEGIN PRIVATE KEY-----`) of 2048, 3072
    /// or 4096 bits. Errors never quote the key.
    pub(crate) fn from_pem(pem: &str) -> Result<Self, EmulatorError> {
        const BEGIN: &str = "-----BEGIN PRIVATE KEY-----";
        const END: &str = "-----END PRIVATE KEY-----";
        let bad = |why: &str| EmulatorError::Config(format!("token_key_pem: {why}"));
        let body = pem
            .split_once(BEGIN)
            .and_then(|(_, rest)| rest.split_once(END))
            .map(|(body, _)| body)
            .ok_or_else(|| {
                bad(
                    "expected an unencrypted PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----; \
                     `openssl pkcs8 -topk8 -nocrypt` converts other forms)",
                )
            })?;
        let base64: String = body.split_ascii_whitespace().collect();
        let pkcs8 = base64::engine::general_purpose::STANDARD
            .decode(base64)
            .map_err(|_| bad("the PEM body is not base64"))?;
        let pair = KeyPair::from_pkcs8(&pkcs8).map_err(|_| bad("not a usable RSA private key"))?;
        let bits = pair.public_modulus_len() * 8;
        if key_size(bits as u32).is_err() {
            return Err(bad(&format!(
                "an RSA key of {bits} bits; 2048, 3072 or 4096 are supported"
            )));
        }
        Ok(Self { pair, pkcs8 })
    }
}

/// The public key as a JWK.
fn jwk(kid: Uuid, pair: &KeyPair) -> Jwk {
    let public = pair.public_key();
    Jwk {
        alg: "RS256",
        e: URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        kid,
        kty: "RSA",
        n: URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
        r#use: "sig",
    }
}

fn sign_jwt(kid: Uuid, pair: &KeyPair, claims: &impl Serialize) -> Option<String> {
    let header = JwsHeader {
        alg: "RS256",
        kid,
        typ: "JWT",
    };
    let encode =
        |value: serde_json::Value| URL_SAFE_NO_PAD.encode(crate::gojson::to_string(&value, false));
    let signing_input = format!(
        "{}.{}",
        encode(serde_json::to_value(header).ok()?),
        encode(serde_json::to_value(claims).ok()?)
    );
    let mut signature = vec![0u8; pair.public_modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .ok()?;
    Some(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
    ))
}

/// A public RSA key as jwx writes it into the JWKS: members sorted by name.
#[derive(Debug, Serialize)]
pub(crate) struct Jwk {
    alg: &'static str,
    e: String,
    kid: Uuid,
    kty: &'static str,
    n: String,
    r#use: &'static str,
}

/// The protected header of the server's tokens.
#[derive(Serialize)]
struct JwsHeader {
    alg: &'static str,
    kid: Uuid,
    typ: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token the ring signs now verifies with the public half of `der` (PKCS#8).
    async fn assert_signed_by(ring: &KeyRing, der: &[u8]) {
        let token = ring.sign(&serde_json::json!({"sub": "x"})).await.unwrap();
        let (input, signature) = token.rsplit_once('.').unwrap();
        let public = KeyPair::from_pkcs8(der)
            .unwrap()
            .public_key()
            .as_ref()
            .to_vec();
        aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            public,
        )
        .verify(
            input.as_bytes(),
            &URL_SAFE_NO_PAD.decode(signature).unwrap(),
        )
        .unwrap();
    }

    #[tokio::test]
    async fn keys_are_generated_on_demand_and_each_ring_has_its_own() {
        let a = KeyRing::new(KeySize::Rsa2048, None);
        let b = KeyRing::new(KeySize::Rsa2048, None);
        // Creating a ring costs nothing: no key is under way before something needs one.
        assert!(a.snapshot().iter().all(|k| !k.started.is_completed()));
        a.prepare();
        assert!(a.snapshot()[0].started.is_completed());
        let (ja, jb) = (a.jwks().await.unwrap(), b.jwks().await.unwrap());
        assert_ne!(ja[0].n, jb[0].n);
        assert_ne!(ja[0].kid, jb[0].kid);
        // A rotation is published and signs; the old key stays published.
        let kid = a.rotate();
        let token = a.sign(&serde_json::json!({"sub": "x"})).await.unwrap();
        let header: serde_json::Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(token.split('.').next().unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(header["kid"], kid.to_string());
        let after = a.jwks().await.unwrap();
        assert_eq!(after.len(), 2);
        assert_eq!(after[0].kid, ja[0].kid);
    }

    #[tokio::test]
    async fn a_given_key_is_saved_published_and_signs_and_bad_ones_are_refused_unquoted() {
        let pem = include_str!("../tests/keys/token-2048.pem");
        let saved = Arc::new(std::sync::Mutex::new(Vec::new()));
        let save: SaveKey = {
            let saved = saved.clone();
            Arc::new(move |kid, position, der: &[u8]| {
                saved.lock().unwrap().push((kid, position, der.to_vec()))
            })
        };
        let ring = KeyRing::with_key(
            KeySize::Rsa2048,
            GivenKey::from_pem(pem).unwrap(),
            Some(save),
        );
        // Nothing to generate: the key is there and saved before anything is signed with it.
        assert!(ring.under_way());
        let (kid, position, der) = saved.lock().unwrap().first().cloned().unwrap();
        assert_eq!(position, 0);
        let published = ring.jwks().await.unwrap();
        assert_eq!(published[0].kid, kid);
        assert_eq!(
            jwk(kid, &KeyPair::from_pkcs8(&der).unwrap()).n,
            published[0].n
        );
        assert_signed_by(&ring, &der).await;
        // Each ring gives the key a kid of its own.
        let other = KeyRing::with_key(KeySize::Rsa2048, GivenKey::from_pem(pem).unwrap(), None);
        let theirs = other.jwks().await.unwrap();
        assert_ne!(theirs[0].kid, kid);
        assert_eq!(theirs[0].n, published[0].n);

        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let mut mangled = pem.replacen(&body[..40], "!!!!", 1);
        // A line less: still base64, no longer a key.
        let truncated: String = pem
            .lines()
            .enumerate()
            .filter(|(i, _)| *i != 3)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        mangled.push('\n');
        for bad in [
            "",
            "not a key",
            &pem.replace("PRIVATE KEY", "RSA PRIVATE KEY"),
            &mangled,
            &truncated,
        ] {
            let Err(EmulatorError::Config(message)) = GivenKey::from_pem(bad) else {
                panic!("{bad:?} was accepted");
            };
            assert!(message.starts_with("token_key_pem: "), "{message}");
            assert!(
                !message.contains(&body[..16]),
                "the key is not quoted: {message}"
            );
        }
    }

    #[tokio::test]
    async fn a_raced_key_is_saved_before_it_is_published_and_is_the_one_that_signs() {
        let saved = Arc::new(std::sync::Mutex::new(Vec::new()));
        let save: SaveKey = {
            let saved = saved.clone();
            Arc::new(move |kid, _position, der: &[u8]| {
                saved.lock().unwrap().push((kid, der.to_vec()))
            })
        };
        let ring = KeyRing::new(KeySize::Rsa2048, Some(save));
        ring.prepare_racing();
        assert!(ring.under_way());
        let published = ring.jwks().await.unwrap();
        // Saved before it was published, and only the key that won: the other generation, if
        // any, drops its key.
        let (kid, der) = saved.lock().unwrap().first().cloned().unwrap();
        assert_eq!(kid, published[0].kid);
        assert_eq!(
            jwk(kid, &KeyPair::from_pkcs8(&der).unwrap()).n,
            published[0].n
        );
        // The published key signs, and stays the tenant's key.
        assert_signed_by(&ring, &der).await;
        assert_eq!(ring.jwks().await.unwrap()[0].n, published[0].n);
        assert_eq!(saved.lock().unwrap().len(), 1);
    }
}
