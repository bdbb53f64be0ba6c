//! How long a connection may wait on its client, per phase of the connection.
//!
//! hyper's own `header_read_timeout` starts when hyper begins to wait for a request head, which
//! on a keep-alive connection is right after the previous response: an idle pooled connection
//! is then closed after the header timeout, and a client that picks it from its pool just then
//! loses the request (reqwest and Go keep idle connections 90 s, the real server never closes
//! them). So the emulator turns hyper's timeout off and keeps its own watch on the connection:
//!
//! - **Head**: from the first byte of a request (or, on a new connection, from the accept) the
//!   client has [`Timeouts::header`] to complete the request head. A client that opens
//!   connections and sends nothing, or drips a head slowly, cannot hold them.
//! - **Busy**: from the service call (the head is complete) until the response body has been
//!   handed to hyper: no limit. A slow body or a slow handler is not the header timeout's
//!   business (the server has no read timeout either).
//! - **Idle**: after a response, until the next request's first byte: no limit unless
//!   [`Timeouts::idle`] is set. (Part of a pipelined head that came in while Busy waits like
//!   an idle connection; its next byte starts the header timeout.)
//!
//! The watch sits in the connection's IO (the timer is polled from hyper's reads, so a
//! connection costs no task or channel of its own) and in the response body (its drop ends
//! Busy).

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use hyper::body::{Body as HttpBody, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The limits a connection's client must keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeouts {
    /// Time to send a request head, from its first byte (from the accept on a new connection).
    pub(crate) header: Duration,
    /// Time a keep-alive connection may sit between requests; `None`: forever, like the server.
    pub(crate) idle: Option<Duration>,
}

/// Both chosen from client pools and the server (contract §9.6); see `Timeouts` fields.
impl Default for Timeouts {
    fn default() -> Self {
        Self {
            // What hyper used, and what the emulator promised before: ample for any client
            // that sends its head in one go, short enough to bound a client that never does.
            header: Duration::from_secs(30),
            // The server (Go's http.Server without IdleTimeout) never closes an idle
            // connection, and client pools keep theirs 4 s (undici), 90 s (reqwest, Go),
            // 300 s (Chromium, OkHttp) or forever (urllib3): any finite limit races some pool.
            // An idle connection only holds its buffers and its task.
            idle: None,
        }
    }
}

/// Where a connection is; shared by its IO and its service.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Reading a request head, which must be complete by `deadline`.
    Head { deadline: Instant },
    /// `requests` service calls whose response bodies hyper has not finished (HTTP/1 has at
    /// most one, the count keeps the bookkeeping right whatever hyper does).
    Busy { requests: usize },
    /// No request since `since`.
    Idle { since: Instant },
}

/// What the IO and the service share.
#[derive(Debug)]
struct State {
    phase: Phase,
    /// The task that last found nothing to read: hyper polls its read again only when woken,
    /// so the end of Busy wakes it to arm the idle timer.
    reader: Option<Waker>,
}

/// The phase of one connection, with the limits it enforces.
#[derive(Debug, Clone)]
pub(crate) struct Watchdog {
    state: Arc<Mutex<State>>,
    timeouts: Timeouts,
}

impl Watchdog {
    /// A new connection: its first head is due [`Timeouts::header`] from now.
    pub(crate) fn new(timeouts: Timeouts) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                phase: Phase::Head {
                    deadline: Instant::now() + timeouts.header,
                },
                reader: None,
            })),
            timeouts,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // The lock is never held across anything that can panic; recover anyway.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A request head is complete and its service call starts: Busy until the returned guard
    /// (moved into the response body) drops.
    pub(crate) fn busy(&self) -> BusyGuard {
        let mut state = self.state();
        state.phase = match state.phase {
            Phase::Busy { requests } => Phase::Busy {
                requests: requests + 1,
            },
            Phase::Head { .. } | Phase::Idle { .. } => Phase::Busy { requests: 1 },
        };
        BusyGuard(self.clone())
    }

    /// Bytes came in: the first ones after Idle start the next head's timer.
    fn bytes_arrived(&self) {
        let mut state = self.state();
        if let Phase::Idle { .. } = state.phase {
            state.phase = Phase::Head {
                deadline: Instant::now() + self.timeouts.header,
            };
        }
    }

    /// When the connection is to be closed if no request (head) has arrived by then; without
    /// one, `reader` is woken when there is.
    fn deadline(&self, reader: &Waker) -> Option<Instant> {
        let mut state = self.state();
        let deadline = match state.phase {
            Phase::Head { deadline } => Some(deadline),
            Phase::Busy { .. } => None,
            Phase::Idle { since } => self.timeouts.idle.map(|idle| since + idle),
        };
        if deadline.is_none() && !state.reader.as_ref().is_some_and(|w| w.will_wake(reader)) {
            state.reader = Some(reader.clone());
        }
        deadline
    }

    /// Wraps a connection's IO so that its reads keep this watch.
    pub(crate) fn watch<I>(&self, io: I) -> WatchedIo<I> {
        WatchedIo {
            io,
            watchdog: self.clone(),
            timer: None,
        }
    }
}

/// Keeps its connection Busy; dropped when hyper is done with the response body.
#[derive(Debug)]
pub(crate) struct BusyGuard(Watchdog);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        let mut state = self.0.state();
        state.phase = match state.phase {
            Phase::Busy { requests } if requests > 1 => Phase::Busy {
                requests: requests - 1,
            },
            _ => Phase::Idle {
                since: Instant::now(),
            },
        };
        if let (Phase::Idle { .. }, Some(_)) = (state.phase, self.0.timeouts.idle)
            && let Some(reader) = state.reader.take()
        {
            reader.wake();
        }
    }
}

/// A connection's IO whose reads fail with `TimedOut` once the watchdog's deadline has passed
/// while hyper waits for bytes; hyper then closes the connection (without an answer, like its
/// own header timeout).
#[derive(Debug)]
pub(crate) struct WatchedIo<I> {
    io: I,
    watchdog: Watchdog,
    /// Created on the first wait with a deadline, then reset.
    timer: Option<Pin<Box<Sleep>>>,
}

impl<I> WatchedIo<I> {
    /// Polls the timer for the current deadline; `Ready` once it has passed.
    fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let Some(deadline) = self.watchdog.deadline(cx.waker()) else {
            return Poll::Pending;
        };
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if timer.deadline() != deadline {
            timer.as_mut().reset(deadline);
        }
        timer.as_mut().poll(cx)
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "client too slow or idle too long")
}

impl<I: AsyncRead + Unpin> AsyncRead for WatchedIo<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.watchdog.bytes_arrived();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            // Nothing to read: the deadline, if any, decides.
            Poll::Pending => match this.poll_deadline(cx) {
                Poll::Ready(()) => Poll::Ready(Err(timed_out())),
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for WatchedIo<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// A response body that keeps its connection Busy until hyper drops it (after its last frame,
/// or when the connection ends).
#[derive(Debug)]
pub(crate) struct WatchedBody<B> {
    body: B,
    _busy: BusyGuard,
}

impl<B> WatchedBody<B> {
    pub(crate) fn new(body: B, busy: BusyGuard) -> Self {
        Self { body, _busy: busy }
    }
}

impl<B: HttpBody + Unpin> HttpBody for WatchedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
