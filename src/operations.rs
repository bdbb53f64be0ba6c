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

/// One operation of the public or the admin API.
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

/// One `static` per operation, named by the generated clients' `operation()` lookup and
/// `_call` methods (built from the specs by `build.rs`: an operation without an entry here
/// does not compile), and, for tests, `ALL`.
macro_rules! operations {
    ($($name:ident $id:literal $method:literal $path:literal $key:ident $idem:ident;)*) => {
        $(
            pub(crate) static $name: Operation = Operation {
                id: $id, method: $method, path: $path, key: $key, idempotency: $idem,
            };
        )*
        #[cfg(test)]
        pub(crate) static ALL: &[&Operation] = &[$(&$name),*];
    };
}

/// The public API (contract §2).
pub(crate) mod public {
    use super::*;

    operations! {
        LIST_CREDENTIALS            "list_credentials"            "GET"    "/{tenant_id}/credentials"                 Always        Idempotent;
        GET_CREDENTIAL              "get_credential"              "GET"    "/{tenant_id}/credentials/{credential_id}" Always        Idempotent;
        UPDATE_CREDENTIAL           "update_credential"           "PATCH"  "/{tenant_id}/credentials/{credential_id}" Always        Idempotent;
        DELETE_CREDENTIAL           "delete_credential"           "DELETE" "/{tenant_id}/credentials/{credential_id}" Always        Idempotent;
        REGISTRATION_INITIALIZE     "registration_initialize"     "POST"   "/{tenant_id}/registration/initialize"     Always        Idempotent;
        REGISTRATION_FINALIZE       "registration_finalize"       "POST"   "/{tenant_id}/registration/finalize"       Never         OnlyIfNotSent;
        LOGIN_INITIALIZE            "login_initialize"            "POST"   "/{tenant_id}/login/initialize"            WhenUserNamed Idempotent;
        LOGIN_FINALIZE              "login_finalize"              "POST"   "/{tenant_id}/login/finalize"              Never         OnlyIfNotSent;
        GET_JWKS                    "get_jwks"                    "GET"    "/{tenant_id}/.well-known/jwks.json"       Never         Idempotent;
        TRANSACTION_INITIALIZE      "transaction_initialize"      "POST"   "/{tenant_id}/transaction/initialize"      Always        OnlyIfNotSent;
        TRANSACTION_FINALIZE        "transaction_finalize"        "POST"   "/{tenant_id}/transaction/finalize"        Always        OnlyIfNotSent;
        MFA_REGISTRATION_INITIALIZE "mfa_registration_initialize" "POST"   "/{tenant_id}/mfa/registration/initialize" Always        Idempotent;
        MFA_REGISTRATION_FINALIZE   "mfa_registration_finalize"   "POST"   "/{tenant_id}/mfa/registration/finalize"   Always        OnlyIfNotSent;
        MFA_LOGIN_INITIALIZE        "mfa_login_initialize"        "POST"   "/{tenant_id}/mfa/login/initialize"        Always        Idempotent;
        MFA_LOGIN_FINALIZE          "mfa_login_finalize"          "POST"   "/{tenant_id}/mfa/login/finalize"          Always        OnlyIfNotSent;
        LIST_AUDIT_LOGS             "list_audit_logs"             "GET"    "/{tenant_id}/audit_logs"                  Always        Idempotent;
        LIST_TRANSACTIONS           "list_transactions"           "GET"    "/{tenant_id}/transaction/{user_id}"       Always        Idempotent;
    }
}

/// The admin API (contract §3): no API key anywhere. Creating a tenant or a secret is not
/// repeated after an attempt that may have arrived (a second tenant, or a 500 for the
/// duplicate name); everything else may be sent again.
pub(crate) mod admin {
    use super::*;

    operations! {
        LIST_TENANTS          "list_tenants"          "GET"    "/tenants"                                     Never Idempotent;
        CREATE_TENANT         "create_tenant"         "POST"   "/tenants"                                     Never OnlyIfNotSent;
        GET_TENANT            "get_tenant"            "GET"    "/tenants/{tenant_id}"                         Never Idempotent;
        UPDATE_TENANT         "update_tenant"         "PUT"    "/tenants/{tenant_id}"                         Never Idempotent;
        DELETE_TENANT         "delete_tenant"         "DELETE" "/tenants/{tenant_id}"                         Never Idempotent;
        REPLACE_TENANT_CONFIG "replace_tenant_config" "PUT"    "/tenants/{tenant_id}/config"                  Never Idempotent;
        LIST_API_KEYS         "list_api_keys"         "GET"    "/tenants/{tenant_id}/secrets/api"             Never Idempotent;
        CREATE_API_KEY        "create_api_key"        "POST"   "/tenants/{tenant_id}/secrets/api"             Never OnlyIfNotSent;
        DELETE_API_KEY        "delete_api_key"        "DELETE" "/tenants/{tenant_id}/secrets/api/{secret_id}" Never Idempotent;
        LIST_JWK_SECRETS      "list_jwk_secrets"      "GET"    "/tenants/{tenant_id}/secrets/jwk"             Never Idempotent;
        CREATE_JWK_SECRET     "create_jwk_secret"     "POST"   "/tenants/{tenant_id}/secrets/jwk"             Never OnlyIfNotSent;
        DELETE_JWK_SECRET     "delete_jwk_secret"     "DELETE" "/tenants/{tenant_id}/secrets/jwk/{secret_id}" Never Idempotent;
        LIST_AUDIT_LOGS       "list_audit_logs"       "GET"    "/tenants/{tenant_id}/audit_logs"              Never Idempotent;
        LIST_USERS            "list_users"            "GET"    "/tenants/{tenant_id}/users"                   Never Idempotent;
        GET_USER              "get_user"              "GET"    "/tenants/{tenant_id}/users/{user_id}"         Never Idempotent;
        DELETE_USER           "delete_user"           "DELETE" "/tenants/{tenant_id}/users/{user_id}"         Never Idempotent;
        HEALTH_ALIVE          "health_alive"          "GET"    "/health/alive"                                Never Idempotent;
        HEALTH_READY          "health_ready"          "GET"    "/health/ready"                                Never Idempotent;
    }
}

/// What the generated methods' hooks use for an operation id no generated method has, which
/// only hooks called by hand can name: the key never goes out, and the request is not
/// repeated after it may have arrived.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) static UNLISTED: Operation = Operation {
    id: "unlisted",
    method: "",
    path: "",
    key: Never,
    idempotency: OnlyIfNotSent,
};

impl Operation {
    /// Whether a request with this JSON body sends the key.
    pub(crate) fn sends_key(&self, body: Option<&[u8]>) -> bool {
        match self.key {
            Never => false,
            Always => true,
            WhenUserNamed => body.is_some_and(names_user),
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
    use crate::generated;

    /// Calls `check(entry, method, operation)` for every operation of a vendored spec after
    /// checking that the generated client's lookup finds its entry, with the spec's method
    /// and path; that the generated client has exactly the spec's operations; and that the
    /// table names nothing else.
    fn each_operation(
        spec: &str,
        table: &[&Operation],
        generated_ids: &[&str],
        lookup: fn(&str) -> Option<&'static Operation>,
        mut check: impl FnMut(&Operation, &str, &serde_json::Value),
    ) {
        let spec: serde_json::Value = serde_json::from_str(spec).unwrap();
        let mut ids = Vec::new();
        for (path, item) in spec["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let Some(id) = op["operationId"].as_str() else {
                    continue;
                };
                ids.push(id);
                let entry = lookup(id).unwrap_or_else(|| panic!("{id} is missing from the table"));
                assert_eq!(entry.id, id, "{id}");
                assert_eq!(entry.path, path, "{id}");
                assert_eq!(entry.method, method.to_uppercase(), "{id}");
                check(entry, method, op);
            }
        }
        let mut generated_ids = generated_ids.to_vec();
        generated_ids.sort_unstable();
        ids.sort_unstable();
        assert_eq!(
            generated_ids, ids,
            "the generated operations are the spec's"
        );
        let mut listed: Vec<&str> = table.iter().map(|op| op.id).collect();
        listed.sort_unstable();
        assert_eq!(
            listed, ids,
            "the table lists the spec's operations, once each"
        );
        assert!(lookup("not_an_operation").is_none());
    }

    /// Every operation the generated public client has is in the table, with the spec's
    /// method, path and security.
    #[test]
    fn table_matches_the_vendored_spec() {
        let spec = include_str!("../openapi/passkey-api.json");
        let ids = generated::OPERATION_IDS;
        each_operation(
            spec,
            public::ALL,
            ids,
            generated::operation,
            |entry, _, op| {
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
            },
        );
    }

    /// The same for the admin client; only POSTs (creates) are not repeated.
    #[test]
    fn admin_table_matches_the_vendored_admin_spec() {
        let spec = include_str!("../openapi/passkey-admin-api.json");
        let ids = generated::admin::OPERATION_IDS;
        let lookup = generated::admin::operation;
        each_operation(spec, admin::ALL, ids, lookup, |entry, method, _| {
            let retried = entry.idempotency == Idempotent;
            assert_eq!(
                retried,
                method != "post",
                "{}: only POSTs are not repeated",
                entry.id
            );
            assert_eq!(entry.key, Never, "{}", entry.id);
        });
    }

    #[test]
    fn login_initialize_sends_the_key_only_for_a_user() {
        let op = &public::LOGIN_INITIALIZE;
        assert!(op.sends_key(Some(br#"{"user_id":"u1"}"#)));
        assert!(!op.sends_key(Some(br#"{"user_id":null}"#)));
        assert!(!op.sends_key(Some(b"{}")));
        assert!(!op.sends_key(Some(b"garbage")));
        assert!(!op.sends_key(None));
        assert!(!public::LOGIN_FINALIZE.sends_key(Some(br#"{"user_id":"u1"}"#)));
        assert!(public::GET_CREDENTIAL.sends_key(None));
    }
}
