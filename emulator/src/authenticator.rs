//! A software WebAuthn authenticator and client (1Password's `passkey-client`), turning the
//! emulator's options into the JSON a browser posts (`@github/webauthn-json` style).
//!
//! One [`VirtualAuthenticator`] holds any number of credentials, for any number of users. Clones
//! share the same credentials, so [`VirtualAuthenticator::with_origin`] can act as a phishing
//! page that holds the user's real keys.
//!
//! It plays the browser's part of a ceremony: [`register`](VirtualAuthenticator::register) takes
//! the `{"publicKey":{…}}` options from a `*/registration/initialize` call and returns the
//! credential JSON for `*/registration/finalize`; [`login`](VirtualAuthenticator::login) does
//! the same for login, MFA login and transactions.
//!
//! Like a browser, it refuses ([`AuthenticatorError::Refused`], with Chromium's error text)
//! what no browser would pass to an authenticator: a user handle over 64 bytes, an RP id that
//! is not the origin's host or a parent domain of it, an IP-address origin, and a non-secure
//! origin other than `http://localhost`. The server accepts some of these (user ids up to 255
//! bytes, IP addresses as RP ids); a test that passes here also passes in a browser.
//!
//! ```
//! use hanko_passkeys_emulator::Emulator;
//! use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
//! use serde_json::{Value, json};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let emu = Emulator::builder().rsa_bits(2048).start().await?;
//! let http = reqwest::Client::new();
//! let browser = VirtualAuthenticator::new(emu.origin());
//!
//! // Registration: the server's options go to the authenticator, its answer back to the server.
//! let options: Value = http
//!     .post(format!("{}/registration/initialize", emu.tenant_url()))
//!     .header("apiKey", emu.api_key())
//!     .json(&json!({"user_id": "alice", "username": "alice@example.com"}))
//!     .send().await?.json().await?;
//! let credential = browser.register(&options).await?;
//! let registered: Value = http
//!     .post(format!("{}/registration/finalize", emu.tenant_url()))
//!     .json(&credential)
//!     .send().await?.json().await?;
//! assert!(registered["token"].is_string());
//!
//! // A discoverable login: no user id, the authenticator picks its credential for the RP.
//! let options: Value = http
//!     .post(format!("{}/login/initialize", emu.tenant_url()))
//!     .json(&json!({}))
//!     .send().await?.json().await?;
//! let assertion = browser.login(&options).await?;
//! let response = http
//!     .post(format!("{}/login/finalize", emu.tenant_url()))
//!     .json(&assertion)
//!     .send().await?;
//! assert_eq!(response.status(), 200);
//! emu.shutdown().await;
//! # Ok(()) }
//! ```

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use passkey_authenticator::{
    Authenticator, CredentialStore, DiscoverabilitySupport, StoreInfo, UiHint, UserCheck,
    UserValidationMethod,
};
use passkey_client::{Client, DefaultClientData};
use passkey_types::Passkey;
use passkey_types::ctap2::{
    Aaguid, Ctap2Error, StatusCode,
    make_credential::{Options, PublicKeyCredentialRpEntity, PublicKeyCredentialUserEntity},
};
use passkey_types::webauthn::{
    CredentialCreationOptions, CredentialRequestOptions, PublicKeyCredentialDescriptor,
};
use serde::Serialize;
use serde_json::Value;

/// Why the virtual authenticator could not answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthenticatorError {
    /// The options are not valid WebAuthn options JSON.
    #[error("invalid WebAuthn options: {0}")]
    Options(String),
    /// The origin is not a valid URL.
    #[error("invalid origin {0:?}")]
    Origin(String),
    /// The WebAuthn client or authenticator failed (no matching credential, ...).
    #[error("WebAuthn operation failed: {0}")]
    Ceremony(String),
    /// A browser would refuse these options before any authenticator sees them; the value is
    /// the error Chromium throws, e.g. `TypeError: User handle exceeds 64 bytes`, or
    /// `SecurityError: This is an invalid domain.` for an IP-address origin.
    #[error("a browser refuses this: {0}")]
    Refused(String),
}

/// The attestation statement new credentials carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Attestation {
    /// `fmt: "none"` with an empty statement (what most passkey providers send).
    #[default]
    None,
    /// `fmt: "packed"` self attestation: the statement is signed with the new credential's own
    /// key (`{alg, sig}`, no certificate chain).
    PackedSelf,
}

#[derive(Debug, Default)]
struct Stored {
    /// Newest last.
    passkeys: Vec<Passkey>,
}

/// The credential store shared by clones of one virtual authenticator.
#[derive(Clone, Default)]
struct SharedStore {
    inner: Arc<Mutex<Stored>>,
    /// Credential to use for discoverable logins, if the caller picked one.
    preferred: Option<Vec<u8>>,
}

#[async_trait::async_trait]
impl CredentialStore for SharedStore {
    type PasskeyItem = Passkey;

    async fn find_credentials(
        &self,
        ids: Option<&[PublicKeyCredentialDescriptor]>,
        rp_id: &str,
        _user_handle: Option<&[u8]>,
    ) -> Result<Vec<Passkey>, StatusCode> {
        let stored = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let found: Vec<Passkey> = match ids.filter(|ids| !ids.is_empty()) {
            Some(ids) => stored
                .passkeys
                .iter()
                .rev()
                .filter(|p| ids.iter().any(|d| *d.id == *p.credential_id))
                .filter(|p| {
                    self.preferred
                        .as_ref()
                        .is_none_or(|pref| **pref == *p.credential_id)
                })
                .cloned()
                .collect(),
            None => stored
                .passkeys
                .iter()
                .rev()
                .filter(|p| p.rp_id == rp_id)
                .filter(|p| {
                    self.preferred
                        .as_ref()
                        .is_none_or(|pref| **pref == *p.credential_id)
                })
                .cloned()
                .collect(),
        };
        if found.is_empty() {
            Err(Ctap2Error::NoCredentials.into())
        } else {
            Ok(found)
        }
    }

    async fn save_credential(
        &mut self,
        cred: Passkey,
        _user: PublicKeyCredentialUserEntity,
        _rp: PublicKeyCredentialRpEntity,
        _options: Options,
    ) -> Result<(), StatusCode> {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .passkeys
            .push(cred);
        Ok(())
    }

    async fn update_credential(&mut self, cred: &Passkey) -> Result<(), StatusCode> {
        let mut stored = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(existing) = stored
            .passkeys
            .iter_mut()
            .find(|p| p.credential_id == cred.credential_id)
        {
            *existing = cred.clone();
        }
        Ok(())
    }

    async fn get_info(&self) -> StoreInfo {
        StoreInfo {
            discoverability: DiscoverabilitySupport::ForcedDiscoverable,
        }
    }
}

/// Presence and verification answers of the simulated user.
struct SimulatedUser {
    verified: bool,
}

#[async_trait::async_trait]
impl UserValidationMethod for SimulatedUser {
    type PasskeyItem = Passkey;

    async fn check_user<'a>(
        &self,
        _hint: UiHint<'a, Passkey>,
        presence: bool,
        verification: bool,
    ) -> Result<UserCheck, Ctap2Error> {
        Ok(UserCheck {
            presence,
            verification: verification && self.verified,
        })
    }

    fn is_presence_enabled(&self) -> bool {
        true
    }

    fn is_verification_enabled(&self) -> Option<bool> {
        Some(self.verified)
    }
}

/// A software authenticator bound to a web origin, holding passkeys for several users.
#[derive(Clone)]
pub struct VirtualAuthenticator {
    origin: String,
    user_present: bool,
    user_verified: bool,
    backup_eligible: bool,
    aaguid: [u8; 16],
    attestation: Attestation,
    store: SharedStore,
}

impl std::fmt::Debug for VirtualAuthenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VirtualAuthenticator")
            .field("origin", &self.origin)
            .field("user_present", &self.user_present)
            .field("user_verified", &self.user_verified)
            .field("credentials", &self.credential_ids().len())
            .finish_non_exhaustive()
    }
}

impl VirtualAuthenticator {
    /// An authenticator for pages at `origin` (e.g. `http://localhost:8080`), with a present and
    /// verified user and a zero AAGUID.
    ///
    /// ```
    /// use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
    ///
    /// let browser = VirtualAuthenticator::new("http://localhost:8080");
    /// assert_eq!(browser.origin(), "http://localhost:8080");
    /// assert!(browser.credential_ids().is_empty());
    /// ```
    pub fn new(origin: impl Into<String>) -> Self {
        Self {
            origin: origin.into(),
            user_present: true,
            user_verified: true,
            backup_eligible: true,
            aaguid: [0; 16],
            attestation: Attestation::None,
            store: SharedStore::default(),
        }
    }

    /// Whether the user verifies (PIN/biometrics). With `false` the UV flag stays clear, as
    /// with an authenticator that cannot verify.
    ///
    /// The emulator's default tenant requires user verification, so a registration from such
    /// an authenticator ends in the server's 422:
    ///
    /// ```
    /// # use hanko_passkeys_emulator::{Emulator, authenticator::VirtualAuthenticator};
    /// # use serde_json::{Value, json};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let emu = Emulator::builder().rsa_bits(2048).start().await?;
    /// # let http = reqwest::Client::new();
    /// let no_pin = VirtualAuthenticator::new(emu.origin()).user_verified(false);
    /// let options: Value = http
    ///     .post(format!("{}/registration/initialize", emu.tenant_url()))
    ///     .header("apiKey", emu.api_key())
    ///     .json(&json!({"user_id": "bob", "username": "bob"}))
    ///     .send().await?.json().await?;
    /// let credential = no_pin.register(&options).await?;
    /// let response = http
    ///     .post(format!("{}/registration/finalize", emu.tenant_url()))
    ///     .json(&credential)
    ///     .send().await?;
    /// assert_eq!(response.status(), 422);
    /// # Ok(()) }
    /// ```
    pub fn user_verified(mut self, verified: bool) -> Self {
        self.user_verified = verified;
        self
    }

    /// Whether the user is present. With `false` the UP flag is cleared in the authenticator
    /// data after the fact (no real authenticator does that; it is for negative tests).
    pub fn user_present(mut self, present: bool) -> Self {
        self.user_present = present;
        self
    }

    /// Whether credentials are synced passkeys (the default: the BE and BS flags are set, as
    /// password managers do) or bound to this device, like a security key (BE and BS clear).
    /// Applies to registrations and logins alike, so a clone with another setting shows a
    /// credential whose backup eligibility changed.
    pub fn backup_eligible(mut self, eligible: bool) -> Self {
        self.backup_eligible = eligible;
        self
    }

    /// Sets the AAGUID new credentials report (the server names credentials after it).
    pub fn aaguid(mut self, aaguid: uuid::Uuid) -> Self {
        self.aaguid = *aaguid.as_bytes();
        self
    }

    /// Chooses the attestation format of new credentials (default [`Attestation::None`]).
    pub fn attestation(mut self, attestation: Attestation) -> Self {
        self.attestation = attestation;
        self
    }

    /// The same authenticator and credentials, used from another origin (a phishing page, a
    /// different port): the server must reject its responses.
    ///
    /// ```
    /// use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
    ///
    /// let browser = VirtualAuthenticator::new("http://localhost:8080");
    /// let phishing = browser.with_origin("http://localhost:9999");
    /// assert_eq!(phishing.origin(), "http://localhost:9999");
    /// // Both hold the same credentials: one registered through `browser` is usable (and
    /// // refused by the server) through `phishing`.
    /// assert_eq!(phishing.credential_ids(), browser.credential_ids());
    /// ```
    pub fn with_origin(&self, origin: impl Into<String>) -> Self {
        Self {
            origin: origin.into(),
            ..self.clone()
        }
    }

    /// The same authenticator that, when several of its credentials match, answers with
    /// `credential_id` (base64url).
    pub fn using_credential(&self, credential_id: &str) -> Self {
        let mut copy = self.clone();
        copy.store.preferred = URL_SAFE_NO_PAD
            .decode(credential_id.trim_end_matches('='))
            .ok();
        copy
    }

    /// The origin the client data names.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Base64url ids of all stored credentials, oldest first.
    pub fn credential_ids(&self) -> Vec<String> {
        let stored = self.store.inner.lock().unwrap_or_else(|e| e.into_inner());
        stored
            .passkeys
            .iter()
            .map(|p| URL_SAFE_NO_PAD.encode(&*p.credential_id))
            .collect()
    }

    fn client(
        &self,
    ) -> Client<
        SharedStore,
        SimulatedUser,
        passkey_crypto::rust_crypto::RustCryptoBackend,
        public_suffix::PublicSuffixList,
        (),
    > {
        let authenticator = Authenticator::new(
            Aaguid::from(self.aaguid),
            self.store.clone(),
            SimulatedUser {
                verified: self.user_verified,
            },
            passkey_crypto::rust_crypto::RustCryptoBackend,
        );
        Client::new(authenticator).allows_insecure_localhost(true)
    }

    fn origin_url(&self) -> Result<url::Url, AuthenticatorError> {
        url::Url::parse(&self.origin).map_err(|_| AuthenticatorError::Origin(self.origin.clone()))
    }

    /// Answers creation options (`{"publicKey":{...}}` from `registration/initialize`) with the
    /// registration credential JSON that `registration/finalize` takes.
    pub async fn register(&self, options: &impl Serialize) -> Result<Value, AuthenticatorError> {
        let mut options = to_json(options)?;
        if !self.user_verified {
            // A non-verifying authenticator: the client must not ask for UV.
            if let Some(sel) = options
                .pointer_mut("/publicKey/authenticatorSelection")
                .and_then(Value::as_object_mut)
            {
                sel.insert("userVerification".into(), "discouraged".into());
            }
        }
        let request: CredentialCreationOptions = serde_json::from_value(options)
            .map_err(|e| AuthenticatorError::Options(e.to_string()))?;
        // Chromium checks `user.id` before anything else (the spec's maximum; the server
        // itself takes up to 255 bytes).
        if request.public_key.user.id.len() > MAX_USER_HANDLE {
            return Err(AuthenticatorError::Refused(
                "TypeError: User handle exceeds 64 bytes".into(),
            ));
        }
        let origin = self.origin_url()?;
        check_rp_id(&origin, request.public_key.rp.id.as_deref())?;
        let mut client = self.client();
        let created = client
            .register(&origin, request, DefaultClientData)
            .await
            .map_err(client_error)?;
        let mut json = to_json(&created)?;
        normalize(&mut json, true);
        if !self.backup_eligible {
            // Nothing signs a `none` statement's authenticator data; a packed one is signed next.
            tamper::set_registration_flags(
                &mut json,
                0,
                tamper::flags::BACKUP_ELIGIBLE | tamper::flags::BACKUP_STATE,
            );
        }
        if self.attestation == Attestation::PackedSelf {
            self.packed_self_attestation(&mut json)?;
        }
        if !self.user_present {
            clear_up_flag_in_attestation(&mut json);
        }
        Ok(json)
    }

    /// Answers request options (`{"publicKey":{...}}` from a login, MFA login or transaction
    /// initialize) with the assertion JSON the finalize endpoints take. Without
    /// `allowCredentials` it picks the newest resident credential for the RP id.
    pub async fn login(&self, options: &impl Serialize) -> Result<Value, AuthenticatorError> {
        let mut options = to_json(options)?;
        if !self.user_verified
            && let Some(pk) = options
                .pointer_mut("/publicKey")
                .and_then(Value::as_object_mut)
        {
            pk.insert("userVerification".into(), "discouraged".into());
        }
        let request: CredentialRequestOptions = serde_json::from_value(options)
            .map_err(|e| AuthenticatorError::Options(e.to_string()))?;
        let origin = self.origin_url()?;
        check_rp_id(&origin, request.public_key.rp_id.as_deref())?;
        let mut client = self.client();
        let asserted = client
            .authenticate(&origin, request, DefaultClientData)
            .await
            .map_err(client_error)?;
        let mut json = to_json(&asserted)?;
        normalize(&mut json, false);
        if !self.backup_eligible {
            self.resign_without_backup_flags(&mut json)?;
        }
        if !self.user_present
            && let Some(Value::String(data)) = json.pointer_mut("/response/authenticatorData")
            && let Ok(mut bytes) = URL_SAFE_NO_PAD.decode(data.as_str())
        {
            if let Some(flags) = bytes.get_mut(32) {
                *flags &= !0x01;
            }
            *data = URL_SAFE_NO_PAD.encode(bytes);
        }
        Ok(json)
    }
}

impl VirtualAuthenticator {
    /// Replaces the `none` statement the software authenticator produced by a packed self
    /// attestation signed (by the crypto backend) with the new credential's key.
    /// Signs `auth_data ‖ SHA-256(client_data)` with the private key of credential `raw_id`;
    /// returns the signature and the COSE algorithm.
    fn sign_with(
        &self,
        raw_id: &[u8],
        auth_data: &[u8],
        client_data: &[u8],
    ) -> Result<(Vec<u8>, i64), &'static str> {
        use coset::iana::EnumI64 as _;
        use passkey_crypto::SecretKeyT as _;
        let passkey = {
            let stored = self.store.inner.lock().unwrap_or_else(|e| e.into_inner());
            stored
                .passkeys
                .iter()
                .find(|p| *p.credential_id == *raw_id)
                .cloned()
                .ok_or("credential")?
        };
        let alg = match passkey.key.alg.as_ref() {
            Some(coset::Algorithm::Assigned(a)) => a.to_i64(),
            Some(coset::Algorithm::PrivateUse(a)) => *a,
            _ => return Err("algorithm"),
        };
        let mut key = passkey_crypto::rust_crypto::RustCryptoSecretKey::from_cose_key(&passkey.key)
            .map_err(|_| "private key")?;
        let mut signed = auth_data.to_vec();
        signed.extend_from_slice(&<sha2::Sha256 as sha2::Digest>::digest(client_data));
        Ok((key.sign(&signed), alg))
    }

    /// Clears BE and BS in an assertion's authenticator data and signs it again.
    fn resign_without_backup_flags(&self, json: &mut Value) -> Result<(), AuthenticatorError> {
        let fail = |what: &str| AuthenticatorError::Ceremony(format!("assertion flags: {what}"));
        let decode = |ptr: &str| {
            json.pointer(ptr)
                .and_then(Value::as_str)
                .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
                .ok_or_else(|| fail(ptr))
        };
        let client_data = decode("/response/clientDataJSON")?;
        let mut auth_data = decode("/response/authenticatorData")?;
        let raw_id = decode("/rawId")?;
        let flags = auth_data
            .get_mut(32)
            .ok_or_else(|| fail("authenticatorData"))?;
        *flags &= !(tamper::flags::BACKUP_ELIGIBLE | tamper::flags::BACKUP_STATE);
        let (signature, _) = self
            .sign_with(&raw_id, &auth_data, &client_data)
            .map_err(fail)?;
        if let Some(response) = json.pointer_mut("/response").and_then(Value::as_object_mut) {
            response.insert(
                "authenticatorData".into(),
                URL_SAFE_NO_PAD.encode(auth_data).into(),
            );
            response.insert("signature".into(), URL_SAFE_NO_PAD.encode(signature).into());
        }
        Ok(())
    }

    fn packed_self_attestation(&self, json: &mut Value) -> Result<(), AuthenticatorError> {
        use serde_cbor_2::Value as Cbor;
        let fail = |what: &str| AuthenticatorError::Ceremony(format!("packed attestation: {what}"));
        let decode = |ptr: &str| {
            json.pointer(ptr)
                .and_then(Value::as_str)
                .and_then(|s| URL_SAFE_NO_PAD.decode(s).ok())
                .ok_or_else(|| fail(ptr))
        };
        let client_data = decode("/response/clientDataJSON")?;
        let attestation_object = decode("/response/attestationObject")?;
        let raw_id = decode("/rawId")?;
        let Ok(Cbor::Map(mut map)) = serde_cbor_2::from_slice::<Cbor>(&attestation_object) else {
            return Err(fail("attestation object"));
        };
        let Some(Cbor::Bytes(auth_data)) = map.get(&Cbor::Text("authData".into())).cloned() else {
            return Err(fail("authData"));
        };
        let (sig, alg) = self
            .sign_with(&raw_id, &auth_data, &client_data)
            .map_err(&fail)?;
        let mut statement = std::collections::BTreeMap::new();
        statement.insert(Cbor::Text("alg".into()), Cbor::Integer(i128::from(alg)));
        statement.insert(Cbor::Text("sig".into()), Cbor::Bytes(sig));
        map.insert(Cbor::Text("fmt".into()), Cbor::Text("packed".into()));
        map.insert(Cbor::Text("attStmt".into()), Cbor::Map(statement));
        let encoded = serde_cbor_2::to_vec(&Cbor::Map(map)).map_err(|_| fail("encoding"))?;
        if let Some(obj) = json.pointer_mut("/response").and_then(Value::as_object_mut) {
            obj.insert(
                "attestationObject".into(),
                URL_SAFE_NO_PAD.encode(encoded).into(),
            );
        }
        Ok(())
    }
}

/// The longest user handle a browser passes on (WebAuthn's `user.id`: at most 64 bytes).
const MAX_USER_HANDLE: usize = 64;

const INVALID_DOMAIN: &str = "SecurityError: This is an invalid domain.";
const BAD_RP_ID: &str = "SecurityError: The relying party ID is not a registrable domain suffix of, nor equal to the current domain.";

/// The browser's RP id checks: the origin's host is a domain (not an IP address), and the RP id
/// is that host or a suffix of it. (The client library would let any origin use `localhost`.)
fn check_rp_id(origin: &url::Url, rp_id: Option<&str>) -> Result<(), AuthenticatorError> {
    let Some(url::Host::Domain(host)) = origin.host() else {
        return Err(AuthenticatorError::Refused(INVALID_DOMAIN.into()));
    };
    if let Some(rp_id) = rp_id {
        let rp_id = rp_id.to_ascii_lowercase();
        let suffix = host
            .strip_suffix(rp_id.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'));
        if !suffix {
            return Err(AuthenticatorError::Refused(BAD_RP_ID.into()));
        }
    }
    Ok(())
}

/// The client's refusals as the browser reports them; other failures as they are.
fn client_error(e: passkey_client::WebauthnError) -> AuthenticatorError {
    use passkey_client::WebauthnError as E;
    let refused = |message: &str| AuthenticatorError::Refused(message.to_string());
    match e {
        // An IP-address origin has no domain; Chromium: `AuthenticatorStatus::INVALID_DOMAIN`.
        E::OriginMissingDomain | E::InvalidRpId => refused(INVALID_DOMAIN),
        E::OriginRpMissmatch | E::RequiresRelatedOriginsSupport => refused(BAD_RP_ID),
        E::UnprotectedOrigin | E::InsecureLocalhostNotAllowed => refused(
            "SecurityError: The operation is insecure (WebAuthn needs https:// or http://localhost).",
        ),
        other => AuthenticatorError::Ceremony(format!("{other:?}")),
    }
}

/// Makes the client's output look like `@github/webauthn-json`: base64url strings, a
/// `clientExtensionResults` object, `transports` inside the response.
fn normalize(json: &mut Value, registration: bool) {
    if let Some(obj) = json.as_object_mut() {
        obj.entry("clientExtensionResults")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Some(Value::Object(response)) = obj.get_mut("response") {
            // webauthn-json sends only these; the extra `toJSON()` fields are not read anyway.
            if registration {
                response.remove("publicKey");
                response.remove("publicKeyAlgorithm");
                response.remove("authenticatorData");
            } else {
                response.remove("attestationObject");
            }
        }
    }
}

fn clear_up_flag_in_attestation(json: &mut Value) {
    tamper::set_registration_flags(json, 0, tamper::flags::USER_PRESENT);
}

/// Helpers that damage a credential JSON in specific ways, for negative tests.
pub mod tamper {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::Value;

    /// Authenticator-data flag bits, for [`set_registration_flags`].
    pub mod flags {
        /// UP: the user was present.
        pub const USER_PRESENT: u8 = 0x01;
        /// UV: the user was verified.
        pub const USER_VERIFIED: u8 = 0x04;
        /// BE: the credential may be backed up (synced).
        pub const BACKUP_ELIGIBLE: u8 = 0x08;
        /// BS: the credential is backed up.
        pub const BACKUP_STATE: u8 = 0x10;
    }

    /// Sets, then clears, flag bits in a registration's authenticator data (inside
    /// `response.attestationObject`). With a `none` attestation nothing signs the
    /// authenticator data, so the result is still a valid registration, e.g. of a credential
    /// that says it is backup eligible. Returns whether there was authenticator data to change.
    ///
    /// ```
    /// use hanko_passkeys_emulator::authenticator::tamper::{self, flags};
    /// use serde_json::json;
    ///
    /// assert!(!tamper::set_registration_flags(&mut json!({}), flags::BACKUP_ELIGIBLE, 0));
    /// ```
    pub fn set_registration_flags(credential: &mut Value, set: u8, clear: u8) -> bool {
        use serde_cbor_2::Value as Cbor;
        let Some(Value::String(att)) = credential.pointer_mut("/response/attestationObject") else {
            return false;
        };
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(att.as_str()) else {
            return false;
        };
        let Ok(Cbor::Map(mut map)) = serde_cbor_2::from_slice::<Cbor>(&bytes) else {
            return false;
        };
        let Some(Cbor::Bytes(auth)) = map.get_mut(&Cbor::Text("authData".into())) else {
            return false;
        };
        let Some(flags) = auth.get_mut(32) else {
            return false;
        };
        *flags = (*flags | set) & !clear;
        let Ok(encoded) = serde_cbor_2::to_vec(&Cbor::Map(map)) else {
            return false;
        };
        *att = URL_SAFE_NO_PAD.encode(encoded);
        true
    }

    /// Sets member `name` of a credential's client data (`response.clientDataJSON`) to
    /// `value`. For a registration with a `none` attestation the result is still valid (the
    /// client data is only hashed into signatures); for an assertion it breaks the signature.
    /// Returns whether there was client data to change.
    ///
    /// ```
    /// use hanko_passkeys_emulator::authenticator::tamper;
    /// use serde_json::json;
    ///
    /// let mut credential = json!({"response": {"clientDataJSON": "e30"}}); // {}
    /// assert!(tamper::set_client_data(&mut credential, "crossOrigin", json!(true)));
    /// assert_eq!(credential["response"]["clientDataJSON"], "eyJjcm9zc09yaWdpbiI6dHJ1ZX0");
    /// ```
    pub fn set_client_data(credential: &mut Value, name: &str, value: Value) -> bool {
        let Some(Value::String(data)) = credential.pointer_mut("/response/clientDataJSON") else {
            return false;
        };
        let Some(mut client) = URL_SAFE_NO_PAD
            .decode(data.as_str())
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        else {
            return false;
        };
        let Some(object) = client.as_object_mut() else {
            return false;
        };
        object.insert(name.to_string(), value);
        *data = URL_SAFE_NO_PAD.encode(client.to_string());
        true
    }

    /// Flips a bit in an assertion's `response.signature`: the server answers 401
    /// "failed to validate assertion". Returns whether there was a signature to damage.
    ///
    /// ```
    /// use hanko_passkeys_emulator::authenticator::tamper;
    /// use serde_json::json;
    ///
    /// let mut assertion = json!({"response": {"signature": "AAEC"}});
    /// assert!(tamper::corrupt_signature(&mut assertion));
    /// assert_eq!(assertion["response"]["signature"], "AAED");
    /// assert!(!tamper::corrupt_signature(&mut json!({})));
    /// ```
    pub fn corrupt_signature(assertion: &mut Value) -> bool {
        let Some(Value::String(sig)) = assertion.pointer_mut("/response/signature") else {
            return false;
        };
        let Ok(mut bytes) = URL_SAFE_NO_PAD.decode(sig.as_str()) else {
            return false;
        };
        let Some(last) = bytes.last_mut() else {
            return false;
        };
        *last ^= 0x01;
        *sig = URL_SAFE_NO_PAD.encode(bytes);
        true
    }

    /// Replaces an assertion's `response.userHandle` (`None` removes it).
    ///
    /// ```
    /// use hanko_passkeys_emulator::authenticator::tamper;
    /// use serde_json::json;
    ///
    /// let mut assertion = json!({"response": {"userHandle": "YWxpY2U"}});
    /// tamper::set_user_handle(&mut assertion, Some(b"bob"));
    /// assert_eq!(assertion["response"]["userHandle"], "Ym9i");
    /// tamper::set_user_handle(&mut assertion, None);
    /// assert!(assertion["response"].get("userHandle").is_none());
    /// ```
    pub fn set_user_handle(assertion: &mut Value, handle: Option<&[u8]>) {
        if let Some(response) = assertion
            .pointer_mut("/response")
            .and_then(Value::as_object_mut)
        {
            match handle {
                Some(h) => {
                    response.insert("userHandle".into(), URL_SAFE_NO_PAD.encode(h).into());
                }
                None => {
                    response.remove("userHandle");
                }
            }
        }
    }
}

/// Options in, or the client's answer out, as a JSON value.
fn to_json(value: &impl Serialize) -> Result<Value, AuthenticatorError> {
    serde_json::to_value(value).map_err(|e| AuthenticatorError::Options(e.to_string()))
}
