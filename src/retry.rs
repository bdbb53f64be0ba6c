//! Retries of calls that are safe to repeat: the policy users configure, the decision after
//! each attempt ([`decide`], a pure function of what happened), and the loop that applies it
//! ([`run`], generic over the attempts and the timer, so both can be faked in tests).

use std::future::Future;
#[cfg(not(target_arch = "wasm32"))]
use std::hash::{BuildHasher, RandomState};
#[cfg(not(target_arch = "wasm32"))]
use std::sync::OnceLock;
#[cfg(not(target_arch = "wasm32"))]
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::operations::Idempotency;
use crate::platform::MaybeSend;
use crate::telemetry::Span;
use crate::timer::Timer;

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
#[must_use = "a policy does nothing until a configuration uses it"]
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

    /// Attempts in all.
    #[must_use]
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The wait after failed attempt number `attempt` (from 1), before `Retry-After`; `random`
    /// places it within the jitter's range.
    pub(crate) fn backoff(&self, attempt: u32, random: u64) -> Duration {
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
        half + Duration::from_nanos(random % nanos)
    }
}

/// A number for the jitter. Jitter needs spread, not unpredictability: SplitMix64 over a
/// counter that starts from std's per-process random hash keys (no clock needed).
#[cfg(not(target_arch = "wasm32"))]
fn random() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    static DRAWS: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| RandomState::new().hash_one(0u64));
    let mut z = seed.wrapping_add(
        DRAWS
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15),
    );
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A number for the jitter. On wasm, JavaScript's `Math.random()`: std has no random keys
/// to give there.
#[cfg(target_arch = "wasm32")]
fn random() -> u64 {
    crate::platform::jitter_bits()
}

/// How one attempt ended, as far as retrying is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Attempt {
    /// The connection could not be made: the request provably never left.
    NotSent,
    /// The request failed after it may have reached the server (a timeout, a reset).
    Failed,
    /// A response arrived and its body was read.
    Answered {
        status: StatusCode,
        /// What its `Retry-After` header asks for.
        retry_after: Option<Duration>,
    },
    /// A response arrived and reading its body failed.
    BodyFailed,
    /// A response arrived whose body is over its limit: another attempt would be as large.
    TooLarge,
}

impl Attempt {
    /// Whether the request may have reached the server.
    pub(crate) fn may_have_arrived(self) -> bool {
        !matches!(self, Attempt::NotSent)
    }
}

/// Where a call stands after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Progress {
    /// Attempts made so far, the last one included.
    pub attempts: u32,
    /// Time since the call started.
    pub elapsed: Duration,
    /// The whole call's time ([`Config::timeout`](crate::Config::timeout)).
    pub budget: Duration,
    /// Whether the request can be sent again (a streamed body cannot).
    pub resendable: bool,
    /// A random number, for the jitter.
    pub random: u64,
}

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Wait, then send the request again.
    Retry {
        wait: Duration,
        reason: &'static str,
    },
    /// The call ends with this attempt's outcome.
    Stop(Stop),
}

/// Why a call ended with the attempt it had: which rule or limit stopped it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// A final outcome: a success, or a failure another attempt would not change.
    Final,
    /// A passing failure, but the operation must not be sent again after it may have arrived.
    NotRepeatable,
    /// The policy's attempts are used up.
    Attempts,
    /// The wait before another attempt does not fit in the call's time.
    Budget,
    /// The request's body cannot be sent twice.
    NotResendable,
}

impl Stop {
    /// What tracing records: nothing for a final outcome.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn name(self) -> Option<&'static str> {
        match self {
            Stop::Final => None,
            Stop::NotRepeatable => Some("not_repeatable"),
            Stop::Attempts => Some("attempts"),
            Stop::Budget => Some("budget"),
            Stop::NotResendable => Some("not_resendable"),
        }
    }
}

/// The retry rules (see [`RetryPolicy`]): whether, and after what wait, a call is sent again
/// after `attempt` ended as it did.
pub(crate) fn decide(
    attempt: Attempt,
    idempotency: Idempotency,
    policy: &RetryPolicy,
    progress: Progress,
) -> Verdict {
    let (reason, retry_after) = match attempt {
        Attempt::Answered {
            status,
            retry_after,
        } if retryable_status(status) => ("retryable status", retry_after),
        Attempt::Answered { .. } | Attempt::TooLarge => return Verdict::Stop(Stop::Final),
        Attempt::NotSent => ("connection failed", None),
        Attempt::Failed => ("transport error", None),
        Attempt::BodyFailed => ("response body failed", None),
    };
    if idempotency == Idempotency::OnlyIfNotSent && attempt.may_have_arrived() {
        return Verdict::Stop(Stop::NotRepeatable);
    }
    if progress.attempts >= policy.max_attempts {
        return Verdict::Stop(Stop::Attempts);
    }
    if !progress.resendable {
        return Verdict::Stop(Stop::NotResendable);
    }
    let wait = policy
        .backoff(progress.attempts, progress.random)
        .max(retry_after.unwrap_or_default());
    let fits = progress
        .elapsed
        .checked_add(wait)
        .is_some_and(|end| end < progress.budget);
    if !fits {
        return Verdict::Stop(Stop::Budget);
    }
    Verdict::Retry { wait, reason }
}

/// The attempts of one call: what [`run`] repeats.
pub(crate) trait Attempts {
    /// What an attempt sends.
    type Request: MaybeSend;
    /// What an attempt produces.
    type Output;

    /// A copy of `request` for another attempt, or `None` if it cannot be sent twice.
    fn copy(&self, request: &Self::Request) -> Option<Self::Request>;

    /// Makes attempt number `n` (from 1), which may take at most `timeout`.
    fn attempt(
        &self,
        request: Self::Request,
        n: u32,
        timeout: Duration,
    ) -> impl Future<Output = (Self::Output, Attempt)> + MaybeSend;
}

/// How a call ended: the last attempt's output, and what the loop knows about the call.
pub(crate) struct Finished<O> {
    pub output: O,
    pub attempts: u32,
    /// An attempt before the last one may have reached the server. A DELETE that then sees
    /// 404 has done its work.
    pub retried_after_delivery: bool,
    pub stop: Stop,
    pub elapsed: Duration,
}

/// Makes attempts until [`decide`] stops, sleeping on `timer` in between; every attempt gets
/// what is left of `budget` (at most the policy's attempt timeout). A copy of the request is
/// made before each attempt that may not be the last.
pub(crate) async fn run<A: Attempts, T: Timer>(
    timer: &T,
    policy: &RetryPolicy,
    idempotency: Idempotency,
    budget: Duration,
    attempts: &A,
    request: A::Request,
    span: &Span,
) -> Finished<A::Output> {
    let started = timer.now();
    let mut request = request;
    let mut elapsed = Duration::ZERO;
    let mut n = 0;
    let mut retried_after_delivery = false;
    loop {
        n += 1;
        let spare = if n < policy.max_attempts {
            attempts.copy(&request)
        } else {
            None
        };
        let mut timeout = budget.saturating_sub(elapsed);
        if let Some(limit) = policy.attempt_timeout {
            timeout = timeout.min(limit);
        }
        let (output, attempt) = attempts
            .attempt(request, n, timeout.max(Duration::from_millis(1)))
            .await;
        elapsed = timer.since(started);
        let progress = Progress {
            attempts: n,
            elapsed,
            budget,
            resendable: spare.is_some(),
            random: random(),
        };
        match (decide(attempt, idempotency, policy, progress), spare) {
            (Verdict::Retry { wait, reason }, Some(next)) => {
                span.retrying(n, wait, reason);
                retried_after_delivery |= attempt.may_have_arrived();
                drop(output);
                timer.sleep(wait).await;
                elapsed = timer.since(started);
                request = next;
            }
            (verdict, _) => {
                return Finished {
                    output,
                    attempts: n,
                    retried_after_delivery,
                    // `decide` retries only with a copy at hand.
                    stop: match verdict {
                        Verdict::Stop(stop) => stop,
                        Verdict::Retry { .. } => Stop::NotResendable,
                    },
                    elapsed,
                };
            }
        }
    }
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
        assert_eq!(p.backoff(1, random()), Duration::from_millis(100));
        assert_eq!(p.backoff(2, random()), Duration::from_millis(200));
        assert_eq!(p.backoff(6, random()), Duration::from_secs(2));
        assert_eq!(p.backoff(u32::MAX, random()), Duration::from_secs(2));
        let p = RetryPolicy::default();
        for attempt in 1..8 {
            let exact = p.clone().jitter(false).backoff(attempt, 0);
            for r in [0, 1, u64::MAX, random()] {
                let d = p.backoff(attempt, r);
                assert!(d >= exact / 2 && d <= exact, "{d:?} vs {exact:?}");
            }
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

    const S: fn(u16) -> Attempt = |code| Attempt::Answered {
        status: StatusCode::from_u16(code).unwrap(),
        retry_after: None,
    };
    const IDEM: Idempotency = Idempotency::Idempotent;
    const ONCE: Idempotency = Idempotency::OnlyIfNotSent;

    fn progress(attempts: u32, elapsed_ms: u64) -> Progress {
        Progress {
            attempts,
            elapsed: Duration::from_millis(elapsed_ms),
            budget: Duration::from_secs(30),
            resendable: true,
            random: 0,
        }
    }

    fn retry(ms: u64, reason: &'static str) -> Verdict {
        Verdict::Retry {
            wait: Duration::from_millis(ms),
            reason,
        }
    }

    /// The rules, one row each: what happened, to which kind of operation, at which point of
    /// the call, and the verdict. No sockets, no clock.
    #[test]
    fn the_retry_rules_as_a_table() {
        let p = RetryPolicy::default().jitter(false);
        let late = Attempt::Answered {
            status: StatusCode::SERVICE_UNAVAILABLE,
            retry_after: Some(Duration::from_secs(5)),
        };
        let far = Attempt::Answered {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(Duration::from_secs(3600)),
        };
        let not_resendable = Progress {
            resendable: false,
            ..progress(1, 0)
        };
        #[rustfmt::skip]
        let rows: &[(Attempt, Idempotency, Progress, Verdict)] = &[
            // Final outcomes, whatever the operation.
            (S(200), IDEM, progress(1, 0), Verdict::Stop(Stop::Final)),
            (S(204), ONCE, progress(1, 0), Verdict::Stop(Stop::Final)),
            (S(400), IDEM, progress(1, 0), Verdict::Stop(Stop::Final)),
            (S(401), IDEM, progress(1, 0), Verdict::Stop(Stop::Final)),
            (S(404), IDEM, progress(2, 0), Verdict::Stop(Stop::Final)),
            (S(500), IDEM, progress(1, 0), Verdict::Stop(Stop::Final)),
            (Attempt::TooLarge, IDEM, progress(1, 0), Verdict::Stop(Stop::Final)),
            // Passing failures of a read: retried with exponential backoff.
            (S(429), IDEM, progress(1, 0), retry(100, "retryable status")),
            (S(502), IDEM, progress(1, 0), retry(100, "retryable status")),
            (S(503), IDEM, progress(2, 0), retry(200, "retryable status")),
            (S(504), IDEM, progress(1, 0), retry(100, "retryable status")),
            (Attempt::Failed, IDEM, progress(1, 0), retry(100, "transport error")),
            (Attempt::BodyFailed, IDEM, progress(1, 0), retry(100, "response body failed")),
            (Attempt::NotSent, IDEM, progress(1, 0), retry(100, "connection failed")),
            // Retry-After raises the wait; past the call's time, the response is returned.
            (late, IDEM, progress(1, 0), retry(5000, "retryable status")),
            (far, IDEM, progress(1, 0), Verdict::Stop(Stop::Budget)),
            (S(503), IDEM, progress(1, 29_950), Verdict::Stop(Stop::Budget)),
            // A finalize is never sent again after it may have arrived...
            (S(503), ONCE, progress(1, 0), Verdict::Stop(Stop::NotRepeatable)),
            (Attempt::Failed, ONCE, progress(1, 0), Verdict::Stop(Stop::NotRepeatable)),
            (Attempt::BodyFailed, ONCE, progress(1, 0), Verdict::Stop(Stop::NotRepeatable)),
            // ...but it is when it provably never left.
            (Attempt::NotSent, ONCE, progress(1, 0), retry(100, "connection failed")),
            // The limits: attempts, and a body that cannot be sent twice.
            (S(503), IDEM, progress(3, 0), Verdict::Stop(Stop::Attempts)),
            (Attempt::NotSent, ONCE, progress(3, 0), Verdict::Stop(Stop::Attempts)),
            (S(503), IDEM, not_resendable, Verdict::Stop(Stop::NotResendable)),
        ];
        for (i, (attempt, idempotency, progress, verdict)) in rows.iter().enumerate() {
            assert_eq!(
                decide(*attempt, *idempotency, &p, *progress),
                *verdict,
                "row {i}: {attempt:?} {idempotency:?} {progress:?}"
            );
        }
        assert_eq!(
            decide(S(503), IDEM, &RetryPolicy::none(), progress(1, 0)),
            Verdict::Stop(Stop::Attempts)
        );
        assert!(!Attempt::NotSent.may_have_arrived() && Attempt::Failed.may_have_arrived());
    }

    /// Attempts that follow a script, noting when each was made and the time it was given.
    struct Scripted {
        script: Vec<Attempt>,
        made: std::sync::Mutex<Vec<(tokio::time::Instant, Duration)>>,
    }

    impl Attempts for Scripted {
        type Request = ();
        type Output = usize;

        fn copy(&self, _: &()) -> Option<()> {
            Some(())
        }

        fn attempt(
            &self,
            _: (),
            n: u32,
            timeout: Duration,
        ) -> impl Future<Output = (usize, Attempt)> + Send {
            let now = tokio::time::Instant::now();
            self.made.lock().unwrap().push((now, timeout));
            let outcome = self.script[n as usize - 1];
            async move {
                // An attempt takes 10 ms.
                tokio::time::sleep(Duration::from_millis(10)).await;
                (n as usize, outcome)
            }
        }
    }

    async fn scripted(
        script: &[Attempt],
        idempotency: Idempotency,
        policy: RetryPolicy,
        budget: Duration,
    ) -> (Finished<usize>, Vec<(Duration, Duration)>) {
        let start = tokio::time::Instant::now();
        let attempts = Scripted {
            script: script.to_vec(),
            made: Default::default(),
        };
        let span = crate::telemetry::request_span("test", "GET", "/");
        let finished = run(
            &crate::timer::TokioTimer,
            &policy,
            idempotency,
            budget,
            &attempts,
            (),
            &span,
        )
        .await;
        let made = attempts
            .made
            .into_inner()
            .unwrap()
            .iter()
            .map(|(at, timeout)| (*at - start, *timeout))
            .collect();
        (finished, made)
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// The loop on paused time: it waits the backoff between attempts, gives each attempt
    /// what is left of the call's time, and says how and why the call ended.
    #[tokio::test(start_paused = true)]
    async fn the_loop_waits_between_attempts_within_the_budget() {
        let policy = RetryPolicy::default().jitter(false);
        let (done, made) =
            scripted(&[S(503), S(503), S(200)], IDEM, policy.clone(), ms(30_000)).await;
        assert_eq!((done.output, done.attempts, done.stop), (3, 3, Stop::Final));
        assert!(done.retried_after_delivery);
        // 10 ms per attempt, then 100 ms and 200 ms of backoff.
        assert_eq!(
            made,
            [
                (ms(0), ms(30_000)),
                (ms(110), ms(29_890)),
                (ms(320), ms(29_680))
            ]
        );
        assert_eq!(done.elapsed, ms(330));

        // The attempts run out: the last failure is the outcome.
        let (done, made) = scripted(&[S(502); 3], IDEM, policy.clone(), ms(30_000)).await;
        assert_eq!((done.output, done.stop, made.len()), (3, Stop::Attempts, 3));

        // A budget of 250 ms: the second wait (200 ms at 120 ms) would end past it.
        let (done, made) = scripted(&[S(503); 3], IDEM, policy.clone(), ms(250)).await;
        assert_eq!((done.output, done.stop), (2, Stop::Budget));
        assert_eq!(made, [(ms(0), ms(250)), (ms(110), ms(140))]);

        // An attempt timeout bounds each attempt.
        let (_, made) = scripted(
            &[Attempt::Failed, S(200)],
            IDEM,
            policy.clone().attempt_timeout(ms(50)),
            ms(30_000),
        )
        .await;
        assert_eq!(made, [(ms(0), ms(50)), (ms(110), ms(50))]);

        // A finalize: a connection failure is retried (nothing arrived), a timeout is not.
        let (done, _) = scripted(
            &[Attempt::NotSent, Attempt::Failed],
            ONCE,
            policy,
            ms(30_000),
        )
        .await;
        assert_eq!((done.output, done.stop), (2, Stop::NotRepeatable));
        assert!(!done.retried_after_delivery, "the first attempt never left");
    }
}
