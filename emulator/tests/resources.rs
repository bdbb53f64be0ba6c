//! Bounded resources: sessions expire and are pruned, audit rows hold what the server's columns
//! hold, a refused body closes its connection, a client that never finishes its headers is
//! dropped.

mod common;

use std::time::Duration;

use common::*;
use hanko_passkeys_emulator::Emulator;
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

#[tokio::test]
async fn unfinished_sessions_are_dropped_an_hour_after_they_expire() {
    let h = start().await;
    h.register("alice").await;
    let options = h.login_options(None).await;
    let assertion = h.auth.login(&options).await.unwrap();
    // Like the server, an expired discoverable session still logs in (go-webauthn does not
    // check its expiry) ...
    h.emu.advance_time(Duration::from_secs(61));
    let second = h.login_options(None).await;
    let second_assertion = h.auth.login(&second).await.unwrap();
    ok_json(h.post("/login/finalize", &second_assertion).await).await;
    // ... until the emulator drops it, an hour after it expired.
    h.emu.advance_time(Duration::from_secs(3600));
    h.login_options(None).await; // any new session prunes
    let e = expect_error(
        h.post("/login/finalize", &assertion).await,
        401,
        "failed to get session data",
    )
    .await;
    assert_eq!(
        e["details"],
        "received challenge does not match with any stored one"
    );
}

fn long(n: usize) -> String {
    "a".repeat(n)
}

#[tokio::test]
async fn a_user_agent_or_request_id_over_255_characters_is_a_500_where_the_server_writes_an_audit_row()
 {
    let h = start().await;
    h.register("alice").await;
    let body = json!({"user_id": "bob", "username": "bob"});
    let send = |header: &'static str, value: String| {
        h.http
            .post(h.url("/registration/initialize"))
            .header("apiKey", h.emu.api_key())
            .header(header, value)
            .json(&body)
            .send()
    };
    // 255 characters fit the varchar(255) columns (characters, not bytes).
    assert_eq!(send("user-agent", long(255)).await.unwrap().status(), 200);
    assert_eq!(
        send("user-agent", "ü".repeat(255)).await.unwrap().status(),
        200
    );
    for header in ["user-agent", "x-request-id"] {
        let r = send(header, long(256)).await.unwrap();
        assert_eq!(r.status(), 500, "{header}");
        let text = r.text().await.unwrap();
        assert_eq!(
            text,
            "{\"title\":\"Internal Server Error\",\"status\":500}\n"
        );
    }
    // The failed insert rolls back the whole step: bob's session was never stored...
    let logs = ok_json(h.get_key("/audit_logs?actor_user_id=bob").await).await;
    assert_eq!(logs.as_array().unwrap().len(), 2, "only the two that fit");
    // ... and a failure of the step is a 500 too (its failure row cannot be written either),
    // while a body the server cannot parse is refused before any audit row.
    let r = h
        .http
        .post(h.url("/login/finalize"))
        .header("user-agent", long(300))
        .json(
            &json!({"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {
            "clientDataJSON": "e30", "authenticatorData": "AAAA", "signature": "AAAA"}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "parse error first");
    let options = h.login_options(None).await;
    let assertion = h.auth.login(&options).await.unwrap();
    let r = h
        .http
        .post(h.url("/login/finalize"))
        .header("user-agent", long(300))
        .json(&assertion)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 500);
    // Routes that write no audit row do not care.
    let r = h
        .http
        .get(h.url("/credentials"))
        .header("apiKey", h.emu.api_key())
        .header("user-agent", long(300))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

/// Reads one HTTP/1.1 response head from `stream`; returns it lower-cased.
async fn read_head(stream: &mut tokio::net::TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).to_lowercase()
}

#[tokio::test]
async fn a_refused_over_limit_body_says_connection_close_and_closes() {
    let h = start().await;
    let addr = h.emu.local_addr();
    let path = format!("/{}/registration/initialize", h.emu.tenant_id());
    for framing in ["content-length: 2000000", "transfer-encoding: chunked"] {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nhost: x\r\napikey: {}\r\ncontent-type: application/json\r\n{framing}\r\n\r\n",
            h.emu.api_key()
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        if framing.starts_with("transfer") {
            // A chunk of 1.5 MiB: over the limit only once read.
            let chunk = vec![b' '; 1536 * 1024];
            stream.write_all(b"180000\r\n").await.unwrap();
            let _ = stream.write_all(&chunk).await;
        }
        let response = read_head(&mut stream).await;
        assert!(
            response.starts_with("http/1.1 413"),
            "{framing}: {response}"
        );
        assert!(
            response.contains("connection: close"),
            "{framing}: {response}"
        );
        // The server then closes: the rest is the JSON body and end of stream.
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest).await;
        assert!(
            String::from_utf8_lossy(&rest).contains("Request Entity Too Large"),
            "{framing}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    let h = start_with(Emulator::builder()).await;
    let mut stream = tokio::net::TcpStream::connect(h.emu.local_addr())
        .await
        .unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let before = tokio::time::Instant::now();
    // The clock is paused: it jumps to the server's timeout once everything waits on it.
    let mut rest = Vec::new();
    // hyper closes the connection without an answer.
    let read = stream.read_to_end(&mut rest).await.unwrap();
    assert_eq!(read, 0);
    assert!(
        before.elapsed() >= Duration::from_secs(30),
        "closed by the timeout"
    );
    // A complete request is answered.
    let r = h.http.get(h.emu.base_url()).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
