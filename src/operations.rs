//! What the SDK knows about each operation of the public and the admin API: its route,
//! whether it carries the API key, and whether it is safe to send twice. The request hooks
//! decide everything from these tables, so the facades and the generated clients
//! ([`Tenant::raw`](crate::Tenant::raw), [`Admin::raw`](crate::Admin::raw)) behave the same.

/// When an operation sends the tenant's API key (contract §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum KeyRule {
    /// A public call: the key never leaves the process.
    Never,
    /// Every call needs the key.
    Always,
    /// Only when the body names a user (`login_initialize` with a `user_id`).
    WhenUserNamed,
}

/// Whether an operation may be sent again after an attempt that may have reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Idempotency {
    /// Reads, deletes, renames and the initialize calls (each creates a fresh session):
    /// retried on transport errors, timeouts, 429, 502, 503 and 504.
    Idempotent,
    /// Finalize calls consume a one-time challenge, and a transaction id can be initialized
    /// only once: retried only when the request provably never left (the connection failed).
    OnlyIfNotSent,
}

/// One operation of the public API.
#[derive(Debug)]
pub(crate) struct Operation {
    pub id: &'static str,
    pub method: &'static str,
    /// The path with placeholders, which is what tracing records: ids stay out of logs.
    pub path: &'static str,
    pub key: KeyRule,
    pub idempotency: Idempotency,
}

use Idempotency::{Idempotent, OnlyIfNotSent};
use KeyRule::{Always, Never, WhenUserNamed};

macro_rules! operations {
    ($name:ident: $($id:literal $method:literal $path:literal $key:ident $idem:ident;)*) => {
        pub(crate) const $name: &[Operation] = &[
            $(Operation { id: $id, method: $method, path: $path, key: $key, idempotency: $idem },)*
        ];
    };
}

operations! { OPERATIONS:
    "list_credentials"            "GET"    "/{tenant_id}/credentials"                 Always        Idempotent;
    "get_credential"              "GET"    "/{tenant_id}/credentials/{credential_id}" Always        Idempotent;
    "update_credential"           "PATCH"  "/{tenant_id}/credentials/{credential_id}" Always        Idempotent;
    "delete_credential"           "DELETE" "/{tenant_id}/credentials/{credential_id}" Always        Idempotent;
    "registration_initialize"     "POST"   "/{tenant_id}/registration/initialize"     Always        Idempotent;
    "registration_finalize"       "POST"   "/{tenant_id}/registration/finalize"       Never         OnlyIfNotSent;
    "login_initialize"            "POST"   "/{tenant_id}/login/initialize"            WhenUserNamed Idempotent;
    "login_finalize"              "POST"   "/{tenant_id}/login/finalize"              Never         OnlyIfNotSent;
    "get_jwks"                    "GET"    "/{tenant_id}/.well-known/jwks.json"       Never         Idempotent;
    "transaction_initialize"      "POST"   "/{tenant_id}/transaction/initialize"      Always        OnlyIfNotSent;
    "transaction_finalize"        "POST"   "/{tenant_id}/transaction/finalize"        Always        OnlyIfNotSent;
    "mfa_registration_initialize" "POST"   "/{tenant_id}/mfa/registration/initialize" Always        Idempotent;
    "mfa_registration_finalize"   "POST"   "/{tenant_id}/mfa/registration/finalize"   Always        OnlyIfNotSent;
    "mfa_login_initialize"        "POST"   "/{tenant_id}/mfa/login/initialize"        Always        Idempotent;
    "mfa_login_finalize"          "POST"   "/{tenant_id}/mfa/login/finalize"          Always        OnlyIfNotSent;
    "list_audit_logs"             "GET"    "/{tenant_id}/audit_logs"                  Always        Idempotent;
    "list_transactions"           "GET"    "/{tenant_id}/transaction/{user_id}"       Always        Idempotent;
}

// The admin API (contract §3): no API key anywhere. Creating a tenant or a secret is not
// repeated after an attempt that may have arrived (a second tenant, or a 500 for the
// duplicate name); everything else may be sent again.
operations! { ADMIN_OPERATIONS:
    "list_tenants"          "GET"    "/tenants"                                    Never Idempotent;
    "create_tenant"         "POST"   "/tenants"                                    Never OnlyIfNotSent;
    "get_tenant"            "GET"    "/tenants/{tenant_id}"                        Never Idempotent;
    "update_tenant"         "PUT"    "/tenants/{tenant_id}"                        Never Idempotent;
    "delete_tenant"         "DELETE" "/tenants/{tenant_id}"                        Never Idempotent;
    "replace_tenant_config" "PUT"    "/tenants/{tenant_id}/config"                 Never Idempotent;
    "list_api_keys"         "GET"    "/tenants/{tenant_id}/secrets/api"            Never Idempotent;
    "create_api_key"        "POST"   "/tenants/{tenant_id}/secrets/api"            Never OnlyIfNotSent;
    "delete_api_key"        "DELETE" "/tenants/{tenant_id}/secrets/api/{secret_id}" Never Idempotent;
    "list_jwk_secrets"      "GET"    "/tenants/{tenant_id}/secrets/jwk"            Never Idempotent;
    "create_jwk_secret"     "POST"   "/tenants/{tenant_id}/secrets/jwk"            Never OnlyIfNotSent;
    "delete_jwk_secret"     "DELETE" "/tenants/{tenant_id}/secrets/jwk/{secret_id}" Never Idempotent;
    "list_audit_logs"       "GET"    "/tenants/{tenant_id}/audit_logs"             Never Idempotent;
    "list_users"            "GET"    "/tenants/{tenant_id}/users"                  Never Idempotent;
    "get_user"              "GET"    "/tenants/{tenant_id}/users/{user_id}"        Never Idempotent;
    "delete_user"           "DELETE" "/tenants/{tenant_id}/users/{user_id}"        Never Idempotent;
    "health_alive"          "GET"    "/health/alive"                               Never Idempotent;
    "health_ready"          "GET"    "/health/ready"                               Never Idempotent;
}

/// The admin operation with this id; an unknown one is not repeated after it may have
/// arrived.
pub(crate) fn find_admin(id: &str) -> &'static Operation {
    static UNKNOWN: Operation = Operation {
        id: "unknown",
        method: "",
        path: "",
        key: Never,
        idempotency: OnlyIfNotSent,
    };
    ADMIN_OPERATIONS
        .iter()
        .find(|op| op.id == id)
        .unwrap_or(&UNKNOWN)
}

/// The operation with this id. An id the table does not know (a newer spec) is treated as
/// needing the key and not safe to repeat: the conservative choice for both.
pub(crate) fn find(id: &str) -> &'static Operation {
    static UNKNOWN: Operation = Operation {
        id: "unknown",
        method: "",
        path: "",
        key: Always,
        idempotency: OnlyIfNotSent,
    };
    OPERATIONS.iter().find(|op| op.id == id).unwrap_or(&UNKNOWN)
}

impl Operation {
    /// Whether a request with this JSON body sends the key.
    pub(crate) fn sends_key(&self, body: Option<&[u8]>) -> bool {
        self.needs_key(self.key == WhenUserNamed && body.is_some_and(names_user))
    }

    /// Whether a call needs the key, given whether its arguments name a user.
    pub(crate) fn needs_key(&self, user_named: bool) -> bool {
        match self.key {
            Never => false,
            Always => true,
            WhenUserNamed => user_named,
        }
    }
}

/// Whether a login-initialize body names a user: `{"user_id": "..."}`. An absent, empty or
/// `null` body, or `{"user_id": null}`, is a discoverable login (contract §2.10).
fn names_user(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Body {
        user_id: Option<serde_json::Value>,
    }
    serde_json::from_slice::<Body>(body)
        .ok()
        .and_then(|b| b.user_id)
        .is_some_and(|v| !v.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls `check(entry, method, operation)` for every operation of a vendored spec after
    /// checking that `table` names it with the spec's method and path, and that the table
    /// names nothing else.
    fn each_operation(
        spec: &str,
        table: &[Operation],
        find: fn(&str) -> &'static Operation,
        mut check: impl FnMut(&Operation, &str, &serde_json::Value),
    ) {
        let spec: serde_json::Value = serde_json::from_str(spec).unwrap();
        let mut seen = 0;
        for (path, item) in spec["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let Some(id) = op["operationId"].as_str() else {
                    continue;
                };
                seen += 1;
                let entry = find(id);
                assert_eq!(entry.id, id, "{id} is missing from the table");
                assert_eq!(entry.path, path, "{id}");
                assert_eq!(entry.method, method.to_uppercase(), "{id}");
                check(entry, method, op);
            }
        }
        assert_eq!(seen, table.len());
    }

    /// The table must name exactly the operations of the vendored spec, with the spec's
    /// method, path and security.
    #[test]
    fn table_matches_the_vendored_spec() {
        let spec = include_str!("../openapi/passkey-api.json");
        each_operation(spec, OPERATIONS, find, |entry, _, op| {
            let security: Vec<_> = op["security"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.get("apiKey").is_some())
                .collect();
            let expected = match security.as_slice() {
                [] => Never,
                [true] => Always,
                [false, true] => WhenUserNamed,
                other => panic!("{}: unexpected security {other:?}", entry.id),
            };
            assert_eq!(entry.key, expected, "{}", entry.id);
        });
    }

    /// The admin table names exactly the admin spec's operations, with its method and path;
    /// only POSTs (creates) are not repeated.
    #[test]
    fn admin_table_matches_the_vendored_admin_spec() {
        let spec = include_str!("../openapi/passkey-admin-api.json");
        each_operation(spec, ADMIN_OPERATIONS, find_admin, |entry, method, _| {
            let retried = entry.idempotency == Idempotent;
            assert_eq!(
                retried,
                method != "post",
                "{}: only POSTs are not repeated",
                entry.id
            );
        });
        assert_eq!(find_admin("nope").idempotency, OnlyIfNotSent);
    }

    #[test]
    fn login_initialize_sends_the_key_only_for_a_user() {
        let op = find("login_initialize");
        assert!(op.sends_key(Some(br#"{"user_id":"u1"}"#)));
        assert!(!op.sends_key(Some(br#"{"user_id":null}"#)));
        assert!(!op.sends_key(Some(b"{}")));
        assert!(!op.sends_key(Some(b"garbage")));
        assert!(!op.sends_key(None));
        assert!(!find("login_finalize").sends_key(Some(br#"{"user_id":"u1"}"#)));
        assert!(find("not_an_operation").sends_key(None));
    }
}
