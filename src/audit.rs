//! Audit log queries.

use chrono::{DateTime, Utc};

use crate::Tenant;
use crate::admin::AdminTenant;
use crate::generated::types;
use crate::pagination::{Page, positive};
use crate::platform::BoxFuture;

impl Tenant {
    /// Queries the tenant's audit log, newest first. Needs the API key. Await it for the first
    /// page, or stream all matching entries.
    ///
    /// ```no_run
    /// # async fn demo(tenant: hanko_passkeys::Tenant) -> Result<(), hanko_passkeys::Error> {
    /// let since = hanko_passkeys::chrono::Utc::now() - hanko_passkeys::chrono::Duration::hours(1);
    /// let page = tenant
    ///     .audit_logs()
    ///     .start_time(since)
    ///     .event_type("webauthn_authentication_final_succeeded")
    ///     .actor_user_id("user-42")
    ///     .await?;
    /// println!("{} logins in the last hour", page.total.unwrap_or(0));
    /// # Ok(()) }
    /// ```
    pub fn audit_logs(&self) -> AuditLogQuery {
        AuditLogQuery::default_for(self)
    }
}

/// An audit log query: [`Tenant::audit_logs`] (the public API, with the API key) or
/// [`AdminTenant::audit_logs`] (the admin API).
#[derive(Clone, Debug)]
#[must_use = "await it, or call send() or stream()"]
pub struct AuditLogQuery {
    source: Source,
    page: Option<u64>,
    per_page: Option<u64>,
    max_pages: Option<u64>,
    start_time: Option<DateTime<Utc>>,
    end_time: Option<DateTime<Utc>>,
    types: Vec<String>,
    actor_user_id: Option<String>,
    source_ip: Option<String>,
    search: Option<String>,
}

/// Which API a query goes to: the same filters and entries on both.
#[derive(Clone, Debug)]
enum Source {
    Public(Tenant),
    Admin(AdminTenant),
}

impl AuditLogQuery {
    fn default_for(tenant: &Tenant) -> Self {
        Self::new(Source::Public(tenant.clone()))
    }

    pub(crate) fn for_admin(tenant: AdminTenant) -> Self {
        Self::new(Source::Admin(tenant))
    }

    fn new(source: Source) -> Self {
        AuditLogQuery {
            source,
            page: None,
            per_page: None,
            max_pages: None,
            start_time: None,
            end_time: None,
            types: Vec::new(),
            actor_user_id: None,
            source_ip: None,
            search: None,
        }
    }

    /// Only entries created after this instant.
    pub fn start_time(mut self, time: DateTime<Utc>) -> Self {
        self.start_time = Some(time);
        self
    }

    /// Only entries created before this instant.
    pub fn end_time(mut self, time: DateTime<Utc>) -> Self {
        self.end_time = Some(time);
        self
    }

    /// Only entries of this type, e.g. `webauthn_registration_final_succeeded`; call it again
    /// to accept several types.
    pub fn event_type(mut self, event_type: impl Into<String>) -> Self {
        self.types.push(event_type.into());
        self
    }

    /// Only entries whose actor user id contains this text.
    pub fn actor_user_id(mut self, user_id: impl Into<String>) -> Self {
        self.actor_user_id = Some(user_id.into());
        self
    }

    /// Only entries whose source IP address contains this text.
    pub fn source_ip(mut self, ip: impl Into<String>) -> Self {
        self.source_ip = Some(ip.into());
        self
    }

    /// Only entries whose source IP or actor user id contains this text (the `q` parameter).
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }

    fn fetch(&self, page: u64) -> BoxFuture<Page<types::AuditLog>> {
        let q = self.clone();
        Box::pin(async move {
            let page = positive("page", page)?;
            let per_page = q.per_page.map(|n| positive("per_page", n)).transpose()?;
            let types = (!q.types.is_empty()).then_some(&q.types);
            let (actor, ip, search) = (
                q.actor_user_id.as_deref(),
                q.source_ip.as_deref(),
                q.search.as_deref(),
            );
            let (start, end) = (q.start_time.as_ref(), q.end_time.as_ref());
            let r = match &q.source {
                Source::Public(tenant) => {
                    let c = tenant.client();
                    let id = tenant.tenant_id();
                    c.list_audit_logs_call(
                        id,
                        actor,
                        end,
                        ip,
                        Some(page),
                        per_page,
                        search,
                        start,
                        types,
                    )
                    .await?
                }
                Source::Admin(tenant) => {
                    let c = tenant.client();
                    let id = tenant.id();
                    c.list_audit_logs_call(
                        &id,
                        actor,
                        end,
                        ip,
                        Some(page),
                        per_page,
                        search,
                        start,
                        types,
                    )
                    .await?
                }
            };
            Ok(Page::from_reply(r.value, &r.headers))
        })
    }
}

crate::pagination::paged_query!(AuditLogQuery, types::AuditLog, "Entries");
