//! The monotonic clock of the JWKS cache (freshness, stale grace, the refresh interval).
//!
//! tokio's clock: the real monotonic clock in production, and under tokio's paused time
//! (`#[tokio::test(start_paused = true)]`, `tokio::time::advance`) in tests, so the cache's
//! expiry can be tested without waiting. Everything in the SDK that needs "now" for a
//! duration gets it here and nowhere else: a platform whose `std::time::Instant` does not
//! work (wasm32-unknown-unknown, where it panics) needs only this module replaced.

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use tokio::time::Instant;
/// On wasm: `performance.now()` through web-time (tokio's clock and `std::time::Instant::now`
/// panic on wasm32-unknown-unknown). In a Cloudflare Worker this clock moves only while the
/// Worker waits for I/O, which is when the cache asks it.
#[cfg(target_arch = "wasm32")]
pub(crate) use web_time::Instant;

/// The current instant of the monotonic clock.
pub(crate) fn now() -> Instant {
    Instant::now()
}
