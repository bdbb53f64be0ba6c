//! The options go-webauthn sends (`{"publicKey":{…}}`) and the token answer of every finalize,
//! with go-webauthn's member order.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use crate::config::{ResidentKey, WebauthnSettings};

/// COSE algorithms in go-webauthn's default order.
const ALGORITHMS: [i64; 10] = [-7, -35, -36, -257, -258, -259, -37, -38, -39, -8];

/// `{"publicKey": PublicKeyCredentialCreationOptions}`.
#[derive(Serialize)]
pub(crate) struct CreationOptionsResponse {
    #[serde(rename = "publicKey")]
    pub(crate) public_key: CreationOptions,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreationOptions {
    rp: RelyingParty,
    user: UserEntity,
    challenge: String,
    pub_key_cred_params: Vec<CredentialParameter>,
    timeout: u64,
    /// Always present; the server never sends `excludeCredentials` or `extensions`.
    authenticator_selection: AuthenticatorSelection,
    attestation: &'static str,
}

impl CreationOptionsResponse {
    /// Options for `user` of the tenant's relying party.
    pub(crate) fn new(
        rp_name: &str,
        rp_id: &str,
        user: UserEntity,
        challenge: String,
        settings: &WebauthnSettings,
    ) -> Self {
        Self {
            public_key: CreationOptions {
                rp: RelyingParty {
                    name: rp_name.to_string(),
                    id: rp_id.to_string(),
                },
                user,
                challenge,
                pub_key_cred_params: ALGORITHMS
                    .iter()
                    .map(|&alg| CredentialParameter {
                        r#type: "public-key",
                        alg,
                    })
                    .collect(),
                timeout: timeout_ms(settings),
                authenticator_selection: AuthenticatorSelection {
                    authenticator_attachment: settings.attachment.map(|a| a.as_str()),
                    require_resident_key: settings.resident_key == ResidentKey::Required,
                    resident_key: settings.resident_key.as_str(),
                    user_verification: settings.user_verification.as_str(),
                },
                attestation: settings.attestation.as_str(),
            },
        }
    }
}

/// `rp`: no icon, the server never sets one.
#[derive(Serialize)]
struct RelyingParty {
    name: String,
    id: String,
}

/// `user`: `id` is base64url of the user id's UTF-8 bytes, not a UUID.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserEntity {
    pub(crate) name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) icon: Option<String>,
    pub(crate) display_name: String,
    pub(crate) id: String,
}

#[derive(Serialize)]
struct CredentialParameter {
    r#type: &'static str,
    alg: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuthenticatorSelection {
    #[serde(skip_serializing_if = "Option::is_none")]
    authenticator_attachment: Option<&'static str>,
    require_resident_key: bool,
    resident_key: &'static str,
    user_verification: &'static str,
}

/// `{"publicKey": PublicKeyCredentialRequestOptions}`.
#[derive(Serialize)]
pub(crate) struct RequestOptionsResponse {
    #[serde(rename = "publicKey")]
    pub(crate) public_key: RequestOptions,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RequestOptions {
    challenge: String,
    timeout: u64,
    rp_id: String,
    /// Left out for a discoverable login; transports are always stripped.
    #[serde(skip_serializing_if = "Option::is_none")]
    allow_credentials: Option<Vec<CredentialDescriptor>>,
    user_verification: &'static str,
}

impl RequestOptionsResponse {
    /// Options for a challenge, restricted to `allowed` credential ids when given.
    pub(crate) fn new(
        settings: &WebauthnSettings,
        rp_id: &str,
        challenge: String,
        allowed: Option<&[Vec<u8>]>,
    ) -> Self {
        Self {
            public_key: RequestOptions {
                challenge,
                timeout: timeout_ms(settings),
                rp_id: rp_id.to_string(),
                allow_credentials: allowed.map(|ids| {
                    ids.iter()
                        .map(|id| CredentialDescriptor {
                            r#type: "public-key",
                            id: URL_SAFE_NO_PAD.encode(id),
                        })
                        .collect()
                }),
                user_verification: settings.user_verification.as_str(),
            },
        }
    }
}

#[derive(Serialize)]
struct CredentialDescriptor {
    r#type: &'static str,
    id: String,
}

/// The answer of every finalize: `{"token": "<JWT>"}`.
#[derive(Serialize)]
pub(crate) struct TokenResponse {
    pub(crate) token: String,
}

fn timeout_ms(settings: &WebauthnSettings) -> u64 {
    u64::try_from(settings.effective_timeout().as_millis()).unwrap_or(u64::MAX)
}
