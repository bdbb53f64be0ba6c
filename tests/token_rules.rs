//! One test per verification rule: each token breaks exactly that rule. On tokio's paused
//! time, like the cache tests: nothing here may wait on the clock.

mod token_common;

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hanko_passkeys::token::{TokenError, Verifier};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use token_common::*;

async fn setup() -> (JwksServer, Verifier) {
    let server = JwksServer::start(&[&KEY_A]).await;
    let verifier = server.verifier();
    (server, verifier)
}

fn header(alg: &str, kid: Option<&str>) -> Value {
    match kid {
        Some(kid) => json!({"alg": alg, "kid": kid, "typ": "JWT"}),
        None => json!({"alg": alg, "typ": "JWT"}),
    }
}

#[tokio::test(start_paused = true)]
async fn valid_hanko_token_verifies() {
    let (server, verifier) = setup().await;
    let c = claims();
    let got = verifier.verify(&KEY_A.token(&c)).await.unwrap();
    assert_eq!(got.sub, "user-42");
    assert_eq!(got.cred, "Y3JlZGVudGlhbC1pZA");
    assert_eq!(got.aud, vec![RP_ID.to_owned()]);
    assert_eq!(got.iat.timestamp(), c["iat"].as_i64().unwrap());
    assert_eq!(got.exp.timestamp(), c["exp"].as_i64().unwrap());
    assert_eq!(got.trans, None);
    assert_eq!(server.fetches().await, 1);
}

#[tokio::test(start_paused = true)]
async fn alg_none_is_rejected() {
    let (_s, verifier) = setup().await;
    let unsigned = format!(
        "{}.{}.",
        b64_json(&header("none", Some(&KEY_A.kid))),
        b64_json(&claims())
    );
    let err = verifier.verify(&unsigned).await.unwrap_err();
    assert!(
        matches!(&err, TokenError::UnsupportedAlgorithm(a) if a == "none"),
        "{err}"
    );
    // Also with a (real RS256) signature attached.
    let signed = KEY_A.sign(&header("none", Some(&KEY_A.kid)), &claims());
    let err = verifier.verify(&signed).await.unwrap_err();
    assert!(
        matches!(&err, TokenError::UnsupportedAlgorithm(a) if a == "none"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn hs256_signed_with_the_public_key_is_rejected() {
    let (_s, verifier) = setup().await;
    let mut h = Header::new(Algorithm::HS256);
    h.kid = Some(KEY_A.kid.clone());
    // Classic key confusion: the attacker uses the public key material as the HMAC secret.
    let secrets = [
        KEY_A.public_pem.as_bytes().to_vec(),
        URL_SAFE_NO_PAD.decode(&KEY_A.n).unwrap(),
        KEY_A.n.as_bytes().to_vec(),
        serde_json::to_vec(&KEY_A.jwk()).unwrap(),
    ];
    for secret in secrets {
        let token =
            jsonwebtoken::encode(&h, &claims(), &EncodingKey::from_secret(&secret)).unwrap();
        let err = verifier.verify(&token).await.unwrap_err();
        assert!(
            matches!(&err, TokenError::UnsupportedAlgorithm(a) if a == "HS256"),
            "{err}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn other_algorithms_in_the_header_are_rejected_even_with_a_valid_rs256_signature() {
    let (_s, verifier) = setup().await;
    for alg in [
        "ES256", "PS256", "RS384", "RS512", "HS512", "EdDSA", "rs256", "RS256 ", "",
    ] {
        let token = KEY_A.sign(&header(alg, Some(&KEY_A.kid)), &claims());
        let err = verifier.verify(&token).await.unwrap_err();
        assert!(
            matches!(&err, TokenError::UnsupportedAlgorithm(a) if a == alg),
            "{alg}: {err}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn missing_or_ill_typed_alg_is_malformed() {
    let (_s, verifier) = setup().await;
    for h in [
        json!({"kid": KEY_A.kid}),
        json!({"alg": 256, "kid": KEY_A.kid}),
        json!({"alg": null, "kid": KEY_A.kid}),
    ] {
        let err = verifier
            .verify(&KEY_A.sign(&h, &claims()))
            .await
            .unwrap_err();
        assert!(matches!(err, TokenError::Malformed(_)), "{h}: {err}");
    }
}

#[tokio::test(start_paused = true)]
async fn token_without_kid_is_rejected() {
    let (server, verifier) = setup().await;
    for h in [
        header("RS256", None),
        header("RS256", Some("")),
        json!({"alg": "RS256", "kid": null}),
    ] {
        let err = verifier
            .verify(&KEY_A.sign(&h, &claims()))
            .await
            .unwrap_err();
        assert!(matches!(err, TokenError::MissingKeyId), "{h}: {err}");
    }
    assert_eq!(server.fetches().await, 0, "no key lookup without a kid");
}

#[tokio::test(start_paused = true)]
async fn valid_signature_from_a_key_outside_the_jwks_is_unknown_key() {
    let (_s, verifier) = setup().await;
    let err = verifier
        .verify(&KEY_OUTSIDER.token(&claims()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TokenError::UnknownKey { kid } if *kid == KEY_OUTSIDER.kid),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn known_kid_signed_by_another_key_is_bad_signature() {
    let (_s, verifier) = setup().await;
    let forged = KEY_OUTSIDER.sign(&header("RS256", Some(&KEY_A.kid)), &claims());
    let err = verifier.verify(&forged).await.unwrap_err();
    assert!(matches!(err, TokenError::BadSignature), "{err}");
}

#[tokio::test(start_paused = true)]
async fn tampered_payload_is_bad_signature() {
    let (_s, verifier) = setup().await;
    let token = KEY_A.token(&claims());
    let parts: Vec<&str> = token.split('.').collect();
    let evil = b64_json(&claims_with("sub", json!("admin")));
    let err = verifier
        .verify(&format!("{}.{evil}.{}", parts[0], parts[2]))
        .await
        .unwrap_err();
    assert!(matches!(err, TokenError::BadSignature), "{err}");
}

#[tokio::test(start_paused = true)]
async fn wrong_audience_is_rejected() {
    let (_s, verifier) = setup().await;
    for aud in [
        json!(["evil.com"]),
        json!("evil.com"),
        json!([]),
        json!(["sub.example.com", "example.co"]),
    ] {
        let err = verifier
            .verify(&KEY_A.token(&claims_with("aud", aud.clone())))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, TokenError::WrongAudience { expected, .. } if expected == RP_ID),
            "{aud}: {err}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn audience_as_a_string_is_accepted() {
    let (_s, verifier) = setup().await;
    let got = verifier
        .verify(&KEY_A.token(&claims_with("aud", json!(RP_ID))))
        .await
        .unwrap();
    assert_eq!(got.aud, vec![RP_ID.to_owned()]);
    let got = verifier
        .verify(&KEY_A.token(&claims_with("aud", json!(["other.example", RP_ID]))))
        .await
        .unwrap();
    assert_eq!(got.aud.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn expired_beyond_leeway_is_rejected() {
    let (_s, verifier) = setup().await;
    let t = now();
    let c = json!({"aud": [RP_ID], "cred": "c", "sub": "u", "iat": t - 400, "exp": t - 31});
    let err = verifier.verify(&KEY_A.token(&c)).await.unwrap_err();
    assert!(err.is_expired(), "{err}");
    assert!(matches!(err, TokenError::Expired { leeway, .. } if leeway == Duration::from_secs(30)));
}

#[tokio::test(start_paused = true)]
async fn expired_within_leeway_passes() {
    let (_s, verifier) = setup().await;
    let t = now();
    let c = json!({"aud": [RP_ID], "cred": "c", "sub": "u", "iat": t - 320, "exp": t - 20});
    verifier.verify(&KEY_A.token(&c)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn leeway_is_configurable() {
    let server = JwksServer::start(&[&KEY_A]).await;
    let strict = server.builder().leeway(Duration::ZERO).build().unwrap();
    let t = now();
    let c = json!({"aud": [RP_ID], "cred": "c", "sub": "u", "iat": t - 320, "exp": t - 5});
    assert!(
        strict
            .verify(&KEY_A.token(&c))
            .await
            .unwrap_err()
            .is_expired()
    );
}

#[tokio::test(start_paused = true)]
async fn issued_in_the_future_is_rejected() {
    let (_s, verifier) = setup().await;
    let t = now();
    let c = json!({"aud": [RP_ID], "cred": "c", "sub": "u", "iat": t + 60, "exp": t + 360});
    let err = verifier.verify(&KEY_A.token(&c)).await.unwrap_err();
    assert!(matches!(err, TokenError::IssuedInFuture { .. }), "{err}");
    // Within the leeway it is clock skew, not an attack.
    let c = json!({"aud": [RP_ID], "cred": "c", "sub": "u", "iat": t + 10, "exp": t + 310});
    verifier.verify(&KEY_A.token(&c)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn nbf_in_the_future_is_rejected() {
    let (_s, verifier) = setup().await;
    let err = verifier
        .verify(&KEY_A.token(&claims_with("nbf", json!(now() + 120))))
        .await
        .unwrap_err();
    assert!(matches!(err, TokenError::NotYetValid { .. }), "{err}");
}

#[tokio::test(start_paused = true)]
async fn each_required_claim_is_required() {
    let (_s, verifier) = setup().await;
    for claim in ["sub", "cred", "aud", "iat", "exp"] {
        let err = verifier
            .verify(&KEY_A.token(&claims_with(claim, Value::Null)))
            .await
            .unwrap_err();
        assert!(
            matches!(err, TokenError::MissingClaim(c) if c == claim),
            "{claim}: {err}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn claims_of_the_wrong_type_are_invalid() {
    let (_s, verifier) = setup().await;
    let cases = [
        ("sub", json!(42)),
        ("sub", json!("")),
        ("cred", json!(["x"])),
        ("aud", json!({"a": 1})),
        ("aud", json!([RP_ID, 5])),
        ("iat", json!("now")),
        ("exp", json!("later")),
        ("exp", json!(1e300)),
        ("trans", json!(7)),
    ];
    for (claim, value) in cases {
        let err = verifier
            .verify(&KEY_A.token(&claims_with(claim, value.clone())))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, TokenError::InvalidClaim { claim: c, .. } if *c == claim),
            "{claim}={value}: {err}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn payload_that_is_not_an_object_is_malformed() {
    let (_s, verifier) = setup().await;
    let h = header("RS256", Some(&KEY_A.kid));
    for payload in [json!([1, 2]), json!("sub"), json!(null)] {
        let err = verifier
            .verify(&KEY_A.sign(&h, &payload))
            .await
            .unwrap_err();
        assert!(matches!(err, TokenError::Malformed(_)), "{payload}: {err}");
    }
}

#[tokio::test(start_paused = true)]
async fn garbage_is_malformed_never_a_panic() {
    let (server, verifier) = setup().await;
    let valid = KEY_A.token(&claims());
    let (h, rest) = valid.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let huge_header = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"alg":"RS256","kid":"{}","x":"{}"}}"#,
        KEY_A.kid,
        "A".repeat(1 << 20)
    ));
    let inputs: Vec<String> = vec![
        "".into(),
        ".".into(),
        "..".into(),
        "...".into(),
        "a.b.c".into(),
        "a.b".into(),
        "a.b.c.d".into(),
        "***.***.***".into(),
        "eyJ.eyJ.sig".into(),
        format!("{h}={}.{p}.{s}", ""),
        format!("{h}.{p}.{s}.extra"),
        format!("{h}.{p}"),
        format!("{h}..{s}"),
        format!(".{p}.{s}"),
        format!("{h}.{p}.!!!"),
        format!("{h}.{p}.{}", &s[..s.len() - 7]),
        format!("{h}.{p}.{s}AAAA"),
        format!("{h}.!!!.{s}"),
        format!("{}.{p}.{s}", URL_SAFE_NO_PAD.encode("not json")),
        format!("{}.{p}.{s}", URL_SAFE_NO_PAD.encode("[\"RS256\"]")),
        format!(
            "{}.{p}.{s}",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","alg":"RS256","kid":"x"}"#)
        ),
        format!(
            "{}.{p}.{s}",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":{"a":1}}"#)
        ),
        format!(
            "{}.{p}.{s}",
            URL_SAFE_NO_PAD.encode(format!(
                r#"{{"alg":"RS256","kid":"{}","crit":["b64"]}}"#,
                KEY_A.kid
            ))
        ),
        format!(
            "{}.{p}.{s}",
            URL_SAFE_NO_PAD.encode(format!(
                r#"{{"alg":"RS256","kid":"{}","typ":5}}"#,
                KEY_A.kid
            ))
        ),
        format!("{}.{p}.{s}", URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0x00])),
        format!("{huge_header}.{p}.{s}"),
        "A".repeat(100_000),
        "\u{0}\u{1}.\u{feff}.é".into(),
        format!(" {valid}"),
        format!("{valid}\n"),
    ];
    for input in &inputs {
        let err = verifier.verify(input).await.unwrap_err();
        assert!(
            matches!(err, TokenError::Malformed(_) | TokenError::BadSignature),
            "{:?}: {err}",
            input.get(..60)
        );
        assert!(err.to_string().len() < 400, "error text stays small: {err}");
    }
    // Garbage never reaches the JWKS: only the tokens with a well-formed RS256 header did.
    assert!(server.fetches().await <= 1);
    verifier.verify(&valid).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn huge_kid_is_clipped_in_the_error() {
    let (_s, verifier) = setup().await;
    let kid = "k".repeat(5000);
    let err = verifier
        .verify(&KEY_A.sign(&header("RS256", Some(&kid)), &claims()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TokenError::UnknownKey { kid } if kid.len() < 100),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn transaction_token_requires_the_expected_id() {
    let (_s, verifier) = setup().await;
    let token = KEY_A.token(&claims_with("trans", json!("tx-1")));
    let got = verifier.verify_transaction(&token, "tx-1").await.unwrap();
    assert_eq!(got.trans.as_deref(), Some("tx-1"));

    let err = verifier
        .verify_transaction(&token, "tx-2")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TokenError::TransactionMismatch { expected, found: Some(f) } if expected == "tx-2" && f == "tx-1"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn transaction_verification_of_a_token_without_trans_fails() {
    let (_s, verifier) = setup().await;
    let err = verifier
        .verify_transaction(&KEY_A.token(&claims()), "tx-1")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, TokenError::TransactionMismatch { found: None, .. }),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn plain_verify_accepts_a_transaction_token_and_returns_trans() {
    let (_s, verifier) = setup().await;
    let got = verifier
        .verify(&KEY_A.token(&claims_with("trans", json!("tx-9"))))
        .await
        .unwrap();
    assert_eq!(got.trans.as_deref(), Some("tx-9"));
}

#[test]
fn config_is_validated_at_build() {
    let ok = "https://passkeys.hanko.io/t/.well-known/jwks.json";
    let bad = [
        Verifier::builder(ok, ""),
        Verifier::builder(ok, "   "),
        Verifier::builder(ok, " example.com"),
        Verifier::builder("", RP_ID),
        Verifier::builder("passkeys.hanko.io/t/.well-known/jwks.json", RP_ID),
        Verifier::builder("ftp://passkeys.hanko.io/jwks.json", RP_ID),
        Verifier::builder("http://passkeys.hanko.io/jwks.json", RP_ID),
        Verifier::builder(ok, RP_ID).leeway(Duration::from_secs(301)),
        Verifier::builder(ok, RP_ID).fetch_timeout(Duration::ZERO),
        Verifier::builder(ok, RP_ID).min_refresh_interval(Duration::from_secs(90_000)),
    ];
    for builder in bad {
        let dbg = format!("{builder:?}");
        let err = builder.build().unwrap_err();
        assert!(err.is_config() && !err.is_token_rejected(), "{dbg}: {err}");
    }
    let err = Verifier::builder(ok, "").build().unwrap_err();
    assert!(
        err.to_string().contains("relying party id is empty"),
        "{err}"
    );

    for url in [
        ok,
        "http://127.0.0.1:1/jwks.json",
        "http://localhost/jwks.json",
        "http://[::1]:8/jwks.json",
    ] {
        Verifier::builder(url, RP_ID).build().unwrap();
    }
    Verifier::builder("http://hanko:8000/jwks.json", RP_ID)
        .allow_insecure_http(true)
        .build()
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn debug_output_shows_no_key_material() {
    let (_s, verifier) = setup().await;
    verifier.verify(&KEY_A.token(&claims())).await.unwrap();
    let dbg = format!("{verifier:?}");
    assert!(dbg.contains(&KEY_A.kid), "{dbg}");
    assert!(!dbg.contains(&KEY_A.n[..40]), "{dbg}");
}

#[tokio::test(start_paused = true)]
async fn exp_at_the_end_of_the_time_range_is_an_error_not_a_panic() {
    let (_server, verifier) = setup().await;
    let last = chrono::DateTime::<chrono::Utc>::MAX_UTC.timestamp();
    for exp in [last, last - 1, last - 29] {
        let token = KEY_A.token(&claims_with("exp", json!(exp)));
        let e = verifier.verify(&token).await.unwrap_err();
        assert!(
            matches!(e, TokenError::InvalidClaim { claim: "exp", .. }),
            "{e:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn keys_the_backend_cannot_verify_with_are_not_accepted() {
    let (server, verifier) = setup().await;
    // An 8200-bit modulus: above the 8192 bits aws-lc verifies with.
    let mut n = vec![0xffu8; 1025];
    n[0] = 0x80;
    let big = json!({"kty": "RSA", "kid": "big", "alg": "RS256", "use": "sig",
        "n": URL_SAFE_NO_PAD.encode(&n), "e": "AQAB"});
    server.set_jwks(vec![KEY_A.jwk(), big]);
    let token = KEY_A.sign(&header("RS256", Some("big")), &claims());
    let e = verifier.verify(&token).await.unwrap_err();
    assert!(matches!(e, TokenError::UnknownKey { .. }), "{e:?}");
}

#[test]
fn min_refresh_interval_has_a_floor() {
    let e = Verifier::builder("https://h.example/jwks.json", RP_ID)
        .min_refresh_interval(Duration::ZERO)
        .build()
        .unwrap_err();
    assert!(e.is_config() && e.to_string().contains("minimum"), "{e}");
    assert!(
        Verifier::builder("https://h.example/jwks.json", RP_ID)
            .min_refresh_interval(hanko_passkeys::token::MIN_REFRESH_INTERVAL)
            .build()
            .is_ok()
    );
}
