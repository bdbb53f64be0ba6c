//! The admin facade: [`Admin`] and the handles it hands out.

use std::future::IntoFuture;
use std::sync::Arc;

use progenitor_client::ClientInfo;
use uuid::Uuid;

use super::{
    AdminConfig, AdminHooks, Secret, TenantConfig, TenantDetails, TenantSummary, UserDetails,
    UserSummary,
};
use crate::generated::admin::{Client, types};
use crate::pagination::{Page, positive};
use crate::platform::BoxFuture;
use crate::{AuditLogQuery, Config, Error, Order, Tenant};

/// Connects to the admin API of a self-hosted Passkey Server. Checks the configuration;
/// makes no request.
///
/// # Errors
///
/// [`ErrorKind::Config`](crate::ErrorKind::Config) when the base URL or a custom header is invalid,
/// or the HTTP client cannot be built. Nothing is sent.
///
/// ```
/// let admin = hanko_passkeys::admin(hanko_passkeys::AdminConfig::new("http://localhost:8001"))?;
/// assert_eq!(admin.base_url(), "http://localhost:8001");
/// # Ok::<(), hanko_passkeys::Error>(())
/// ```
pub fn admin(config: AdminConfig) -> Result<Admin, Error> {
    let (base_url, headers, user_agent) = config.validate()?;
    let http = config.http.build_http(user_agent)?;
    let hooks = AdminHooks::new(headers, config.http.settings());
    Ok(Admin {
        client: Arc::new(Client::new_with_client(&base_url, http, hooks)),
    })
}

/// The admin API of one Passkey Server: the entry point to every admin operation.
///
/// Cheap to clone and safe to share between tasks; clones share one connection pool. Calls
/// are retried, bounded and traced as [`Tenant`]'s are; creating a tenant or a secret is
/// retried only when the request provably never left.
///
/// ```no_run
/// # async fn demo() -> Result<(), hanko_passkeys::Error> {
/// let admin = hanko_passkeys::admin(hanko_passkeys::AdminConfig::new("http://localhost:8001"))?;
/// if admin.alive().await? && admin.ready().await? {
///     println!("{} tenants", admin.tenants().await?.len());
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Admin {
    client: Arc<Client>,
}

impl std::fmt::Debug for Admin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admin")
            .field("base_url", &self.client.baseurl())
            .field("hooks", self.client.inner())
            .finish()
    }
}

impl Admin {
    /// The admin API's base URL.
    #[must_use]
    pub fn base_url(&self) -> &str {
        self.client.baseurl()
    }

    /// The [generated admin client](crate::generated::admin::Client) underneath: the escape
    /// hatch for what the facade does not offer. There is no other way to get one.
    ///
    /// Its calls go through the same request hook as the facade's (custom headers, retries,
    /// tracing, the response size limits, no redirects followed). What it lacks is what the
    /// facade adds (see [`generated`](crate::generated)): argument checks before sending, the
    /// one error type [`Error`] (its errors are progenitor's
    /// [`generated::admin::Error`](crate::generated::admin::Error) around the API's
    /// [`ErrorBody`](crate::generated::types::ErrorBody)), and typed pagination.
    ///
    /// ```no_run
    /// # async fn demo(admin: hanko_passkeys::Admin) -> Result<(), Box<dyn std::error::Error>> {
    /// let ready = admin.raw().health_ready().await?.into_inner().ready;
    /// println!("ready: {ready}");
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn raw(&self) -> &Client {
        &self.client
    }

    /// Whether the server is alive (`GET /health/alive`).
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
    pub async fn alive(&self) -> Result<bool, Error> {
        Ok(self.client.health_alive_call().await?.value.alive)
    }

    /// Whether the server is ready for requests (`GET /health/ready`).
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
    pub async fn ready(&self) -> Result<bool, Error> {
        Ok(self.client.health_ready_call().await?.value.ready)
    }

    /// Every tenant of the server (the list is not paged).
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
    ///
    /// ```no_run
    /// # async fn demo(admin: hanko_passkeys::Admin) -> Result<(), hanko_passkeys::Error> {
    /// for tenant in admin.tenants().await? {
    ///     println!("{} {}", tenant.id, tenant.display_name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn tenants(&self) -> Result<Vec<TenantSummary>, Error> {
        Ok(self.client.list_tenants_call().await?.value)
    }

    /// Creates a tenant named `display_name` with `config`. The server also creates its first
    /// JWK secret ("Initial JWK Key"); [`CreateTenant::with_api_key`] asks for a first API key
    /// ("Initial API Key") too. Await it to send it.
    ///
    /// ```no_run
    /// use hanko_passkeys::admin::{TenantConfig, UserVerification};
    /// # async fn demo(admin: hanko_passkeys::Admin) -> Result<(), hanko_passkeys::Error> {
    /// let config = TenantConfig::new("localhost", "Tests", ["http://localhost:3000"])
    ///     .user_verification(UserVerification::Discouraged);
    /// let created = admin.create_tenant("tests", config).with_api_key().await?;
    /// let tenant = created.tenant("http://localhost:8000")?;
    /// # Ok(()) }
    /// ```
    pub fn create_tenant(
        &self,
        display_name: impl Into<String>,
        config: TenantConfig,
    ) -> CreateTenant {
        CreateTenant {
            admin: self.clone(),
            body: types::CreateTenantRequest {
                display_name: display_name.into(),
                config,
                create_api_key: None,
            },
        }
    }

    /// One tenant, by id.
    pub fn tenant(&self, tenant_id: Uuid) -> AdminTenant {
        AdminTenant {
            admin: self.clone(),
            id: tenant_id,
        }
    }
}

/// A create-tenant call: [`Admin::create_tenant`]. Await it to send it.
#[derive(Clone, Debug)]
#[must_use = "await it to send the request"]
pub struct CreateTenant {
    admin: Admin,
    body: types::CreateTenantRequest,
}

impl CreateTenant {
    /// Also create an API key ("Initial API Key") and return it in
    /// [`CreatedTenant::api_key`].
    pub fn with_api_key(mut self) -> Self {
        self.body.create_api_key = Some(true);
        self
    }

    /// Sends the request (what `.await` does). Not repeated after an attempt that may have
    /// reached the server: that could create a second tenant.
    ///
    /// # Errors
    ///
    /// the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api), 400 for an invalid
    /// configuration), or a transport failure or timeout
    /// ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)). It is not sent again
    /// after an attempt that may have reached the server: after a transport failure or timeout the
    /// tenant may exist.
    pub async fn send(self) -> Result<CreatedTenant, Error> {
        let created = self
            .admin
            .client
            .create_tenant_call(&self.body)
            .await?
            .value;
        Ok(CreatedTenant {
            id: created.id,
            api_key: created.api_key,
        })
    }
}

impl IntoFuture for CreateTenant {
    type Output = Result<CreatedTenant, Error>;
    type IntoFuture = BoxFuture<CreatedTenant>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// A tenant just created: [`CreateTenant`]. Its `Debug` output hides the API key's value.
///
/// ```no_run
/// use hanko_passkeys::admin::TenantConfig;
/// # async fn demo(admin: hanko_passkeys::Admin) -> Result<(), hanko_passkeys::Error> {
/// let config = TenantConfig::new("localhost", "Local", ["http://localhost:3000"]);
/// let created = admin.create_tenant("local", config).with_api_key().await?;
/// let tenant = hanko_passkeys::tenant(
///     created.config("http://localhost:8000").relying_party_id("localhost"),
/// )?;
/// let verifier = tenant.verifier()?;
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct CreatedTenant {
    /// The new tenant's id.
    pub id: Uuid,
    /// Its first API key, when [`CreateTenant::with_api_key`] asked for one. Shown once
    /// here, but the server also lists it ([`AdminTenant::api_keys`]).
    pub api_key: Option<Secret>,
}

impl CreatedTenant {
    /// A [`Config`] for the new tenant on the public API at `public_base_url` (port 8000 of a
    /// self-hosted server), with its API key when one was created. Add what else you need
    /// (a relying-party id for token verification) before calling [`tenant()`](crate::tenant()).
    pub fn config(&self, public_base_url: impl Into<String>) -> Config {
        let config = Config::new(self.id.to_string()).base_url(public_base_url);
        match &self.api_key {
            Some(key) => config.api_key(key.value()),
            None => config,
        }
    }

    /// The new tenant on the public API at `public_base_url`, ready to use:
    /// `tenant(self.config(public_base_url))`.
    ///
    /// # Errors
    ///
    /// As [`tenant()`](crate::tenant()): [`ErrorKind::Config`](crate::ErrorKind::Config) when the
    /// base URL is invalid.
    pub fn tenant(&self, public_base_url: impl Into<String>) -> Result<Tenant, Error> {
        crate::tenant(self.config(public_base_url))
    }
}

/// One tenant on the admin API: [`Admin::tenant`].
///
/// ```no_run
/// # async fn demo(admin: hanko_passkeys::Admin, id: hanko_passkeys::uuid::Uuid) -> Result<(), hanko_passkeys::Error> {
/// let tenant = admin.tenant(id);
/// let details = tenant.get().await?;
/// println!("{}: RP {}", details.display_name, details.config.webauthn.relying_party.id);
/// tenant.rename("renamed").await?;
/// match tenant.delete().await {
///     Ok(()) => {}
///     Err(e) if e.is_not_found() => println!("already gone"),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a handle does nothing until one of its calls is awaited"]
pub struct AdminTenant {
    admin: Admin,
    id: Uuid,
}

impl AdminTenant {
    /// The tenant id.
    #[must_use]
    pub fn id(&self) -> Uuid {
        self.id
    }

    pub(crate) fn client(&self) -> &Client {
        &self.admin.client
    }

    /// The tenant with its whole configuration.
    ///
    /// # Errors
    ///
    /// the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_not_found`](crate::Error::is_not_found) for an unknown tenant), or a transport
    /// failure or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn get(&self) -> Result<TenantDetails, Error> {
        Ok(self.client().get_tenant_call(&self.id).await?.value)
    }

    /// Changes the tenant's display name.
    ///
    /// # Errors
    ///
    /// the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_not_found`](crate::Error::is_not_found) for an unknown tenant), or a transport
    /// failure or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn rename(&self, display_name: impl Into<String>) -> Result<(), Error> {
        let body = types::UpdateTenantRequest {
            display_name: display_name.into(),
        };
        self.client().update_tenant_call(&self.id, &body).await?;
        Ok(())
    }

    /// Deletes the tenant with its users, credentials, secrets and audit logs.
    ///
    /// # Errors
    ///
    /// the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_not_found`](crate::Error::is_not_found) for an unknown tenant), or a transport
    /// failure or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn delete(&self) -> Result<(), Error> {
        self.client().delete_tenant_call(&self.id).await?;
        Ok(())
    }

    /// Replaces the tenant's **whole** configuration: what `config` leaves unset goes back to
    /// the server's default, and so do the audit-log settings. Takes effect on the public API
    /// at once.
    ///
    /// # Errors
    ///
    /// the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api); 400 for an invalid
    /// configuration, [`Error::is_not_found`](crate::Error::is_not_found) for an unknown tenant),
    /// or a transport failure or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    ///
    /// ```no_run
    /// use hanko_passkeys::admin::UserVerification;
    /// # async fn demo(tenant: hanko_passkeys::admin::AdminTenant) -> Result<(), hanko_passkeys::Error> {
    /// let config = tenant.get().await?.config.user_verification(UserVerification::Preferred);
    /// tenant.replace_config(&config).await?;
    /// # Ok(()) }
    /// ```
    pub async fn replace_config(&self, config: &TenantConfig) -> Result<(), Error> {
        self.client()
            .replace_tenant_config_call(&self.id, config)
            .await?;
        Ok(())
    }

    /// The tenant's API keys, which authenticate calls to its public API.
    pub fn api_keys(&self) -> Secrets {
        Secrets {
            tenant: self.clone(),
            kind: SecretKind::ApiKey,
        }
    }

    /// The tenant's JWK secrets, from which its token signing keys are made. Adding one
    /// rotates the signing key on the tenant's next public request (old keys stay in the
    /// JWKS); deleting one whose key is still stored makes the tenant's public requests fail
    /// with 500 (contract §3, §4.4).
    pub fn signing_keys(&self) -> Secrets {
        Secrets {
            tenant: self.clone(),
            kind: SecretKind::Jwk,
        }
    }

    /// Lists the tenant's users, newest first by default. Await it for the first page, or
    /// page and stream through all of them.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// use hanko_passkeys::Order;
    /// # async fn demo(tenant: hanko_passkeys::admin::AdminTenant) -> Result<(), hanko_passkeys::Error> {
    /// let users: Vec<_> = tenant.users().order(Order::Asc).per_page(100).stream().try_collect().await?;
    /// for user in &users {
    ///     println!("{} is {} ({})", user.id, user.user_id, user.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn users(&self) -> UserList {
        UserList {
            tenant: self.clone(),
            page: None,
            per_page: None,
            max_pages: None,
            order: None,
        }
    }

    /// One user, by the server's **internal** id (the `id` of [`UserSummary`], a UUID), not
    /// the application's user id. The server does not check that the user belongs to this
    /// tenant.
    pub fn user(&self, internal_user_id: Uuid) -> AdminUser {
        AdminUser {
            tenant: self.clone(),
            id: internal_user_id,
        }
    }

    /// Queries the tenant's audit log with every filter of the public
    /// [`Tenant::audit_logs`], without its API key.
    ///
    /// ```no_run
    /// # async fn demo(tenant: hanko_passkeys::admin::AdminTenant) -> Result<(), hanko_passkeys::Error> {
    /// let page = tenant.audit_logs().event_type("webauthn_registration_final_succeeded").await?;
    /// # Ok(()) }
    /// ```
    pub fn audit_logs(&self) -> AuditLogQuery {
        AuditLogQuery::for_admin(self.clone())
    }
}

/// Which secrets a [`Secrets`] handle manages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// API keys (`/secrets/api`).
    ApiKey,
    /// JWK secrets (`/secrets/jwk`).
    Jwk,
}

/// A tenant's API keys or JWK secrets: [`AdminTenant::api_keys`], [`AdminTenant::signing_keys`].
///
/// **The server returns every secret in plaintext, in lists too**: whoever can list them
/// can use them. [`Secret`]'s `Debug` and `Display` hide the value.
///
/// ```no_run
/// # async fn demo(tenant: hanko_passkeys::admin::AdminTenant) -> Result<(), hanko_passkeys::Error> {
/// // Rotate the API key: create the new one, hand it out, then delete the old ones.
/// let new_key = tenant.api_keys().create("2026-11").await?;
/// for key in tenant.api_keys().list().await? {
///     if key.id != new_key.id {
///         tenant.api_keys().delete(key.id).await?;
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
#[must_use = "a handle does nothing until one of its calls is awaited"]
pub struct Secrets {
    tenant: AdminTenant,
    kind: SecretKind,
}

impl Secrets {
    /// Which secrets these are.
    #[must_use]
    pub fn kind(&self) -> SecretKind {
        self.kind
    }

    /// Every secret of this kind, values included (`[]` when there are none).
    ///
    /// # Errors
    ///
    /// the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_not_found`](crate::Error::is_not_found) for an unknown tenant), or a transport
    /// failure or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn list(&self) -> Result<Vec<Secret>, Error> {
        let (c, id) = (self.tenant.client(), &self.tenant.id);
        let r = match self.kind {
            SecretKind::ApiKey => c.list_api_keys_call(id).await?,
            SecretKind::Jwk => c.list_jwk_secrets_call(id).await?,
        };
        Ok(r.value)
    }

    /// Creates a secret named `name`, which must be new among the tenant's secrets of this
    /// kind (the server answers a duplicate with 500). Not repeated after an attempt that
    /// may have reached the server.
    ///
    /// # Errors
    ///
    /// the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api)), or a transport failure or
    /// timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)). It is not sent again
    /// after an attempt that may have reached the server.
    ///
    /// ```no_run
    /// # async fn demo(tenant: hanko_passkeys::admin::AdminTenant) -> Result<(), hanko_passkeys::Error> {
    /// let key = tenant.api_keys().create("ci").await?;
    /// println!("created {key}"); // the value is not shown
    /// let value = key.value(); // hand it to whoever needs it, once
    /// # Ok(()) }
    /// ```
    pub async fn create(&self, name: impl Into<String>) -> Result<Secret, Error> {
        let body = types::CreateSecretRequest { name: name.into() };
        let (c, id) = (self.tenant.client(), &self.tenant.id);
        let r = match self.kind {
            SecretKind::ApiKey => c.create_api_key_call(id, &body).await?,
            SecretKind::Jwk => c.create_jwk_secret_call(id, &body).await?,
        };
        Ok(r.value)
    }

    /// Deletes the secret with this id (a version-4 UUID, as the server creates them). A
    /// deleted API key stops working at once.
    ///
    /// # Errors
    ///
    /// the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_not_found`](crate::Error::is_not_found) for an unknown secret), or a transport
    /// failure or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn delete(&self, secret_id: Uuid) -> Result<(), Error> {
        let (c, id) = (self.tenant.client(), &self.tenant.id);
        match self.kind {
            SecretKind::ApiKey => c.delete_api_key_call(id, &secret_id).await?,
            SecretKind::Jwk => c.delete_jwk_secret_call(id, &secret_id).await?,
        };
        Ok(())
    }
}

/// A users list query: [`AdminTenant::users`].
#[derive(Clone, Debug)]
#[must_use = "await it, or call send() or stream()"]
pub struct UserList {
    tenant: AdminTenant,
    page: Option<u64>,
    per_page: Option<u64>,
    max_pages: Option<u64>,
    order: Option<Order>,
}

impl UserList {
    /// Sort order by creation time (the server's default: newest first).
    pub fn order(mut self, order: Order) -> Self {
        self.order = Some(order);
        self
    }

    fn fetch(&self, page: u64) -> BoxFuture<Page<UserSummary>> {
        let query = self.clone();
        Box::pin(async move {
            let page = positive("page", page)?;
            let per_page = query
                .per_page
                .map(|n| positive("per_page", n))
                .transpose()?;
            let order = query.order.map(|o| match o {
                Order::Asc => types::ListUsersSortDirection::Asc,
                Order::Desc => types::ListUsersSortDirection::Desc,
            });
            let c = query.tenant.client();
            let r = c
                .list_users_call(&query.tenant.id, Some(page), per_page, order)
                .await?;
            Ok(Page::from_reply(r.value, &r.headers))
        })
    }
}

crate::pagination::paged_query!(UserList, UserSummary, "Users");

/// One user of a tenant, by internal id: [`AdminTenant::user`].
#[derive(Clone, Debug)]
#[must_use = "a handle does nothing until one of its calls is awaited"]
pub struct AdminUser {
    tenant: AdminTenant,
    id: Uuid,
}

impl AdminUser {
    /// The user's internal id.
    #[must_use]
    pub fn id(&self) -> Uuid {
        self.id
    }

    /// The user with all of its credentials (passkeys and MFA) and transactions.
    ///
    /// # Errors
    ///
    /// the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_not_found`](crate::Error::is_not_found) for an unknown user), or a transport
    /// failure or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    ///
    /// ```no_run
    /// # async fn demo(tenant: hanko_passkeys::admin::AdminTenant, id: hanko_passkeys::uuid::Uuid) -> Result<(), hanko_passkeys::Error> {
    /// let user = tenant.user(id).get().await?;
    /// println!("{} has {} passkeys", user.user_id, user.credentials.len());
    /// # Ok(()) }
    /// ```
    pub async fn get(&self) -> Result<UserDetails, Error> {
        let c = self.tenant.client();
        Ok(c.get_user_call(&self.tenant.id, &self.id).await?.value)
    }

    /// Deletes the user with its credentials and transactions: its passkeys stop working.
    ///
    /// # Errors
    ///
    /// the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_not_found`](crate::Error::is_not_found) for an unknown user), or a transport
    /// failure or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn delete(&self) -> Result<(), Error> {
        let c = self.tenant.client();
        c.delete_user_call(&self.tenant.id, &self.id).await?;
        Ok(())
    }
}
