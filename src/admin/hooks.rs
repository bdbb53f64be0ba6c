//! The admin client's side of the request hook ([`crate::client`]): the caller's custom
//! headers, then the same exchange as the public client (retries, limits, tracing).

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::HeaderMap;

use crate::Error;
use crate::client::{self, Api};
use crate::exchange::Settings;
use crate::generated::admin::Client;
use crate::operations::Operation;

/// What the generated admin client carries for its hook: custom headers (for a gateway in
/// front of the admin server, which has no authentication of its own) and how to use the
/// wire. Built by [`admin()`](crate::admin()); its `Debug` output hides header values.
#[derive(Clone)]
pub struct AdminHooks {
    headers: HeaderMap,
    settings: Settings,
}

impl AdminHooks {
    pub(crate) fn new(headers: HeaderMap, settings: Settings) -> Self {
        AdminHooks { headers, settings }
    }
}

impl std::fmt::Debug for AdminHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminHooks")
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("settings", &self.settings)
            .finish()
    }
}

impl Api for Client {
    fn operation(id: &str) -> Option<&'static Operation> {
        crate::generated::admin::operation(id)
    }

    fn http(&self) -> &reqwest::Client {
        self.client()
    }

    fn settings(&self) -> &Settings {
        &self.inner().settings
    }

    /// The admin API needs no key; the caller's headers go on every request.
    fn authorize(&self, request: &mut reqwest::Request, _: &Operation) -> Result<(), Error> {
        for (name, value) in &self.inner().headers {
            request.headers_mut().insert(name, value.clone());
        }
        Ok(())
    }
}

/// The generated methods' hook (`Admin::raw()`).
impl ClientHooks<AdminHooks> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        client::pre(self, request, info)
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        client::exec(self, request, info).await
    }
}
