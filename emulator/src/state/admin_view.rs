//! What the admin API keeps of a tenant beyond [`TenantConfig`](crate::TenantConfig): its CORS
//! settings and the relying party's icon. CORS decides which pages may call the public API
//! from a browser; it is a setting of its own, apart from the relying party's origins, which
//! decide what a ceremony's `clientDataJSON.origin` may be (contract §9.6).

use serde::{Deserialize, Serialize};

/// The admin API's view of a tenant beyond its WebAuthn configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AdminView {
    /// `cors.allowed_origins`. `None` for tenants made by the builder: they allow their relying
    /// party's origins, and the admin API shows those.
    pub(crate) cors_origins: Option<Vec<String>>,
    /// `cors.allow_unsafe_wildcard`: with `*` among the origins, the request's `Origin` is
    /// reflected (so credentialed requests work) instead of answering `*`.
    pub(crate) allow_unsafe_wildcard: bool,
    /// `webauthn.relying_party.icon`.
    pub(crate) icon: Option<String>,
}

/// Longest `Origin` echo matches against wildcard patterns (a domain name's 253 characters plus
/// a scheme and a port), to bound the cost of a hostile header.
const MAX_PATTERN_ORIGIN: usize = 253 + 3 + 5;

impl AdminView {
    /// The CORS origins in force: the admin API's, else the relying party's.
    pub(crate) fn cors_origins<'a>(&'a self, rp_origins: &'a [String]) -> &'a [String] {
        self.cors_origins.as_deref().unwrap_or(rp_origins)
    }

    /// What `Access-Control-Allow-Origin` echo's CORS middleware answers to `origin`, or `None`
    /// when the origin is not allowed (`middleware/cors.go`, echo 4.11): an exact match (case
    /// included), `*` (answered as `*`, or the origin itself with `allow_unsafe_wildcard`), a
    /// subdomain wildcard such as `https://*.example.com`, or a pattern with `*` and `?`.
    pub(crate) fn cors_allow_origin(&self, rp_origins: &[String], origin: &str) -> Option<String> {
        let allowed = self.cors_origins(rp_origins);
        for o in allowed {
            if o == "*" {
                return Some(if self.allow_unsafe_wildcard {
                    origin.to_string()
                } else {
                    "*".to_string()
                });
            }
            if o == origin || match_subdomain(origin, o) {
                return Some(origin.to_string());
            }
        }
        if origin.len() <= MAX_PATTERN_ORIGIN && origin.contains("://") {
            let matches = allowed
                .iter()
                .filter(|o| *o != "*")
                .any(|pattern| glob(pattern.as_bytes(), origin.as_bytes()));
            if matches {
                return Some(origin.to_string());
            }
        }
        None
    }
}

/// echo's `matchSubdomain`: same scheme, and the pattern's host components, compared from the
/// right, reach a `*` before they differ.
fn match_subdomain(origin: &str, pattern: &str) -> bool {
    let (Some((scheme, authority)), Some((pattern_scheme, pattern_authority))) =
        (origin.split_once("://"), pattern.split_once("://"))
    else {
        return false;
    };
    if scheme != pattern_scheme || authority.len() > 253 {
        return false;
    }
    let mut pattern_parts = pattern_authority.rsplit('.');
    for part in authority.rsplit('.') {
        match pattern_parts.next() {
            None => return false,
            Some("*") => return true,
            Some(p) if p != part => return false,
            Some(_) => {}
        }
    }
    false
}

/// echo's origin patterns: the pattern quoted as a regular expression with `*` as `.*` and `?`
/// as `.`, anchored at both ends.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    // Iterative matching with backtracking to the last `*`: linear in practice, never
    // exponential.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(origins: &[&str], unsafe_wildcard: bool) -> AdminView {
        AdminView {
            cors_origins: Some(origins.iter().map(|s| s.to_string()).collect()),
            allow_unsafe_wildcard: unsafe_wildcard,
            icon: None,
        }
    }

    #[test]
    fn origins_match_as_echo_matches_them() {
        let rp = vec!["http://localhost:8080".to_string()];
        let none = AdminView::default();
        assert_eq!(
            none.cors_allow_origin(&rp, "http://localhost:8080")
                .as_deref(),
            Some("http://localhost:8080")
        );
        assert_eq!(none.cors_allow_origin(&rp, "http://LOCALHOST:8080"), None);

        let v = view(&["https://shop.example"], false);
        assert_eq!(v.cors_allow_origin(&rp, "http://localhost:8080"), None);
        assert!(v.cors_allow_origin(&rp, "https://shop.example").is_some());

        let star = view(&["*"], false);
        assert_eq!(
            star.cors_allow_origin(&rp, "https://a.b").as_deref(),
            Some("*")
        );
        let reflect = view(&["*"], true);
        assert_eq!(
            reflect.cors_allow_origin(&rp, "https://a.b").as_deref(),
            Some("https://a.b")
        );

        let sub = view(&["https://*.example.com"], false);
        assert!(
            sub.cors_allow_origin(&rp, "https://a.example.com")
                .is_some()
        );
        assert!(
            sub.cors_allow_origin(&rp, "https://a.b.example.com")
                .is_some()
        );
        assert_eq!(sub.cors_allow_origin(&rp, "https://example.com"), None);
        assert_eq!(sub.cors_allow_origin(&rp, "http://a.example.com"), None);
        assert_eq!(sub.cors_allow_origin(&rp, "https://a.example.org"), None);

        let pattern = view(&["http://localhost:30?0"], false);
        assert!(
            pattern
                .cors_allow_origin(&rp, "http://localhost:3010")
                .is_some()
        );
        assert_eq!(
            pattern.cors_allow_origin(&rp, "http://localhost:30100"),
            None
        );
    }

    #[test]
    fn glob_backtracks_without_blowing_up() {
        assert!(glob(b"a*b*c", b"axxbyyc"));
        assert!(!glob(b"a*b*c", b"axxbyy"));
        let long = vec![b'a'; 5000];
        assert!(!glob(b"*a*a*a*a*a*b", &long));
    }
}
