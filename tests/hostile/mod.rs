//! A raw HTTP/1.1 server on loopback that does exactly the hostile thing a test asks for:
//! redirects, endless or truncated bodies, hangs, failures N times in a row. It runs in the
//! test's own runtime, so tests can use tokio's paused time.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const TENANT: &str = "6fd7d4b3-3f33-4e5e-9c2b-1a2b3c4d5e6f";
pub const KEY: &str =
    "k3y-that-must-never-leak-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ==";

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

/// What the server does with one request.
pub enum Reply {
    /// Status, extra headers and a body, with Content-Length.
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// Headers (the caller's, verbatim after the status line), then `chunk` forever.
    Endless(u16, Vec<(String, String)>, Vec<u8>),
    /// Headers announcing `declared` bytes, then `sent` of them, then the connection closes.
    Truncated(u16, Vec<(String, String)>, u64, Vec<u8>),
    /// Headers, then nothing until the client gives up.
    HeadersThenHang(u16, Vec<(String, String)>),
    /// Nothing at all until the client gives up.
    Hang,
    /// The reply after a wait (on the runtime's clock: paused time skips it).
    After(std::time::Duration, Box<Reply>),
}

impl Reply {
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Reply::Full(
            status,
            vec![("content-type".into(), "application/json".into())],
            serde_json::to_vec(body).unwrap(),
        )
    }

    pub fn with_header(self, name: &str, value: &str) -> Self {
        let add = |mut h: Vec<(String, String)>| {
            h.push((name.to_owned(), value.to_owned()));
            h
        };
        match self {
            Reply::Full(s, h, b) => Reply::Full(s, add(h), b),
            Reply::Endless(s, h, b) => Reply::Endless(s, add(h), b),
            Reply::Truncated(s, h, d, b) => Reply::Truncated(s, add(h), d, b),
            Reply::HeadersThenHang(s, h) => Reply::HeadersThenHang(s, add(h)),
            Reply::Hang => Reply::Hang,
            Reply::After(wait, reply) => {
                Reply::After(wait, Box::new(reply.with_header(name, value)))
            }
        }
    }

    /// This reply after `wait`.
    pub fn after(self, wait: std::time::Duration) -> Self {
        Reply::After(wait, Box::new(self))
    }
}

type Handler = dyn Fn(usize, &Seen) -> Reply + Send + Sync;

pub struct Hostile {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Hostile {
    /// Serves every request with `handler(index of the request, request)`.
    pub async fn start(handler: impl Fn(usize, &Seen) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, Arc::new(handler))
    }

    pub fn serve(listener: TcpListener, handler: Arc<Handler>) -> Self {
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let count = Arc::new(AtomicUsize::new(0));
        let seen2 = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, seen, count) = (handler.clone(), seen2.clone(), count.clone());
                tokio::spawn(async move {
                    let _ = connection(stream, handler, seen, count).await;
                });
            }
        });
        Hostile { addr, seen }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn hits(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    /// A tenant with the test key against this server.
    pub fn tenant(
        &self,
        config: impl FnOnce(hanko_passkeys::Config) -> hanko_passkeys::Config,
    ) -> hanko_passkeys::Tenant {
        hanko_passkeys::tenant(config(
            hanko_passkeys::Config::new(TENANT)
                .api_key(KEY)
                .base_url(self.url()),
        ))
        .unwrap()
    }
}

async fn connection(
    mut stream: TcpStream,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<Seen>>>,
    count: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let request = read_request(&mut stream).await?;
    let index = count.fetch_add(1, Ordering::SeqCst);
    seen.lock().unwrap().push(request.clone());
    let head = |status: u16, headers: &[(String, String)], length: Option<u64>| {
        let mut head = format!("HTTP/1.1 {status} Whatever\r\nconnection: close\r\n");
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        match length {
            Some(n) => head.push_str(&format!("content-length: {n}\r\n\r\n")),
            None => head.push_str("\r\n"),
        }
        head
    };
    let mut reply = handler(index, &request);
    while let Reply::After(wait, then) = reply {
        tokio::time::sleep(wait).await;
        reply = *then;
    }
    match reply {
        Reply::Full(status, headers, body) => {
            stream
                .write_all(head(status, &headers, Some(body.len() as u64)).as_bytes())
                .await?;
            stream.write_all(&body).await?;
        }
        Reply::Endless(status, headers, chunk) => {
            stream
                .write_all(head(status, &headers, None).as_bytes())
                .await?;
            loop {
                stream.write_all(&chunk).await?;
            }
        }
        Reply::Truncated(status, headers, declared, sent) => {
            stream
                .write_all(head(status, &headers, Some(declared)).as_bytes())
                .await?;
            stream.write_all(&sent).await?;
        }
        Reply::HeadersThenHang(status, headers) => {
            stream
                .write_all(head(status, &headers, Some(1000)).as_bytes())
                .await?;
            std::future::pending::<()>().await;
        }
        Reply::Hang => std::future::pending::<()>().await,
        Reply::After(..) => unreachable!("waited for above"),
    }
    stream.shutdown().await
}

async fn read_request(stream: &mut TcpStream) -> std::io::Result<Seen> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_owned();
    let path = first.next().unwrap_or_default().to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[header_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Ok(Seen {
        method,
        path,
        headers,
        body,
    })
}
