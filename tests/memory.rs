//! Memory stays flat whatever the server sends: a 2 GiB body and endless bodies, on success
//! and on error statuses, raise the resident set by at most the limit plus a small constant.
//! Alone in its binary so that no other test moves the resident set meanwhile.

mod hostile;

use hanko_passkeys::{ErrorKind, RetryPolicy};
use hostile::{Hostile, Reply};

const LIMIT: usize = 1 << 20;
/// Allocator slack, the runtime's buffers and the like.
const CONSTANT: usize = 16 << 20;

fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: usize = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_and_endless_bodies_keep_memory_flat() {
    let block = vec![b'x'; 256 * 1024];
    let api = Hostile::start(move |i, _| match i % 4 {
        // 2 GiB, announced and actually sent (until the client hangs up).
        0 => Reply::Endless(
            200,
            vec![("content-length".into(), (2u64 << 30).to_string())],
            block.clone(),
        ),
        1 => Reply::Endless(200, vec![], block.clone()),
        2 => Reply::Endless(
            500,
            vec![("content-length".into(), (2u64 << 30).to_string())],
            block.clone(),
        ),
        _ => Reply::Endless(502, vec![], block.clone()),
    })
    .await;
    let tenant = api.tenant(|c| c.retry(RetryPolicy::none()).max_response_bytes(LIMIT));
    // Warm up: connection pool, TLS-free client, allocator arenas.
    let _ = tenant.credentials().await;
    let before = rss();
    for _ in 0..8 {
        let e = tenant.credentials().await.unwrap_err();
        assert!(
            matches!(
                e.kind(),
                ErrorKind::ResponseTooLarge | ErrorKind::UnexpectedResponse
            ),
            "{e:?}"
        );
    }
    let grown = rss().saturating_sub(before);
    assert!(
        grown < LIMIT + CONSTANT,
        "resident set grew by {grown} bytes reading 2 GiB and endless bodies"
    );
    assert_eq!(api.hits(), 9);
}
