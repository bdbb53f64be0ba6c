//! Extractors for the app's own handlers: who is signed in, and whether the second factor is
//! done; and the crate's JSON body extractor.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use tower_sessions::Session;

use crate::problem::{Problem, ProblemKind};
use crate::session::{self, Auth, State};
use crate::settings::Settings;

/// The signed-in user of the request, for the app's own handlers. Rejects with 401
/// `not_signed_in` (problem JSON) when the session has no signed-in user, and with 403
/// `cross_origin` when a state-changing request (POST, PUT, PATCH, DELETE) does not come from
/// one of the relying party's origins: a handler that takes it is safe from cross-site
/// request forgery.
///
/// A user whose second factor is still pending is not signed in. Use [`SecondFactor`] for
/// routes that need the second factor done.
///
/// ```
/// use axum::Json;
/// use hanko_passkeys_axum::SignedIn;
///
/// async fn profile(user: SignedIn) -> Json<serde_json::Value> {
///     Json(serde_json::json!({ "user": user.user_id, "since": user.since }))
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedIn {
    /// The user's id (what [`Users::find`](crate::Users::find) takes).
    pub user_id: String,
    /// The credential (base64url id) the user signed in with.
    pub credential: String,
    /// Whether the user completed a second factor (a security key) in this session.
    pub second_factor: bool,
    /// When the user signed in.
    pub since: DateTime<Utc>,
}

impl SignedIn {
    pub(crate) fn from_state(state: &State) -> Option<Self> {
        match &state.auth {
            Some(Auth::SignedIn {
                user_id,
                credential,
                second_factor,
                since,
            }) => Some(Self {
                user_id: user_id.clone(),
                credential: credential.clone(),
                second_factor: *second_factor,
                since: *since,
            }),
            _ => None,
        }
    }
}

/// The request's session and the crate's settings, with the origin checked; what every route
/// and extractor of the crate starts from.
pub(crate) struct Context {
    pub(crate) session: Session,
}

impl<S: Send + Sync> FromRequestParts<S> for Context {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let Some(settings) = parts.extensions.get::<Settings>().cloned() else {
            return Err(Problem::internal(
                "hanko-passkeys-axum: no passkeys layer",
                &"add `.layer(passkeys.layer(store))` around the routes that use the crate",
            ));
        };
        settings.check_origin(&parts.method, &parts.headers)?;
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, e)| Problem::internal("hanko-passkeys-axum: no session", &e))?;
        Ok(Self { session })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SignedIn {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let ctx = Context::from_request_parts(parts, state).await?;
        let state = session::load(&ctx.session).await?;
        SignedIn::from_state(&state).ok_or_else(|| Problem::new(ProblemKind::NotSignedIn))
    }
}

/// Like [`SignedIn`], and the user also completed the second factor (their security key) in
/// this session; otherwise 403 `second_factor_required`.
///
/// ```
/// use hanko_passkeys_axum::SecondFactor;
///
/// async fn close_account(SecondFactor(user): SecondFactor) -> String {
///     format!("closing the account of {}", user.user_id)
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactor(pub SignedIn);

impl<S: Send + Sync> FromRequestParts<S> for SecondFactor {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let user = SignedIn::from_request_parts(parts, state).await?;
        if user.second_factor {
            Ok(Self(user))
        } else {
            Err(Problem::new(ProblemKind::SecondFactorRequired))
        }
    }
}

/// A JSON request body like `axum::Json`, but refused the way the crate refuses: problem JSON,
/// 400 `bad_request` saying what is wrong, 413 over the body limit. Use it in your own routes
/// (a transaction's finish route, say) so the page gets one kind of error.
///
/// ```
/// use hanko_passkeys_axum::{JsonBody, SignedIn};
///
/// async fn finish(user: SignedIn, JsonBody(assertion): JsonBody<hanko_passkeys::AssertionResponse>) {
///     let _ = (user, assertion);
/// }
/// ```
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &S) -> Result<Self, Problem> {
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                Problem::bad_request("The request body is too large.")
                    .with_status(StatusCode::PAYLOAD_TOO_LARGE)
            } else {
                Problem::bad_request("The request body could not be read.")
            }
        })?;
        serde_json::from_slice(&bytes)
            .map(Self)
            .map_err(|e| Problem::bad_request(format!("The request body is not valid: {e}")))
    }
}
