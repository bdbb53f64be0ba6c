//! The ceremonies: sign-up, login (discoverable, autofill, or for a named user), the second
//! factor at login, adding a passkey, registering a security key.
//!
//! Every `initialize` remembers in the session what the ceremony is for and the challenge the
//! browser got; every `finalize` takes that record back (once), checks that the browser
//! answered that very challenge, lets the Passkey API verify the credential, verifies the
//! token locally, and only then changes the session.

use axum::Json;
use axum::extract::State;
use chrono::Utc;
use hanko_passkeys::token::Claims;
use hanko_passkeys::{AssertionResponse, LoginOptions, RegistrationOptions, RegistrationResponse};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::Passkeys;
use crate::extract::{Context, JsonBody};
use crate::problem::{Problem, ProblemKind};
use crate::session::{self, Auth, Purpose};
use crate::users::{SignUpError, User, Users};

/// The longest name the crate takes at sign-up, in characters (browsers show `user.name` in
/// their passkey dialogs; Hanko takes up to 128).
const MAX_NAME: usize = 64;

#[derive(Deserialize)]
pub(crate) struct SignUpRequest {
    name: String,
}

/// A name as typed, trimmed; refused when empty, too long or with control characters. Also
/// for credential names: the Passkey API stores at most 255 characters and answers a longer
/// name with an internal error.
pub(crate) fn checked_name<E>(name: &str) -> Result<&str, SignUpError<E>> {
    let name = name.trim();
    if name.is_empty() {
        return Err(SignUpError::InvalidName("Please enter a name.".into()));
    }
    if name.chars().count() > MAX_NAME {
        return Err(SignUpError::InvalidName(format!(
            "A name has at most {MAX_NAME} characters."
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(SignUpError::InvalidName(
            "A name cannot contain control characters.".into(),
        ));
    }
    Ok(name)
}

fn sign_up_problem<E: std::fmt::Display>(e: SignUpError<E>) -> Problem {
    match e {
        SignUpError::NameTaken => Problem::new(ProblemKind::NameTaken),
        SignUpError::InvalidName(why) => Problem::new(ProblemKind::InvalidName).with_detail(why),
        SignUpError::Other(e) => Problem::internal("Users::create or check_name failed", &e),
    }
}

/// `POST /sign-up/initialize` `{"name": "..."}`: creation options for a new user.
pub(crate) async fn sign_up_initialize<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
    JsonBody(body): JsonBody<SignUpRequest>,
) -> Result<Json<RegistrationOptions>, Problem> {
    let users = &passkeys.inner.users;
    if !users.sign_up_open().await {
        return Err(Problem::new(ProblemKind::SignUpClosed));
    }
    let name = checked_name::<U::Error>(&body.name).map_err(sign_up_problem)?;
    users.check_name(name).await.map_err(sign_up_problem)?;
    let user_id = uuid::Uuid::new_v4().to_string();
    let options = passkeys
        .inner
        .tenant
        .registration()
        .initialize(&user_id, name)
        .display_name(name)
        .await?;
    let mut state = session::load(&ctx.session).await?;
    state.begin(
        Purpose::SignUp {
            user_id,
            name: name.to_owned(),
        },
        &options.public_key.challenge,
        Utc::now(),
    );
    session::store(&ctx.session, &state).await?;
    Ok(Json(options))
}

/// `POST /sign-up/finalize`: the browser's new credential. Creates the user and signs them
/// in; if the app cannot create the user, the passkey is removed from Hanko again.
pub(crate) async fn sign_up_finalize<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
    JsonBody(credential): JsonBody<RegistrationResponse>,
) -> Result<Json<Value>, Problem> {
    let mut state = session::load(&ctx.session).await?;
    let purpose = state.finish("sign_up", &credential.response.client_data_json, Utc::now());
    session::store(&ctx.session, &state).await?;
    let Purpose::SignUp { user_id, name } = purpose? else {
        return Err(Problem::new(ProblemKind::Expired));
    };
    let token = passkeys
        .inner
        .tenant
        .registration()
        .finalize(&credential)
        .await?;
    let claims = passkeys.verified(token).await?;
    if claims.sub != user_id {
        passkeys.remove_orphan(&claims.cred).await;
        return Err(Problem::new(ProblemKind::WrongUser));
    }
    let user = match passkeys.inner.users.create(&user_id, &name).await {
        Ok(user) => user,
        Err(e) => {
            // The passkey exists at Hanko but no account holds it: remove it, so that Hanko
            // and the app agree again.
            passkeys.remove_orphan(&claims.cred).await;
            return Err(sign_up_problem(e));
        }
    };
    passkeys.sign_in(&ctx, &user, &claims.cred, false).await
}

#[derive(Deserialize, Default)]
pub(crate) struct LoginRequest {
    /// A typed name: only that user's passkeys are offered. Without it, any passkey of the
    /// site (discoverable login, also what autofill uses).
    #[serde(default)]
    name: Option<String>,
}

/// `POST /login/initialize` `{}` or `{"name": "..."}`: request options.
pub(crate) async fn login_initialize<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
    JsonBody(body): JsonBody<LoginRequest>,
) -> Result<Json<LoginOptions>, Problem> {
    let tenant = &passkeys.inner.tenant;
    let options = match body
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        Some(name) => {
            let user = passkeys
                .inner
                .users
                .find_by_name(name)
                .await
                .map_err(|e| Problem::internal("Users::find_by_name failed", &e))?
                .ok_or_else(|| Problem::new(ProblemKind::UnknownUser))?;
            tenant.user(&user.id).login().initialize().await?
        }
        None => tenant.login().initialize().await?,
    };
    let mut state = session::load(&ctx.session).await?;
    state.begin(Purpose::Login, &options.public_key.challenge, Utc::now());
    session::store(&ctx.session, &state).await?;
    Ok(Json(options))
}

/// `POST /login/finalize`: the browser's assertion. Users with a security key get a session
/// that waits for it; the others are signed in. A passkey Hanko or the app does not know is
/// answered 401 `unknown_credential` with the `signalUnknownCredential` payload.
pub(crate) async fn login_finalize<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
    JsonBody(assertion): JsonBody<AssertionResponse>,
) -> Result<Json<Value>, Problem> {
    let mut state = session::load(&ctx.session).await?;
    let purpose = state.finish("login", &assertion.response.client_data_json, Utc::now());
    session::store(&ctx.session, &state).await?;
    purpose?;
    let token = passkeys.inner.tenant.login().finalize(&assertion).await;
    let token = token.map_err(|e| passkeys.unknown_credential(Problem::from(e), &assertion.id))?;
    let claims = passkeys.verified(token).await?;
    let Some(user) = passkeys.find_user(&claims.sub).await? else {
        // Registered at Hanko for a user the app no longer has.
        return Err(passkeys
            .unknown_credential(Problem::new(ProblemKind::UnknownCredential), &assertion.id));
    };
    let credentials = passkeys.credentials_of(&user.id).await?;
    if credentials.iter().any(|c| c.is_mfa) {
        let mut state = session::load(&ctx.session).await?;
        // Pending: the session keeps a ceremony's short lifetime until the second factor.
        state.auth = Some(Auth::SecondFactorPending {
            user_id: user.id.clone(),
            credential: claims.cred,
            since: Utc::now(),
        });
        session::cycle(&ctx.session).await?;
        session::store(&ctx.session, &state).await?;
        return Ok(Json(passkeys.session_view(&state.auth).await?));
    }
    passkeys.sign_in(&ctx, &user, &claims.cred, false).await
}

/// `POST /mfa/login/initialize`: request options for the pending user's security keys only
/// (the API's MFA login would also take their passkeys, contract §2.12).
pub(crate) async fn mfa_login_initialize<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
) -> Result<Json<LoginOptions>, Problem> {
    let mut state = session::load(&ctx.session).await?;
    let Some(Auth::SecondFactorPending { user_id, .. }) = &state.auth else {
        return Err(Problem::new(ProblemKind::NotSignedIn));
    };
    let user_id = user_id.clone();
    let keys: Vec<String> = passkeys
        .credentials_of(&user_id)
        .await?
        .into_iter()
        .filter(|c| c.is_mfa)
        .map(|c| c.id)
        .collect();
    let mut options = passkeys
        .inner
        .tenant
        .user(&user_id)
        .mfa()
        .login()
        .initialize()
        .await?;
    let allowed = options
        .public_key
        .allow_credentials
        .get_or_insert_with(Vec::new);
    allowed.retain(|c| keys.contains(&c.id));
    if allowed.is_empty() {
        return Err(Problem::new(ProblemKind::NoPasskey));
    }
    state.begin(
        Purpose::MfaLogin {
            user_id,
            allowed: allowed.iter().map(|c| c.id.clone()).collect(),
        },
        &options.public_key.challenge,
        Utc::now(),
    );
    session::store(&ctx.session, &state).await?;
    Ok(Json(options))
}

/// `POST /mfa/login/finalize`: the assertion must come from one of the security keys offered.
pub(crate) async fn mfa_login_finalize<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
    JsonBody(assertion): JsonBody<AssertionResponse>,
) -> Result<Json<Value>, Problem> {
    let mut state = session::load(&ctx.session).await?;
    let Some(Auth::SecondFactorPending {
        user_id: pending, ..
    }) = state.auth.clone()
    else {
        return Err(Problem::new(ProblemKind::NotSignedIn));
    };
    let purpose = state.finish(
        "mfa_login",
        &assertion.response.client_data_json,
        Utc::now(),
    );
    session::store(&ctx.session, &state).await?;
    let Purpose::MfaLogin { user_id, allowed } = purpose? else {
        return Err(Problem::new(ProblemKind::Expired));
    };
    if user_id != pending {
        return Err(Problem::new(ProblemKind::Expired));
    }
    let mfa = passkeys.inner.tenant.user(&user_id).mfa();
    let claims = passkeys
        .verified(mfa.login().finalize(&assertion).await?)
        .await?;
    if claims.sub != user_id {
        return Err(Problem::new(ProblemKind::WrongUser));
    }
    if !allowed.contains(&claims.cred) {
        return Err(Problem::new(ProblemKind::Refused)
            .with_detail("This step needs your security key, not your passkey."));
    }
    let user = passkeys
        .find_user(&user_id)
        .await?
        .ok_or_else(|| Problem::new(ProblemKind::NotSignedIn))?;
    passkeys.sign_in(&ctx, &user, &claims.cred, true).await
}

/// `POST /passkeys/initialize`: creation options for another passkey of the signed-in user.
pub(crate) async fn add_initialize<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
) -> Result<Json<RegistrationOptions>, Problem> {
    passkeys.registration_initialize(&ctx, false).await
}

/// `POST /passkeys/finalize`: the new passkey; answers the credential list.
pub(crate) async fn add_finalize<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
    JsonBody(credential): JsonBody<RegistrationResponse>,
) -> Result<Json<Value>, Problem> {
    passkeys
        .registration_finalize(&ctx, &credential, false)
        .await
}

/// `POST /mfa/registration/initialize`: creation options for a security key.
pub(crate) async fn mfa_registration_initialize<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
) -> Result<Json<RegistrationOptions>, Problem> {
    passkeys.registration_initialize(&ctx, true).await
}

/// `POST /mfa/registration/finalize`: the new security key; answers the credential list.
pub(crate) async fn mfa_registration_finalize<U: Users>(
    State(passkeys): State<Passkeys<U>>,
    ctx: Context,
    JsonBody(credential): JsonBody<RegistrationResponse>,
) -> Result<Json<Value>, Problem> {
    passkeys
        .registration_finalize(&ctx, &credential, true)
        .await
}

impl<U: Users> Passkeys<U> {
    /// Verifies a token from the Passkey API: signature (JWKS), audience, expiry.
    pub(crate) async fn verified(&self, token: hanko_passkeys::Token) -> Result<Claims, Problem> {
        Ok(token.verify(&self.inner.verifier).await?)
    }

    /// Removes a credential no account holds; a failure is logged (the passkey then stays
    /// at Hanko, unused).
    async fn remove_orphan(&self, credential: &str) {
        if let Err(e) = self.inner.tenant.credential(credential).remove().await {
            tracing::error!(error = %e, "could not remove a passkey no account holds");
        }
    }

    /// A refused login: for an unknown credential, with the payload of
    /// `PublicKeyCredential.signalUnknownCredential`.
    fn unknown_credential(&self, problem: Problem, credential_id: &str) -> Problem {
        if problem.kind() != ProblemKind::UnknownCredential {
            return problem;
        }
        problem.with_signal(json!({
            "unknownCredential": {
                "rpId": self.inner.settings.0.rp_id,
                "credentialId": credential_id,
            }
        }))
    }

    /// Signs `user` in with a new session id; answers the session view.
    async fn sign_in(
        &self,
        ctx: &Context,
        user: &User,
        credential: &str,
        second_factor: bool,
    ) -> Result<Json<Value>, Problem> {
        let mut state = session::load(&ctx.session).await?;
        state.auth = Some(Auth::SignedIn {
            user_id: user.id.clone(),
            credential: credential.to_owned(),
            second_factor,
            since: Utc::now(),
        });
        // The session's own lifetime, now that someone is signed in (a session that held only
        // a ceremony until now was given that ceremony's).
        let inactivity = self.inner.settings.0.session_inactivity;
        let inactivity = tower_sessions::cookie::time::Duration::try_from(inactivity)
            .unwrap_or(tower_sessions::cookie::time::Duration::days(1));
        ctx.session
            .set_expiry(Some(tower_sessions::Expiry::OnInactivity(inactivity)));
        session::cycle(&ctx.session).await?;
        session::store(&ctx.session, &state).await?;
        Ok(Json(self.session_view(&state.auth).await?))
    }

    async fn registration_initialize(
        &self,
        ctx: &Context,
        security_key: bool,
    ) -> Result<Json<RegistrationOptions>, Problem> {
        let mut state = session::load(&ctx.session).await?;
        let user_id = state
            .signed_in_user()
            .ok_or_else(|| Problem::new(ProblemKind::NotSignedIn))?
            .to_owned();
        let user = self
            .find_user(&user_id)
            .await?
            .ok_or_else(|| Problem::new(ProblemKind::NotSignedIn))?;
        let tenant = &self.inner.tenant;
        let init = if security_key {
            tenant
                .user(&user.id)
                .mfa()
                .registration()
                .initialize(&user.name)
        } else {
            tenant.registration().initialize(&user.id, &user.name)
        };
        let mut options = init.display_name(user.shown_name()).await?;
        // The user's credentials are excluded, so the browser does not register a second
        // credential on an authenticator that has one.
        let existing = self.credentials_of(&user.id).await?;
        if !existing.is_empty() {
            options.public_key.exclude_credentials = Some(
                existing
                    .iter()
                    .map(|c| hanko_passkeys::webauthn::CredentialDescriptor {
                        type_: "public-key".into(),
                        id: c.id.clone(),
                        transports: Some(c.transports.clone()).filter(|t| !t.is_empty()),
                        extra: Default::default(),
                    })
                    .collect(),
            );
        }
        let purpose = if security_key {
            Purpose::MfaRegistration { user_id }
        } else {
            Purpose::AddPasskey { user_id }
        };
        state.begin(purpose, &options.public_key.challenge, Utc::now());
        session::store(&ctx.session, &state).await?;
        Ok(Json(options))
    }

    async fn registration_finalize(
        &self,
        ctx: &Context,
        credential: &RegistrationResponse,
        security_key: bool,
    ) -> Result<Json<Value>, Problem> {
        let mut state = session::load(&ctx.session).await?;
        let signed_in = state
            .signed_in_user()
            .ok_or_else(|| Problem::new(ProblemKind::NotSignedIn))?
            .to_owned();
        let slot = if security_key {
            "mfa_registration"
        } else {
            "add_passkey"
        };
        let purpose = state.finish(slot, &credential.response.client_data_json, Utc::now());
        session::store(&ctx.session, &state).await?;
        let user_id = match purpose? {
            Purpose::MfaRegistration { user_id } | Purpose::AddPasskey { user_id } => user_id,
            _ => return Err(Problem::new(ProblemKind::Expired)),
        };
        if user_id != signed_in {
            return Err(Problem::new(ProblemKind::Expired));
        }
        let tenant = &self.inner.tenant;
        let token = if security_key {
            tenant
                .user(&user_id)
                .mfa()
                .registration()
                .finalize(credential)
                .await?
        } else {
            tenant.registration().finalize(credential).await?
        };
        let claims = self.verified(token).await?;
        if claims.sub != user_id {
            self.remove_orphan(&claims.cred).await;
            return Err(Problem::new(ProblemKind::WrongUser));
        }
        let user = self
            .find_user(&user_id)
            .await?
            .ok_or_else(|| Problem::new(ProblemKind::NotSignedIn))?;
        if security_key
            && let Some(Auth::SignedIn {
                second_factor: false,
                ..
            }) = &state.auth
        {
            // A user without a security key just used their first one: the second factor is
            // done for this session, under a new session id.
            let mut state = session::load(&ctx.session).await?;
            if let Some(Auth::SignedIn { second_factor, .. }) = &mut state.auth {
                *second_factor = true;
            }
            session::cycle(&ctx.session).await?;
            session::store(&ctx.session, &state).await?;
        }
        self.credentials_view(&user).await
    }
}
