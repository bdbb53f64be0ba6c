//! Two app instances sharing one real Redis through tower-sessions' Redis store: a ceremony
//! started on one is finished on the other, a session is valid on both, and what one instance
//! ends or replaces (sign-out, a new id at login) is gone on the other.
//!
//! Needs a Redis server: `.ci/run` starts Debian's `redis-server` on loopback and runs
//! `REDIS_URL=redis://127.0.0.1:6390 cargo test --workspace --test redis -- --ignored`.

mod common;

use common::*;
use serde_json::json;
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::prelude::{ClientLike as _, Config, Pool};

async fn redis_store() -> RedisStore<Pool> {
    let url = std::env::var("REDIS_URL").expect("REDIS_URL, e.g. redis://127.0.0.1:6390");
    let config = Config::from_url(&url).expect("a Redis URL");
    let pool = Pool::new(config, None, None, None, 2).unwrap();
    // Connects and waits for the connection (the connection task keeps running).
    pool.init().await.expect("Redis answers");
    RedisStore::new(pool)
}

#[tokio::test]
#[ignore = "needs Redis (REDIS_URL); .ci/run starts one"]
async fn two_instances_share_ceremonies_and_sessions_through_redis() {
    let world = World::start().await;
    let store = redis_store().await;
    let one = world.serve(store.clone()).await;
    let two = world.serve(store).await;
    let on_one = Browser::new(&one, &world.origin);
    let on_two = on_one.on(&two);

    // Sign-up: initialize answered by one instance, finalize by the other.
    let options = on_one
        .post("/passkeys/sign-up/initialize", &json!({"name": "alice"}))
        .await
        .ok();
    let credential = on_one.auth.register(&options).await.unwrap();
    let state = on_two
        .post("/passkeys/sign-up/finalize", &credential)
        .await
        .ok();
    assert_eq!(state["state"], "signed_in");
    // Signed in on both.
    assert_eq!(on_one.state().await["user"]["name"], "alice");
    assert_eq!(
        on_two.get("/api/profile").await.ok()["user"],
        state["user"]["id"]
    );

    // Signed out on one: gone on the other.
    on_two.post("/passkeys/sign-out", &json!({})).await.ok();
    assert_eq!(on_one.state().await["state"], "signed_out");

    // Login across instances; the pre-login id is void on both.
    let options = on_two
        .post("/passkeys/login/initialize", &json!({}))
        .await
        .ok();
    let before = on_two.session_cookie().unwrap();
    let assertion = on_two.auth.login(&options).await.unwrap();
    on_one
        .post("/passkeys/login/finalize", &assertion)
        .await
        .ok();
    assert_ne!(on_one.session_cookie().unwrap(), before);
    for base in [&one, &two] {
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        jar.add_cookie_str(
            &format!("passkeys_session={before}"),
            &base.parse().unwrap(),
        );
        let old = Browser::with_jar(base, &world.origin, jar, on_one.auth.clone());
        assert_eq!(old.state().await["state"], "signed_out", "{base}");
    }

    // A transaction started on one, confirmed on the other.
    let options = on_one
        .post(
            "/api/pay/start",
            &json!({"id": "redis-payment", "amount": "7.00"}),
        )
        .await
        .ok();
    let assertion = on_one.auth.login(&options).await.unwrap();
    let confirmed = on_two.post("/api/pay/finish", &assertion).await.ok();
    assert_eq!(confirmed["id"], "redis-payment");
}
