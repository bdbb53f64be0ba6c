//! Client CPU per request and throughput of `login().initialize()`, 16 requests in flight,
//! against one local canned server in another process: this SDK, plain reqwest sending the
//! same request and decoding the same JSON, raw hyper 1 (hyper-util's pooled client, which
//! reqwest is built on) sending it too, and (through `benches/client-overhead.sh`)
//! `@teamhanko/passkeys-sdk` 0.2.1 on node.
//!
//! `cargo bench -p hanko-passkeys-benches --bench client_overhead` measures the Rust
//! clients in alternating rounds in one process (CPU from `/proc/self/stat`, all threads) and
//! prints their ratio; with `-- --serve` it is the canned server; `-- --node <script>` also
//! runs the JS SDK against the same server and prints its ratio. The script does all of it.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hanko_passkeys::{Config, LoginOptions, RetryPolicy};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const TENANT: &str = "6fd7d4b3-3f33-4e5e-9c2b-1a2b3c4d5e6f";
const IN_FLIGHT: usize = 16;
const REQUESTS: usize = 20_000;
/// Rounds per client, alternating between them (`CLIENT_OVERHEAD_ROUNDS` overrides).
const ROUNDS: usize = 9;

/// What the server answers to a discoverable login initialize (contract §5.2).
const BODY: &str = r#"{"publicKey":{"challenge":"pQ3m0tXbW1D5d6wX3Kp7bR2tGJv9nQYJb3lR8cT0Zk4","timeout":300000,"rpId":"localhost","allowCredentials":[],"userVerification":"required"}}
"#;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--serve") {
        return serve();
    }
    let node_script = args
        .iter()
        .position(|a| a == "--node")
        .and_then(|i| args.get(i + 1).cloned());
    if args.iter().any(|a| a == "--list") || args.iter().any(|a| a == "--test") {
        return; // `cargo test --benches` and `cargo bench -- --list` probe the binary.
    }

    let mut server = Command::new(std::env::current_exe().unwrap())
        .arg("--serve")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the canned server");
    let mut port = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.as_mut().unwrap()),
        &mut port,
    )
    .unwrap();
    let base = format!("http://127.0.0.1:{}", port.trim());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("client")
        .enable_all()
        .build()
        .unwrap();
    let tenant = hanko_passkeys::tenant(
        Config::new(TENANT)
            .base_url(&base)
            .retry(RetryPolicy::default()),
    )
    .unwrap();
    // The same request as the SDK's: a 30 s timeout (the SDK's default call timeout), its
    // headers, a serialized body, and the decoded options.
    let same = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(10))
        .user_agent("hanko-passkeys-rust/0.1.0")
        .build()
        .unwrap();
    // The least a client can do: no timeout, a literal body.
    let bare = reqwest::Client::new();
    // The HTTP client underneath reqwest, without reqwest: hyper-util's pooled client.
    let hyper = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<bytes::Bytes>>();
    let uri: hyper::Uri = format!("{base}/{TENANT}/login/initialize").parse().unwrap();
    let url = format!("{base}/{TENANT}/login/initialize");
    if let Ok(only) = std::env::var("CLIENT_OVERHEAD_ONLY") {
        // For profiling one client: `perf record` this process.
        runtime.block_on(async {
            for _ in 0..ROUNDS {
                match only.as_str() {
                    "sdk" => {
                        run(REQUESTS, || async {
                            tenant.login().initialize().await.unwrap()
                        })
                        .await
                    }
                    "hyper" => run(REQUESTS, || async { hyper_call(&hyper, &uri).await }).await,
                    _ => run(REQUESTS, || async { same_call(&same, &url).await }).await,
                };
            }
        });
        let _ = server.kill();
        let _ = server.wait();
        return;
    }

    let rounds = std::env::var("CLIENT_OVERHEAD_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROUNDS);
    let (mut sdk, mut raw, mut min, mut hyp) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    runtime.block_on(async {
        // Warm-up: connections, allocator.
        run(REQUESTS / 10, || async {
            tenant.login().initialize().await.unwrap()
        })
        .await;
        run(REQUESTS / 10, || async { same_call(&same, &url).await }).await;
        run(REQUESTS / 10, || async { bare_call(&bare, &url).await }).await;
        run(REQUESTS / 10, || async { hyper_call(&hyper, &uri).await }).await;
        for _ in 0..rounds {
            raw.push(run(REQUESTS, || async { same_call(&same, &url).await }).await);
            sdk.push(
                run(REQUESTS, || async {
                    tenant.login().initialize().await.unwrap()
                })
                .await,
            );
            min.push(run(REQUESTS, || async { bare_call(&bare, &url).await }).await);
            hyp.push(run(REQUESTS, || async { hyper_call(&hyper, &uri).await }).await);
        }
    });
    let (sdk, raw, min, hyp) = (median(sdk), median(raw), median(min), median(hyp));
    println!(
        "login().initialize(), {IN_FLIGHT} in flight, {REQUESTS} requests x {rounds} rounds (medians):"
    );
    println!(
        "  reqwest, same request   {:>7.1} µs CPU/request  {:>8.0} requests/s",
        raw.0, raw.1
    );
    println!(
        "  reqwest, bare           {:>7.1} µs CPU/request  {:>8.0} requests/s",
        min.0, min.1
    );
    println!(
        "  hyper 1 + hyper-util    {:>7.1} µs CPU/request  {:>8.0} requests/s",
        hyp.0, hyp.1
    );
    println!(
        "  hanko-passkeys          {:>7.1} µs CPU/request  {:>8.0} requests/s",
        sdk.0, sdk.1
    );
    println!(
        "  ratio sdk/reqwest same  {:>7.3}x CPU (target <= 1.05)",
        sdk.0 / raw.0
    );
    println!("  ratio sdk/reqwest bare  {:>7.3}x CPU", sdk.0 / min.0);
    println!("  ratio sdk/hyper         {:>7.3}x CPU", sdk.0 / hyp.0);
    println!("  ratio reqwest same/hyper {:>6.3}x CPU", raw.0 / hyp.0);

    if let Some(script) = node_script {
        let output = Command::new("node")
            .arg(script)
            .arg(&base)
            .arg(TENANT)
            .arg(REQUESTS.to_string())
            .arg(IN_FLIGHT.to_string())
            .output()
            .expect("run node");
        std::io::stderr().write_all(&output.stderr).unwrap();
        let text = String::from_utf8_lossy(&output.stdout);
        let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().unwrap());
        let (js_cpu, js_rate) = (fields.next().unwrap(), fields.next().unwrap());
        println!(
            "  @teamhanko/passkeys-sdk 0.2.1 (node {}) {:>7.1} µs CPU/request  {:>8.0} requests/s",
            String::from_utf8_lossy(
                &Command::new("node")
                    .arg("--version")
                    .output()
                    .unwrap()
                    .stdout
            )
            .trim(),
            js_cpu,
            js_rate
        );
        println!(
            "  ratio sdk/js-sdk        {:>7.3}x CPU (target <= 0.125)",
            sdk.0 / js_cpu
        );
    }
    let _ = server.kill();
    let _ = server.wait();
}

#[derive(serde::Serialize)]
struct LoginRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id: Option<&'a str>,
}

async fn same_call(client: &reqwest::Client, url: &str) -> LoginOptions {
    let request = client
        .post(url)
        .timeout(Duration::from_secs(30))
        .header("accept", "application/json")
        .header("api-version", "1.2")
        .json(&LoginRequest { user_id: None });
    decode(request).await
}

async fn bare_call(client: &reqwest::Client, url: &str) -> LoginOptions {
    let request = client
        .post(url)
        .header("content-type", "application/json")
        .body("{}");
    decode(request).await
}

/// The same request through hyper directly: the headers reqwest and the SDK send (a
/// `User-Agent`, `Accept`, `api-version`, the JSON content type), the serialized body, the
/// body collected and decoded. No timeout: hyper has none of its own.
async fn hyper_call(
    client: &hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<bytes::Bytes>,
    >,
    uri: &hyper::Uri,
) -> LoginOptions {
    use http_body_util::BodyExt;
    let body = serde_json::to_vec(&LoginRequest { user_id: None }).unwrap();
    let request = hyper::Request::post(uri.clone())
        .header("user-agent", "hanko-passkeys-rust/0.1.0")
        .header("accept", "application/json")
        .header("api-version", "1.2")
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .unwrap();
    let response = client.request(request).await.unwrap();
    assert!(response.status().is_success());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).unwrap()
}

async fn decode(request: reqwest::RequestBuilder) -> LoginOptions {
    let response = request.send().await.unwrap().error_for_status().unwrap();
    response.json::<LoginOptions>().await.unwrap()
}

/// Runs `n` calls with `IN_FLIGHT` in flight; returns (µs of process CPU per call, calls/s).
async fn run<F, Fut, T>(n: usize, call: F) -> (f64, f64)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let cpu = cpu_time();
    let start = Instant::now();
    futures_util::stream::iter(0..n)
        .map(|_| call())
        .buffer_unordered(IN_FLIGHT)
        .for_each(|_| async {})
        .await;
    let wall = start.elapsed();
    let cpu = cpu_time() - cpu;
    (
        cpu.as_secs_f64() * 1e6 / n as f64,
        n as f64 / wall.as_secs_f64(),
    )
}

fn median(mut v: Vec<(f64, f64)>) -> (f64, f64) {
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let cpu = v[v.len() / 2].0;
    v.sort_by(|a, b| a.1.total_cmp(&b.1));
    (cpu, v[v.len() / 2].1)
}

/// User + system CPU of this process, all threads (`getrusage`, microseconds: the clock
/// ticks of `/proc/self/stat` are 10 ms, 3 % of a round).
fn cpu_time() -> Duration {
    // SAFETY: `getrusage` writes one `rusage` into the zeroed value it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_SELF, &mut usage), 0);
        usage
    };
    let micros = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Duration::from_micros(micros(usage.ru_utime) + micros(usage.ru_stime))
}

/// The canned server: HTTP/1.1 keep-alive, the same body for every request.
fn serve() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("server")
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap().port());
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=UTF-8\r\nx-request-id: bench\r\ncontent-length: {}\r\n\r\n{BODY}",
            BODY.len()
        );
        let response: &'static [u8] = Box::leak(response.into_bytes().into_boxed_slice());
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut stream = BufReader::new(stream);
                let mut line = String::new();
                loop {
                    let mut length = 0usize;
                    loop {
                        line.clear();
                        if stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if stream.read_exact(&mut body).await.is_err()
                        || stream.get_mut().write_all(response).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
}
