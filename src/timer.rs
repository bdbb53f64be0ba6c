//! The clock and the sleep of the retry loop ([`crate::retry::run`]), behind a trait so that
//! the loop runs on tokio's timer here, on paused time in tests, and on another timer where
//! tokio's does not run.

use std::future::Future;
use std::time::Duration;

/// Tells time and waits.
pub(crate) trait Timer: Sync {
    /// A point in time of this timer's clock.
    type Instant: Copy + Send + Sync;

    /// Now.
    fn now(&self) -> Self::Instant;

    /// Time passed since `earlier` (zero if the clock went backwards).
    fn since(&self, earlier: Self::Instant) -> Duration;

    /// Resolves after `wait`.
    fn sleep(&self, wait: Duration) -> impl Future<Output = ()> + Send;
}

/// tokio's timer: real time, or paused time in tests (`#[tokio::test(start_paused = true)]`).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TokioTimer;

impl Timer for TokioTimer {
    type Instant = tokio::time::Instant;

    fn now(&self) -> tokio::time::Instant {
        tokio::time::Instant::now()
    }

    fn since(&self, earlier: tokio::time::Instant) -> Duration {
        tokio::time::Instant::now().saturating_duration_since(earlier)
    }

    fn sleep(&self, wait: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(wait)
    }
}
