//! `page` / `per_page` query parameters and the `Link` / `X-Total-Count` headers of
//! `pagination/header.go`.

use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::response::Response;

/// Query pairs in order, repeated keys kept.
pub(crate) fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// echo's query binding: the first value of the parameter named exactly `name`, else of one
/// whose name matches it case-insensitively.
pub(crate) fn query_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .or_else(|| pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
        .map(|(_, v)| v.as_str())
}

/// Go's `strconv.ParseInt(v, 10, 64)` with its error text; echo binds `""` as 0.
pub(crate) fn go_parse_int(v: &str) -> Result<i64, String> {
    if v.is_empty() {
        return Ok(0);
    }
    let digits = v.strip_prefix(['+', '-']).unwrap_or(v);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.ParseInt: parsing \"{v}\": invalid syntax"));
    }
    v.parse::<i64>()
        .map_err(|_| format!("strconv.ParseInt: parsing \"{v}\": value out of range"))
}

/// Which `page` / `per_page` values the handler replaces by the defaults (1 and 20).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Defaults {
    /// Credentials: `<= 0`.
    NotPositive,
    /// Audit logs: only `0`; a negative page reaches the `Link` header as it is.
    Zero,
}

/// `page` / `per_page` as the handler passes them on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    pub(crate) page: i64,
    pub(crate) per_page: i64,
}

impl Paging {
    pub(crate) fn parse(pairs: &[(String, String)], defaults: Defaults) -> Result<Self, String> {
        let int = |name: &str| query_value(pairs, name).map_or(Ok(0), go_parse_int);
        let (page, per_page) = (int("page")?, int("per_page")?);
        let replace = |v: i64| match defaults {
            Defaults::NotPositive => v <= 0,
            Defaults::Zero => v == 0,
        };
        Ok(Self {
            page: if replace(page) { 1 } else { page },
            per_page: if replace(per_page) { 20 } else { per_page },
        })
    }

    /// The rows of the page (pop's paginator: a page below 1 is 1, a size below 1 is 20).
    pub(crate) fn slice<T: Clone>(&self, items: &[T]) -> Vec<T> {
        let page = self.page.max(1);
        let per_page = if self.per_page < 1 { 20 } else { self.per_page };
        let start = (page - 1).saturating_mul(per_page);
        let start = usize::try_from(start).unwrap_or(usize::MAX);
        let per_page = usize::try_from(per_page).unwrap_or(usize::MAX);
        items.iter().skip(start).take(per_page).cloned().collect()
    }

    /// Sets `X-Total-Count` and `Link` as `pagination/header.go` does.
    /// `uri` is the request's original URI (the `Link` URLs repeat its path and query).
    pub(crate) fn headers(
        &self,
        request_headers: &HeaderMap,
        uri: &Uri,
        total: usize,
        response: &mut Response,
    ) {
        let header = |name: &str| request_headers.get(name).and_then(|v| v.to_str().ok());
        let is =
            |name: &str, value: &str| header(name).is_some_and(|p| p.eq_ignore_ascii_case(value));
        let scheme = if is("x-forwarded-proto", "https")
            || is("x-forwarded-protocol", "https")
            || is("x-forwarded-ssl", "on")
            || is("x-url-scheme", "https")
        {
            "https"
        } else {
            "http"
        };
        let host = header("host").unwrap_or("");
        let path = uri.path();
        let link = |page: i64| {
            let mut pairs: Vec<(String, Vec<String>)> = Vec::new();
            for (k, v) in query_pairs(uri) {
                if k == "page" || k == "per_page" {
                    continue;
                }
                match pairs.iter_mut().find(|(key, _)| *key == k) {
                    Some((_, values)) => values.push(v),
                    None => pairs.push((k, vec![v])),
                }
            }
            pairs.push(("page".into(), vec![page.to_string()]));
            pairs.push(("per_page".into(), vec![self.per_page.to_string()]));
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            let query = pairs
                .iter()
                .flat_map(|(k, vs)| {
                    vs.iter()
                        .map(move |v| format!("{}={}", go_query_escape(k), go_query_escape(v)))
                })
                .collect::<Vec<_>>()
                .join("&");
            format!("{scheme}://{host}{path}?{query}")
        };
        let entries: Vec<String> = link_relations(self.page, self.per_page, total)
            .into_iter()
            .map(|(rel, page)| format!("<{}>; rel=\"{rel}\"", link(page)))
            .collect();
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&entries.join(",")) {
            headers.insert(header::LINK, v);
        }
        headers.insert("x-total-count", HeaderValue::from(total as u64));
    }
}

/// The `Link` relations and their page numbers, in the server's order (first, last, next, prev).
fn link_relations(page: i64, per_page: i64, total: usize) -> Vec<(&'static str, i64)> {
    // Go's integer arithmetic (`per_page` is never 0 here; it may be negative).
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    let per_page = if per_page == 0 { 1 } else { per_page };
    let last_page = match total / per_page + i64::from(total % per_page != 0) {
        0 => 1,
        n => n,
    };
    let mut rels = Vec::new();
    if page != 1 || page == last_page {
        rels.push(("first", 1));
    }
    if page != last_page {
        rels.push(("last", last_page));
    }
    if page < last_page {
        rels.push(("next", page.saturating_add(1)));
    }
    if page > 1 {
        rels.push(("prev", page - 1));
    }
    rels
}

/// Go's `url.QueryEscape`.
fn go_query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            other => out.push_str(&format!("%{other:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::link_relations;

    #[test]
    fn link_relations_match_the_server_unit_tests() {
        assert_eq!(link_relations(1, 10, 95), [("last", 10), ("next", 2)]);
        assert_eq!(
            link_relations(4, 10, 95),
            [("first", 1), ("last", 10), ("next", 5), ("prev", 3)]
        );
        assert_eq!(link_relations(1, 20, 0), [("first", 1)]);
        assert_eq!(link_relations(i64::MAX, i64::MAX, usize::MAX).len(), 3);
    }
}
