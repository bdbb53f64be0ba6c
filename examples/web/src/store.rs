//! The demo's own state, all in memory: users, sign-ups in progress and sessions.
//!
//! A real app keeps users in its database and sessions in its session store; nothing here
//! is specific to passkeys except that a user's passkeys live at Hanko, keyed by our user id.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "demo_session";

/// How long a signed-in session lasts.
const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);
/// How long a half-done login (passkey done, security key pending) or sign-up waits.
const PENDING_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// Bound on sessions and pending sign-ups, so that a script cannot fill the memory.
const MAX_ENTRIES: usize = 10_000;

/// A user of the demo app. `id` is what Hanko knows the user by (the WebAuthn user handle).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub name: String,
}

/// Where a session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// The passkey was checked; the user's security key (second factor) is still to come.
    AwaitingSecondFactor,
    /// Fully signed in.
    SignedIn,
}

#[derive(Clone, Debug)]
pub struct Session {
    pub user_id: String,
    pub stage: Stage,
    /// The transfer the user was asked to confirm, by transaction id.
    pub pending_transfer: Option<String>,
    expires: Instant,
}

#[derive(Debug)]
struct PendingSignUp {
    name: String,
    expires: Instant,
}

/// Users, sign-ups in progress and sessions. Callers hold it behind one mutex and never
/// across an `.await`.
#[derive(Debug, Default)]
pub struct Store {
    users: HashMap<String, User>,
    sign_ups: HashMap<String, PendingSignUp>,
    sessions: HashMap<String, Session>,
}

/// Why a name cannot be used for a sign-up.
#[derive(Debug, PartialEq, Eq)]
pub enum NameError {
    Invalid,
    Taken,
    Busy,
}

impl Store {
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.get(id)
    }

    fn name_taken(&self, name: &str) -> bool {
        self.users
            .values()
            .any(|u| u.name.eq_ignore_ascii_case(name))
    }

    /// Starts a sign-up: checks the name and hands out a fresh user id. The user exists only
    /// once their first passkey is registered ([`Store::finish_sign_up`]), so a cancelled
    /// sign-up leaves nothing behind but this entry, which expires.
    pub fn begin_sign_up(&mut self, name: &str) -> Result<User, NameError> {
        let name = valid_name(name).ok_or(NameError::Invalid)?;
        if self.name_taken(name) {
            return Err(NameError::Taken);
        }
        let now = Instant::now();
        self.sign_ups.retain(|_, p| p.expires > now);
        if self.sign_ups.len() >= MAX_ENTRIES {
            return Err(NameError::Busy);
        }
        // 36 characters: within the 64 bytes browsers accept for a user handle, and not the
        // 16 bytes the server would read as a UUID.
        let id = uuid::Uuid::new_v4().to_string();
        self.sign_ups.insert(
            id.clone(),
            PendingSignUp {
                name: name.to_owned(),
                expires: now + PENDING_LIFETIME,
            },
        );
        Ok(User {
            id,
            name: name.to_owned(),
        })
    }

    /// Creates the user whose first passkey Hanko just registered (`user_id` from the
    /// verified token). `None` when no such sign-up is pending, or when someone else took the
    /// name in the meantime.
    pub fn finish_sign_up(&mut self, user_id: &str) -> Option<User> {
        let pending = self.sign_ups.remove(user_id)?;
        if pending.expires <= Instant::now() || self.name_taken(&pending.name) {
            return None;
        }
        let user = User {
            id: user_id.to_owned(),
            name: pending.name,
        };
        self.users.insert(user.id.clone(), user.clone());
        Some(user)
    }

    /// Starts a session and returns its id (the cookie value).
    pub fn start_session(&mut self, user_id: &str, stage: Stage) -> Option<String> {
        let now = Instant::now();
        self.sessions.retain(|_, s| s.expires > now);
        if self.sessions.len() >= MAX_ENTRIES {
            return None;
        }
        let lifetime = match stage {
            Stage::SignedIn => SESSION_LIFETIME,
            Stage::AwaitingSecondFactor => PENDING_LIFETIME,
        };
        let id = random_token();
        self.sessions.insert(
            id.clone(),
            Session {
                user_id: user_id.to_owned(),
                stage,
                pending_transfer: None,
                expires: now + lifetime,
            },
        );
        Some(id)
    }

    /// The live session named by the request's cookie.
    pub fn session(&mut self, headers: &HeaderMap) -> Option<(String, &mut Session)> {
        let id = session_cookie(headers)?;
        let now = Instant::now();
        if self.sessions.get(&id)?.expires <= now {
            self.sessions.remove(&id);
            return None;
        }
        let session = self.sessions.get_mut(&id)?;
        Some((id, session))
    }

    pub fn end_session(&mut self, id: &str) {
        self.sessions.remove(id);
    }
}

/// A name as the app stores it: trimmed, 1 to 64 characters, no control characters.
pub fn valid_name(name: &str) -> Option<&str> {
    let name = name.trim();
    let ok = !name.is_empty() && name.chars().count() <= 64 && !name.chars().any(char::is_control);
    ok.then_some(name)
}

/// 32 random bytes from the thread's CSPRNG, base64url.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The value of our session cookie, from any `Cookie` header of the request.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// `Set-Cookie` value that starts a session: HTTP-only (no script reads it), SameSite=Strict
/// (never sent on cross-site requests), `Secure` when the site is served over HTTPS.
pub fn session_cookie_header(id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        SESSION_LIFETIME.as_secs()
    )
}

/// `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie_header(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn sign_up_creates_the_user_only_when_finished() {
        let mut store = Store::default();
        let alice = store.begin_sign_up("  Alice ").unwrap();
        assert_eq!(alice.name, "Alice");
        assert!(store.user(&alice.id).is_none());
        // A second, unfinished sign-up does not reserve the name.
        let other = store.begin_sign_up("alice").unwrap();
        assert_eq!(store.finish_sign_up(&alice.id), Some(alice.clone()));
        assert_eq!(store.user(&alice.id), Some(&alice));
        assert_eq!(store.begin_sign_up("ALICE"), Err(NameError::Taken));
        assert_eq!(
            store.finish_sign_up(&other.id),
            None,
            "name taken meanwhile"
        );
        assert_eq!(store.finish_sign_up(&alice.id), None, "already finished");
    }

    #[test]
    fn names_are_checked() {
        let mut store = Store::default();
        assert_eq!(store.begin_sign_up("   "), Err(NameError::Invalid));
        assert_eq!(store.begin_sign_up("a\u{0}b"), Err(NameError::Invalid));
        assert_eq!(
            store.begin_sign_up(&"x".repeat(65)),
            Err(NameError::Invalid)
        );
        assert!(store.begin_sign_up(&"é".repeat(64)).is_ok());
    }

    #[test]
    fn sessions_are_found_by_cookie_and_ended() {
        let mut store = Store::default();
        let id = store.start_session("u1", Stage::SignedIn).unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_str(&format!("other=1; {SESSION_COOKIE}={id}")).unwrap(),
        );
        let (found, session) = store.session(&headers).unwrap();
        assert_eq!(
            (found.as_str(), session.user_id.as_str()),
            (id.as_str(), "u1")
        );
        store.end_session(&id);
        assert!(store.session(&headers).is_none());
        assert!(store.session(&HeaderMap::new()).is_none());
    }

    #[test]
    fn cookies_are_http_only_and_same_site() {
        let set = session_cookie_header("abc", false);
        assert!(set.starts_with("demo_session=abc;"));
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
        assert!(!set.contains("Secure"));
        assert!(session_cookie_header("abc", true).ends_with("; Secure"));
        assert!(clear_cookie_header(false).contains("Max-Age=0"));
    }
}
