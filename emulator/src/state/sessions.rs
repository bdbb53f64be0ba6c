//! Pending ceremonies of a tenant, keyed by challenge.
//!
//! The server keeps a session until it is finalized, forever otherwise, and never checks the
//! expiry of a discoverable login's session. The emulator keeps that behaviour for an hour
//! after a session expires ([`RETENTION`]) and then drops it, and keeps at most [`LIMIT`]
//! sessions per tenant (the oldest go first), so a client that never finishes its ceremonies
//! cannot grow the emulator without bound.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, Utc};

use super::rows::Session;

/// How long an expired session is kept before it is dropped.
pub(crate) const RETENTION: TimeDelta = TimeDelta::hours(1);
/// The most sessions a tenant keeps.
pub(crate) const LIMIT: usize = 10_000;

/// Sessions by challenge, with their creation order for pruning.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    by_challenge: HashMap<String, (u64, Session)>,
    by_age: BTreeMap<u64, String>,
    next: u64,
}

impl Sessions {
    /// Stores a new session, first dropping what is past retention or over the limit;
    /// returns the challenges dropped.
    pub(crate) fn insert(
        &mut self,
        challenge: String,
        session: Session,
        now: DateTime<Utc>,
    ) -> Vec<String> {
        let pruned = self.prune(now, LIMIT - 1);
        self.next += 1;
        self.by_age.insert(self.next, challenge.clone());
        if let Some((old, _)) = self.by_challenge.insert(challenge, (self.next, session)) {
            // A repeated challenge (never, with 32 random bytes) replaces the old session.
            self.by_age.remove(&old);
        }
        pruned
    }

    /// The session of `challenge`.
    pub(crate) fn get(&self, challenge: &str) -> Option<&Session> {
        self.by_challenge.get(challenge).map(|(_, s)| s)
    }

    /// Consumes the session of `challenge`.
    pub(crate) fn remove(&mut self, challenge: &str) -> Option<Session> {
        let (age, session) = self.by_challenge.remove(challenge)?;
        self.by_age.remove(&age);
        Some(session)
    }

    /// How many sessions are kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.by_challenge.len()
    }

    /// Drops sessions, oldest first, while they are past retention or more than `keep`.
    fn prune(&mut self, now: DateTime<Utc>, keep: usize) -> Vec<String> {
        let mut pruned = Vec::new();
        while let Some(entry) = self.by_age.first_entry() {
            let challenge = entry.get();
            let stale = self
                .by_challenge
                .get(challenge)
                .is_none_or(|(_, s)| s.expires_at + RETENTION < now);
            if !stale && self.by_challenge.len() <= keep {
                break;
            }
            let challenge = entry.remove();
            self.by_challenge.remove(&challenge);
            pruned.push(challenge);
        }
        pruned
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::rows::Operation;

    fn session(expires_at: DateTime<Utc>) -> Session {
        Session {
            operation: Operation::Authentication,
            user_id: String::new(),
            uv_required: true,
            allowed: Vec::new(),
            discoverable: true,
            expires_at,
        }
    }

    #[test]
    fn expired_sessions_are_kept_for_the_retention_and_then_dropped() {
        let t0 = Utc::now();
        let mut sessions = Sessions::default();
        sessions.insert("old".into(), session(t0), t0);
        // Expired, but within retention: still there (a discoverable login still works).
        sessions.insert(
            "b".into(),
            session(t0 + TimeDelta::minutes(1)),
            t0 + RETENTION,
        );
        assert!(sessions.get("old").is_some());
        // Past retention: dropped by the next insert.
        let later = t0 + RETENTION + TimeDelta::seconds(1);
        sessions.insert("c".into(), session(later), later);
        assert!(sessions.get("old").is_none());
        assert_eq!(sessions.len(), 2);
        assert!(sessions.remove("b").is_some());
        assert_eq!(sessions.by_age.len(), 1);
    }

    #[test]
    fn the_oldest_go_beyond_the_limit() {
        let now = Utc::now();
        let mut sessions = Sessions::default();
        for i in 0..LIMIT + 5 {
            sessions.insert(format!("c{i}"), session(now + TimeDelta::minutes(1)), now);
        }
        assert_eq!(sessions.len(), LIMIT);
        assert_eq!(sessions.by_age.len(), LIMIT);
        assert!(sessions.get("c4").is_none());
        assert!(sessions.get("c5").is_some());
    }
}
