//! The virtual authenticator: settings, and the browser's part of each ceremony.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use passkey_authenticator::Authenticator;
use passkey_client::{Client, DefaultClientData};
use passkey_types::ctap2::Aaguid;
use passkey_types::webauthn::{CredentialCreationOptions, CredentialRequestOptions};
use serde::Serialize;
use serde_json::Value;

use super::browser::{
    MAX_USER_HANDLE, check_rp_id, clear_up_flag_in_attestation, client_error, normalize,
};
use super::error::AuthenticatorError;
use super::store::SharedStore;
use super::tamper;
use super::user::SimulatedUser;

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

/// A software authenticator bound to a web origin, holding passkeys for several users.
#[derive(Clone)]
pub struct VirtualAuthenticator {
    origin: String,
    user_present: bool,
    user_verified: bool,
    backup_eligible: bool,
    aaguid: [u8; 16],
    attestation: Attestation,
    pub(super) store: SharedStore,
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

fn to_json(value: &impl Serialize) -> Result<Value, AuthenticatorError> {
    serde_json::to_value(value).map_err(|e| AuthenticatorError::Options(e.to_string()))
}
