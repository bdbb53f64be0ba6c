//! What the crate keeps in the session: who is signed in, and the ceremonies under way. All of
//! it lives in the tower-sessions store the app chose, under one key, so an initialize
//! answered by one instance of the app can be finalized by another that shares the store.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_sessions::Session;

use crate::problem::{Problem, ProblemKind};

/// The session key the crate's state is stored under.
pub(crate) const KEY: &str = "hanko_passkeys";

/// How long a ceremony started in a session can be finished (the Passkey API's own timeout,
/// 60 s by default, applies as well).
pub(crate) const CEREMONY_LIFETIME: Duration = Duration::minutes(10);

/// The crate's part of a session.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct State {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auth: Option<Auth>,
    /// Ceremonies under way, one per kind (an autofill login can wait while the user signs
    /// up instead).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) ceremonies: BTreeMap<String, Ceremony>,
}

/// Who the session belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub(crate) enum Auth {
    /// Passkey login done; the user's security key is still to come.
    SecondFactorPending {
        user_id: String,
        credential: String,
        since: DateTime<Utc>,
    },
    /// Signed in.
    SignedIn {
        user_id: String,
        credential: String,
        second_factor: bool,
        since: DateTime<Utc>,
    },
}

/// A ceremony started in this session: what it is for, the challenge the browser got, and
/// until when it can be finished.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Ceremony {
    pub(crate) purpose: Purpose,
    pub(crate) challenge: String,
    pub(crate) expires: DateTime<Utc>,
}

/// What a ceremony is for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Purpose {
    SignUp {
        user_id: String,
        name: String,
    },
    AddPasskey {
        user_id: String,
    },
    MfaRegistration {
        user_id: String,
    },
    Login,
    MfaLogin {
        user_id: String,
        allowed: Vec<String>,
    },
    Transaction {
        user_id: String,
        id: String,
        data: Value,
    },
}

impl Purpose {
    /// The slot of the ceremony in the session: one ceremony per kind.
    pub(crate) fn slot(&self) -> &'static str {
        match self {
            Self::SignUp { .. } => "sign_up",
            Self::AddPasskey { .. } => "add_passkey",
            Self::MfaRegistration { .. } => "mfa_registration",
            Self::Login => "login",
            Self::MfaLogin { .. } => "mfa_login",
            Self::Transaction { .. } => "transaction",
        }
    }
}

/// A session that could not be read or written: the store is down or misconfigured.
fn store_failed(e: tower_sessions::session::Error) -> Problem {
    Problem::internal("the session store failed", &e)
}

/// Reads the crate's state from the session.
pub(crate) async fn load(session: &Session) -> Result<State, Problem> {
    match session.get::<State>(KEY).await {
        Ok(state) => Ok(state.unwrap_or_default()),
        // A record of another version of the crate, or damaged: start afresh.
        Err(tower_sessions::session::Error::SerdeJson(e)) => {
            tracing::warn!(error = %e, "unreadable passkey session state; starting afresh");
            Ok(State::default())
        }
        Err(e) => Err(store_failed(e)),
    }
}

/// Writes the crate's state into the session (saved when the response goes out). A session
/// where nobody is signed in (it holds ceremonies, or a second factor under way) expires with
/// its ceremonies, so that page views of visitors who never sign in do not fill the store for
/// a signed-in session's lifetime; signing in gives the session its own.
pub(crate) async fn store(session: &Session, state: &State) -> Result<(), Problem> {
    if !matches!(state.auth, Some(Auth::SignedIn { .. })) {
        let lifetime =
            tower_sessions::cookie::time::Duration::seconds(CEREMONY_LIFETIME.num_seconds());
        session.set_expiry(Some(tower_sessions::Expiry::OnInactivity(lifetime)));
    }
    session.insert(KEY, state).await.map_err(store_failed)
}

/// A new session id, the old one void: at sign-in and when the second factor completes, so
/// that an id a third party planted or saw before is worth nothing after.
pub(crate) async fn cycle(session: &Session) -> Result<(), Problem> {
    session.cycle_id().await.map_err(store_failed)
}

/// Ends the session: its record is deleted and the cookie cleared.
pub(crate) async fn end(session: &Session) -> Result<(), Problem> {
    session.flush().await.map_err(store_failed)
}

impl State {
    /// Remembers a ceremony (replacing one of the same kind).
    pub(crate) fn begin(&mut self, purpose: Purpose, challenge: &str, now: DateTime<Utc>) {
        self.ceremonies.retain(|_, c| c.expires > now);
        self.ceremonies.insert(
            purpose.slot().to_owned(),
            Ceremony {
                purpose,
                challenge: challenge.trim_end_matches('=').to_owned(),
                expires: now + CEREMONY_LIFETIME,
            },
        );
    }

    /// Takes the ceremony of `slot` that the browser's `client_data_json` answers: it must
    /// exist, not be expired, and carry the same challenge. Taken even when it fails, so a
    /// ceremony is tried once.
    pub(crate) fn finish(
        &mut self,
        slot: &str,
        client_data_json: &str,
        now: DateTime<Utc>,
    ) -> Result<Purpose, Problem> {
        let ceremony = self
            .ceremonies
            .remove(slot)
            .ok_or_else(|| Problem::new(ProblemKind::Expired))?;
        if ceremony.expires <= now {
            return Err(Problem::new(ProblemKind::Expired));
        }
        if challenge_of(client_data_json)?.trim_end_matches('=') != ceremony.challenge {
            // An answer to another challenge: not this session's ceremony.
            return Err(Problem::new(ProblemKind::Expired));
        }
        Ok(ceremony.purpose)
    }

    /// The signed-in user's id (not a pending second factor).
    pub(crate) fn signed_in_user(&self) -> Option<&str> {
        match &self.auth {
            Some(Auth::SignedIn { user_id, .. }) => Some(user_id),
            _ => None,
        }
    }
}

/// The challenge of a browser's `clientDataJSON` (base64url of a JSON object).
pub(crate) fn challenge_of(client_data_json: &str) -> Result<String, Problem> {
    let bad = || Problem::bad_request("The credential's clientDataJSON is not valid.");
    let bytes = URL_SAFE_NO_PAD
        .decode(client_data_json.trim_end_matches('='))
        .map_err(|_| bad())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    value
        .get("challenge")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client_data(challenge: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!(
            r#"{{"type":"webauthn.get","challenge":"{challenge}","origin":"http://localhost"}}"#
        ))
    }

    #[test]
    fn a_ceremony_is_finished_once_with_its_own_challenge_before_it_expires() {
        let now = Utc::now();
        let mut state = State::default();
        state.begin(Purpose::Login, "abc", now);
        assert!(state.finish("login", &client_data("other"), now).is_err());
        // Taken by the failed attempt.
        assert!(state.finish("login", &client_data("abc"), now).is_err());
        state.begin(Purpose::Login, "abc=", now);
        assert_eq!(
            state.finish("login", &client_data("abc"), now).unwrap(),
            Purpose::Login
        );
        state.begin(Purpose::Login, "abc", now);
        let later = now + CEREMONY_LIFETIME;
        assert_eq!(
            state
                .finish("login", &client_data("abc"), later)
                .unwrap_err()
                .kind(),
            ProblemKind::Expired
        );
        assert_eq!(
            state.finish("login", "%%%", now).unwrap_err().kind(),
            ProblemKind::Expired,
            "nothing left to finish"
        );
    }

    #[test]
    fn ceremonies_of_different_kinds_wait_side_by_side() {
        let now = Utc::now();
        let mut state = State::default();
        state.begin(Purpose::Login, "login-challenge", now);
        state.begin(
            Purpose::SignUp {
                user_id: "u".into(),
                name: "n".into(),
            },
            "sign-up-challenge",
            now,
        );
        assert!(
            state
                .finish("login", &client_data("login-challenge"), now)
                .is_ok()
        );
        assert!(
            state
                .finish("sign_up", &client_data("sign-up-challenge"), now)
                .is_ok()
        );
    }

    #[test]
    fn a_broken_client_data_is_a_bad_request() {
        for bad in [
            "",
            "!!",
            &URL_SAFE_NO_PAD.encode("[]"),
            &URL_SAFE_NO_PAD.encode("{}"),
        ] {
            assert_eq!(
                challenge_of(bad).unwrap_err().kind(),
                ProblemKind::BadRequest
            );
        }
    }
}
