//! Credential listing and management.

use crate::generated::types;
use crate::pagination::{Page, positive};
use crate::platform::BoxFuture;
use crate::{Error, Tenant};

pub use types::ListCredentialsOrder as Order;

impl Tenant {
    /// Lists the credentials of every user of the tenant. Needs the API key. Await it for the
    /// first page, or page and stream through all of them.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// # async fn demo(tenant: hanko_passkeys::Tenant) -> Result<(), hanko_passkeys::Error> {
    /// let all: Vec<_> = tenant.credentials().per_page(100).stream().try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn credentials(&self) -> CredentialList {
        CredentialList::new(self.clone(), None)
    }

    /// One credential, by its base64url id.
    pub fn credential(&self, credential_id: impl Into<String>) -> CredentialHandle {
        CredentialHandle {
            tenant: self.clone(),
            id: credential_id.into(),
        }
    }
}

/// A credential list query: [`Tenant::credentials`] or [`User::credentials`](crate::User::credentials).
#[derive(Clone, Debug)]
#[must_use = "await it, or call send() or stream()"]
pub struct CredentialList {
    tenant: Tenant,
    user_id: Option<String>,
    page: Option<u64>,
    per_page: Option<u64>,
    max_pages: Option<u64>,
    order: Option<Order>,
}

impl CredentialList {
    pub(crate) fn new(tenant: Tenant, user_id: Option<String>) -> Self {
        CredentialList {
            tenant,
            user_id,
            page: None,
            per_page: None,
            max_pages: None,
            order: None,
        }
    }

    /// Sort order by creation time (the server's default: newest first).
    pub fn order(mut self, order: Order) -> Self {
        self.order = Some(order);
        self
    }

    fn fetch(&self, page: u64) -> BoxFuture<Page<types::Credential>> {
        let query = self.clone();
        Box::pin(async move {
            let page = positive("page", page)?;
            let per_page = query
                .per_page
                .map(|n| positive("per_page", n))
                .transpose()?;
            let c = query.tenant.client();
            let r = c
                .list_credentials_call(
                    query.tenant.tenant_id(),
                    query.order,
                    Some(page),
                    per_page,
                    query.user_id.as_deref(),
                )
                .await?;
            Ok(Page::from_reply(r.value, &r.headers))
        })
    }
}

crate::pagination::paged_query!(CredentialList, types::Credential, "Credentials");

/// One credential: [`Tenant::credential`]. Not scoped to a user: any credential of the
/// tenant can be read, renamed or removed.
#[derive(Clone, Debug)]
#[must_use = "a handle does nothing until one of its calls is awaited"]
pub struct CredentialHandle {
    tenant: Tenant,
    id: String,
}

impl CredentialHandle {
    fn checked_id(&self) -> Result<&str, Error> {
        if self.id.is_empty() {
            return Err(Error::invalid_input("the credential id is empty"));
        }
        Ok(&self.id)
    }

    /// Fetches the credential. Needs the API key.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id,
    /// [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) without an API key (nothing is
    /// sent); the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_not_found`](crate::Error::is_not_found) for an unknown credential), or a
    /// transport failure or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn get(&self) -> Result<types::Credential, Error> {
        let id = self.checked_id()?;
        let c = self.tenant.client();
        Ok(c.get_credential_call(self.tenant.tenant_id(), id)
            .await?
            .value)
    }

    /// Renames the credential. Needs the API key.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id or a name over
    /// its limit, [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) without an API key
    /// (nothing is sent). Otherwise the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_not_found`](crate::Error::is_not_found) for an unknown credential), or a
    /// transport failure or timeout ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn rename(&self, name: impl Into<String>) -> Result<(), Error> {
        let id = self.checked_id()?;
        let name: String = name.into();
        let body = types::CredentialUpdate {
            name: name
                .try_into()
                .map_err(|e| Error::invalid_input(format!("credential name: {e}")))?,
        };
        let c = self.tenant.client();
        c.update_credential_call(self.tenant.tenant_id(), id, &body)
            .await?;
        Ok(())
    }

    /// Removes the credential; it can no longer be used to log in. Needs the API key.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidInput`](crate::ErrorKind::InvalidInput) for an empty id,
    /// [`ErrorKind::MissingApiKey`](crate::ErrorKind::MissingApiKey) without an API key (nothing is
    /// sent). Otherwise the API's error ([`ErrorKind::Api`](crate::ErrorKind::Api);
    /// [`Error::is_not_found`](crate::Error::is_not_found) for an unknown credential, unless an
    /// earlier attempt may have removed it), or a transport failure or timeout
    /// ([`ErrorKind::Transport`](crate::ErrorKind::Transport),
    /// [`ErrorKind::Timeout`](crate::ErrorKind::Timeout)), or a response that is not the expected
    /// one ([`ErrorKind::UnexpectedResponse`](crate::ErrorKind::UnexpectedResponse),
    /// [`ErrorKind::Decode`](crate::ErrorKind::Decode),
    /// [`ErrorKind::Redirect`](crate::ErrorKind::Redirect),
    /// [`ErrorKind::ResponseTooLarge`](crate::ErrorKind::ResponseTooLarge)).
    pub async fn remove(&self) -> Result<(), Error> {
        let id = self.checked_id()?;
        let c = self.tenant.client();
        c.delete_credential_call(self.tenant.tenant_id(), id)
            .await?;
        Ok(())
    }
}
