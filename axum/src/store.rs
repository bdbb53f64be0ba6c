//! A session store in memory with a bound: tower-sessions' own `MemoryStore` keeps every
//! record, expired or not, until the process ends, so a script that loads a page with
//! autofill (each load starts a login ceremony, so a session) could grow it without limit.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tower_sessions::cookie::time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

/// Sessions in this process's memory, for one app instance: expired records are dropped, and
/// at most `capacity` records are kept (when full, the one closest to expiry makes room, so an
/// attacker who opens sessions in a loop pushes out other idle visitors' sessions, never the
/// memory's limit). Use a shared store (Redis, a database) when several instances serve the
/// app.
///
/// ```
/// use hanko_passkeys_axum::BoundedMemoryStore;
///
/// let store = BoundedMemoryStore::new(50_000);
/// assert_eq!(store.capacity(), 50_000);
/// assert_eq!(BoundedMemoryStore::default().capacity(), 100_000);
/// ```
#[derive(Clone, Debug)]
pub struct BoundedMemoryStore {
    records: Arc<Mutex<HashMap<Id, Record>>>,
    capacity: usize,
}

impl Default for BoundedMemoryStore {
    /// Room for 100,000 sessions (a few hundred bytes each).
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl BoundedMemoryStore {
    /// A store that keeps at most `capacity` sessions (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            records: Arc::default(),
            capacity: capacity.max(1),
        }
    }

    /// How many sessions it keeps at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many sessions it holds now (expired ones included until the next write).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether it holds no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Record>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Puts `record` in, making room first if it is new and the store is full.
    fn put(&self, record: &Record) {
        let mut records = self.lock();
        if !records.contains_key(&record.id) && records.len() >= self.capacity {
            let now = OffsetDateTime::now_utc();
            records.retain(|_, r| r.expiry_date > now);
            if records.len() >= self.capacity
                && let Some(oldest) = records
                    .iter()
                    .min_by_key(|(_, r)| r.expiry_date)
                    .map(|(id, _)| *id)
            {
                records.remove(&oldest);
            }
        }
        records.insert(record.id, record.clone());
    }
}

#[async_trait::async_trait]
impl SessionStore for BoundedMemoryStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        while self.lock().contains_key(&record.id) {
            record.id = Id::default();
        }
        self.put(record);
        Ok(())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.put(record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let mut records = self.lock();
        match records.get(id) {
            Some(r) if r.expiry_date > OffsetDateTime::now_utc() => Ok(Some(r.clone())),
            Some(_) => {
                records.remove(id);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.lock().remove(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower_sessions::cookie::time::Duration;

    fn record(expires_in: Duration) -> Record {
        Record {
            id: Id::default(),
            data: Default::default(),
            expiry_date: OffsetDateTime::now_utc() + expires_in,
        }
    }

    #[tokio::test]
    async fn it_never_holds_more_than_its_capacity_and_drops_expired_records_first() {
        let store = BoundedMemoryStore::new(3);
        let mut keep = record(Duration::hours(2));
        store.create(&mut keep).await.unwrap();
        let mut expired = record(Duration::seconds(-1));
        store.create(&mut expired).await.unwrap();
        for _ in 0..100 {
            store.create(&mut record(Duration::hours(1))).await.unwrap();
            assert!(store.len() <= 3);
        }
        assert!(store.load(&expired.id).await.unwrap().is_none());
        assert!(
            store.load(&keep.id).await.unwrap().is_some(),
            "the record furthest from expiry stays"
        );
        // Saving a record it has does not evict anything.
        store.save(&keep).await.unwrap();
        assert_eq!(store.len(), 3);
        store.delete(&keep.id).await.unwrap();
        assert!(store.load(&keep.id).await.unwrap().is_none());
    }
}
