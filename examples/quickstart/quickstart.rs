//! The whole passkey flow, step by step.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With no environment set it starts the built-in emulator in this process, so it runs
//! offline. With `PASSKEYS_TENANT_ID`, `PASSKEYS_API_KEY`, `PASSKEYS_BASE_URL` and
//! `PASSKEYS_ORIGIN` (the origin your tenant accepts, e.g. `https://example.com`) set, it runs
//! the same steps against that tenant. Either way a virtual authenticator plays the browser.

use std::error::Error;

use hanko_passkeys::{AssertionResponse, Config, RegistrationResponse};
use hanko_passkeys_emulator::Emulator;
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `Display`: one line, with the request id when the API answered.
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn Error>> {
    // Keep the emulator alive for the whole run when we use it.
    let (config, origin, _emulator) = match std::env::var("PASSKEYS_TENANT_ID") {
        Ok(_) => {
            let origin = std::env::var("PASSKEYS_ORIGIN")
                .map_err(|_| "PASSKEYS_ORIGIN must be set with PASSKEYS_TENANT_ID")?;
            let rp_id = origin_host(&origin)?;
            (Config::from_env()?.relying_party_id(rp_id), origin, None)
        }
        Err(_) => {
            // Its token key is generated while the first calls are made.
            let emulator = Emulator::builder()
                .rp_id("localhost")
                .origin("http://localhost:8080")
                .keys_at_start(true)
                .start()
                .await?;
            println!(
                "emulator     {} (tenant {})",
                emulator.base_url(),
                emulator.tenant_id()
            );
            let config = Config::new(emulator.tenant_id().to_string())
                .api_key(emulator.api_key())
                .base_url(emulator.base_url())
                .relying_party_id(emulator.rp_id());
            (config, emulator.origin(), Some(emulator))
        }
    };
    let tenant = hanko_passkeys::tenant(config)?;
    let verifier = tenant.verifier()?;
    let browser = VirtualAuthenticator::new(origin);
    let user_id = format!("user-{}@quickstart", std::process::id());

    // 1. Register a passkey.
    let options = tenant
        .registration()
        .initialize(&user_id, "alice@example.com")
        .display_name("Alice")
        .await?;
    let credential: RegistrationResponse =
        serde_json::from_value(browser.register(&options).await?)?;
    let token = tenant.registration().finalize(&credential).await?;
    let claims = token.verify(&verifier).await?;
    println!(
        "registered   user {} with credential {}",
        claims.sub, claims.cred
    );

    // 2. Log in with any passkey (discoverable login).
    let options = tenant.login().initialize().await?;
    let assertion: AssertionResponse = serde_json::from_value(browser.login(&options).await?)?;
    let claims = tenant
        .login()
        .finalize(&assertion)
        .await?
        .verify(&verifier)
        .await?;
    println!(
        "logged in    user {} (token verified: audience {}, expires {})",
        claims.sub,
        claims.aud.join(", "),
        claims.exp
    );

    // 3. Log in for a known user.
    let options = tenant.user(&user_id).login().initialize().await?;
    let assertion: AssertionResponse = serde_json::from_value(browser.login(&options).await?)?;
    let claims = tenant
        .user(&user_id)
        .login()
        .finalize(&assertion)
        .await?
        .verify(&verifier)
        .await?;
    println!("logged in    user {} (user-bound login)", claims.sub);

    // 4. List the user's credentials, and rename one.
    let page = tenant.user(&user_id).credentials().await?;
    for c in &page.items {
        println!(
            "credential   {} \"{}\" created {}",
            c.id,
            c.name.as_deref().unwrap_or("(no name)"),
            c.created_at
        );
    }
    tenant
        .credential(&claims.cred)
        .rename("Quickstart key")
        .await?;
    let renamed = tenant.credential(&claims.cred).get().await?;
    println!(
        "renamed      {} to \"{}\"",
        renamed.id,
        renamed.name.as_deref().unwrap_or_default()
    );

    // 5. Register a second factor and log in with it.
    let security_key = VirtualAuthenticator::new(browser.origin());
    let mfa = tenant.user(&user_id).mfa();
    let options = mfa.registration().initialize("alice@example.com").await?;
    let credential: RegistrationResponse =
        serde_json::from_value(security_key.register(&options).await?)?;
    let mfa_claims = mfa
        .registration()
        .finalize(&credential)
        .await?
        .verify(&verifier)
        .await?;
    let options = mfa.login().initialize().await?;
    let assertion: AssertionResponse = serde_json::from_value(
        security_key
            .using_credential(&mfa_claims.cred)
            .login(&options)
            .await?,
    )?;
    let claims = mfa
        .login()
        .finalize(&assertion)
        .await?
        .verify(&verifier)
        .await?;
    println!(
        "MFA login    user {} with credential {}",
        claims.sub, claims.cred
    );

    // 6. Sign a transaction.
    let transaction_id = format!("tx-{}", std::process::id());
    let data = serde_json::json!({"amount": "42.00", "currency": "EUR", "to": "DE02 1203 0000 0000 2020 51"});
    let options = tenant
        .transaction()
        .initialize(&user_id, &transaction_id, &data)
        .await?;
    let assertion: AssertionResponse = serde_json::from_value(browser.login(&options).await?)?;
    let token = tenant.transaction().finalize(&assertion).await?;
    let claims = token.verify_transaction(&verifier, &transaction_id).await?;
    println!(
        "transaction  {} confirmed by user {}",
        claims.trans.unwrap_or_default(),
        claims.sub
    );

    // 7. Remove the passkey.
    tenant
        .credential(&credential_id(&tenant, &user_id).await?)
        .remove()
        .await?;
    let left = tenant.user(&user_id).credentials().await?;
    println!(
        "removed      the passkey; {} credential(s) left (the MFA key)",
        left.items.len()
    );
    Ok(())
}

/// The user's passkey (not the MFA key).
async fn credential_id(
    tenant: &hanko_passkeys::Tenant,
    user_id: &str,
) -> Result<String, Box<dyn Error>> {
    let page = tenant.user(user_id).credentials().await?;
    let passkey = page
        .items
        .into_iter()
        .find(|c| !c.is_mfa)
        .ok_or("the user has no passkey")?;
    Ok(passkey.id)
}

/// The host of an origin: the relying-party id a tenant for that origin uses.
fn origin_host(origin: &str) -> Result<String, Box<dyn Error>> {
    let url =
        reqwest::Url::parse(origin).map_err(|e| format!("PASSKEYS_ORIGIN {origin:?}: {e}"))?;
    Ok(url
        .host_str()
        .ok_or("PASSKEYS_ORIGIN has no host")?
        .to_owned())
}
