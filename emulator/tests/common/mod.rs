#![allow(dead_code)]
use hanko_passkeys_emulator::Emulator;
use hanko_passkeys_emulator::authenticator::VirtualAuthenticator;
use reqwest::{Client, Response};
use serde_json::{Value, json};

pub struct Harness {
    pub emu: Emulator,
    pub http: Client,
    pub auth: VirtualAuthenticator,
}

/// The tests' token signing key (`tests/keys/README.md`): an emulator per test would otherwise
/// generate one each.
pub const TOKEN_KEY: &str = hanko_passkeys_emulator::TEST_TOKEN_KEY_PEM;

/// An emulator builder with the test key, whose later keys (rotations, other tenants) are
/// RSA-2048.
pub fn builder() -> hanko_passkeys_emulator::EmulatorBuilder {
    Emulator::builder().rsa_bits(2048).token_key_pem(TOKEN_KEY)
}

pub async fn start() -> Harness {
    start_with(builder()).await
}

pub async fn start_with(builder: hanko_passkeys_emulator::EmulatorBuilder) -> Harness {
    let emu = builder.start().await.expect("emulator starts");
    let auth = VirtualAuthenticator::new(emu.origin());
    Harness {
        emu,
        http: Client::new(),
        auth,
    }
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.emu.tenant_url(), path)
    }

    pub async fn post_key(&self, path: &str, body: &Value) -> Response {
        self.http
            .post(self.url(path))
            .header("apiKey", self.emu.api_key())
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get_key(&self, path: &str) -> Response {
        self.http
            .get(self.url(path))
            .header("apiKey", self.emu.api_key())
            .send()
            .await
            .unwrap()
    }

    /// A new virtual authenticator (another device) for the emulator's origin.
    pub fn new_authenticator(&self) -> VirtualAuthenticator {
        VirtualAuthenticator::new(self.emu.origin())
    }

    /// Creation options for `user` (the user id is also the username).
    pub async fn registration_options(&self, user: &str) -> Value {
        ok_json(
            self.post_key(
                "/registration/initialize",
                &json!({"user_id": user, "username": user}),
            )
            .await,
        )
        .await
    }

    /// Registers `user` with `auth`; returns the token response JSON.
    pub async fn register_with(&self, auth: &VirtualAuthenticator, user: &str) -> Value {
        let options = self.registration_options(user).await;
        let cred = auth
            .register(&options)
            .await
            .expect("authenticator registers");
        ok_json(self.post("/registration/finalize", &cred).await).await
    }

    pub async fn register(&self, user: &str) -> Value {
        self.register_with(&self.auth, user).await
    }

    pub async fn login_options(&self, user: Option<&str>) -> Value {
        match user {
            Some(u) => {
                ok_json(
                    self.post_key("/login/initialize", &json!({"user_id": u}))
                        .await,
                )
                .await
            }
            None => ok_json(self.post("/login/initialize", &json!({})).await).await,
        }
    }
}

pub async fn ok_json(r: Response) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(
        status.is_success(),
        "expected success, got {status}: {text}"
    );
    serde_json::from_str(&text).unwrap()
}

/// Asserts an error response's status and exact title; returns the body.
pub async fn expect_error(r: Response, status: u16, title: &str) -> Value {
    let got = r.status().as_u16();
    let text = r.text().await.unwrap();
    assert_eq!(got, status, "body: {text}");
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    assert_eq!(body["title"], title, "body: {text}");
    assert_eq!(body["status"], status);
    body
}

pub fn claims(token: &str) -> Value {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

impl Harness {
    /// A request to a tenant path, without the API key.
    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, self.url(path))
    }

    /// A request to a tenant path, with the API key.
    pub fn request_key(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.request(method, path)
            .header("apiKey", self.emu.api_key())
    }

    /// Registers `user` and returns the new credential's id (the token's `cred`).
    pub async fn register_id(&self, user: &str) -> String {
        let token = self.register(user).await;
        claims(token["token"].as_str().unwrap())["cred"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Sends `head` (request line and headers, without the blank line) and `body` over a new
    /// connection exactly as given, and reads the answer to the end.
    pub async fn raw(&self, head: &str, body: &[u8]) -> RawResponse {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let mut stream = tokio::net::TcpStream::connect(self.emu.local_addr())
            .await
            .unwrap();
        let head = head.replace("{tenant}", &self.emu.tenant_id().to_string());
        let request = format!("{head}\r\nconnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).await.unwrap();
        let text = String::from_utf8_lossy(&answer).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        RawResponse {
            status: head[9..12].parse().unwrap(),
            head: head.to_lowercase(),
            body: body.to_string(),
        }
    }
}

/// An answer read off the wire.
pub struct RawResponse {
    pub status: u16,
    /// Status line and headers, lower-cased.
    pub head: String,
    pub body: String,
}

impl Harness {
    /// POSTs `body` as it is, with the API key and `content_type`, to a tenant path.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        self.request_key(reqwest::Method::POST, path)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// `auth`'s answer to fresh creation options for `user` (not finalized).
    pub async fn registration_by(&self, auth: &VirtualAuthenticator, user: &str) -> Value {
        let options = self.registration_options(user).await;
        auth.register(&options)
            .await
            .expect("authenticator registers")
    }
}
