//! The emulator the end-to-end tests run against: RP `localhost` with the web origin
//! `http://localhost:8080`, and the test signing key shipped with the emulator's tests, so no
//! test process generates one (later keys, e.g. rotations, are RSA-2048).

use hanko_passkeys::{Config, Tenant};
use hanko_passkeys_emulator::{Emulator, EmulatorBuilder};

pub const ORIGIN: &str = "http://localhost:8080";

/// Test data: `emulator/tests/keys/README.md`.
pub const TOKEN_KEY: &str = hanko_passkeys_emulator::TEST_TOKEN_KEY_PEM;

pub fn builder() -> EmulatorBuilder {
    Emulator::builder()
        .rp_id("localhost")
        .origin(ORIGIN)
        .rsa_bits(2048)
        .token_key_pem(TOKEN_KEY)
}

pub async fn emulator() -> Emulator {
    builder().start().await.unwrap()
}

/// The SDK's client of the emulator's first tenant.
pub fn tenant_of(emu: &Emulator) -> Tenant {
    hanko_passkeys::tenant(
        Config::new(emu.tenant_id().to_string())
            .api_key(emu.api_key())
            .base_url(emu.base_url())
            .relying_party_id(emu.rp_id()),
    )
    .unwrap()
}

/// Registers a passkey of `browser` for `user_id` (verifying the token it gets); returns its
/// credential id.
pub async fn register(
    tenant: &Tenant,
    browser: &hanko_passkeys_emulator::authenticator::VirtualAuthenticator,
    user_id: &str,
) -> String {
    let options = tenant
        .registration()
        .initialize(user_id, format!("{user_id}@example.com"))
        .await
        .unwrap();
    let credential: hanko_passkeys::RegistrationResponse =
        serde_json::from_value(browser.register(&options).await.unwrap()).unwrap();
    let claims = tenant
        .registration()
        .finalize(&credential)
        .await
        .unwrap()
        .verify(&tenant.verifier().unwrap())
        .await
        .unwrap();
    assert_eq!(claims.sub, user_id);
    claims.cred
}
