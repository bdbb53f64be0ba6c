//! WebAuthn JSON exchanged with the browser: the options that initialize calls return and the
//! credentials that finalize calls take.
//!
//! These types are written by hand rather than generated: every one keeps members it does not
//! model in `extra`, so options pass from the server to the browser, and credentials from the
//! browser to the server, without losing anything a newer server or browser adds.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// JSON members a type does not model, kept so that the value round-trips unchanged.
pub type Extra = serde_json::Map<String, serde_json::Value>;

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)*
            /// A value this version of the SDK does not know, kept as sent.
            #[serde(untagged)]
            Other(String),
        }

        impl $name {
            /// The value as it appears in JSON.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(other) => other,
                }
            }
        }
    };
}

string_enum! {
    /// Whether the authenticator must verify the user (PIN, biometrics).
    UserVerification {
        /// The ceremony fails without user verification.
        Required = "required",
        /// Verify the user when the authenticator can.
        Preferred = "preferred",
        /// Do not verify the user.
        Discouraged = "discouraged",
    }
}

string_enum! {
    /// Whether the credential must be discoverable (a passkey that works without a user name).
    ResidentKey {
        /// A discoverable credential is required.
        Required = "required",
        /// Discoverable when possible.
        Preferred = "preferred",
        /// A server-side credential is enough.
        Discouraged = "discouraged",
    }
}

string_enum! {
    /// Where the authenticator lives.
    AuthenticatorAttachment {
        /// Built into the device (Touch ID, Windows Hello, a platform passkey manager).
        Platform = "platform",
        /// A roaming authenticator (security key, phone over hybrid transport).
        CrossPlatform = "cross-platform",
    }
}

string_enum! {
    /// How much attestation the relying party asks for.
    AttestationConveyance {
        /// No attestation.
        None = "none",
        /// Attestation, possibly anonymized.
        Indirect = "indirect",
        /// The authenticator's own attestation.
        Direct = "direct",
        /// Enterprise attestation identifying the device.
        Enterprise = "enterprise",
    }
}

/// Options for `navigator.credentials.create()`, returned by the registration initialize calls.
///
/// Serializes to exactly `{"publicKey": {...}}`, the shape browser helpers such as
/// `@github/webauthn-json` and `PublicKeyCredential.parseCreationOptionsFromJSON` take: send it
/// to the frontend as it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct RegistrationOptions {
    /// The WebAuthn creation options.
    #[serde(rename = "publicKey")]
    pub public_key: PublicKeyCredentialCreationOptions,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// WebAuthn `PublicKeyCredentialCreationOptions` in JSON form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyCredentialCreationOptions {
    /// The relying party the credential is bound to.
    pub rp: RelyingParty,
    /// The user the credential is created for.
    pub user: UserEntity,
    /// base64url challenge the authenticator signs.
    pub challenge: String,
    /// Accepted key algorithms, most preferred first.
    pub pub_key_cred_params: Vec<CredentialParameter>,
    /// Milliseconds the ceremony may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// Credentials the authenticator must not create again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclude_credentials: Option<Vec<CredentialDescriptor>>,
    /// Which authenticators may be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_selection: Option<AuthenticatorSelection>,
    /// Attestation conveyance preference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attestation: Option<AttestationConveyance>,
    /// Members not modelled here (`extensions`, `hints`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The relying party: your site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct RelyingParty {
    /// RP id: the domain credentials are bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name shown to the user.
    pub name: String,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The user a credential is created for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserEntity {
    /// base64url user handle (the UTF-8 bytes of your user id).
    pub id: String,
    /// User name, e.g. an email address.
    pub name: String,
    /// Friendlier name shown by the authenticator.
    pub display_name: String,
    /// URL of an image, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// One accepted public-key algorithm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CredentialParameter {
    /// Always `public-key`.
    #[serde(rename = "type")]
    pub type_: String,
    /// COSE algorithm number: -7 is ES256, -257 is RS256, -8 is EdDSA.
    pub alg: i64,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Names one credential in an allow or exclude list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct CredentialDescriptor {
    /// Always `public-key`.
    #[serde(rename = "type")]
    pub type_: String,
    /// base64url credential id.
    pub id: String,
    /// Transport hints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transports: Option<Vec<String>>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Which authenticators may be used for a registration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorSelection {
    /// Platform or roaming authenticators only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    /// Legacy form of `resident_key: required`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_resident_key: Option<bool>,
    /// Whether a discoverable credential is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident_key: Option<ResidentKey>,
    /// Whether the user must be verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<UserVerification>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// Options for `navigator.credentials.get()`, returned by the login, MFA login and transaction
/// initialize calls. Serializes to exactly `{"publicKey": {...}}`: send it to the frontend as
/// it is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct LoginOptions {
    /// The WebAuthn request options.
    #[serde(rename = "publicKey")]
    pub public_key: PublicKeyCredentialRequestOptions,
    /// Members not modelled here (`mediation`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// WebAuthn `PublicKeyCredentialRequestOptions` in JSON form.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct PublicKeyCredentialRequestOptions {
    /// base64url challenge: 32 random bytes, or 64 bytes bound to the data of a transaction.
    pub challenge: String,
    /// Milliseconds the ceremony may take.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
    /// The relying-party id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rp_id: Option<String>,
    /// Credentials that may answer; absent for a discoverable login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_credentials: Option<Vec<CredentialDescriptor>>,
    /// Whether the user must be verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<UserVerification>,
    /// Members not modelled here (`extensions`, `hints`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The credential `navigator.credentials.create()` produced, in JSON form (webauthn-json or
/// `PublicKeyCredential.toJSON()`); the input of the registration finalize calls.
///
/// Deserialize it straight from the body your frontend posts, or parse it from text:
///
/// ```
/// let credential: hanko_passkeys::RegistrationResponse = r#"{
///     "id": "AQID", "rawId": "AQID", "type": "public-key",
///     "response": {"clientDataJSON": "e30", "attestationObject": "oA"},
///     "clientExtensionResults": {}
/// }"#.parse()?;
/// assert_eq!(credential.id, "AQID");
/// # Ok::<(), hanko_passkeys::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(
        description = "The credential `navigator.credentials.create()` produced, in JSON form \
        (webauthn-json or `PublicKeyCredential.toJSON()`)."
    )
)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationResponse {
    /// base64url credential id.
    pub id: String,
    /// The same id; the server ignores it for registrations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_id: Option<String>,
    /// Always `public-key`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The authenticator's answer.
    pub response: AuthenticatorAttestationResponse,
    /// Where the authenticator lives, when the browser says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    /// Client extension outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_extension_results: Option<serde_json::Value>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The authenticator's answer to a creation request.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorAttestationResponse {
    /// base64url client data.
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    /// base64url CBOR attestation object.
    pub attestation_object: String,
    /// Transports the authenticator supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transports: Option<Vec<String>>,
    /// Members not modelled here (`publicKey`, `authenticatorData`, ...).
    #[serde(flatten)]
    pub extra: Extra,
}

/// The assertion `navigator.credentials.get()` produced, in JSON form; the input of the login,
/// MFA login and transaction finalize calls.
///
/// ```
/// let assertion: hanko_passkeys::AssertionResponse = r#"{
///     "id": "AQID", "rawId": "AQID", "type": "public-key",
///     "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA",
///                  "userHandle": null}
/// }"#.parse()?;
/// assert!(assertion.response.user_handle.is_none());
/// # Ok::<(), hanko_passkeys::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(
        description = "The assertion `navigator.credentials.get()` produced, in JSON form \
        (webauthn-json or `PublicKeyCredential.toJSON()`)."
    )
)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResponse {
    /// base64url credential id.
    pub id: String,
    /// The same id; the server looks the credential up by this one.
    pub raw_id: String,
    /// Always `public-key`.
    #[serde(rename = "type")]
    pub type_: String,
    /// The authenticator's answer.
    pub response: AuthenticatorAssertionResponse,
    /// Where the authenticator lives, when the browser says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authenticator_attachment: Option<AuthenticatorAttachment>,
    /// Client extension outputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_extension_results: Option<serde_json::Value>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// The authenticator's answer to a request.
///
/// A `"userHandle": null` (what `@github/webauthn-json` sends for non-discoverable
/// credentials) reads as `user_handle: None` and is kept in `extra`, so the JSON goes to the
/// server as the browser sent it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(
    feature = "schemars",
    derive(schemars::JsonSchema),
    schemars(description = "The authenticator's answer to a request; `userHandle` may be null.")
)]
#[serde(rename_all = "camelCase", try_from = "AssertionWire")]
pub struct AuthenticatorAssertionResponse {
    /// base64url client data.
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    /// base64url authenticator data.
    pub authenticator_data: String,
    /// base64url signature.
    pub signature: String,
    /// base64url user handle; needed for discoverable logins and transactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_handle: Option<String>,
    /// Members not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

// With the `schemars` feature, the schema of what the SDK reads (`try_from`) is this type's:
// its field docs are the descriptions there.
/// [`AuthenticatorAssertionResponse`] as it arrives, before `userHandle` is sorted out.
#[derive(Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
struct AssertionWire {
    /// base64url client data.
    #[serde(rename = "clientDataJSON")]
    client_data_json: String,
    /// base64url authenticator data.
    authenticator_data: String,
    /// base64url signature.
    signature: String,
    /// base64url user handle, or `null`; needed for discoverable logins and transactions.
    // `Some(Null)` for an explicit `null`, `None` when the member is absent.
    #[serde(default, deserialize_with = "present")]
    #[cfg_attr(feature = "schemars", schemars(with = "Option<String>"))]
    user_handle: Option<serde_json::Value>,
    /// Members not modelled here.
    #[serde(flatten)]
    extra: Extra,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(d).map(Some)
}

impl TryFrom<AssertionWire> for AuthenticatorAssertionResponse {
    type Error = String;

    fn try_from(wire: AssertionWire) -> Result<Self, String> {
        let mut extra = wire.extra;
        let user_handle = match wire.user_handle {
            None => None,
            Some(serde_json::Value::String(handle)) => Some(handle),
            Some(serde_json::Value::Null) => {
                extra.insert("userHandle".to_owned(), serde_json::Value::Null);
                None
            }
            Some(_) => return Err("userHandle must be a base64url string or null".to_owned()),
        };
        Ok(AuthenticatorAssertionResponse {
            client_data_json: wire.client_data_json,
            authenticator_data: wire.authenticator_data,
            signature: wire.signature,
            user_handle,
            extra,
        })
    }
}

macro_rules! from_json_text {
    ($($ty:ty => $what:literal),*) => {$(
        impl FromStr for $ty {
            type Err = Error;

            /// Parses the JSON a browser produced.
            fn from_str(text: &str) -> Result<Self, Error> {
                serde_json::from_str(text).map_err(|e| Error::invalid_input(format!(concat!("not a ", $what, ": {}"), e)))
            }
        }
    )*};
}

from_json_text!(
    RegistrationResponse => "registration credential",
    AssertionResponse => "WebAuthn assertion",
    RegistrationOptions => "set of creation options",
    LoginOptions => "set of request options"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_user_handle_goes_back_as_the_browser_sent_it() {
        for text in [
            r#"{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA","userHandle":null}"#,
            r#"{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA","userHandle":"dQ"}"#,
            r#"{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA"}"#,
        ] {
            let parsed: AuthenticatorAssertionResponse = serde_json::from_str(text).unwrap();
            let again: serde_json::Value = serde_json::to_value(&parsed).unwrap();
            assert_eq!(
                again,
                serde_json::from_str::<serde_json::Value>(text).unwrap()
            );
        }
        let null: AuthenticatorAssertionResponse = serde_json::from_str(
            r#"{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA","userHandle":null}"#,
        )
        .unwrap();
        assert_eq!(null.user_handle, None);
    }
}
