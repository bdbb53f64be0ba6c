//! Retries of calls that are safe to repeat.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How calls that failed in a passing way are tried again.
///
/// On by default ([`RetryPolicy::default`]): at most 3 attempts, exponential backoff from
/// 100 ms up to 2 s with jitter, all within the call's [timeout](crate::Config::timeout),
/// which bounds the whole call, retries and waits included.
///
/// **What is retried.** Reads, `remove`, `rename` and the initialize calls (each creates a
/// fresh challenge) are retried after transport errors, timeouts and the statuses 429, 502,
/// 503 and 504. A `Retry-After` header (seconds or an HTTP date) is honoured; when it points
/// past the call's deadline the response is returned instead. Finalize calls consume a
/// one-time challenge, and a transaction id can be initialized only once: those are retried
/// only when the connection could not be made, so the request provably never left.
///
/// **Deletes.** A `remove` that is retried after an attempt that may have reached the server
/// and then gets 404 has done its work (the first attempt deleted the credential): it returns
/// `Ok(())`. A 404 on the first attempt is still an error.
///
/// ```
/// use std::time::Duration;
/// use hanko_passkeys::{Config, RetryPolicy};
///
/// let config = Config::new("0b41b5a3-4c7e-4b2c-9b8e-2f6a3c1d9e77")
///     .retry(RetryPolicy::default().max_attempts(5).max_backoff(Duration::from_secs(5)));
/// let no_retries = Config::new("0b41b5a3-4c7e-4b2c-9b8e-2f6a3c1d9e77").retry(RetryPolicy::none());
/// # let _ = (config, no_retries);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    jitter: bool,
    attempt_timeout: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            jitter: true,
            attempt_timeout: None,
        }
    }
}

impl RetryPolicy {
    /// Never retry: every call is one attempt.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Attempts in all, the first included (default 3; at least 1, at most 10).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.clamp(1, 10);
        self
    }

    /// Wait before the second attempt (default 100 ms); it doubles with each attempt.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// Longest wait between two attempts, before jitter (default 2 s).
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Whether waits are randomised (default on): each wait is between half and all of the
    /// exponential backoff, so clients that failed together do not retry together. Off,
    /// waits are exact, which tests may want.
    pub fn jitter(mut self, jitter: bool) -> Self {
        self.jitter = jitter;
        self
    }

    /// Longest time one attempt may take, so that a server that hangs leaves time for
    /// another attempt. Default: none, an attempt may use what is left of the call's timeout.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    pub(crate) fn attempt_timeout_limit(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// Attempts in all.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait after failed attempt number `attempt` (from 1), before `Retry-After`.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
        let base = self
            .initial_backoff
            .saturating_mul(exp)
            .min(self.max_backoff);
        if !self.jitter || base.is_zero() {
            return base;
        }
        let half = base / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX).max(1);
        half + Duration::from_nanos(random() % nanos)
    }
}

fn random() -> u64 {
    // Jitter needs spread, not unpredictability: std's per-process random hash keys suffice
    // (JavaScript's `Math.random()` on wasm).
    crate::platform::jitter_bits()
}

/// Statuses that say "try again": rate limited, or a gateway that could not reach the API.
pub(crate) fn retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

pub(crate) fn retryable_status_code(status: Option<StatusCode>) -> bool {
    status.is_some_and(retryable_status)
}

/// The wait a `Retry-After` header asks for: delta-seconds or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitter_stays_within_half() {
        let p = RetryPolicy::default().jitter(false);
        assert_eq!(p.backoff(1), Duration::from_millis(100));
        assert_eq!(p.backoff(2), Duration::from_millis(200));
        assert_eq!(p.backoff(6), Duration::from_secs(2));
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(2));
        let p = RetryPolicy::default();
        for attempt in 1..8 {
            let exact = p.clone().jitter(false).backoff(attempt);
            let d = p.backoff(attempt);
            assert!(d >= exact / 2 && d <= exact, "{d:?} vs {exact:?}");
        }
        assert_eq!(RetryPolicy::default().max_attempts(0).attempts(), 1);
        assert_eq!(RetryPolicy::default().max_attempts(99).attempts(), 10);
    }

    #[test]
    fn retry_after_seconds_dates_and_garbage() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(
            RETRY_AFTER,
            "Sun, 06 Nov 1994 08:49:37 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        let soon = chrono::Utc::now() + chrono::Duration::seconds(120);
        h.insert(
            RETRY_AFTER,
            soon.format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string()
                .parse()
                .unwrap(),
        );
        let wait = retry_after(&h).unwrap();
        assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
        h.insert(RETRY_AFTER, "-3".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
