//! The whole happy path through raw HTTP and the virtual authenticator.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::*;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

async fn verify_token(h: &Harness, token: &str) -> Value {
    let r = h
        .http
        .get(h.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "max-age=600");
    let jwks: Value = r.json().await.unwrap();
    let header = decode_header(token).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let kid = header.kid.unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .expect("kid in JWKS");
    assert_eq!(jwk["alg"], "RS256");
    assert_eq!(jwk["e"], "AQAB");
    let key =
        DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap())
            .unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[h.emu.rp_id()]);
    validation.set_required_spec_claims(&["exp", "aud", "sub"]);
    decode::<Value>(token, &key, &validation)
        .expect("token verifies")
        .claims
}

#[tokio::test]
async fn full_flow() {
    let h = start().await;

    // Registration.
    let options = ok_json(
        h.post_key(
            "/registration/initialize",
            &json!({"user_id": "alice", "username": "alice@example.com"}),
        )
        .await,
    )
    .await;
    let pk = &options["publicKey"];
    assert_eq!(pk["user"]["id"], URL_SAFE_NO_PAD.encode("alice"));
    assert_eq!(pk["user"]["displayName"], "alice@example.com");
    assert_eq!(pk["challenge"].as_str().unwrap().len(), 43);
    let algs: Vec<i64> = pk["pubKeyCredParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["alg"].as_i64().unwrap())
        .collect();
    assert_eq!(algs, [-7, -35, -36, -257, -258, -259, -37, -38, -39, -8]);
    assert_eq!(
        pk["authenticatorSelection"],
        json!({"requireResidentKey": true, "residentKey": "required", "userVerification": "required"})
    );
    assert_eq!(pk["attestation"], "direct");
    assert_eq!(pk["timeout"], 60000);
    let cred = h.auth.register(&options).await.unwrap();
    let r = h.post("/registration/finalize", &cred).await;
    assert_eq!(
        r.headers()["content-type"],
        "application/json; charset=UTF-8"
    );
    assert_eq!(r.headers()["x-request-id"].len(), 32);
    let text = r.text().await.unwrap();
    assert!(text.ends_with("}\n"));
    let token: Value = serde_json::from_str(&text).unwrap();
    let reg_claims = verify_token(&h, token["token"].as_str().unwrap()).await;
    assert_eq!(reg_claims["sub"], "alice");
    assert_eq!(reg_claims["aud"], json!([h.emu.rp_id()]));
    let cred_id = reg_claims["cred"].as_str().unwrap().to_string();
    assert_eq!(
        reg_claims["exp"].as_i64().unwrap() - reg_claims["iat"].as_i64().unwrap(),
        300
    );

    // Discoverable login.
    let options = h.login_options(None).await;
    assert!(options["publicKey"].get("allowCredentials").is_none());
    let assertion = h.auth.login(&options).await.unwrap();
    let token = ok_json(h.post("/login/finalize", &assertion).await).await;
    let c = verify_token(&h, token["token"].as_str().unwrap()).await;
    assert_eq!(c["sub"], "alice");
    assert_eq!(c["cred"], cred_id.as_str());

    // Login for a user.
    let options = h.login_options(Some("alice")).await;
    assert_eq!(
        options["publicKey"]["allowCredentials"],
        json!([{"type": "public-key", "id": cred_id}])
    );
    let assertion = h.auth.login(&options).await.unwrap();
    let token = ok_json(h.post("/login/finalize", &assertion).await).await;
    assert_eq!(claims(token["token"].as_str().unwrap())["sub"], "alice");

    // Credentials: list, get, rename, delete.
    let r = h.get_key("/credentials?user_id=alice").await;
    assert_eq!(r.headers()["x-total-count"], "1");
    let list = ok_json(r).await;
    let c = &list[0];
    assert_eq!(c["id"], cred_id.as_str());
    assert_eq!(c["name"], format!("cred-{cred_id}"));
    assert_eq!(c["transports"], json!([]));
    assert_eq!(c["is_mfa"], false);
    assert_eq!(c["user_id"], "alice");
    assert_eq!(c["attestation_type"], "none");
    assert!(c["last_used_at"].is_string());
    let got = ok_json(h.get_key(&format!("/credentials/{cred_id}")).await).await;
    assert_eq!(got["id"], cred_id.as_str());
    let r = h
        .http
        .patch(h.url(&format!("/credentials/{cred_id}")))
        .header("apiKey", h.emu.api_key())
        .json(&json!({"name": "Laptop"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(
        ok_json(h.get_key(&format!("/credentials/{cred_id}")).await).await["name"],
        "Laptop"
    );

    // MFA registration and login.
    let options = ok_json(
        h.post_key(
            "/mfa/registration/initialize",
            &json!({"user_id": "alice", "username": "alice"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        options["publicKey"]["authenticatorSelection"],
        json!({"authenticatorAttachment": "cross-platform", "requireResidentKey": false, "residentKey": "discouraged", "userVerification": "preferred"})
    );
    let mfa_cred = h.auth.register(&options).await.unwrap();
    let token = ok_json(h.post_key("/mfa/registration/finalize", &mfa_cred).await).await;
    let mfa_id = claims(token["token"].as_str().unwrap())["cred"]
        .as_str()
        .unwrap()
        .to_string();
    let mfa_dto = ok_json(h.get_key(&format!("/credentials/{mfa_id}")).await).await;
    assert_eq!(mfa_dto["is_mfa"], true);
    let options = ok_json(
        h.post_key("/mfa/login/initialize", &json!({"user_id": "alice"}))
            .await,
    )
    .await;
    assert_eq!(
        options["publicKey"]["allowCredentials"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let assertion = h
        .auth
        .using_credential(&mfa_id)
        .login(&options)
        .await
        .unwrap();
    let token = ok_json(h.post_key("/mfa/login/finalize", &assertion).await).await;
    assert_eq!(
        claims(token["token"].as_str().unwrap())["cred"],
        mfa_id.as_str()
    );
    // User-bound login lists passkeys only.
    let options = h.login_options(Some("alice")).await;
    assert_eq!(
        options["publicKey"]["allowCredentials"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Transactions.
    let data = json!({"amount": 1.0, "to": "<bob & co>", "a": [1, 2]});
    let options = ok_json(
        h.post_key(
            "/transaction/initialize",
            &json!({"user_id": "alice", "transaction_id": "tx-1", "transaction_data": data}),
        )
        .await,
    )
    .await;
    let challenge = options["publicKey"]["challenge"].as_str().unwrap();
    assert_eq!(challenge.len(), 86);
    let canonical = r#"{"a":[1,2],"amount":1,"to":"\u003cbob \u0026 co\u003e"}"#;
    let raw = URL_SAFE_NO_PAD.decode(challenge).unwrap();
    let expected: Vec<u8> = Sha256::new()
        .chain_update(b"tx-1")
        .chain_update(canonical.as_bytes())
        .finalize()
        .to_vec();
    assert_eq!(&raw[32..], expected.as_slice());
    let assertion = h.auth.login(&options).await.unwrap();
    let token = ok_json(h.post_key("/transaction/finalize", &assertion).await).await;
    let c = verify_token(&h, token["token"].as_str().unwrap()).await;
    assert_eq!(c["trans"], "tx-1");
    let internal = h.emu.internal_user_id(h.emu.tenant_id(), "alice").unwrap();
    let list = ok_json(h.get_key(&format!("/transaction/{internal}")).await).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["identifier"], "tx-1");
    assert_eq!(list[0]["data"], canonical);
    assert_eq!(
        ok_json(
            h.get_key("/transaction/00000000-0000-0000-0000-000000000001")
                .await
        )
        .await,
        json!([])
    );

    // Delete the passkey.
    let r = h
        .http
        .delete(h.url(&format!("/credentials/{cred_id}")))
        .header("apiKey", h.emu.api_key())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    expect_error(
        h.get_key(&format!("/credentials/{cred_id}")).await,
        404,
        &format!("credential with id '{cred_id}' not found"),
    )
    .await;

    // Audit logs.
    let r = h.get_key("/audit_logs?per_page=100").await;
    let logs = ok_json(r).await;
    let types: Vec<&str> = logs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["type"].as_str().unwrap())
        .collect();
    for t in [
        "webauthn_registration_init_succeeded",
        "webauthn_registration_final_succeeded",
        "webauthn_authentication_init_succeeded",
        "webauthn_authentication_final_succeeded",
        "webauthn_credential_updated",
        "webauthn_credential_deleted",
        "mfa_registration_init_succeeded",
        "mfa_registration_final_succeeded",
        "mfa_authentication_init_succeeded",
        "mfa_authentication_final_succeeded",
        "webauthn_transaction_init_succeeded",
        "webauthn_transaction_final_succeeded",
    ] {
        assert!(types.contains(&t), "missing {t} in {types:?}");
    }
    assert_eq!(types[0], "webauthn_credential_deleted", "newest first");
    let tx = ok_json(
        h.get_key("/audit_logs?type=webauthn_transaction_final_succeeded")
            .await,
    )
    .await;
    assert_eq!(tx[0]["transaction_id"], "tx-1");
    assert_eq!(tx[0]["actor_user_id"], "alice");
    let two = ok_json(
        h.get_key("/audit_logs?type=webauthn_credential_updated&type=webauthn_credential_deleted")
            .await,
    )
    .await;
    assert_eq!(two.as_array().unwrap().len(), 2);
    assert!(two[0].get("actor_user_id").is_none());
    assert_eq!(two[0]["transaction_id"], Value::Null);
    let by_actor = ok_json(
        h.get_key("/audit_logs?actor_user_id=lic&per_page=100")
            .await,
    )
    .await;
    assert!(
        by_actor
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["actor_user_id"] == "alice")
    );
    let by_ip = ok_json(
        h.get_key("/audit_logs?meta_source_ip=127.0&per_page=1")
            .await,
    )
    .await;
    assert_eq!(by_ip.as_array().unwrap().len(), 1);
    let none = ok_json(h.get_key("/audit_logs?q=nobody").await).await;
    assert_eq!(none, json!([]));
    let future = ok_json(
        h.get_key("/audit_logs?start_time=2999-01-01T00:00:00Z")
            .await,
    )
    .await;
    assert_eq!(future, json!([]));
    let past = ok_json(h.get_key("/audit_logs?end_time=2000-01-01T00:00:00Z").await).await;
    assert_eq!(past, json!([]));

    // Rotation: the new key signs, the old stays published.
    let old_kid = decode_header(token["token"].as_str().unwrap())
        .unwrap()
        .kid
        .unwrap();
    let new_kid = h.emu.rotate_signing_key(h.emu.tenant_id()).await.unwrap();
    let options = ok_json(
        h.post_key("/mfa/login/initialize", &json!({"user_id": "alice"}))
            .await,
    )
    .await;
    let assertion = h.auth.login(&options).await.unwrap();
    let token = ok_json(h.post_key("/mfa/login/finalize", &assertion).await).await;
    let t = token["token"].as_str().unwrap();
    assert_eq!(decode_header(t).unwrap().kid.unwrap(), new_kid.to_string());
    verify_token(&h, t).await;
    let jwks = ok_json(
        h.http
            .get(h.url("/.well-known/jwks.json"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["kid"] == old_kid.as_str())
    );

    h.emu.shutdown().await;
}

#[tokio::test]
async fn pagination_headers() {
    let h = start().await;
    for i in 0..5 {
        h.register(&format!("user-{i}")).await;
    }
    let r = h.get_key("/credentials?per_page=2&page=2&order=asc").await;
    let host = format!("127.0.0.1:{}", h.emu.local_addr().port());
    let base = format!("http://{host}/{}/credentials", h.emu.tenant_id());
    assert_eq!(r.headers()["x-total-count"], "5");
    assert_eq!(
        r.headers()["link"],
        format!(
            "<{base}?order=asc&page=1&per_page=2>; rel=\"first\",<{base}?order=asc&page=3&per_page=2>; rel=\"last\",<{base}?order=asc&page=3&per_page=2>; rel=\"next\",<{base}?order=asc&page=1&per_page=2>; rel=\"prev\""
        )
    );
    let page = ok_json(r).await;
    assert_eq!(page[0]["user_id"], "user-2");
    let r = h.get_key("/credentials?user_id=nobody").await;
    assert_eq!(r.headers()["x-total-count"], "0");
    assert_eq!(
        r.headers()["link"],
        format!("<{base}?page=1&per_page=20&user_id=nobody>; rel=\"first\"")
    );
    assert_eq!(ok_json(r).await, json!([]));
    let all = ok_json(h.get_key("/credentials").await).await;
    assert_eq!(all[0]["user_id"], "user-4", "newest first by default");
}
