//! The facade: a [`Tenant`] and the handles it hands out, grouped as in Hanko's JS SDK.

use std::future::IntoFuture;
use std::sync::{Arc, OnceLock};

use progenitor_client::ClientInfo;
use uuid::Uuid;

use crate::client::Hooks;
use crate::generated::{Client, types};
use crate::token::Verifier;
use crate::{
    AssertionResponse, Config, Error, LoginOptions, RegistrationOptions, RegistrationResponse,
    Token,
};

/// Longest user handle browsers accept (Chromium: "User handle exceeds 64 bytes").
const MAX_BROWSER_USER_HANDLE: usize = 64;

use crate::platform::BoxFuture;

/// Connects to one tenant of the Passkey API. Checks the configuration; makes no request.
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) when the tenant id, the base URL, the API key or
/// another option is invalid, or the HTTP client cannot be built. Nothing is sent.
///
/// ```
/// let tenant = hanko_passkeys::tenant(
///     hanko_passkeys::Config::new("0b41b5a3-4c7e-4b2c-9b8e-2f6a3c1d9e77").api_key("secret"),
/// )?;
/// assert_eq!(tenant.id().to_string(), "0b41b5a3-4c7e-4b2c-9b8e-2f6a3c1d9e77");
/// # Ok::<(), hanko_passkeys::Error>(())
/// ```
pub fn tenant(config: Config) -> Result<Tenant, Error> {
    let valid = config.validate()?;
    let http = config.build_http(&valid)?;
    let settings = config.http.settings();
    let client =
        Client::new_with_client(&valid.base_url, http, Hooks::new(valid.api_key, settings));
    Ok(Tenant {
        inner: Arc::new(Inner {
            client,
            tenant_id: valid.tenant_id,
            relying_party_id: config.relying_party_id,
            verifier: OnceLock::new(),
        }),
    })
}

/// One tenant of the Passkey API: the entry point to every operation.
///
/// Cheap to clone and safe to share between tasks; clones share one connection pool.
#[derive(Clone)]
pub struct Tenant {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    tenant_id: Uuid,
    relying_party_id: Option<String>,
    verifier: OnceLock<Verifier>,
}

impl std::fmt::Debug for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenant")
            .field("tenant_id", &self.inner.tenant_id)
            .field("base_url", &self.inner.client.baseurl())
            .field("api_key", &self.inner.client.inner())
            .finish()
    }
}

impl Tenant {
    /// The tenant id.
    #[must_use]
    pub fn id(&self) -> Uuid {
        self.inner.tenant_id
    }

    /// The API's base URL, without the tenant id.
    #[must_use]
    pub fn base_url(&self) -> &str {
        self.inner.client.baseurl()
    }

    /// URL of the tenant's key set (`.well-known/jwks.json`), for token verification.
    #[must_use]
    pub fn jwks_url(&self) -> String {
        format!("{}/{}/.well-known/jwks.json", self.base_url(), self.id())
    }

    /// The [generated client](crate::generated::Client) underneath, configured for this
    /// tenant: the escape hatch for what the facade does not offer. There is no other way to
    /// get one.
    ///
    /// Its calls go through the same request hook as the facade's: the API key is sent
    /// exactly where the facade would send it (a call that needs it fails before sending
    /// when none is configured), and retries, tracing, the response size limits and the
    /// refusal to follow redirects apply. What it lacks is what the facade adds (see
    /// [`generated`](crate::generated)): argument checks before sending, the one error type
    /// [`Error`] (its errors are progenitor's [`generated::Error`](crate::generated::Error)
    /// around the API's [`ErrorBody`](crate::generated::types::ErrorBody)), and typed
    /// pagination ([`Page`](crate::Page)).
    ///
    /// ```no_run
    /// use hanko_passkeys::generated::Error;
    ///
    /// # async fn demo(tenant: hanko_passkeys::Tenant) -> Result<(), Box<dyn std::error::Error>> {
    /// match tenant.raw().get_jwks(&tenant.id()).await {
    ///     Ok(jwks) => println!("{} signing keys", jwks.keys.len()),
    ///     Err(Error::ErrorResponse(body)) => println!("{}: {}", body.status(), body.title),
    ///     Err(other) => return Err(other.into()),
    /// }
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn raw(&self) -> &Client {
        &self.inner.client
    }

    pub(crate) fn client(&self) -> &Client {
        &self.inner.client
    }

    pub(crate) fn tenant_id(&self) -> &Uuid {
        &self.inner.tenant_id
    }

    /// Passkey registration.
    pub fn registration(&self) -> Registration {
        Registration {
            tenant: self.clone(),
        }
    }

    /// Passkey login.
    pub fn login(&self) -> Login {
        Login {
            tenant: self.clone(),
        }
    }

    /// Operations on one user, by your application's user id.
    pub fn user(&self, user_id: impl Into<String>) -> User {
        User {
            tenant: self.clone(),
            user_id: user_id.into(),
        }
    }

    /// Transaction signing: a user confirms data with a passkey.
    pub fn transaction(&self) -> Transactions {
        Transactions {
            tenant: self.clone(),
        }
    }

    /// The token verifier of this tenant: it checks the tokens finalize calls return against
    /// the tenant's JWKS, which it caches and shares with every clone of this `Tenant`. Needs
    /// [`Config::relying_party_id`].
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) without
    /// [`Config::relying_party_id`](crate::Config::relying_party_id), or when the verifier cannot
    /// be built.
    ///
    /// ```no_run
    /// # async fn demo(tenant: hanko_passkeys::Tenant, assertion: hanko_passkeys::AssertionResponse)
    /// # -> Result<(), Box<dyn std::error::Error>> {
    /// let token = tenant.login().finalize(&assertion).await?;
    /// let claims = token.verify(&tenant.verifier()?).await?;
    /// println!("logged in: user {} with credential {}", claims.sub, claims.cred);
    /// # Ok(()) }
    /// ```
    pub fn verifier(&self) -> Result<Verifier, Error> {
        if let Some(verifier) = self.inner.verifier.get() {
            return Ok(verifier.clone());
        }
        let rp_id = self.inner.relying_party_id.clone().ok_or_else(|| {
            Error::config(
                "token verification needs the relying-party id: set Config::relying_party_id",
            )
        })?;
        let verifier = Verifier::builder(self.jwks_url(), rp_id)
            .http_client(self.inner.client.client().clone())
            .retry(self.inner.client.inner().settings().retry.clone())
            // The caller chose this base URL; its scheme is theirs to choose.
            .allow_insecure_http(self.base_url().starts_with("http://"))
            .build()
            .map_err(|e| Error::config(format!("token verifier: {e}")))?;
        Ok(self.inner.verifier.get_or_init(|| verifier).clone())
    }

    /// Fetches the tenant's public signing keys. Needs no API key.
    ///
    /// # Errors
    ///
    /// the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api)), or a transport failure or
    /// timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn jwks(&self) -> Result<types::Jwks, Error> {
        let r = self.client().get_jwks_call(self.tenant_id()).await?;
        Ok(r.value)
    }
}

pub(crate) fn token(reply: types::TokenResponse) -> Token {
    Token::new(reply.token)
}

fn invalid<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> Error + '_ {
    move |e| Error::invalid_input(format!("{what}: {e}"))
}

/// Passkey registration: [`Tenant::registration`].
#[derive(Clone, Debug)]
#[must_use = "a handle does nothing until one of its calls is awaited"]
pub struct Registration {
    tenant: Tenant,
}

impl Registration {
    /// Starts registering a passkey for `user_id` (your application's id), shown as `username`.
    /// Needs the API key. Await it, or set optional fields first.
    ///
    /// ```no_run
    /// # async fn demo(tenant: hanko_passkeys::Tenant) -> Result<(), Box<dyn std::error::Error>> {
    /// let options = tenant
    ///     .registration()
    ///     .initialize("user-42", "alice@example.com")
    ///     .display_name("Alice")
    ///     .await?;
    /// let json = serde_json::to_string(&options)?; // {"publicKey":{...}}: send to the browser
    /// # Ok(()) }
    /// ```
    pub fn initialize(
        &self,
        user_id: impl Into<String>,
        username: impl Into<String>,
    ) -> RegistrationInit {
        RegistrationInit::new(self.tenant.clone(), false, user_id.into(), username.into())
    }

    /// Finishes the registration with the credential the browser produced, and returns a
    /// token for the user. Needs no API key.
    ///
    /// # Errors
    ///
    /// The API's error when the server refuses the credential
    /// ([`Error::is_credential_refused`](crate::Error::is_credential_refused),
    /// [`Error::is_challenge_expired`](crate::Error::is_challenge_expired)), or a transport failure
    /// or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)). A finalize that may
    /// have reached the server is not sent again;
    /// [`Error::is_user_verification_required`](crate::Error::is_user_verification_required) when
    /// the tenant requires user verification.
    pub async fn finalize(&self, credential: &RegistrationResponse) -> Result<Token, Error> {
        let c = self.tenant.client();
        let r = c
            .registration_finalize_call(self.tenant.tenant_id(), credential)
            .await?;
        Ok(token(r.value))
    }
}

/// A registration initialize call with its optional fields; await it to send it.
#[derive(Clone, Debug)]
#[must_use = "await it to send the request"]
pub struct RegistrationInit {
    tenant: Tenant,
    mfa: bool,
    user_id: String,
    username: String,
    display_name: Option<String>,
    icon: Option<String>,
}

impl RegistrationInit {
    fn new(tenant: Tenant, mfa: bool, user_id: String, username: String) -> Self {
        RegistrationInit {
            tenant,
            mfa,
            user_id,
            username,
            display_name: None,
            icon: None,
        }
    }

    /// Friendlier name shown by authenticators (at most 128 characters); the username is
    /// used when not set.
    pub fn display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = Some(display_name.into());
        self
    }

    /// Absolute URL of an image of the user.
    pub fn icon(mut self, url: impl Into<String>) -> Self {
        self.icon = Some(url.into());
        self
    }

    /// Sends the request (what `.await` does).
    ///
    /// A user id longer than 64 bytes is refused before sending: browsers refuse such user
    /// handles, although the server would store them.
    ///
    /// A user id of exactly 16 bytes is refused before sending: the server turns a 16-byte
    /// user handle into a UUID at login, so such a user could register but never log in.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a user id browsers or the
    /// server cannot use, or a field over its limit;
    /// [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) without an API key (nothing is
    /// sent in either case). Otherwise the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api)),
    /// or a transport failure or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn send(self) -> Result<RegistrationOptions, Error> {
        if self.user_id.len() > MAX_BROWSER_USER_HANDLE {
            return Err(Error::invalid_input(format!(
                "user id is {} bytes long; browsers refuse user handles over {MAX_BROWSER_USER_HANDLE} bytes \
                 (\"User handle exceeds 64 bytes\"), so this user could never register a passkey",
                self.user_id.len()
            )));
        }
        if self.user_id.len() == 16 {
            return Err(Error::invalid_input(format!(
                "user id {:?} is exactly 16 bytes long; the Passkey API cannot log such users in \
                 (it reads a 16-byte user handle as a UUID); use a longer or shorter id",
                self.user_id
            )));
        }
        let body = types::RegistrationRequest {
            user_id: self.user_id.try_into().map_err(invalid("user id"))?,
            username: self.username.try_into().map_err(invalid("username"))?,
            display_name: self
                .display_name
                .map(TryInto::try_into)
                .transpose()
                .map_err(invalid("display name"))?,
            icon: match self.icon {
                Some(icon) => Some(check_url(icon)?),
                None => None,
            },
        };
        let c = self.tenant.client();
        let id = self.tenant.tenant_id();
        let r = if self.mfa {
            c.mfa_registration_initialize_call(id, &body).await?
        } else {
            c.registration_initialize_call(id, &body).await?
        };
        Ok(r.value)
    }
}

fn check_url(url: String) -> Result<String, Error> {
    reqwest::Url::parse(&url)
        .map_err(|e| Error::invalid_input(format!("icon {url:?} is not an absolute URL: {e}")))?;
    Ok(url)
}

impl IntoFuture for RegistrationInit {
    type Output = Result<RegistrationOptions, Error>;
    type IntoFuture = BoxFuture<RegistrationOptions>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// Passkey login: [`Tenant::login`].
#[derive(Clone, Debug)]
#[must_use = "a handle does nothing until one of its calls is awaited"]
pub struct Login {
    tenant: Tenant,
}

impl Login {
    /// Starts a discoverable login: any passkey of the tenant may answer, and the browser
    /// lets the user pick one. Needs no API key.
    ///
    /// # Errors
    ///
    /// the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api)), or a transport failure or
    /// timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn initialize(&self) -> Result<LoginOptions, Error> {
        login_initialize(&self.tenant, None).await
    }

    /// Finishes a login (discoverable or for a user) with the browser's assertion, and
    /// returns a token naming the user. Needs no API key.
    ///
    /// # Errors
    ///
    /// The API's error when the server refuses the credential
    /// ([`Error::is_credential_refused`](crate::Error::is_credential_refused),
    /// [`Error::is_challenge_expired`](crate::Error::is_challenge_expired)), or a transport failure
    /// or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)). A finalize that may
    /// have reached the server is not sent again.
    pub async fn finalize(&self, assertion: &AssertionResponse) -> Result<Token, Error> {
        let c = self.tenant.client();
        let r = c
            .login_finalize_call(self.tenant.tenant_id(), assertion)
            .await?;
        Ok(token(r.value))
    }
}

async fn login_initialize(tenant: &Tenant, user_id: Option<&str>) -> Result<LoginOptions, Error> {
    let body = types::LoginRequest {
        user_id: user_id
            .map(TryInto::try_into)
            .transpose()
            .map_err(invalid("user id"))?,
    };
    let c = tenant.client();
    Ok(c.login_initialize_call(tenant.tenant_id(), &body)
        .await?
        .value)
}

/// Operations on one user: [`Tenant::user`].
#[derive(Clone, Debug)]
#[must_use = "a handle does nothing until one of its calls is awaited"]
pub struct User {
    tenant: Tenant,
    user_id: String,
}

impl User {
    /// The user's passkey login.
    pub fn login(&self) -> UserLogin {
        UserLogin { user: self.clone() }
    }

    /// The user's second-factor (MFA) credentials.
    pub fn mfa(&self) -> Mfa {
        Mfa { user: self.clone() }
    }

    /// Lists the user's credentials (passkeys and MFA). Needs the API key. Await it for the
    /// first page, or page and stream through all of them.
    ///
    /// ```no_run
    /// # async fn demo(tenant: hanko_passkeys::Tenant) -> Result<(), hanko_passkeys::Error> {
    /// let page = tenant.user("user-42").credentials().per_page(50).await?;
    /// for credential in &page.items {
    ///     println!("{} {:?}", credential.id, credential.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn credentials(&self) -> crate::CredentialList {
        crate::CredentialList::new(self.tenant.clone(), Some(self.user_id.clone()))
    }
}

/// Login restricted to one user's passkeys: [`User::login`].
#[derive(Clone, Debug)]
#[must_use = "a handle does nothing until one of its calls is awaited"]
pub struct UserLogin {
    user: User,
}

impl UserLogin {
    /// Starts a login that only this user's passkeys (not MFA credentials) may answer. Needs
    /// the API key.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a user id over its limit,
    /// [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) without an API key (nothing is
    /// sent). Otherwise the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_no_usable_credential`](crate::Error::is_no_usable_credential) when the user has
    /// no passkey), or a transport failure or timeout
    /// ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn initialize(&self) -> Result<LoginOptions, Error> {
        login_initialize(&self.user.tenant, Some(&self.user.user_id)).await
    }

    /// Finishes the login; the same call as [`Login::finalize`].
    ///
    /// # Errors
    ///
    /// As [`Login::finalize`].
    pub async fn finalize(&self, assertion: &AssertionResponse) -> Result<Token, Error> {
        self.user.tenant.login().finalize(assertion).await
    }
}

/// A user's second factor: [`User::mfa`].
#[derive(Clone, Debug)]
#[must_use = "a handle does nothing until one of its calls is awaited"]
pub struct Mfa {
    user: User,
}

impl Mfa {
    /// MFA credential registration.
    pub fn registration(&self) -> MfaRegistration {
        MfaRegistration {
            user: self.user.clone(),
        }
    }

    /// MFA login.
    pub fn login(&self) -> MfaLogin {
        MfaLogin {
            user: self.user.clone(),
        }
    }
}

/// Registration of a second-factor credential: [`Mfa::registration`].
#[derive(Clone, Debug)]
#[must_use = "a handle does nothing until one of its calls is awaited"]
pub struct MfaRegistration {
    user: User,
}

impl MfaRegistration {
    /// Starts registering an MFA credential (the tenant's MFA settings: a security key,
    /// user verification preferred). Needs the API key.
    pub fn initialize(&self, username: impl Into<String>) -> RegistrationInit {
        RegistrationInit::new(
            self.user.tenant.clone(),
            true,
            self.user.user_id.clone(),
            username.into(),
        )
    }

    /// Finishes it, storing the credential as an MFA credential. Needs the API key.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) without an API key (nothing is
    /// sent); otherwise the API's error when the server refuses the credential
    /// ([`Error::is_credential_refused`](crate::Error::is_credential_refused),
    /// [`Error::is_challenge_expired`](crate::Error::is_challenge_expired)), or a transport failure
    /// or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)). A finalize that may
    /// have reached the server is not sent again.
    pub async fn finalize(&self, credential: &RegistrationResponse) -> Result<Token, Error> {
        let t = &self.user.tenant;
        let c = t.client();
        let r = c
            .mfa_registration_finalize_call(t.tenant_id(), credential)
            .await?;
        Ok(token(r.value))
    }
}

/// Second-factor login: [`Mfa::login`].
#[derive(Clone, Debug)]
#[must_use = "a handle does nothing until one of its calls is awaited"]
pub struct MfaLogin {
    user: User,
}

impl MfaLogin {
    /// Starts an MFA login; any of the user's credentials, MFA or passkey, may answer. Needs
    /// the API key.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for a user id over its limit,
    /// [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) without an API key (nothing is
    /// sent). Otherwise the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_no_usable_credential`](crate::Error::is_no_usable_credential) when the user has
    /// no credential), or a transport failure or timeout
    /// ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn initialize(&self) -> Result<LoginOptions, Error> {
        let t = &self.user.tenant;
        let body = types::MfaLoginRequest {
            user_id: self
                .user
                .user_id
                .clone()
                .try_into()
                .map_err(invalid("user id"))?,
        };
        let c = t.client();
        Ok(c.mfa_login_initialize_call(t.tenant_id(), &body)
            .await?
            .value)
    }

    /// Finishes the MFA login and returns a token for the user. Needs the API key.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) without an API key (nothing is
    /// sent); otherwise the API's error when the server refuses the credential
    /// ([`Error::is_credential_refused`](crate::Error::is_credential_refused),
    /// [`Error::is_challenge_expired`](crate::Error::is_challenge_expired)), or a transport failure
    /// or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)). A finalize that may
    /// have reached the server is not sent again.
    pub async fn finalize(&self, assertion: &AssertionResponse) -> Result<Token, Error> {
        let t = &self.user.tenant;
        let c = t.client();
        let r = c.mfa_login_finalize_call(t.tenant_id(), assertion).await?;
        Ok(token(r.value))
    }
}

/// Transaction signing: [`Tenant::transaction`].
#[derive(Clone, Debug)]
#[must_use = "a handle does nothing until one of its calls is awaited"]
pub struct Transactions {
    tenant: Tenant,
}

impl Transactions {
    /// Starts a transaction: the user `user_id` confirms `data` (any JSON value but `null`)
    /// with one of their passkeys. `transaction_id` must be new to the
    /// tenant, forever (at most 128 characters). Needs the API key.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for `null` data or a transaction
    /// id over its limit, [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) without an
    /// API key (nothing is sent in either case). Otherwise the API's error
    /// ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_conflict`](crate::Error::is_conflict) for a transaction id used before,
    /// [`Error::is_no_usable_credential`](crate::Error::is_no_usable_credential) for a user without
    /// a passkey), or a transport failure or timeout
    /// ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)). It is not sent again
    /// after an attempt that may have reached the server.
    ///
    /// ```no_run
    /// # async fn demo(tenant: hanko_passkeys::Tenant) -> Result<(), hanko_passkeys::Error> {
    /// let data = serde_json::json!({"amount": "42.00", "currency": "EUR", "to": "DE02..."});
    /// let options = tenant.transaction().initialize("user-42", "tx-2026-0001", &data).await?;
    /// # Ok(()) }
    /// ```
    pub async fn initialize(
        &self,
        user_id: impl Into<String>,
        transaction_id: impl Into<String>,
        data: &impl serde::Serialize,
    ) -> Result<LoginOptions, Error> {
        let data = serde_json::to_value(data).map_err(invalid("transaction data"))?;
        // The server's `required` treats the value like a pointer: only null (or a missing
        // member) fails; "", 0 and false are data like any other (contract §9.2).
        if data.is_null() {
            return Err(Error::invalid_input("transaction data must not be null"));
        }
        let body = types::TransactionRequest {
            user_id: user_id.into(),
            transaction_id: transaction_id
                .into()
                .try_into()
                .map_err(invalid("transaction id"))?,
            transaction_data: data,
        };
        let c = self.tenant.client();
        Ok(
            c.transaction_initialize_call(self.tenant.tenant_id(), &body)
                .await?
                .value,
        )
    }

    /// Finishes a transaction with the browser's assertion; the token carries the transaction
    /// id in its `trans` claim. Needs the API key.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) without an API key (nothing is
    /// sent); otherwise the API's error when the server refuses the credential
    /// ([`Error::is_credential_refused`](crate::Error::is_credential_refused),
    /// [`Error::is_challenge_expired`](crate::Error::is_challenge_expired)), or a transport failure
    /// or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)). A finalize that may
    /// have reached the server is not sent again.
    pub async fn finalize(&self, assertion: &AssertionResponse) -> Result<Token, Error> {
        let c = self.tenant.client();
        let r = c
            .transaction_finalize_call(self.tenant.tenant_id(), assertion)
            .await?;
        Ok(token(r.value))
    }

    /// Lists a user's transactions. The server keys this by its **internal** user id (a
    /// UUID, visible through the admin API), not by your application's user id. Needs the
    /// API key.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) without an API key (nothing is
    /// sent). Otherwise the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api)), or a transport
    /// failure or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn list(&self, internal_user_id: Uuid) -> Result<Vec<types::Transaction>, Error> {
        let c = self.tenant.client();
        Ok(
            c.list_transactions_call(self.tenant.tenant_id(), &internal_user_id)
                .await?
                .value,
        )
    }
}
