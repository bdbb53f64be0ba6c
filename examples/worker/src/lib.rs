//! A Cloudflare Worker that does what a passkey backend does, with `hanko-passkeys` on
//! `wasm32-unknown-unknown`:
//!
//! | route | body | answer |
//! |---|---|---|
//! | `POST /register/start` | `{"user_id": "...", "username": "..."}` | the creation options for `navigator.credentials.create()` |
//! | `POST /register/finish` | the page's `credential.toJSON()` | `{"credential_id": "..."}`, after verifying the token |
//! | `POST /login/start` | none | the request options for `navigator.credentials.get()` |
//! | `POST /login/finish` | the page's `credential.toJSON()` | `{"user_id": "..."}`, after verifying the token |
//!
//! The tenant comes from the Worker's environment: `PASSKEYS_TENANT_ID`,
//! `PASSKEYS_RP_ID` and optionally `PASSKEYS_BASE_URL` as variables, `PASSKEYS_API_KEY` as
//! a secret (`wrangler secret put PASSKEYS_API_KEY`). A real backend would start its own
//! session on `/login/finish` instead of answering the user id, and would know which user is
//! signed in on `/register/start` instead of reading it from the body.
//!
//! Build and run: see `examples/worker/README.md`.
#![cfg(target_arch = "wasm32")]

use std::cell::OnceCell;

use hanko_passkeys::{AssertionResponse, Config, RegistrationResponse, Tenant};
use serde::Deserialize;
use serde_json::json;
use worker::{Env, Method, Request, Response, Result, event};

thread_local! {
    /// One tenant per isolate: its token verifier's JWKS cache then outlives a request.
    static PASSKEYS: OnceCell<Tenant> = const { OnceCell::new() };
}

/// The tenant configured by the Worker's environment, built on the first request.
fn passkeys(env: &Env) -> std::result::Result<Tenant, hanko_passkeys::Error> {
    if let Some(tenant) = PASSKEYS.with(|cell| cell.get().cloned()) {
        return Ok(tenant);
    }
    let var = |name: &str| env.var(name).ok().map(|v| v.to_string());
    let missing = |name: &str| {
        hanko_passkeys::Error::builder(hanko_passkeys::ErrorKind::Config)
            .message(format!("the Worker's environment has no {name}"))
            .build()
    };
    let mut config =
        Config::new(var("PASSKEYS_TENANT_ID").ok_or_else(|| missing("PASSKEYS_TENANT_ID"))?)
            .relying_party_id(var("PASSKEYS_RP_ID").ok_or_else(|| missing("PASSKEYS_RP_ID"))?);
    if let Ok(key) = env.secret("PASSKEYS_API_KEY") {
        config = config.api_key(key.to_string());
    }
    if let Some(url) = var("PASSKEYS_BASE_URL") {
        config = config.base_url(url);
    }
    let tenant = hanko_passkeys::tenant(config)?;
    PASSKEYS.with(|cell| cell.get_or_init(|| tenant.clone()).clone());
    Ok(tenant)
}

#[derive(Deserialize)]
struct StartRegistration {
    user_id: String,
    username: String,
}

#[event(fetch)]
async fn fetch(mut req: Request, env: Env, _ctx: worker::Context) -> Result<Response> {
    if req.method() != Method::Post {
        return Response::error("POST only", 405);
    }
    let path = req.path();
    let body = req.text().await?;
    let answer = match passkeys(&env) {
        Ok(passkeys) => route(&passkeys, &path, &body).await,
        Err(e) => Err(e),
    };
    match answer {
        Ok(Some(value)) => Response::from_json(&value),
        Ok(None) => Response::error("Not Found", 404),
        // The SDK's error says which status the browser should see; its text names no secret.
        Err(e) => Response::from_json(&json!({ "error": e.to_string() }))
            .map(|r| r.with_status(e.suggested_status().as_u16())),
    }
}

async fn route(
    passkeys: &Tenant,
    path: &str,
    body: &str,
) -> std::result::Result<Option<serde_json::Value>, hanko_passkeys::Error> {
    let value = match path {
        "/register/start" => {
            let start: StartRegistration = serde_json::from_str(body).map_err(invalid_body)?;
            let options = passkeys
                .registration()
                .initialize(&start.user_id, &start.username)
                .await?;
            serde_json::to_value(options).map_err(invalid_body)?
        }
        "/register/finish" => {
            let credential: RegistrationResponse = body.parse()?;
            let token = passkeys.registration().finalize(&credential).await?;
            let claims = token.verify(&passkeys.verifier()?).await?;
            json!({ "credential_id": claims.cred })
        }
        "/login/start" => {
            serde_json::to_value(passkeys.login().initialize().await?).map_err(invalid_body)?
        }
        "/login/finish" => {
            let assertion: AssertionResponse = body.parse()?;
            let token = passkeys.login().finalize(&assertion).await?;
            let claims = token.verify(&passkeys.verifier()?).await?;
            json!({ "user_id": claims.sub })
        }
        _ => return Ok(None),
    };
    Ok(Some(value))
}

fn invalid_body(e: serde_json::Error) -> hanko_passkeys::Error {
    hanko_passkeys::Error::builder(hanko_passkeys::ErrorKind::InvalidInput)
        .message(format!(
            "the request body is not what this route takes: {e}"
        ))
        .build()
}
