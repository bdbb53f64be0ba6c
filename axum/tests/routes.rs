//! Every route and every refusal, against the emulator over HTTP, with a browser-like client.

mod common;

use common::*;
use hanko_passkeys_axum::tower_sessions::MemoryStore;
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
use serde_json::json;

#[tokio::test]
async fn sign_up_signs_in_and_lists_the_first_passkey_with_signal_payloads() {
    let world = World::start().await;
    let b = world.browser().await;
    let state = b.state().await;
    assert_eq!(state, json!({"state": "signed_out", "sign_up": true}));
    let state = b.sign_up("alice").await;
    assert_eq!(state["state"], "signed_in");
    assert_eq!(state["user"]["name"], "alice");
    assert_eq!(state["second_factor"], false);
    assert_eq!(state["second_factor_required"], false);
    let user_id = state["user"]["id"].as_str().unwrap().to_owned();
    assert_eq!(world.users.users.lock().unwrap()[&user_id].name, "alice");

    let list = b.get("/passkeys/credentials").await.ok();
    let credentials = list["credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 1);
    assert_eq!(credentials[0]["kind"], "passkey");
    let id = credentials[0]["id"].as_str().unwrap();
    let signal = &list["signal"];
    assert_eq!(signal["allAcceptedCredentials"]["rpId"], "localhost");
    assert_eq!(
        signal["allAcceptedCredentials"]["allAcceptedCredentialIds"],
        json!([id])
    );
    use base64::Engine as _;
    let handle = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&user_id);
    assert_eq!(signal["allAcceptedCredentials"]["userId"], handle);
    assert_eq!(
        signal["currentUserDetails"],
        json!({"rpId": "localhost", "userId": handle, "name": "alice", "displayName": "alice"})
    );
    // The app's own route sees the user.
    let profile = b.get("/api/profile").await.ok();
    assert_eq!(profile["user"], user_id.as_str());
}

#[tokio::test]
async fn sign_up_refusals_name_taken_invalid_closed_and_a_foreign_token() {
    let world = World::start().await;
    let b = world.browser().await;
    b.sign_up("alice").await;
    let other = world.browser().await;
    other
        .post("/passkeys/sign-up/initialize", &json!({"name": "alice"}))
        .await
        .problem(409, "name_taken");
    let e = other
        .post("/passkeys/sign-up/initialize", &json!({"name": "  "}))
        .await
        .problem(400, "invalid_name");
    assert_eq!(e["detail"], "Please enter a name.");
    other
        .post(
            "/passkeys/sign-up/initialize",
            &json!({"name": "x".repeat(65)}),
        )
        .await
        .problem(400, "invalid_name");
    other
        .post("/passkeys/sign-up/initialize", &json!({"nom": "bob"}))
        .await
        .problem(400, "bad_request");
    // Finalize without initialize: nothing to finish in this session.
    let options = b
        .post("/passkeys/sign-up/initialize", &json!({"name": "carol"}))
        .await
        .ok();
    let credential = b.auth.register(&options).await.unwrap();
    other
        .post("/passkeys/sign-up/finalize", &credential)
        .await
        .problem(400, "expired");

    // The name taken between initialize and finalize: the passkey goes away again.
    let dave = world.browser().await;
    let options = dave
        .post("/passkeys/sign-up/initialize", &json!({"name": "dave"}))
        .await
        .ok();
    dave.sign_up("dave").await;
    let late = world.browser().await;
    let _ = late; // a second page of the same person: same authenticator would be confusing
    let credential = dave.auth.register(&options).await.unwrap();
    let before = world.emu_credentials().await;
    dave.post("/passkeys/sign-up/finalize", &credential)
        .await
        .problem(400, "expired");
    assert_eq!(world.emu_credentials().await, before);

    let closed = World::start_with(
        DemoUsers {
            closed: true,
            ..Default::default()
        },
        &[],
    )
    .await;
    let b = closed.browser().await;
    assert_eq!(b.state().await["sign_up"], false);
    b.post("/passkeys/sign-up/initialize", &json!({"name": "erin"}))
        .await
        .problem(403, "sign_up_closed");
}

impl World {
    /// How many credentials the emulator's tenant holds, over all users (the admin API).
    pub async fn emu_credentials(&self) -> usize {
        let users: serde_json::Value = reqwest::get(format!(
            "{}/tenants/{}/users?per_page=100",
            self.emu.admin_base_url(),
            self.emu.tenant_id()
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let mut n = 0;
        for u in users.as_array().unwrap() {
            let user: serde_json::Value = reqwest::get(format!(
                "{}/tenants/{}/users/{}",
                self.emu.admin_base_url(),
                self.emu.tenant_id(),
                u["id"].as_str().unwrap()
            ))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
            n += user["credentials"].as_array().unwrap().len();
        }
        n
    }
}

#[tokio::test]
async fn state_changing_requests_from_another_origin_or_none_are_refused() {
    let world = World::start().await;
    let b = world.browser().await;
    b.sign_up("alice").await;
    for origin in [
        Some("https://evil.example"),
        Some("http://localhost:8080/"),
        None,
    ] {
        for (method, path) in [
            (reqwest::Method::POST, "/passkeys/login/initialize"),
            (reqwest::Method::POST, "/passkeys/sign-out"),
            (reqwest::Method::DELETE, "/passkeys/credentials/x"),
            (reqwest::Method::POST, "/api/settings"),
            (reqwest::Method::POST, "/api/pay/start"),
        ] {
            b.send(method, path, Some(&json!({})), origin)
                .await
                .problem(403, "cross_origin");
        }
    }
    // Still signed in: nothing was done.
    assert_eq!(b.state().await["state"], "signed_in");
}

#[tokio::test]
async fn login_cycles_the_session_id_and_the_old_id_is_worth_nothing() {
    let world = World::start().await;
    let b = world.browser().await;
    b.sign_up("alice").await;
    b.post("/passkeys/sign-out", &json!({})).await.ok();
    assert_eq!(b.state().await["state"], "signed_out");

    let options = b.post("/passkeys/login/initialize", &json!({})).await.ok();
    let before = b.session_cookie().expect("a session for the ceremony");
    let assertion = b.auth.login(&options).await.unwrap();
    let state = b.post("/passkeys/login/finalize", &assertion).await.ok();
    assert_eq!(state["state"], "signed_in");
    let after = b.session_cookie().unwrap();
    assert_ne!(before, after, "a new session id at login");
    // Someone who knew the old id (planted it, saw it) gets nothing.
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    jar.add_cookie_str(
        &format!("passkeys_session={before}"),
        &b.base.parse().unwrap(),
    );
    let attacker = Browser::with_jar(
        &b.base,
        &b.origin,
        jar,
        VirtualAuthenticator::new(&b.origin),
    );
    assert_eq!(attacker.state().await["state"], "signed_out");
    attacker
        .get("/passkeys/credentials")
        .await
        .problem(401, "not_signed_in");
}

#[tokio::test]
async fn login_for_a_named_user_and_for_an_unknown_name() {
    let world = World::start().await;
    let b = world.browser().await;
    b.sign_up("alice").await;
    b.post("/passkeys/sign-out", &json!({})).await.ok();
    b.post("/passkeys/login/initialize", &json!({"name": "nobody"}))
        .await
        .problem(404, "unknown_user");
    let options = b
        .post("/passkeys/login/initialize", &json!({"name": "alice"}))
        .await
        .ok();
    assert_eq!(
        options["publicKey"]["allowCredentials"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "only alice's passkeys are offered"
    );
    let assertion = b.auth.login(&options).await.unwrap();
    let state = b.post("/passkeys/login/finalize", &assertion).await.ok();
    assert_eq!(state["user"]["name"], "alice");
}

#[tokio::test]
async fn an_unknown_credential_is_refused_with_the_signal_payload() {
    let world = World::start().await;
    let b = world.browser().await;
    let state = b.sign_up("alice").await;
    let credential = b.get("/passkeys/credentials").await.ok()["credentials"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    b.post("/passkeys/sign-out", &json!({})).await.ok();
    // The passkey is removed at Hanko behind the app's back; the browser still has it.
    world
        .passkeys
        .tenant()
        .credential(&credential)
        .remove()
        .await
        .unwrap();
    let e = b.login().await.problem(401, "unknown_credential");
    assert_eq!(
        e["signal"],
        json!({"unknownCredential": {"rpId": "localhost", "credentialId": credential}})
    );
    // A passkey of a user the app no longer has: the same answer.
    let other = world.browser().await;
    let state2 = other.sign_up("bob").await;
    other.post("/passkeys/sign-out", &json!({})).await.ok();
    world
        .users
        .users
        .lock()
        .unwrap()
        .remove(state2["user"]["id"].as_str().unwrap());
    let e = other.login().await.problem(401, "unknown_credential");
    assert_eq!(e["signal"]["unknownCredential"]["rpId"], "localhost");
    let _ = state;
}

#[tokio::test]
async fn passkeys_are_added_renamed_and_removed_but_not_the_last_or_someone_elses() {
    let world = World::start().await;
    let b = world.browser().await;
    b.sign_up("alice").await;
    let first = b.get("/passkeys/credentials").await.ok()["credentials"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    b.delete(&format!("/passkeys/credentials/{first}"))
        .await
        .problem(409, "last_passkey");

    // A second device.
    let phone = VirtualAuthenticator::new(&b.origin);
    let options = b
        .post("/passkeys/passkeys/initialize", &json!({}))
        .await
        .ok();
    let excluded = options["publicKey"]["excludeCredentials"]
        .as_array()
        .unwrap();
    assert_eq!(excluded.len(), 1, "the existing passkey is excluded");
    let credential = phone.register(&options).await.unwrap();
    let list = b
        .post("/passkeys/passkeys/finalize", &credential)
        .await
        .ok();
    assert_eq!(list["credentials"].as_array().unwrap().len(), 2);

    let renamed = b
        .patch(
            &format!("/passkeys/credentials/{first}"),
            &json!({"name": "Laptop"}),
        )
        .await
        .ok();
    let names: Vec<&str> = renamed["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert!(names.contains(&"Laptop"), "{renamed}");
    b.patch(
        &format!("/passkeys/credentials/{first}"),
        &json!({"name": " "}),
    )
    .await
    .problem(400, "bad_request");

    // Someone else's credential: as if it did not exist.
    let mallory = world.browser().await;
    mallory.sign_up("mallory").await;
    mallory
        .patch(
            &format!("/passkeys/credentials/{first}"),
            &json!({"name": "mine"}),
        )
        .await
        .problem(404, "not_found");
    mallory
        .delete(&format!("/passkeys/credentials/{first}"))
        .await
        .problem(404, "not_found");

    let after = b
        .delete(&format!("/passkeys/credentials/{first}"))
        .await
        .ok();
    let left = after["credentials"].as_array().unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(
        after["signal"]["allAcceptedCredentials"]["allAcceptedCredentialIds"],
        json!([left[0]["id"]])
    );
    // Signed out: no list, no changes.
    b.post("/passkeys/sign-out", &json!({})).await.ok();
    b.get("/passkeys/credentials")
        .await
        .problem(401, "not_signed_in");
    b.post("/passkeys/passkeys/initialize", &json!({}))
        .await
        .problem(401, "not_signed_in");
}

#[tokio::test]
async fn a_security_key_becomes_the_second_factor_and_a_passkey_cannot_stand_in() {
    let world = World::start().await;
    let b = world.browser().await;
    b.sign_up("alice").await;
    b.post("/api/settings", &json!({}))
        .await
        .problem(403, "second_factor_required");
    let key = VirtualAuthenticator::new(&b.origin);
    let before = b.session_cookie().unwrap();
    let list = b.add_security_key(&key).await;
    let kinds: Vec<&str> = list["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"security_key") && kinds.contains(&"passkey"));
    assert_ne!(
        b.session_cookie().unwrap(),
        before,
        "new id when the second factor completes"
    );
    assert_eq!(b.state().await["second_factor"], true);
    b.post("/api/settings", &json!({})).await.ok();

    // Next login: the passkey, then the key.
    b.post("/passkeys/sign-out", &json!({})).await.ok();
    let state = b.login().await.ok();
    assert_eq!(state["state"], "second_factor");
    b.get("/api/profile").await.problem(401, "not_signed_in");
    let options = b
        .post("/passkeys/mfa/login/initialize", &json!({}))
        .await
        .ok();
    let allowed = options["publicKey"]["allowCredentials"].as_array().unwrap();
    assert_eq!(allowed.len(), 1, "only the security key is offered");
    let key_id = allowed[0]["id"].clone();

    // The API's MFA login also takes the user's passkeys; the crate does not.
    let mut narrowed = options.clone();
    let passkey_id = b.auth.credential_ids()[0].clone();
    narrowed["publicKey"]["allowCredentials"] = json!([{"type": "public-key", "id": passkey_id}]);
    let with_passkey = b.auth.login(&narrowed).await.unwrap();
    let e = b
        .post("/passkeys/mfa/login/finalize", &with_passkey)
        .await
        .problem(401, "refused");
    assert_eq!(
        e["detail"],
        "This step needs your security key, not your passkey."
    );
    assert_eq!(b.state().await["state"], "second_factor");

    let options = b
        .post("/passkeys/mfa/login/initialize", &json!({}))
        .await
        .ok();
    let assertion = key.login(&options).await.unwrap();
    assert_eq!(assertion["id"], key_id);
    let state = b
        .post("/passkeys/mfa/login/finalize", &assertion)
        .await
        .ok();
    assert_eq!(state["state"], "signed_in");
    assert_eq!(state["second_factor"], true);
    b.post("/api/settings", &json!({})).await.ok();
}

#[tokio::test]
async fn a_user_who_must_use_a_second_factor_is_told_so_until_they_have_one() {
    let world = World::start_with(
        DemoUsers {
            require_second_factor: true,
            ..Default::default()
        },
        &[],
    )
    .await;
    let b = world.browser().await;
    let state = b.sign_up("alice").await;
    assert_eq!(state["second_factor_required"], true);
    b.add_security_key(&VirtualAuthenticator::new(&b.origin))
        .await;
    let state = b.state().await;
    assert_eq!(state["second_factor_required"], false);
    // MFA steps without a pending second factor.
    b.post("/passkeys/mfa/login/initialize", &json!({}))
        .await
        .problem(401, "not_signed_in");
}

#[tokio::test]
async fn a_transaction_is_confirmed_for_exactly_what_was_started() {
    let world = World::start().await;
    let b = world.browser().await;
    b.sign_up("alice").await;
    let options = b
        .post(
            "/api/pay/start",
            &json!({"id": "payment-1", "amount": "42.00"}),
        )
        .await
        .ok();
    let assertion = b.auth.login(&options).await.unwrap();
    let confirmed = b.post("/api/pay/finish", &assertion).await.ok();
    assert_eq!(confirmed["id"], "payment-1");
    assert_eq!(confirmed["data"], json!({"amount": "42.00", "to": "Bob"}));
    // Once only.
    b.post("/api/pay/finish", &assertion)
        .await
        .problem(400, "expired");

    // An assertion for another transaction (another session's) does not confirm this one.
    let other = world.browser().await;
    other.sign_up("bob").await;
    b.post(
        "/api/pay/start",
        &json!({"id": "payment-2", "amount": "1.00"}),
    )
    .await
    .ok();
    let foreign_options = other
        .post(
            "/api/pay/start",
            &json!({"id": "payment-3", "amount": "1000.00"}),
        )
        .await
        .ok();
    let foreign = other.auth.login(&foreign_options).await.unwrap();
    b.post("/api/pay/finish", &foreign)
        .await
        .problem(400, "expired");
    // A reused id: the API's 409.
    b.post(
        "/api/pay/start",
        &json!({"id": "payment-1", "amount": "5.00"}),
    )
    .await
    .problem(409, "transaction_reused");
    // Not signed in.
    let stranger = world.browser().await;
    stranger
        .post("/api/pay/start", &json!({"id": "payment-4"}))
        .await
        .problem(401, "not_signed_in");
}

#[tokio::test]
async fn an_expired_ceremony_is_refused_as_expired() {
    let world = World::start().await;
    let b = world.browser().await;
    b.sign_up("alice").await;
    b.post("/passkeys/sign-out", &json!({})).await.ok();
    // A login for a named user: the Passkey API checks its expiry (60 s by default).
    let options = b
        .post("/passkeys/login/initialize", &json!({"name": "alice"}))
        .await
        .ok();
    let assertion = b.auth.login(&options).await.unwrap();
    world.emu.advance_time(std::time::Duration::from_secs(61));
    b.post("/passkeys/login/finalize", &assertion)
        .await
        .problem(400, "expired");
    assert_eq!(b.state().await["state"], "signed_out");
}

#[tokio::test]
async fn the_browser_module_related_origins_and_unknown_routes() {
    let world = World::start_with(DemoUsers::default(), &["https://shop.example"]).await;
    let b = world.browser().await;
    let js = b.get("/passkeys/passkeys.js").await;
    assert_eq!(js.status, 200);
    assert_eq!(js.content_type, "text/javascript; charset=utf-8");
    let doc = b.get("/.well-known/webauthn").await.ok();
    assert_eq!(
        doc,
        json!({"origins": ["http://localhost:8080", "https://shop.example"]})
    );
    b.get("/passkeys/nothing").await.problem(404, "not_found");
    // One origin: no document.
    let single = World::start().await;
    let b = single.browser().await;
    assert_eq!(b.get("/.well-known/webauthn").await.status, 404);
}

#[tokio::test]
async fn sessions_in_a_shared_store_span_app_instances() {
    let world = World::start().await;
    let store = MemoryStore::default();
    let one = world.serve(store.clone()).await;
    let two = world.serve(store).await;
    let b1 = Browser::new(&one, &world.origin);
    let b2 = b1.on(&two);
    let options = b1
        .post("/passkeys/sign-up/initialize", &json!({"name": "alice"}))
        .await
        .ok();
    let credential = b1.auth.register(&options).await.unwrap();
    let state = b2
        .post("/passkeys/sign-up/finalize", &credential)
        .await
        .ok();
    assert_eq!(state["state"], "signed_in");
    assert_eq!(b1.state().await["state"], "signed_in");
}

#[tokio::test]
async fn a_credential_name_the_passkey_api_cannot_store_is_a_bad_request_not_a_failure() {
    let world = World::start().await;
    let b = world.browser().await;
    b.sign_up("alice").await;
    let list = b.get("/passkeys/credentials").await.ok();
    let id = list["credentials"][0]["id"].as_str().unwrap().to_owned();
    let name = list["credentials"][0]["name"].clone();
    // The API's column holds 255 characters; longer is its internal error (contract §2.14).
    for bad in ["x".repeat(65), "x".repeat(256), "Laptop\u{0}".into()] {
        let e = b
            .patch(
                &format!("/passkeys/credentials/{id}"),
                &json!({ "name": bad }),
            )
            .await
            .problem(400, "bad_request");
        assert!(e["detail"].as_str().unwrap().contains("name"), "{e}");
    }
    let list = b.get("/passkeys/credentials").await.ok();
    assert_eq!(list["credentials"][0]["name"], name, "nothing was renamed");
    // 64 characters are fine.
    let long = "é".repeat(64);
    let list = b
        .patch(
            &format!("/passkeys/credentials/{id}"),
            &json!({ "name": long }),
        )
        .await
        .ok();
    assert_eq!(list["credentials"][0]["name"], long.as_str());
}

#[tokio::test]
async fn a_session_that_only_holds_a_ceremony_expires_with_it() {
    let world = World::start().await;
    let b = world.browser().await;
    let answer = b.post("/passkeys/login/initialize", &json!({})).await;
    let cookie = answer.cookie.clone().expect("a session cookie");
    assert!(cookie.contains("Max-Age=600"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "http://localhost pages get no Secure cookie: {cookie}"
    );
    // Signed in: the configured lifetime (12 hours of inactivity).
    let options = b
        .post("/passkeys/sign-up/initialize", &json!({"name": "alice"}))
        .await
        .ok();
    let credential = b.auth.register(&options).await.unwrap();
    let answer = b.post("/passkeys/sign-up/finalize", &credential).await;
    let cookie = answer.cookie.clone().unwrap();
    assert!(cookie.contains("Max-Age=43200"), "{cookie}");
}

#[tokio::test]
async fn each_credential_lists_its_provider_from_its_aaguid() {
    let world = World::start().await;
    let mut b = world.browser().await;
    // Google Password Manager's AAGUID.
    b.auth = VirtualAuthenticator::new(&b.origin)
        .aaguid("ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4".parse().unwrap());
    b.sign_up("alice").await;
    let key = VirtualAuthenticator::new(&b.origin); // the zero AAGUID: no provider
    let list = b.add_security_key(&key).await;
    let credentials = list["credentials"].as_array().unwrap();
    let passkey = credentials.iter().find(|c| c["kind"] == "passkey").unwrap();
    assert_eq!(passkey["provider"]["name"], "Google Password Manager");
    assert!(
        passkey["provider"]["icon_light"]
            .as_str()
            .is_some_and(|i| i.starts_with("data:image/svg+xml;base64,")),
        "{passkey}"
    );
    let security_key = credentials
        .iter()
        .find(|c| c["kind"] == "security_key")
        .unwrap();
    assert_eq!(security_key["provider"], serde_json::Value::Null);
}
