//! The admin API's request bodies (`api/dto/admin/request`), bound as echo's `ctx.Bind` binds
//! them: the Go types below decide what a type error says, serde then reads the checked JSON.

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::server::binding::GoType;
use crate::server::error::ApiError;
use crate::server::extract::EchoBody;

const STRING: GoType = GoType::String("string");

/// `request.CreateRelyingPartyDto`.
const RELYING_PARTY: GoType = GoType::Struct(
    "request.CreateRelyingPartyDto",
    &[
        ("id", STRING),
        ("display_name", STRING),
        ("icon", STRING),
        ("origins", GoType::Strings),
    ],
);

/// The WebAuthn settings both `webauthn` and `mfa` have.
macro_rules! webauthn_fields {
    ($($extra:expr),*) => {
        &[
            $($extra,)*
            ("timeout", GoType::Int),
            ("user_verification", GoType::String("protocol.UserVerificationRequirement")),
            ("attachment", GoType::String("protocol.AuthenticatorAttachment")),
            ("attestation_preference", GoType::String("protocol.ConveyancePreference")),
            ("resident_key_requirement", GoType::String("protocol.ResidentKeyRequirement")),
        ]
    };
}

const CONFIG_FIELDS: &[(&str, GoType)] = &[
    (
        "cors",
        GoType::Struct(
            "request.CreateCorsDto",
            &[
                ("allowed_origins", GoType::Strings),
                ("allow_unsafe_wildcard", GoType::Bool),
            ],
        ),
    ),
    (
        "webauthn",
        GoType::Struct(
            "request.CreatePasskeyConfigDto",
            webauthn_fields!(("relying_party", RELYING_PARTY)),
        ),
    ),
    (
        "mfa",
        GoType::Struct("request.CreateMFAConfigDto", webauthn_fields!()),
    ),
];

/// `request.CreateTenantDto`.
pub(super) const CREATE_TENANT: GoType = GoType::Struct(
    "request.CreateTenantDto",
    &[
        ("display_name", STRING),
        (
            "config",
            GoType::Struct("request.CreateConfigDto", CONFIG_FIELDS),
        ),
        ("create_api_key", GoType::Bool),
    ],
);

/// `request.UpdateTenantDto`.
pub(super) const UPDATE_TENANT: GoType =
    GoType::Struct("request.UpdateTenantDto", &[("display_name", STRING)]);

/// `request.UpdateConfigDto` (it embeds `CreateConfigDto`).
pub(super) const UPDATE_CONFIG: GoType = GoType::Struct("request.UpdateConfigDto", CONFIG_FIELDS);

/// `request.CreateSecretDto`.
pub(super) const CREATE_SECRET: GoType =
    GoType::Struct("request.CreateSecretDto", &[("name", STRING)]);

/// Binds `body` into the Go type `ty` and reads it as `T`; what the binder refuses is a 400
/// with the handler's `title` and the binder's message as details.
pub(super) fn bind<T: DeserializeOwned>(
    body: &EchoBody,
    ty: GoType,
    title: &str,
) -> Result<T, ApiError> {
    let GoType::Struct(name, _) = ty else {
        return Err(ApiError::internal());
    };
    let value = body
        .bind_plain(name)
        .and_then(|bound| bound.typed(ty))
        .map_err(|e| e.retitled(title))?;
    // The typed check leaves only what the structs below accept.
    serde_json::from_value(value).map_err(|_| ApiError::internal())
}

#[derive(Deserialize, Default)]
pub(super) struct CreateTenantBody {
    pub(super) display_name: Option<String>,
    #[serde(default)]
    pub(super) create_api_key: bool,
    pub(super) config: Option<ConfigBody>,
}

#[derive(Deserialize, Default)]
pub(super) struct ConfigBody {
    pub(super) cors: Option<CorsBody>,
    pub(super) webauthn: Option<WebauthnBody>,
    pub(super) mfa: Option<SettingsBody>,
}

#[derive(Deserialize, Default)]
pub(super) struct CorsBody {
    pub(super) allowed_origins: Option<Vec<String>>,
    pub(super) allow_unsafe_wildcard: Option<bool>,
}

#[derive(Deserialize, Default)]
pub(super) struct WebauthnBody {
    pub(super) relying_party: Option<RelyingPartyBody>,
    #[serde(flatten)]
    pub(super) settings: SettingsBody,
}

/// What `webauthn` and `mfa` both have.
#[derive(Deserialize, Default)]
pub(super) struct SettingsBody {
    pub(super) timeout: Option<i64>,
    pub(super) user_verification: Option<String>,
    pub(super) attachment: Option<String>,
    pub(super) attestation_preference: Option<String>,
    pub(super) resident_key_requirement: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct RelyingPartyBody {
    pub(super) id: Option<String>,
    pub(super) display_name: Option<String>,
    pub(super) icon: Option<String>,
    pub(super) origins: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
pub(super) struct RenameBody {
    pub(super) display_name: Option<String>,
}

#[derive(Deserialize, Default)]
pub(super) struct SecretBody {
    pub(super) name: Option<String>,
}
