//! `tracing` instrumentation, behind the default-on `tracing` feature.
//!
//! Every request is one span named `hanko_passkeys.request` with the fields `operation`
//! (the operationId), `http.method`, `url.path` (the route *template*, e.g.
//! `/{tenant_id}/credentials/{credential_id}`: ids of users and credentials stay out of
//! logs), and, once known, `http.status`, `attempts`, `request_id` (the server's
//! `X-Request-Id`), `duration_ms` and, when a passing failure was not retried, `retry.stop`
//! (why: `not_repeatable`, `attempts`, `budget`, `not_resendable`). Each attempt is an event inside it (`DEBUG`; a retry
//! is a `WARN` with the wait). API keys, tokens and bodies are never recorded.

use std::time::Duration;

use reqwest::StatusCode;

use crate::retry::Stop;

#[cfg(feature = "tracing")]
mod imp {
    use super::*;

    /// The span of one request.
    pub(crate) struct Span(tracing::Span);

    pub(crate) fn request_span(operation: &str, method: &str, path: &str) -> Span {
        Span(tracing::info_span!(
            target: "hanko_passkeys",
            "hanko_passkeys.request",
            operation,
            "http.method" = method,
            "url.path" = path,
            "http.status" = tracing::field::Empty,
            attempts = tracing::field::Empty,
            request_id = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
            "retry.stop" = tracing::field::Empty,
        ))
    }

    impl Span {
        /// `future`, inside the span whenever it runs.
        pub(crate) fn run<F: std::future::Future>(
            &self,
            future: F,
        ) -> impl std::future::Future<Output = F::Output> {
            use futures_util::future::Either;
            use tracing::Instrument;
            // A span nothing records needs no entering and leaving at every poll (measured:
            // about 500 instructions per call, benches/client_overhead.rs under callgrind).
            if self.0.is_disabled() {
                Either::Left(future)
            } else {
                Either::Right(future.instrument(self.0.clone()))
            }
        }

        /// Whether anything records this span: what its events need is worked out only then.
        pub(crate) fn enabled(&self) -> bool {
            !self.0.is_disabled()
        }

        pub(crate) fn attempt(
            &self,
            attempt: u32,
            status: Option<StatusCode>,
            request_id: Option<&str>,
            error: Option<&'static str>,
        ) {
            let _entered = self.0.enter();
            let status = status.map(|s| s.as_u16());
            match error {
                Some(error) => {
                    tracing::debug!(target: "hanko_passkeys", attempt, status, request_id, error, "attempt failed")
                }
                None => {
                    tracing::debug!(target: "hanko_passkeys", attempt, status, request_id, "response")
                }
            }
        }

        pub(crate) fn retrying(&self, attempt: u32, wait: Duration, reason: &str) {
            let _entered = self.0.enter();
            tracing::warn!(
                target: "hanko_passkeys",
                attempt,
                wait_ms = wait.as_millis() as u64,
                reason,
                "retrying"
            );
        }

        pub(crate) fn finish(
            &self,
            attempts: u32,
            status: Option<StatusCode>,
            request_id: Option<&str>,
            elapsed: Duration,
            stop: Stop,
        ) {
            self.0.record("attempts", attempts);
            if let Some(stop) = stop.name() {
                self.0.record("retry.stop", stop);
            }
            if let Some(status) = status {
                self.0.record("http.status", status.as_u16());
            }
            if let Some(id) = request_id {
                self.0.record("request_id", id);
            }
            self.0.record("duration_ms", elapsed.as_millis() as u64);
        }
    }
}

#[cfg(not(feature = "tracing"))]
mod imp {
    use super::*;

    pub(crate) struct Span;

    pub(crate) fn request_span(_: &str, _: &str, _: &str) -> Span {
        Span
    }

    impl Span {
        pub(crate) fn run<F: std::future::Future>(&self, future: F) -> F {
            future
        }
        pub(crate) fn enabled(&self) -> bool {
            false
        }
        pub(crate) fn attempt(
            &self,
            _: u32,
            _: Option<StatusCode>,
            _: Option<&str>,
            _: Option<&'static str>,
        ) {
        }
        pub(crate) fn retrying(&self, _: u32, _: Duration, _: &str) {}
        pub(crate) fn finish(
            &self,
            _: u32,
            _: Option<StatusCode>,
            _: Option<&str>,
            _: Duration,
            _: Stop,
        ) {
        }
    }
}

pub(crate) use imp::{Span, request_span};
