//! One connection over an in-memory pipe, with paused time: the clock only moves when every
//! task waits on it, so each timeout is hit exactly and hours of idling take milliseconds.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::routing::{get, post};
use hyper::body::{Body as HttpBody, Frame};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _, DuplexStream};
use tokio::time::{Instant, sleep};

use super::connection;
use crate::server::Timeouts;

const GET: &[u8] = b"GET / HTTP/1.1\r\nhost: x\r\n\r\n";
const HEADER: Duration = Duration::from_secs(30);

fn app() -> Router {
    Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/echo", post(|body: String| async move { body }))
        .route(
            "/chunked",
            get(|| async { Body::new(Chunked(vec!["k", "o"])) }),
        )
}

/// A body of unknown length, sent chunked, as most of the emulator's are (its layers hide the
/// length): hyper polls the connection's read while it writes one.
struct Chunked(Vec<&'static str>);

impl HttpBody for Chunked {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let chunk = self.get_mut().0.pop();
        Poll::Ready(chunk.map(|c| Ok(Frame::data(Bytes::from_static(c.as_bytes())))))
    }
}

/// The client's end of a connection being served.
struct Client {
    io: DuplexStream,
    /// Read but not yet returned.
    buf: Vec<u8>,
}

/// An answer read off the pipe.
#[derive(Debug)]
struct Answer {
    status: u16,
    /// Status line and headers, lower-cased.
    head: String,
    body: String,
}

fn pipe() -> (DuplexStream, DuplexStream, SocketAddr) {
    let (client, server) = tokio::io::duplex(64 * 1024);
    (client, server, SocketAddr::from(([127, 0, 0, 1], 40000)))
}

/// A connection served with `timeouts`.
fn open(timeouts: Timeouts) -> Client {
    let (client, server, peer) = pipe();
    tokio::spawn(connection(server, peer, app(), timeouts));
    Client::new(client)
}

/// A connection served with `timeouts`, under `graceful`'s watch (as the accept loop does).
fn open_watched(timeouts: Timeouts, graceful: &GracefulShutdown) -> Client {
    let (client, server, peer) = pipe();
    tokio::spawn(graceful.watch(connection(server, peer, app(), timeouts)));
    Client::new(client)
}

impl Client {
    fn new(io: DuplexStream) -> Self {
        Self {
            io,
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.io.write_all(bytes).await.expect("the server reads");
    }

    /// Reads more into `buf`; false at the end of the stream.
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        match self.io.read(&mut chunk).await {
            Ok(0) | Err(_) => false,
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                true
            }
        }
    }

    /// Reads until `buf` holds `n` bytes.
    async fn fill_to(&mut self, n: usize) {
        while self.buf.len() < n {
            assert!(self.fill().await, "connection closed inside a body");
        }
    }

    /// The next answer, framed by `Content-Length` or chunked.
    async fn answer(&mut self) -> Answer {
        let end = loop {
            if let Some(at) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            assert!(
                self.fill().await,
                "connection closed before an answer; got {:?}",
                String::from_utf8_lossy(&self.buf)
            );
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).to_lowercase();
        self.buf.drain(..end);
        let mut body = Vec::new();
        if head.contains("transfer-encoding: chunked") {
            loop {
                let line_end = loop {
                    if let Some(at) = self.buf.windows(2).position(|w| w == b"\r\n") {
                        break at;
                    }
                    assert!(self.fill().await, "connection closed inside a body");
                };
                let size_line = String::from_utf8_lossy(&self.buf[..line_end]).into_owned();
                let size = usize::from_str_radix(size_line.trim(), 16).unwrap();
                self.fill_to(line_end + 2 + size + 2).await;
                body.extend_from_slice(&self.buf[line_end + 2..line_end + 2 + size]);
                self.buf.drain(..line_end + 2 + size + 2);
                if size == 0 {
                    break;
                }
            }
        } else {
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length: "))
                .map(|v| v.trim().parse().unwrap())
                .unwrap_or(0);
            self.fill_to(length).await;
            body.extend(self.buf.drain(..length));
        }
        let body = String::from_utf8(body).unwrap();
        Answer {
            status: head[9..12].parse().unwrap(),
            head,
            body,
        }
    }

    /// Sends `GET /` and expects its 200.
    async fn get_ok(&mut self) {
        self.send(GET).await;
        let answer = self.answer().await;
        assert_eq!((answer.status, answer.body.as_str()), (200, "ok"));
    }

    /// Waits until the server closes the connection; returns what it sent first (nothing, when
    /// a timeout closed it). Fails if it is still open a day later (paused time gets there at
    /// once when nothing else is due).
    async fn closed(&mut self) -> String {
        let day = Duration::from_secs(24 * 3600);
        tokio::time::timeout(day, async { while self.fill().await {} })
            .await
            .expect("still open a day later");
        String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned()
    }
}

#[tokio::test(start_paused = true)]
async fn an_idle_keep_alive_connection_serves_a_request_after_95_s_and_after_a_day() {
    let mut client = open(Timeouts::default());
    client.get_ok().await;
    // Longer than reqwest's and Go's pools keep it, and than the header timeout.
    sleep(Duration::from_secs(95)).await;
    client.get_ok().await;
    // No idle limit by default, like the server.
    sleep(Duration::from_secs(24 * 3600)).await;
    client.get_ok().await;
}

#[tokio::test(start_paused = true)]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_timeout() {
    let start = Instant::now();
    let mut client = open(Timeouts::default());
    assert_eq!(client.closed().await, "", "closed without an answer");
    assert_eq!(start.elapsed(), HEADER);
}

#[tokio::test(start_paused = true)]
async fn a_head_dripped_slower_than_allowed_is_closed_from_its_first_byte() {
    let mut client = open(Timeouts::default());
    client.get_ok().await;
    sleep(Duration::from_secs(95)).await;
    // One line every 12 s: the head would be complete after 36 s.
    let first_byte = Instant::now();
    let (mut read, mut write) = tokio::io::split(client.io);
    let drip = tokio::spawn(async move {
        for line in ["GET / HTTP/1.1\r\n", "host: x\r\n", "a: b\r\n", "\r\n"] {
            if write.write_all(line.as_bytes()).await.is_err() {
                return;
            }
            sleep(Duration::from_secs(12)).await;
        }
    });
    let mut rest = Vec::new();
    read.read_to_end(&mut rest).await.unwrap();
    assert_eq!(
        String::from_utf8_lossy(&rest),
        "",
        "closed without an answer"
    );
    assert_eq!(first_byte.elapsed(), HEADER);
    drip.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_head_dripped_within_the_header_timeout_is_answered() {
    let mut client = open(Timeouts::default());
    client.get_ok().await;
    sleep(Duration::from_secs(95)).await;
    // Complete after 27 s.
    for line in ["GET / HTTP/1.1\r\n", "host: x\r\n", "a: b\r\n"] {
        client.send(line.as_bytes()).await;
        sleep(Duration::from_secs(9)).await;
    }
    client.send(b"\r\n").await;
    assert_eq!(client.answer().await.body, "ok");
    // Each request has the whole timeout again from its first byte, however long the
    // connection sat idle before.
    sleep(Duration::from_secs(25)).await;
    client.send(b"GET / HTTP/1.1\r\n").await;
    sleep(Duration::from_secs(29)).await;
    client.send(b"host: x\r\n\r\n").await;
    assert_eq!(client.answer().await.body, "ok");
}

#[tokio::test(start_paused = true)]
async fn a_slow_body_is_not_the_header_timeouts_business() {
    let start = Instant::now();
    let mut client = open(Timeouts::default());
    client
        .send(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\n")
        .await;
    for byte in b"hello" {
        sleep(Duration::from_secs(20)).await;
        client.send(&[*byte]).await;
    }
    let answer = client.answer().await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "hello"));
    assert_eq!(start.elapsed(), Duration::from_secs(100));
    client.get_ok().await;
}

#[tokio::test(start_paused = true)]
async fn pipelined_requests_are_answered_in_order() {
    let mut client = open(Timeouts::default());
    client.get_ok().await;
    sleep(Duration::from_secs(95)).await;
    let mut requests = Vec::new();
    for body in ["one", "two", "three"] {
        requests.extend_from_slice(
            format!(
                "POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            )
            .as_bytes(),
        );
    }
    requests.extend_from_slice(GET);
    client.send(&requests).await;
    for expected in ["one", "two", "three", "ok"] {
        let answer = client.answer().await;
        assert_eq!((answer.status, answer.body.as_str()), (200, expected));
    }
    // The connection went back to idle: no timeout runs.
    sleep(Duration::from_secs(95)).await;
    client.get_ok().await;
}

#[tokio::test(start_paused = true)]
async fn an_idle_timeout_when_set_closes_an_idle_connection_and_only_an_idle_one() {
    let idle = Duration::from_secs(120);
    let mut client = open(Timeouts {
        header: HEADER,
        idle: Some(idle),
    });
    client.get_ok().await;
    sleep(idle - Duration::from_secs(1)).await;
    client.get_ok().await;
    // A request in progress is not idle: its slow body outlasts the idle timeout.
    client
        .send(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n")
        .await;
    sleep(idle * 2).await;
    client.send(b"hi").await;
    assert_eq!(client.answer().await.body, "hi");
    let answered = Instant::now();
    assert_eq!(client.closed().await, "");
    assert_eq!(answered.elapsed(), idle);
}

#[tokio::test(start_paused = true)]
async fn the_idle_timeout_also_starts_after_a_chunked_answer() {
    let idle = Duration::from_secs(120);
    let mut client = open(Timeouts {
        header: HEADER,
        idle: Some(idle),
    });
    client
        .send(b"GET /chunked HTTP/1.1\r\nhost: x\r\n\r\n")
        .await;
    let answer = client.answer().await;
    assert!(answer.head.contains("chunked"), "{}", answer.head);
    assert_eq!(answer.body, "ok");
    let answered = Instant::now();
    assert_eq!(client.closed().await, "");
    assert_eq!(answered.elapsed(), idle);
}

#[tokio::test(start_paused = true)]
async fn graceful_shutdown_closes_idle_connections_at_once_and_finishes_requests_in_flight() {
    let graceful = GracefulShutdown::new();
    let mut idle = open_watched(Timeouts::default(), &graceful);
    idle.get_ok().await;
    let mut busy = open_watched(Timeouts::default(), &graceful);
    busy.send(b"POST /echo HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nsl")
        .await;
    sleep(Duration::from_secs(10)).await;
    let start = Instant::now();
    let shutdown = tokio::spawn(graceful.shutdown());
    assert_eq!(idle.closed().await, "");
    assert_eq!(start.elapsed(), Duration::ZERO, "the idle one at once");
    sleep(Duration::from_secs(3)).await;
    busy.send(b"ow").await;
    let answer = busy.answer().await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "slow"));
    assert!(answer.head.contains("connection: close"), "{}", answer.head);
    assert_eq!(busy.closed().await, "");
    shutdown.await.unwrap();
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}
