//! The session as the page sees it, the signed-in user's credentials (list, rename, remove),
//! and the WebAuthn Signal API payloads that keep the browser's passkey manager in step.

use axum::Json;
use axum::extract::{Path, State};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::TryStreamExt as _;
use hanko_passkeys::Credential;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::extract::{Context, JsonBody};
use crate::problem::{Problem, ProblemKind};
use crate::session::{self, Auth};
use crate::users::{SignUpError, User, Users};
use crate::{Passkeys, Settings};

/// `GET /session`: who the session belongs to.
pub(crate) async fn show<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
) -> Result<Json<Value>, Problem> {
    let state = session::load(&ctx.session).await?;
    Ok(Json(passkeys.session_view(&state.auth).await?))
}

/// `POST /sign-out`: the session ends, its record is deleted.
pub(crate) async fn sign_out(ctx: Context) -> Result<Json<Value>, Problem> {
    session::end(&ctx.session).await?;
    Ok(Json(json!({ "state": "signed_out" })))
}

impl<U: Users> Passkeys<U> {
    /// The session as the page sees it.
    pub(crate) async fn session_view(&self, auth: &Option<Auth>) -> Result<Value, Problem> {
        let (user_id, mut view) = match auth {
            None => {
                return Ok(json!({
                    "state": "signed_out",
                    "sign_up": self.inner.users.sign_up_open().await,
                }));
            }
            Some(Auth::SecondFactorPending { user_id, .. }) => {
                (user_id, json!({ "state": "second_factor" }))
            }
            Some(Auth::SignedIn {
                user_id,
                credential,
                second_factor,
                since,
            }) => (
                user_id,
                json!({
                    "state": "signed_in",
                    "credential": credential,
                    "second_factor": second_factor,
                    "since": since,
                }),
            ),
        };
        let Some(user) = self.find_user(user_id).await? else {
            // The user is gone (deleted meanwhile): the session is worth nothing.
            return Ok(json!({
                "state": "signed_out",
                "sign_up": self.inner.users.sign_up_open().await,
            }));
        };
        if view["state"] == "signed_in" {
            let required = self.inner.users.requires_second_factor(&user).await;
            view["second_factor_required"] = (required && view["second_factor"] != true).into();
        }
        view["user"] = user_json(&user);
        Ok(view)
    }

    /// The user with this id, the app's failures logged.
    pub(crate) async fn find_user(&self, user_id: &str) -> Result<Option<User>, Problem> {
        self.inner
            .users
            .find(user_id)
            .await
            .map_err(|e| Problem::internal("Users::find failed", &e))
    }

    /// Every credential Hanko holds for the user, passkeys and security keys.
    pub(crate) async fn credentials_of(&self, user_id: &str) -> Result<Vec<Credential>, Problem> {
        Ok(self
            .inner
            .tenant
            .user(user_id)
            .credentials()
            .stream()
            .try_collect()
            .await?)
    }

    /// The list the page shows, with the Signal API payloads for it.
    pub(crate) async fn credentials_view(&self, user: &User) -> Result<Json<Value>, Problem> {
        let credentials = self.credentials_of(&user.id).await?;
        Ok(Json(credentials_json(
            &self.inner.settings,
            user,
            &credentials,
        )))
    }
}

fn user_json(user: &User) -> Value {
    json!({ "id": user.id, "name": user.name, "display_name": user.shown_name() })
}

/// The WebAuthn user handle of a user: Hanko registers the user id's bytes.
pub(crate) fn user_handle(user_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(user_id.as_bytes())
}

/// `{"credentials": [...], "signal": {...}}`: the credentials, newest first, each with its
/// provider when its AAGUID is known, and the arguments of
/// `PublicKeyCredential.signalAllAcceptedCredentials` and `signalCurrentUserDetails`.
pub(crate) fn credentials_json(
    settings: &Settings,
    user: &User,
    credentials: &[Credential],
) -> Value {
    let rp_id = &settings.0.rp_id;
    let listed: Vec<Value> = credentials
        .iter()
        .map(|c| {
            let provider = c.provider().map(|p| {
                json!({ "name": p.name(), "icon_light": p.icon_light(), "icon_dark": p.icon_dark() })
            });
            json!({
                "id": c.id,
                "name": c.name,
                "kind": if c.is_mfa { "security_key" } else { "passkey" },
                "provider": provider,
                "created_at": c.created_at,
                "last_used_at": c.last_used_at,
                "backed_up": c.backup_state,
            })
        })
        .collect();
    let handle = user_handle(&user.id);
    json!({
        "credentials": listed,
        "signal": {
            "allAcceptedCredentials": {
                "rpId": rp_id,
                "userId": handle,
                "allAcceptedCredentialIds": credentials.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            },
            "currentUserDetails": {
                "rpId": rp_id,
                "userId": handle,
                "name": user.name,
                "displayName": user.shown_name(),
            },
        },
    })
}

/// The signed-in user of a context, looked up in the app.
async fn signed_in_user<U: Users>(passkeys: &Passkeys<U>, ctx: &Context) -> Result<User, Problem> {
    let state = session::load(&ctx.session).await?;
    let user_id = state
        .signed_in_user()
        .ok_or_else(|| Problem::new(ProblemKind::NotSignedIn))?;
    passkeys
        .find_user(user_id)
        .await?
        .ok_or_else(|| Problem::new(ProblemKind::NotSignedIn))
}

/// `GET /credentials`.
pub(crate) async fn list<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
) -> Result<Json<Value>, Problem> {
    let user = signed_in_user(&passkeys, &ctx).await?;
    passkeys.credentials_view(&user).await
}

#[derive(Deserialize)]
pub(crate) struct Rename {
    name: String,
}

/// `PATCH /credentials/{id}`: `{"name": "..."}`, 1 to 64 characters without control
/// characters, as at sign-up. Only the signed-in user's credentials: the API's credential
/// routes are not scoped to a user.
pub(crate) async fn rename<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Rename>,
) -> Result<Json<Value>, Problem> {
    let user = signed_in_user(&passkeys, &ctx).await?;
    let credentials = passkeys.credentials_of(&user.id).await?;
    if !credentials.iter().any(|c| c.id == id) {
        return Err(Problem::new(ProblemKind::NotFound));
    }
    let name = match crate::ceremonies::checked_name::<()>(&body.name) {
        Ok(name) => name,
        Err(SignUpError::InvalidName(why)) => return Err(Problem::bad_request(why)),
        Err(_) => return Err(Problem::bad_request("A passkey needs a name.")),
    };
    passkeys.inner.tenant.credential(&id).rename(name).await?;
    passkeys.credentials_view(&user).await
}

/// `DELETE /credentials/{id}`: only the signed-in user's, and not their last passkey unless
/// the app allows it.
pub(crate) async fn remove<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
    Path(id): Path<String>,
) -> Result<Json<Value>, Problem> {
    let user = signed_in_user(&passkeys, &ctx).await?;
    let credentials = passkeys.credentials_of(&user.id).await?;
    let Some(target) = credentials.iter().find(|c| c.id == id) else {
        return Err(Problem::new(ProblemKind::NotFound));
    };
    let passkeys_left = credentials.iter().filter(|c| !c.is_mfa).count();
    if !target.is_mfa
        && passkeys_left <= 1
        && !passkeys.inner.settings.0.allow_removing_last_passkey
    {
        return Err(Problem::new(ProblemKind::LastPasskey));
    }
    passkeys.inner.tenant.credential(&id).remove().await?;
    passkeys.credentials_view(&user).await
}
