//! The emulator under load: 16 clients on loopback for `LOAD_SECONDS` (default 60) of valid and
//! hostile traffic. It fails on any transport error on a request the emulator should have
//! answered, on any unexpected answer, and when resident memory grows once the emulator's
//! limits (10 000 sessions and audit rows per tenant) are reached: 10 000 abandoned login
//! initializes fill them before the clock starts.
//!
//! - 12 clients run a mix: login initializes that are never finished (each a pending session
//!   and an audit row, to reach the limits), full flows with the virtual authenticator
//!   (registration, login, credential list, rename, delete), two finalizes of one challenge at
//!   once (one wins, one gets the 401), garbage bodies (400) and bodies over 1 MiB (413 with
//!   `Connection: close`; the emulator may close while the rest is still being sent, so only
//!   there a transport error is allowed).
//! - 3 clients leave their pooled connections idle around and past the emulator's timeouts
//!   (shortened here: header 2 s, idle 6 s) with a pool that drops idle connections after 4 s:
//!   between the header and the idle timeout, as reqwest's 90 s pool is between the default
//!   30 s header timeout and no idle limit. Before the watchdog, hyper's header timeout also
//!   closed idle connections, and a request sent just then was lost.
//! - 1 client is hostile on raw sockets: connections that send nothing, heads dripped slower
//!   than allowed, a connection left silent after a request; each must be closed on time.
//! - Alongside, on an emulator with the default timeouts, one raw connection is reused after
//!   95 s idle (so the test lasts at least that long).
//!
//! `LOAD_SECONDS=60 cargo test --workspace --test load -- --ignored --nocapture`
//! (`.ci/run` runs it).

#![cfg(target_os = "linux")]

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hanko_passkeys_emulator::Emulator;
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
use rand::Rng as _;
use reqwest::header::HeaderMap;
use reqwest::{Client, RequestBuilder};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const MIXED_CLIENTS: usize = 12;
const IDLE_CLIENTS: usize = 3;
/// The hostile raw-socket client makes 16.
const CLIENTS: usize = MIXED_CLIENTS + IDLE_CLIENTS + 1;

/// The emulator's timeouts in this test, and the clients' pool idle timeout between them.
const HEADER: Duration = Duration::from_secs(2);
const IDLE: Duration = Duration::from_secs(6);
const CLIENT_POOL_IDLE: Duration = Duration::from_secs(4);
/// How late a close may come (the machine is loaded).
const SLACK: Duration = Duration::from_secs(2);
/// Longer than reqwest's and Go's pools keep a connection.
const DEFAULT_IDLE_CHECK: Duration = Duration::from_secs(95);

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scenario {
    Abandoned,
    Flow,
    Race,
    Garbage,
    Oversized,
    PooledIdle,
    Hostile,
    DefaultIdle,
}

impl Scenario {
    const ALL: [Scenario; 8] = [
        Self::Abandoned,
        Self::Flow,
        Self::Race,
        Self::Garbage,
        Self::Oversized,
        Self::PooledIdle,
        Self::Hostile,
        Self::DefaultIdle,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Abandoned => "login initialize, abandoned",
            Self::Flow => "full flow",
            Self::Race => "racing finalizes",
            Self::Garbage => "garbage bodies",
            Self::Oversized => "bodies over 1 MiB",
            Self::PooledIdle => "pooled, idle past timeouts",
            Self::Hostile => "silent / dripping sockets",
            Self::DefaultIdle => "idle 95 s, default timeouts",
        }
    }

    /// Only a body over the limit may meet a closed connection: the emulator answers and
    /// closes without reading the rest.
    fn transport_errors_allowed(self) -> bool {
        self == Self::Oversized
    }
}

/// What each scenario saw.
#[derive(Default)]
struct Report {
    requests: [AtomicU64; 8],
    transport_errors: [AtomicU64; 8],
    unexpected: [AtomicU64; 8],
    /// The first few failures, for the log.
    notes: Mutex<Vec<String>>,
}

impl Report {
    fn request(&self, s: Scenario) {
        self.requests[s as usize].fetch_add(1, Ordering::Relaxed);
    }

    fn transport_error(&self, s: Scenario, what: impl std::fmt::Debug) {
        self.transport_errors[s as usize].fetch_add(1, Ordering::Relaxed);
        self.note(s, format!("transport error: {what:?}"));
    }

    fn unexpected(&self, s: Scenario, what: impl Into<String>) {
        self.unexpected[s as usize].fetch_add(1, Ordering::Relaxed);
        self.note(s, what.into());
    }

    fn note(&self, s: Scenario, what: String) {
        let mut notes = self.notes.lock().unwrap();
        if notes.len() < 40 {
            notes.push(format!("{}: {what}", s.name()));
        }
    }

    fn total(&self) -> u64 {
        Scenario::ALL
            .iter()
            .map(|s| Self::get(&self.requests, *s))
            .sum()
    }

    fn get(counters: &[AtomicU64; 8], s: Scenario) -> u64 {
        counters[s as usize].load(Ordering::Relaxed)
    }

    /// Prints the table; returns the failures.
    fn print(&self) -> Vec<String> {
        let mut failures = Vec::new();
        println!(
            "{:<30} {:>9} {:>17} {:>11}",
            "scenario", "requests", "transport errors", "unexpected"
        );
        for s in Scenario::ALL {
            let requests = Self::get(&self.requests, s);
            let transport = Self::get(&self.transport_errors, s);
            let unexpected = Self::get(&self.unexpected, s);
            let allowed = if s.transport_errors_allowed() {
                " (allowed)"
            } else {
                ""
            };
            println!(
                "{:<30} {requests:>9} {transport:>17} {unexpected:>11}{allowed}",
                s.name()
            );
            if requests == 0 {
                failures.push(format!("{}: never ran", s.name()));
            }
            if transport > 0 && !s.transport_errors_allowed() {
                failures.push(format!("{}: {transport} transport errors", s.name()));
            }
            if unexpected > 0 {
                failures.push(format!("{}: {unexpected} unexpected answers", s.name()));
            }
        }
        for note in self.notes.lock().unwrap().iter() {
            println!("  {note}");
        }
        failures
    }
}

/// Resident set size of this process (clients and emulator), in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// One client: an HTTP client with a pool shorter than the emulator's idle timeout.
struct Caller {
    emu: Arc<Emulator>,
    report: Arc<Report>,
    http: Client,
    /// A long (but storable) User-Agent, as browsers send.
    agent: String,
}

impl Caller {
    fn new(emu: Arc<Emulator>, report: Arc<Report>, id: usize) -> Self {
        let http = Client::builder()
            .pool_idle_timeout(CLIENT_POOL_IDLE)
            // A hung emulator shows up as a transport error, not as a hung test.
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap();
        Self {
            emu,
            report,
            http,
            agent: format!("load-client-{id} {}", "x".repeat(200)),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.emu.tenant_url())
    }

    fn post(&self, path: &str) -> RequestBuilder {
        self.http.post(self.url(path))
    }

    fn with_key(&self, request: RequestBuilder) -> RequestBuilder {
        request.header("apiKey", self.emu.api_key())
    }

    /// Sends `request` and reads its body; `None` (and a note) on a transport error or a
    /// status not in `expected`.
    async fn call(
        &self,
        s: Scenario,
        request: RequestBuilder,
        expected: &[u16],
    ) -> Option<(u16, HeaderMap, Bytes)> {
        self.report.request(s);
        let response = match request.header("user-agent", &self.agent).send().await {
            Ok(response) => response,
            Err(e) => {
                self.report.transport_error(s, e);
                return None;
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) => {
                self.report.transport_error(s, e);
                return None;
            }
        };
        if !expected.contains(&status) {
            self.report.unexpected(
                s,
                format!(
                    "{status} (expected {expected:?}): {}",
                    String::from_utf8_lossy(&body)
                ),
            );
            return None;
        }
        Some((status, headers, body))
    }

    /// A call expected to answer 200 with JSON.
    async fn json(&self, s: Scenario, request: RequestBuilder) -> Option<Value> {
        let (_, _, body) = self.call(s, request, &[200]).await?;
        match serde_json::from_slice(&body) {
            Ok(value) => Some(value),
            Err(e) => {
                self.report.unexpected(s, format!("not JSON ({e})"));
                None
            }
        }
    }

    /// A login initialize whose ceremony is never finished.
    async fn abandoned(&self) {
        self.json(
            Scenario::Abandoned,
            self.post("/login/initialize").json(&json!({})),
        )
        .await;
    }

    /// Registration, login, list, rename, delete: everything the flow created is gone after.
    async fn flow(&self, user: &str, n: u64) -> Option<()> {
        let s = Scenario::Flow;
        let auth = VirtualAuthenticator::new(self.emu.origin());
        let options = self
            .json(
                s,
                self.with_key(self.post("/registration/initialize"))
                    .json(&json!({"user_id": user, "username": user})),
            )
            .await?;
        let credential = auth.register(&options).await.expect("authenticator");
        let id = credential["id"].as_str().expect("credential id").to_owned();
        self.json(s, self.post("/registration/finalize").json(&credential))
            .await?;
        let options = self
            .json(
                s,
                self.with_key(self.post("/login/initialize"))
                    .json(&json!({"user_id": user})),
            )
            .await?;
        let assertion = auth.login(&options).await.expect("authenticator");
        let token = self
            .json(s, self.post("/login/finalize").json(&assertion))
            .await?;
        if !token["token"].is_string() {
            self.report.unexpected(s, format!("no token: {token}"));
        }
        let list = self
            .json(
                s,
                self.with_key(
                    self.http
                        .get(self.url(&format!("/credentials?user_id={user}"))),
                ),
            )
            .await?;
        let listed = list
            .as_array()
            .is_some_and(|l| l.iter().any(|c| c["id"] == id.as_str()));
        if !listed {
            self.report
                .unexpected(s, format!("{id} not listed: {list}"));
        }
        let path = self.url(&format!("/credentials/{id}"));
        self.call(
            s,
            self.with_key(self.http.patch(&path))
                .json(&json!({"name": format!("key {n}")})),
            &[204],
        )
        .await?;
        self.call(s, self.with_key(self.http.delete(&path)), &[204])
            .await?;
        Some(())
    }

    /// Two finalizes of one assertion at once: exactly one wins.
    async fn race(&self, user: &str, auth: &VirtualAuthenticator) -> Option<()> {
        let s = Scenario::Race;
        let options = self
            .json(
                s,
                self.with_key(self.post("/login/initialize"))
                    .json(&json!({"user_id": user})),
            )
            .await?;
        let assertion = auth.login(&options).await.expect("authenticator");
        let finalize = || {
            self.call(
                s,
                self.post("/login/finalize").json(&assertion),
                &[200, 401],
            )
        };
        let (a, b) = tokio::join!(finalize(), finalize());
        let mut statuses = [a?.0, b?.0];
        statuses.sort_unstable();
        if statuses != [200, 401] {
            self.report
                .unexpected(s, format!("{statuses:?} instead of one 200 and one 401"));
        }
        Some(())
    }

    /// A body the emulator cannot parse, on a route that parses it.
    async fn garbage(&self, n: u64) {
        let body: Vec<u8> = match n % 5 {
            0 => {
                let len = rand::rng().random_range(1..4096);
                (0..len).map(|_| rand::random::<u8>()).collect()
            }
            1 => b"{\"id\": \"AAAA\", \"type\": ".to_vec(),
            2 => b"[1, 2, 3]".to_vec(),
            3 => b"{\"user_id\": 5, \"username\": []}".to_vec(),
            _ => b"\xff\xfe{}".to_vec(),
        };
        let path = [
            "/login/finalize",
            "/registration/finalize",
            "/registration/initialize",
        ][(n / 5 % 3) as usize];
        let request = self
            .with_key(self.post(path))
            .header("content-type", "application/json")
            .body(body);
        self.call(Scenario::Garbage, request, &[400]).await;
    }

    /// A body over the 1 MiB limit: 413, and the connection closes.
    async fn oversized(&self, body: Bytes) {
        let request = self
            .post("/registration/finalize")
            .header("content-type", "application/json")
            .body(body);
        if let Some((_, headers, _)) = self.call(Scenario::Oversized, request, &[413]).await
            && headers.get("connection").is_none_or(|v| v != "close")
        {
            self.report.unexpected(
                Scenario::Oversized,
                format!("no Connection: close: {headers:?}"),
            );
        }
    }
}

/// Fills the emulator to its limits (10 000 pending sessions and audit rows per tenant) with
/// abandoned login initializes, so that what the memory check sees afterwards is churn.
async fn fill_to_limits(emu: &Arc<Emulator>, report: &Arc<Report>) {
    const LIMIT: usize = 10_000;
    let mut tasks = Vec::new();
    for id in 0..CLIENTS {
        let caller = Caller::new(emu.clone(), report.clone(), id);
        tasks.push(tokio::spawn(async move {
            for _ in 0..LIMIT.div_ceil(CLIENTS) {
                caller.abandoned().await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
}

/// A mixed client until `end`.
async fn mixed(caller: Caller, id: usize, end: Instant) {
    let oversized = Bytes::from(format!("{{\"id\": \"{}\"}}", "A".repeat(1536 * 1024)));
    // Registered once, for the races (its logins add no credentials). A failure is in the
    // report already.
    let racer = format!("racer-{id}");
    let racer_auth = VirtualAuthenticator::new(caller.emu.origin());
    let Some(options) = caller
        .json(
            Scenario::Flow,
            caller
                .with_key(caller.post("/registration/initialize"))
                .json(&json!({"user_id": racer, "username": racer})),
        )
        .await
    else {
        return;
    };
    let credential = racer_auth.register(&options).await.expect("authenticator");
    let registered = caller
        .json(
            Scenario::Flow,
            caller.post("/registration/finalize").json(&credential),
        )
        .await;
    if registered.is_none() {
        return;
    }
    let mut n = 0u64;
    while Instant::now() < end {
        n += 1;
        match n % 20 {
            0..=9 => caller.abandoned().await,
            10..=13 => {
                // A few users per client: their credentials are deleted after each flow.
                let _ = caller.flow(&format!("user-{id}-{}", n % 3), n).await;
            }
            14..=16 => {
                let _ = caller.race(&racer, &racer_auth).await;
            }
            17 | 18 => caller.garbage(n / 20 * 2 + n % 2).await,
            _ => caller.oversized(oversized.clone()).await,
        }
    }
}

/// A client whose pooled connections sit idle around and past the emulator's timeouts.
async fn pooled_idle(caller: Caller, end: Instant) {
    // Four requests at once keep four connections in the pool.
    const PARALLEL: usize = 4;
    let mut n = 0u64;
    while Instant::now() < end {
        let calls = (0..PARALLEL).map(|_| {
            caller.call(
                Scenario::PooledIdle,
                caller.post("/login/initialize").json(&json!({})),
                &[200],
            )
        });
        futures_join_all(calls).await;
        n += 1;
        let gap = match n % 6 {
            // Around the header timeout, where hyper's own timeout used to close them.
            0..=3 => {
                HEADER + Duration::from_millis(rand::rng().random_range(0..100))
                    - Duration::from_millis(50)
            }
            // Past it, still in the client's pool.
            4 => (HEADER + CLIENT_POOL_IDLE) / 2,
            // Past every timeout: the client has dropped them first.
            _ => IDLE + Duration::from_secs(1),
        };
        tokio::time::sleep(gap).await;
    }
}

/// Runs futures concurrently (the `futures` crate is not among the dev-dependencies).
async fn futures_join_all<F: Future>(futures: impl IntoIterator<Item = F>) {
    let handles: Vec<_> = futures.into_iter().collect();
    let mut handles: Vec<_> = handles.into_iter().map(Box::pin).collect();
    std::future::poll_fn(|cx| {
        handles.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if handles.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
}

/// Reads more of `stream` into `buf`; false at the end of the stream.
async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<bool> {
    let mut chunk = [0u8; 4096];
    let n = stream.read(&mut chunk).await?;
    buf.extend_from_slice(&chunk[..n]);
    Ok(n > 0)
}

/// Reads one whole answer (framed by `Content-Length` or chunked) off `stream`: its status, or
/// `None` when the stream ends first.
async fn read_answer(stream: &mut TcpStream) -> io::Result<Option<u16>> {
    let mut buf = Vec::new();
    let mut at = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if !fill(stream, &mut buf).await? {
            return Ok(None);
        }
    };
    let head = String::from_utf8_lossy(&buf[..at]).to_lowercase();
    if head.contains("transfer-encoding: chunked") {
        loop {
            let line = loop {
                if let Some(n) = buf[at..].windows(2).position(|w| w == b"\r\n") {
                    break n;
                }
                if !fill(stream, &mut buf).await? {
                    return Ok(None);
                }
            };
            let size = std::str::from_utf8(&buf[at..at + line])
                .ok()
                .and_then(|s| usize::from_str_radix(s.trim(), 16).ok());
            let Some(size) = size else {
                return Err(io::Error::other("bad chunk size"));
            };
            let next = at + line + 2 + size + 2;
            while buf.len() < next {
                if !fill(stream, &mut buf).await? {
                    return Ok(None);
                }
            }
            at = next;
            if size == 0 {
                break;
            }
        }
    } else {
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < at + length {
            if !fill(stream, &mut buf).await? {
                return Ok(None);
            }
        }
    }
    Ok(head.get(9..12).and_then(|s| s.parse().ok()))
}

/// Waits for the server to close `stream` (true), or for bytes from it (false).
async fn closed(stream: &mut TcpStream) -> io::Result<bool> {
    let mut byte = [0u8; 1];
    Ok(stream.read(&mut byte).await? == 0)
}

const GET_ROOT: &[u8] = b"GET / HTTP/1.1\r\nhost: localhost\r\n\r\n";

/// Checks that a raw connection's close came between `timeout` and `timeout + SLACK` after
/// `since`.
fn on_time(
    report: &Report,
    what: &str,
    since: Instant,
    timeout: Duration,
    closed: io::Result<bool>,
) {
    let s = Scenario::Hostile;
    let elapsed = since.elapsed();
    match closed {
        Err(e) => report.transport_error(s, format!("{what}: {e}")),
        Ok(false) => report.unexpected(s, format!("{what}: the emulator answered")),
        Ok(true) if elapsed < timeout || elapsed > timeout + SLACK => report.unexpected(
            s,
            format!("{what}: closed after {elapsed:?}, not {timeout:?}"),
        ),
        Ok(true) => {}
    }
}

/// Sends nothing on 4 connections: each is closed after the header timeout.
async fn silent(report: &Report, addr: std::net::SocketAddr) {
    futures_join_all((0..4).map(|_| async {
        report.request(Scenario::Hostile);
        let since = Instant::now();
        match TcpStream::connect(addr).await {
            Ok(mut stream) => {
                let result = closed(&mut stream).await;
                on_time(report, "sent nothing", since, HEADER, result);
            }
            Err(e) => report.transport_error(Scenario::Hostile, e),
        }
    }))
    .await;
}

/// Drips a head slower than allowed: closed the header timeout after its first byte, unanswered.
async fn drip(report: &Report, addr: std::net::SocketAddr) {
    report.request(Scenario::Hostile);
    let mut stream = match TcpStream::connect(addr).await {
        Ok(stream) => stream,
        Err(e) => return report.transport_error(Scenario::Hostile, e),
    };
    // A request first, so that the drip starts on an idle keep-alive connection.
    match stream.write_all(GET_ROOT).await {
        Ok(()) => {}
        Err(e) => return report.transport_error(Scenario::Hostile, e),
    }
    match read_answer(&mut stream).await {
        Ok(Some(200)) => {}
        other => return report.unexpected(Scenario::Hostile, format!("GET /: {other:?}")),
    }
    tokio::time::sleep(HEADER + HEADER / 2).await;
    let first_byte = Instant::now();
    let (mut read, mut write) = stream.into_split();
    let dripping = tokio::spawn(async move {
        for line in [
            "GET / HTTP/1.1\r\n",
            "host: localhost\r\n",
            "a: b\r\n",
            "\r\n",
        ] {
            if write.write_all(line.as_bytes()).await.is_err() {
                return;
            }
            tokio::time::sleep(HEADER * 2 / 3).await;
        }
    });
    let mut byte = [0u8; 1];
    let result = read.read(&mut byte).await.map(|n| n == 0);
    on_time(report, "dripped head", first_byte, HEADER, result);
    let _ = dripping.await;
}

/// A request, then silence: closed after the idle timeout.
async fn idle_after_request(report: &Report, addr: std::net::SocketAddr) {
    report.request(Scenario::Hostile);
    let mut stream = match TcpStream::connect(addr).await {
        Ok(stream) => stream,
        Err(e) => return report.transport_error(Scenario::Hostile, e),
    };
    // The emulator's idle time starts once it has answered: after this.
    let sent = Instant::now();
    if let Err(e) = stream.write_all(GET_ROOT).await {
        return report.transport_error(Scenario::Hostile, e);
    }
    match read_answer(&mut stream).await {
        Ok(Some(200)) => {}
        other => return report.unexpected(Scenario::Hostile, format!("GET /: {other:?}")),
    }
    let result = closed(&mut stream).await;
    on_time(report, "idle after a request", sent, IDLE, result);
}

/// The hostile client until `end`.
async fn hostile(report: Arc<Report>, addr: std::net::SocketAddr, end: Instant) {
    while Instant::now() < end {
        tokio::join!(
            silent(&report, addr),
            drip(&report, addr),
            idle_after_request(&report, addr)
        );
    }
}

/// With the default timeouts, a keep-alive connection idle for 95 s still serves a request.
async fn default_idle(report: Arc<Report>) {
    let s = Scenario::DefaultIdle;
    let emu = Emulator::builder().start().await.unwrap();
    let mut stream = TcpStream::connect(emu.local_addr()).await.unwrap();
    for round in 0..2 {
        if round == 1 {
            tokio::time::sleep(DEFAULT_IDLE_CHECK).await;
        }
        report.request(s);
        if let Err(e) = stream.write_all(GET_ROOT).await {
            return report.transport_error(s, e);
        }
        match read_answer(&mut stream).await {
            Ok(Some(200)) => {}
            Ok(None) => return report.transport_error(s, "closed before an answer"),
            Ok(Some(status)) => return report.unexpected(s, format!("{status}")),
            Err(e) => return report.transport_error(s, e),
        }
    }
    emu.shutdown().await;
}

#[test]
#[ignore = "takes LOAD_SECONDS (60 by default), and at least 95 s; run by .ci/run"]
fn sixteen_clients_valid_and_hostile_no_dropped_connections_and_flat_memory() {
    let seconds: u64 = std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let duration = Duration::from_secs(seconds);
    // The limits are filled before the clock starts; the first third lets the allocator
    // settle (pools, buffers, the oversized bodies).
    let warm_up = duration / 3;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let report = Arc::new(Report::default());
        let default_idle = tokio::spawn(default_idle(report.clone()));
        let emu = Arc::new(
            Emulator::builder()
                .rsa_bits(2048)
                .header_timeout(HEADER)
                .idle_timeout(IDLE)
                .start()
                .await
                .unwrap(),
        );
        fill_to_limits(&emu, &report).await;
        let filled = Report::get(&report.requests, Scenario::Abandoned);
        let started = Instant::now();
        let end = started + duration;
        let mut clients = Vec::new();
        for id in 0..MIXED_CLIENTS {
            let caller = Caller::new(emu.clone(), report.clone(), id);
            clients.push(tokio::spawn(mixed(caller, id, end)));
        }
        for id in MIXED_CLIENTS..MIXED_CLIENTS + IDLE_CLIENTS {
            let caller = Caller::new(emu.clone(), report.clone(), id);
            clients.push(tokio::spawn(pooled_idle(caller, end)));
        }
        clients.push(tokio::spawn(hostile(report.clone(), emu.local_addr(), end)));
        assert_eq!(clients.len(), CLIENTS);
        // One RSS sample a second while the clients run.
        let mut samples = Vec::new();
        let mut ticks = tokio::time::interval(Duration::from_secs(1));
        while started.elapsed() < duration {
            ticks.tick().await;
            samples.push((started.elapsed(), rss_kib()));
        }
        for client in clients {
            client.await.unwrap();
        }
        default_idle.await.unwrap();
        let total = report.total() - filled;
        let after_warm_up: Vec<u64> = samples
            .iter()
            .filter(|(t, _)| *t >= warm_up)
            .map(|(_, rss)| *rss)
            .collect();
        let first = *after_warm_up.first().expect("samples after warm-up");
        let last = *after_warm_up.last().unwrap();
        let max = *after_warm_up.iter().max().unwrap();
        println!(
            "{filled} requests to fill the limits, then {total} in {seconds} s ({:.0}/s) from {CLIENTS} clients; RSS after warm-up ({} s): {} MiB, at the end {} MiB, max {} MiB",
            total as f64 / seconds as f64,
            warm_up.as_secs(),
            first / 1024,
            last / 1024,
            max / 1024
        );
        let failures = report.print();
        assert!(failures.is_empty(), "{failures:#?}");
        // Flat: no more than 8 MiB above the level right after warm-up.
        assert!(
            max <= first + 8 * 1024,
            "RSS grew from {first} KiB to {max} KiB: {samples:?}"
        );
    });
}
