//! End to end: the admin facade against the emulator's admin listener, and what its changes do
//! to the public API (contract §3, §4.4).

use std::time::Duration;

use hanko_passkeys::admin::{TenantConfig, UserVerification};
use hanko_passkeys::{Admin, AdminConfig, AssertionResponse, Config, RegistrationResponse, Tenant};
use hanko_passkeys_emulator::Emulator;
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
use uuid::Uuid;

mod common;
use common::emulator::{ORIGIN, emulator, register};

fn admin_of(emu: &Emulator) -> Admin {
    hanko_passkeys::admin(AdminConfig::new(emu.admin_base_url())).unwrap()
}

fn public(emu: &Emulator, tenant: Uuid, key: &str) -> Tenant {
    hanko_passkeys::tenant(
        Config::new(tenant.to_string())
            .api_key(key)
            .base_url(emu.base_url())
            .relying_party_id("localhost"),
    )
    .unwrap()
}

#[tokio::test]
async fn tenants_health_and_webauthn_settings_through_the_facade() {
    let emu = emulator().await;
    let admin = admin_of(&emu);
    assert!(admin.alive().await.unwrap());
    assert!(admin.ready().await.unwrap());

    let config = TenantConfig::new("localhost", "Shop", [ORIGIN])
        .user_verification(UserVerification::Discouraged)
        .timeout(Duration::from_secs(60));
    let created = admin
        .create_tenant("Shop", config)
        .with_api_key()
        .await
        .unwrap();
    let key = created.api_key.as_ref().unwrap();
    assert_eq!(key.name, "Initial API Key");
    assert_eq!(key.value().len(), 88);
    let jwks = admin
        .tenant(created.id)
        .signing_keys()
        .list()
        .await
        .unwrap();
    assert_eq!(jwks[0].name, "Initial JWK Key");
    assert!(
        admin
            .tenants()
            .await
            .unwrap()
            .iter()
            .any(|t| t.id == created.id)
    );

    // UV discouraged: the options say so and an authenticator without UV registers.
    let tenant = public(&emu, created.id, key.value());
    let options = tenant
        .registration()
        .initialize("u1", "alice")
        .await
        .unwrap();
    let options_json = serde_json::to_value(&options).unwrap();
    assert_eq!(
        options_json["publicKey"]["authenticatorSelection"]["userVerification"],
        "discouraged"
    );
    let browser = VirtualAuthenticator::new(ORIGIN).user_verified(false);
    register(&tenant, &browser, "u2").await;

    // Replacing the config: back to UV required, and the same authenticator is refused.
    let handle = admin.tenant(created.id);
    handle
        .replace_config(&TenantConfig::new("localhost", "Shop", [ORIGIN]))
        .await
        .unwrap();
    handle.rename("Shop 2").await.unwrap();
    handle.get().await.unwrap();
    let options = tenant
        .registration()
        .initialize("u3", "carol")
        .await
        .unwrap();
    let credential: RegistrationResponse =
        serde_json::from_value(browser.register(&options).await.unwrap()).unwrap();
    assert!(tenant.registration().finalize(&credential).await.is_err());

    handle.delete().await.unwrap();
    let e = handle.get().await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(e.title(), Some("tenant not found"));
}

#[tokio::test]
async fn api_keys_and_signing_keys_take_effect_on_the_public_api() {
    let emu = emulator().await;
    let admin = admin_of(&emu);
    let handle = admin.tenant(emu.tenant_id());
    let keys = handle.api_keys();
    let first = keys.list().await.unwrap().remove(0);
    let second = keys.create("second").await.unwrap();
    let e = keys.create("second").await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(500));
    keys.delete(first.id).await.unwrap();
    let e = keys.delete(Uuid::new_v4()).await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(404));

    let old = public(&emu, emu.tenant_id(), emu.api_key());
    let e = old.user("x").credentials().await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(e.title(), Some("The api key is invalid"));
    let new = public(&emu, emu.tenant_id(), second.value());
    new.user("x").credentials().await.unwrap();

    // A token signed before the new JWK secret still verifies; the JWKS has a new kid.
    let browser = VirtualAuthenticator::new(ORIGIN);
    let options = new
        .registration()
        .initialize("alice", "alice")
        .await
        .unwrap();
    let credential: RegistrationResponse =
        serde_json::from_value(browser.register(&options).await.unwrap()).unwrap();
    let token = new.registration().finalize(&credential).await.unwrap();
    let jwks_url = format!("{}/.well-known/jwks.json", emu.tenant_url());
    let count = |v: serde_json::Value| v["keys"].as_array().unwrap().len();
    let before = count(reqwest::get(&jwks_url).await.unwrap().json().await.unwrap());
    handle.signing_keys().create("rotated").await.unwrap();
    assert_eq!(
        count(reqwest::get(&jwks_url).await.unwrap().json().await.unwrap()),
        before + 1
    );
    let fresh = public(&emu, emu.tenant_id(), second.value());
    token.verify(&fresh.verifier().unwrap()).await.unwrap();
    let options = fresh.login().initialize().await.unwrap();
    let assertion: AssertionResponse =
        serde_json::from_value(browser.login(&options).await.unwrap()).unwrap();
    fresh
        .login()
        .finalize(&assertion)
        .await
        .unwrap()
        .verify(&fresh.verifier().unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_deleted_user_cannot_log_in() {
    let emu = emulator().await;
    let admin = admin_of(&emu);
    let tenant = public(&emu, emu.tenant_id(), emu.api_key());
    let browser = VirtualAuthenticator::new(ORIGIN);
    register(&tenant, &browser, "alice").await;
    let handle = admin.tenant(emu.tenant_id());
    let page = handle.users().await.unwrap();
    assert_eq!(page.total, Some(1));
    let id = page.items[0].id;
    let details = handle.user(id).get().await.unwrap();
    assert_eq!(details.credentials.len(), 1);
    handle.user(id).delete().await.unwrap();
    let e = handle.user(id).get().await.unwrap_err();
    assert_eq!(e.title(), Some("user not found"));

    let options = tenant.login().initialize().await.unwrap();
    let assertion: AssertionResponse =
        serde_json::from_value(browser.login(&options).await.unwrap()).unwrap();
    let e = tenant.login().finalize(&assertion).await.unwrap_err();
    assert_eq!(e.status().map(|s| s.as_u16()), Some(401));

    let logs = handle.audit_logs().await.unwrap();
    assert!(!logs.items.is_empty());
}
