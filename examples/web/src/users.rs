//! The demo's users, in memory: what `hanko-passkeys-axum` asks of an app. A real app keeps
//! them in its database; their passkeys live at Hanko, keyed by the user id.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Mutex, MutexGuard};

use hanko_passkeys_axum::{SignUpError, User, Users};

/// Users by id. Names are unique regardless of ASCII case.
#[derive(Debug, Default)]
pub struct DemoUsers(Mutex<HashMap<String, User>>);

impl DemoUsers {
    fn users(&self) -> MutexGuard<'_, HashMap<String, User>> {
        // A panic while holding the lock cannot leave the map half-updated: keep serving.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn named<'a>(users: &'a HashMap<String, User>, name: &str) -> Option<&'a User> {
    users.values().find(|u| u.name.eq_ignore_ascii_case(name))
}

impl Users for DemoUsers {
    type Error = Infallible;

    async fn find(&self, user_id: &str) -> Result<Option<User>, Infallible> {
        Ok(self.users().get(user_id).cloned())
    }

    async fn find_by_name(&self, name: &str) -> Result<Option<User>, Infallible> {
        Ok(named(&self.users(), name).cloned())
    }

    /// Refused before the passkey dialog opens, so that the user learns it first.
    async fn check_name(&self, name: &str) -> Result<(), SignUpError<Infallible>> {
        match named(&self.users(), name) {
            Some(_) => Err(SignUpError::NameTaken),
            None => Ok(()),
        }
    }

    /// Called once the first passkey is registered and its token verified; the name may have
    /// been taken meanwhile (the crate then removes the new passkey again).
    async fn create(&self, user_id: &str, name: &str) -> Result<User, SignUpError<Infallible>> {
        let mut users = self.users();
        if named(&users, name).is_some() {
            return Err(SignUpError::NameTaken);
        }
        let user = User::new(user_id, name);
        users.insert(user_id.to_owned(), user.clone());
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn names_are_unique_regardless_of_case() {
        let users = DemoUsers::default();
        assert!(users.check_name("Alice").await.is_ok());
        let alice = users.create("u1", "Alice").await.unwrap();
        assert_eq!(users.find("u1").await.unwrap(), Some(alice.clone()));
        assert_eq!(users.find_by_name("ALICE").await.unwrap(), Some(alice));
        assert!(matches!(
            users.check_name("alice").await,
            Err(SignUpError::NameTaken)
        ));
        assert!(matches!(
            users.create("u2", "aLiCe").await,
            Err(SignUpError::NameTaken)
        ));
        assert_eq!(users.find("u2").await.unwrap(), None);
    }
}
