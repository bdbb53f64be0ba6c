//! The admin client's request hook: the caller's custom headers, then the same exchange as
//! the public client (retries, limits, tracing).

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::HeaderMap;

use crate::client::exchange_recorded;
use crate::exchange::Settings;
use crate::generated::admin::Client;
use crate::operations;

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

impl ClientHooks<AdminHooks> for Client {
    async fn exec(
        &self,
        mut request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let hooks = self.inner();
        for (name, value) in &hooks.headers {
            request.headers_mut().insert(name, value.clone());
        }
        let op = operations::find_admin(info.operation_id);
        exchange_recorded(
            self.client(),
            request,
            info.operation_id,
            op,
            &hooks.settings,
        )
        .await
    }
}
