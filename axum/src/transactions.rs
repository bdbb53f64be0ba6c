//! Transactions: the app names what the user confirms (an id and its data); the crate starts
//! the ceremony and, on finalize, hands back the confirmed transaction, checked against
//! exactly what was started in this session.

use chrono::{DateTime, Utc};
use hanko_passkeys::{AssertionResponse, LoginOptions};
use serde::Serialize;
use serde_json::Value;
use tower_sessions::Session;

use crate::Passkeys;
use crate::extract::SignedIn;
use crate::problem::{Problem, ProblemKind};
use crate::session::{self, Purpose};
use crate::users::Users;

/// A transaction the signed-in user confirmed with a passkey: the token was verified, its
/// `trans` claim is the id started in this session, and its subject is the session's user.
/// The data is what was started, as JSON.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Confirmed {
    /// The transaction id given to [`Passkeys::start_transaction`].
    pub id: String,
    /// The data given to [`Passkeys::start_transaction`], as JSON.
    pub data: Value,
    /// Who confirmed it.
    pub user_id: String,
    /// The credential (base64url id) used.
    pub credential: String,
    /// When the Passkey API issued the confirmation.
    pub confirmed_at: DateTime<Utc>,
}

impl<U: Users> Passkeys<U> {
    /// Starts a transaction for the signed-in `user`: they confirm `data` with one of their
    /// passkeys. `id` must be new to the tenant, forever (the Passkey API refuses a reused id
    /// with 409). Answer the options to the page, which passes them to
    /// `navigator.credentials.get` (the browser module's `confirm` does both steps).
    ///
    /// ```no_run
    /// # use axum::Json;
    /// # use hanko_passkeys_axum::{Passkeys, Problem, SignedIn, Users};
    /// # use hanko_passkeys_axum::tower_sessions::Session;
    /// # async fn start<U: Users>(passkeys: Passkeys<U>, session: Session, user: SignedIn)
    /// #     -> Result<Json<hanko_passkeys::LoginOptions>, Problem> {
    /// let order = serde_json::json!({"order": 4711, "amount": "42.00", "currency": "EUR"});
    /// let options = passkeys
    ///     .start_transaction(&session, &user, "order-4711-payment", &order)
    ///     .await?;
    /// Ok(Json(options))
    /// # }
    /// ```
    pub async fn start_transaction(
        &self,
        session: &Session,
        user: &SignedIn,
        id: impl Into<String>,
        data: &impl Serialize,
    ) -> Result<LoginOptions, Problem> {
        let id = id.into();
        let data = serde_json::to_value(data)
            .map_err(|e| Problem::internal("transaction data does not serialize", &e))?;
        let options = self
            .inner
            .tenant
            .transaction()
            .initialize(&user.user_id, &id, &data)
            .await?;
        let mut state = session::load(session).await?;
        state.begin(
            Purpose::Transaction {
                user_id: user.user_id.clone(),
                id,
                data,
            },
            &options.public_key.challenge,
            Utc::now(),
        );
        session::store(session, &state).await?;
        Ok(options)
    }

    /// Finishes the transaction started in this session with the browser's assertion and
    /// returns it confirmed, or refuses: no transaction under way (400 `expired`), another
    /// user's passkey or session (403 `wrong_user`), a token for another transaction
    /// (401 `refused`).
    ///
    /// ```no_run
    /// # use axum::Json;
    /// # use hanko_passkeys_axum::{Passkeys, Problem, SignedIn, Users};
    /// # use hanko_passkeys_axum::tower_sessions::Session;
    /// # async fn finish<U: Users>(passkeys: Passkeys<U>, session: Session, user: SignedIn,
    /// #     assertion: hanko_passkeys::AssertionResponse) -> Result<String, Problem> {
    /// let confirmed = passkeys.confirm_transaction(&session, &user, &assertion).await?;
    /// // `confirmed.data` is exactly what was started: act on it.
    /// Ok(format!("order {} paid", confirmed.data["order"]))
    /// # }
    /// ```
    pub async fn confirm_transaction(
        &self,
        session: &Session,
        user: &SignedIn,
        assertion: &AssertionResponse,
    ) -> Result<Confirmed, Problem> {
        let mut state = session::load(session).await?;
        let purpose = state.finish(
            "transaction",
            &assertion.response.client_data_json,
            Utc::now(),
        );
        session::store(session, &state).await?;
        let Purpose::Transaction { user_id, id, data } = purpose? else {
            return Err(Problem::new(ProblemKind::Expired));
        };
        if user_id != user.user_id {
            return Err(Problem::new(ProblemKind::WrongUser));
        }
        let token = self.inner.tenant.transaction().finalize(assertion).await?;
        let claims = self
            .inner
            .verifier
            .verify_transaction(token.as_str(), &id)
            .await
            .map_err(Problem::from)?;
        if claims.sub != user_id {
            return Err(Problem::new(ProblemKind::WrongUser));
        }
        Ok(Confirmed {
            id,
            data,
            user_id,
            credential: claims.cred,
            confirmed_at: claims.iat,
        })
    }
}
