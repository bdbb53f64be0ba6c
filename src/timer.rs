//! The clock and the sleep of the retry loop ([`crate::retry::run`]), behind a trait so that
//! the loop runs on tokio's timer here, on paused time in tests, and on another timer where
//! tokio's does not run.

use std::future::Future;
use std::time::Duration;

use crate::platform::MaybeSend;

/// Tells time and waits.
pub(crate) trait Timer: Sync {
    /// A point in time of this timer's clock.
    type Instant: Copy + Send + Sync;

    /// Now.
    fn now(&self) -> Self::Instant;

    /// Time passed since `earlier` (zero if the clock went backwards).
    fn since(&self, earlier: Self::Instant) -> Duration;

    /// Resolves after `wait`.
    fn sleep(&self, wait: Duration) -> impl Future<Output = ()> + MaybeSend;
}

/// The timer of calls on the wire: tokio's natively, `setTimeout` on wasm.
#[cfg(target_arch = "wasm32")]
pub(crate) use self::JsTimer as PlatformTimer;
/// The timer of calls on the wire: tokio's natively, `setTimeout` on wasm.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) use self::TokioTimer as PlatformTimer;

/// JavaScript's timer, for wasm32 hosts (browsers, workers, node, Deno), where tokio's timer
/// does not run: `performance.now()` for the clock, `setTimeout` for waits.
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct JsTimer;

#[cfg(target_arch = "wasm32")]
impl Timer for JsTimer {
    type Instant = crate::clock::Instant;

    fn now(&self) -> Self::Instant {
        crate::clock::now()
    }

    fn since(&self, earlier: Self::Instant) -> Duration {
        crate::clock::now().saturating_duration_since(earlier)
    }

    fn sleep(&self, wait: Duration) -> impl Future<Output = ()> + MaybeSend {
        crate::platform::sleep(wait)
    }
}

/// tokio's timer: real time, or paused time in tests (`#[tokio::test(start_paused = true)]`).
#[cfg(not(target_arch = "wasm32"))]
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TokioTimer;

#[cfg(not(target_arch = "wasm32"))]
impl Timer for TokioTimer {
    type Instant = tokio::time::Instant;

    fn now(&self) -> tokio::time::Instant {
        tokio::time::Instant::now()
    }

    fn since(&self, earlier: tokio::time::Instant) -> Duration {
        tokio::time::Instant::now().saturating_duration_since(earlier)
    }

    fn sleep(&self, wait: Duration) -> impl Future<Output = ()> + MaybeSend {
        tokio::time::sleep(wait)
    }
}
