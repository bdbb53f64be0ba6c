//! Property tests of everything the SDK parses from others: arbitrary statuses, headers and
//! bytes on the response path of every operation, arbitrary JWKS bodies, and arbitrary
//! strings as tokens. The property is that nothing panics and every call ends. The number
//! of cases is bounded for CI (`PROPTEST_CASES` raises it).

mod hostile;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use hanko_passkeys::{AssertionResponse, RegistrationResponse, RetryPolicy, Tenant};
use hostile::{Hostile, Reply};
use proptest::prelude::*;
use serde_json::json;

#[derive(Clone, Debug)]
struct Canned {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn header() -> impl Strategy<Value = (String, String)> {
    let name = prop_oneof![
        Just("content-type"),
        Just("link"),
        Just("x-total-count"),
        Just("x-request-id"),
        Just("retry-after"),
        Just("location"),
        Just("cache-control"),
        Just("x-other"),
    ];
    let value = prop_oneof![
        "[ -~]{0,60}",
        Just("application/json".to_owned()),
        Just("<http://h/x?page=2&per_page=1>; rel=\"next\"".to_owned()),
        Just("<<>>;rel=next,<?page=99999999999999999999>; rel=next".to_owned()),
        Just("18446744073709551616".to_owned()),
        Just("max-age=99999999999999999999".to_owned()),
    ];
    (name, value).prop_map(|(n, v)| (n.to_owned(), v))
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let json_like = prop_oneof![
        Just(json!({"title": "x", "details": null, "status": 400})),
        Just(json!({"token": "a.b.c"})),
        Just(json!({"publicKey": {"challenge": "AA", "rpId": 5}})),
        Just(json!([{"id": 1}])),
        Just(json!({"keys": [{"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"}]})),
        Just(json!([])),
        Just(json!(null)),
    ]
    .prop_map(|v| serde_json::to_vec(&v).unwrap());
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        json_like.clone(),
        (json_like, 0usize..64).prop_map(|(b, cut)| b[..b.len().saturating_sub(cut)].to_vec()),
    ]
}

fn canned() -> impl Strategy<Value = Canned> {
    let status = prop_oneof![
        200u16..600,
        Just(200),
        Just(204),
        Just(400),
        Just(401),
        Just(404),
        Just(500)
    ];
    (status, proptest::collection::vec(header(), 0..5), body()).prop_map(
        |(status, headers, body)| Canned {
            status,
            headers,
            body,
        },
    )
}

struct Rig {
    runtime: tokio::runtime::Runtime,
    slot: Arc<Mutex<Option<Canned>>>,
    tenant: Tenant,
    url: String,
}

fn rig() -> Rig {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let slot: Arc<Mutex<Option<Canned>>> = Arc::default();
    let served = slot.clone();
    let server = runtime.block_on(Hostile::start(move |_, _| {
        let c = served.lock().unwrap().clone().unwrap();
        Reply::Full(c.status, c.headers, c.body)
    }));
    let tenant = server.tenant(|c| {
        c.retry(RetryPolicy::none())
            .timeout(Duration::from_secs(2))
            .relying_party_id("example.com")
    });
    let url = server.url();
    std::mem::forget(server);
    Rig {
        runtime,
        slot,
        tenant,
        url,
    }
}

async fn every_operation(t: &Tenant) {
    let credential: RegistrationResponse = r#"{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"AAAA"}}"#.parse().unwrap();
    let assertion: AssertionResponse = r#"{"id":"AQID","rawId":"AQID","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"AAAA","signature":"AAAA"}}"#.parse().unwrap();
    let user = t.user("user-1");
    let _ = t.registration().initialize("user-1", "u").await;
    let _ = t.registration().finalize(&credential).await;
    let _ = t.login().initialize().await;
    let _ = user.login().initialize().await;
    let _ = t.login().finalize(&assertion).await;
    let _ = user.credentials().await;
    let _ = t.credentials().per_page(1).await;
    let _ = t.credential("AQID").get().await;
    let _ = t.credential("AQID").rename("n").await;
    let _ = t.credential("AQID").remove().await;
    let _ = user.mfa().registration().initialize("u").await;
    let _ = user.mfa().registration().finalize(&credential).await;
    let _ = user.mfa().login().initialize().await;
    let _ = user.mfa().login().finalize(&assertion).await;
    let _ = t
        .transaction()
        .initialize("user-1", "tx", &json!({"a": 1}))
        .await;
    let _ = t.transaction().finalize(&assertion).await;
    let _ = t.transaction().list(uuid::Uuid::nil()).await;
    let _ = t.audit_logs().await;
    let _ = t.jwks().await;
    let stream = t.credentials().per_page(1).max_pages(3).stream();
    let _: Vec<_> = stream.take(10).collect().await;
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_response_path_survives_anything_a_server_sends(canned in canned()) {
        thread_local!(static RIG: Rig = rig());
        RIG.with(|rig| {
            *rig.slot.lock().unwrap() = Some(canned);
            rig.runtime.block_on(every_operation(&rig.tenant));
        });
    }

    #[test]
    fn verify_survives_any_token_and_any_jwks(token in prop_oneof![
        ".{0,200}",
        ("[A-Za-z0-9_-]{0,80}", "[A-Za-z0-9_-]{0,40}", "[A-Za-z0-9_-]{0,40}").prop_map(|(a, b, c)| format!("{a}.{b}.{c}")),
        (".{0,30}", any::<i64>()).prop_map(|(kid, exp)| {
            use base64::Engine as _;
            let b64 = |v: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
            format!("{}.{}.c2ln", b64(json!({"alg": "RS256", "kid": kid})), b64(json!({"exp": exp, "iat": exp, "sub": "s"})))
        }),
    ], jwks in canned()) {
        thread_local!(static RIG: Rig = rig());
        RIG.with(|rig| {
            *rig.slot.lock().unwrap() = Some(jwks);
            // A fresh verifier each time, so every case fetches the JWKS it brings.
            let verifier = hanko_passkeys::token::Verifier::builder(format!("{}/t/.well-known/jwks.json", rig.url), "example.com")
                .retry(RetryPolicy::none())
                .build()
                .unwrap();
            let _ = rig.runtime.block_on(verifier.verify(&token));
        });
    }
}
