//! Signing up, logging in (a passkey, then the security key when the user has one) and out.
//!
//! Every `*_initialize` answers with the SDK's options unchanged (`{"publicKey": {...}}`);
//! every `*_finalize` takes the browser's credential JSON unchanged, lets the SDK finish the
//! ceremony, verifies the token locally, and only then touches the app's session.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use hanko_passkeys::{AssertionResponse, LoginOptions, RegistrationOptions, RegistrationResponse};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::account::{passkey_options, security_keys};
use crate::failure::{Failure, Problem};
use crate::store::{NameError, Stage};
use crate::{Shared, json_body};

/// What the page needs to know about the site: where it must be served from.
pub async fn config(State(app): State<Shared>) -> Json<Value> {
    Json(json!({"origin": app.origin, "rp_id": app.rp_id}))
}

/// The session of the request: `signed_out`, `second_factor` (security key pending) or
/// `signed_in`, with the user's name.
pub async fn me(State(app): State<Shared>, headers: HeaderMap) -> Json<Value> {
    let mut store = app.store();
    let Some((_, session)) = store.session(&headers) else {
        return Json(json!({"state": "signed_out"}));
    };
    let (user_id, stage) = (session.user_id.clone(), session.stage);
    match store.user(&user_id) {
        Some(user) => Json(state(stage, &user.name)),
        None => Json(json!({"state": "signed_out"})),
    }
}

fn state(stage: Stage, name: &str) -> Value {
    let state = match stage {
        Stage::SignedIn => "signed_in",
        Stage::AwaitingSecondFactor => "second_factor",
    };
    json!({"state": state, "name": name})
}

#[derive(Deserialize)]
pub struct SignUp {
    name: String,
}

/// Sign-up, step 1: reserve nothing yet, hand out a user id and the creation options.
pub async fn sign_up_initialize(
    State(app): State<Shared>,
    body: Bytes,
) -> Result<Json<RegistrationOptions>, Failure> {
    let SignUp { name } = json_body(&body, "a name")?;
    let user = app.store().begin_sign_up(&name).map_err(|e| match e {
        NameError::Invalid => Failure::invalid_name(),
        NameError::Taken => Failure::new(
            StatusCode::CONFLICT,
            "name_taken",
            "That name is taken. If it is yours, log in with your passkey.",
        ),
        NameError::Busy => Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "Too many sign-ups at once; try again later.",
        ),
    })?;
    passkey_options(&app, &user).await
}

/// Sign-up, step 2: register the passkey, verify the token, create the user, sign them in.
pub async fn sign_up_finalize(
    State(app): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, Failure> {
    let credential: RegistrationResponse = json_body(&body, "a registration credential")?;
    let claims = app
        .verified(app.tenant.registration().finalize(&credential).await)
        .await?;
    let user = app.store().finish_sign_up(&claims.sub);
    let Some(user) = user else {
        // Expired, or the name was taken meanwhile: the passkey exists at Hanko but no
        // account holds it. Remove it so that Hanko and the app agree again.
        let orphan = app.store().user(&claims.sub).is_none();
        if orphan && let Err(e) = app.tenant.credential(&claims.cred).remove().await {
            eprintln!(
                "could not remove the orphaned credential {}: {e}",
                claims.cred
            );
        }
        return Err(Failure::new(
            StatusCode::CONFLICT,
            "sign_up_failed",
            "Your sign-up expired or the name was taken meanwhile. Please sign up again.",
        ));
    };
    let cookie = app.start_session(&headers, &user.id, Stage::SignedIn)?;
    Ok((cookie, Json(state(Stage::SignedIn, &user.name))))
}

/// Login, step 1: options for any passkey of this site (discoverable login). The page uses
/// them for the modal prompt and for autofill (`mediation: "conditional"`).
pub async fn login_initialize(State(app): State<Shared>) -> Result<Json<LoginOptions>, Failure> {
    Ok(Json(app.tenant.login().initialize().await?))
}

/// Login, step 2: the user comes from the verified token. Users with a security key get a
/// session that waits for it; the others are signed in.
pub async fn login_finalize(
    State(app): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, Failure> {
    let assertion: AssertionResponse = json_body(&body, "a WebAuthn assertion")?;
    let claims = app
        .verified(app.tenant.login().finalize(&assertion).await)
        .await?;
    let user = app.store().user(&claims.sub).cloned();
    let Some(user) = user else {
        return Err(Failure::new(
            StatusCode::UNAUTHORIZED,
            "unknown_account",
            "This passkey belongs to an account this app does not know (the demo forgets its \
             users when it restarts). Please sign up.",
        ));
    };
    let stage = if security_keys(&app, &user.id).await?.is_empty() {
        Stage::SignedIn
    } else {
        Stage::AwaitingSecondFactor
    };
    let cookie = app.start_session(&headers, &user.id, stage)?;
    Ok((cookie, Json(state(stage, &user.name))))
}

/// Second factor, step 1: request options for the user's security keys.
///
/// The API's MFA login allows *all* of the user's credentials, the passkey included; the app
/// narrows the list to the security keys, so the browser asks for the second device.
pub async fn mfa_login_initialize(
    State(app): State<Shared>,
    headers: HeaderMap,
) -> Result<Json<LoginOptions>, Failure> {
    let (_, user) = app.session_user(&headers, Stage::AwaitingSecondFactor)?;
    let mut options = app.tenant.user(&user.id).mfa().login().initialize().await?;
    let keys = security_keys(&app, &user.id).await?;
    if let Some(allowed) = options.public_key.allow_credentials.as_mut() {
        allowed.retain(|c| keys.contains(&c.id));
        if allowed.is_empty() {
            return Err(Problem::NoPasskey.into());
        }
    }
    Ok(Json(options))
}

/// Second factor, step 2: the assertion must come from one of the user's security keys.
pub async fn mfa_login_finalize(
    State(app): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<impl IntoResponse, Failure> {
    let (_, user) = app.session_user(&headers, Stage::AwaitingSecondFactor)?;
    let assertion: AssertionResponse = json_body(&body, "a WebAuthn assertion")?;
    let mfa = app.tenant.user(&user.id).mfa();
    let claims = app.verified(mfa.login().finalize(&assertion).await).await?;
    if claims.sub != user.id || !security_keys(&app, &user.id).await?.contains(&claims.cred) {
        return Err(Failure::new(
            StatusCode::UNAUTHORIZED,
            "refused",
            "This step needs your security key, not your passkey.",
        ));
    }
    let cookie = app.start_session(&headers, &user.id, Stage::SignedIn)?;
    Ok((cookie, Json(state(Stage::SignedIn, &user.name))))
}

pub async fn logout(State(app): State<Shared>, headers: HeaderMap) -> impl IntoResponse {
    (
        app.end_session(&headers),
        Json(json!({"state": "signed_out"})),
    )
}
