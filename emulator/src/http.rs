//! Request context, JSON responses, echo-style binding and validation, pagination headers.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Everything a handler needs to know about the request. Deliberately not `Debug`: the
/// headers hold the API key.
pub(crate) struct Ctx {
    pub(crate) method: Method,
    pub(crate) query: Option<String>,
    pub(crate) path_and_query: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    pub(crate) content_length: Option<u64>,
    pub(crate) request_id: String,
    pub(crate) source_ip: String,
    pub(crate) pretty: bool,
}

impl Ctx {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn user_agent(&self) -> String {
        self.header("user-agent").unwrap_or("").to_string()
    }

    /// Query pairs in order, repeated keys kept.
    pub(crate) fn query_pairs(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_deref().unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// Binds the body like `BindAndValidateRequest`: an empty or unsized body is `{}`, a body
    /// needs a JSON content type, the first JSON value is decoded, trailing data ignored.
    pub(crate) fn bind_body(&self) -> Result<Map<String, Value>, ApiError> {
        if self.content_length.unwrap_or(0) == 0 || self.body.is_empty() {
            return Ok(Map::new());
        }
        let ctype = self.header("content-type").unwrap_or("");
        if !ctype.starts_with("application/json") {
            return Err(process_error("Unsupported Media Type"));
        }
        let mut stream = serde_json::Deserializer::from_slice(&self.body).into_iter::<Value>();
        match stream.next() {
            Some(Ok(Value::Object(map))) => Ok(map),
            Some(Ok(Value::Null)) => Ok(Map::new()),
            Some(Ok(other)) => Err(process_error(format!(
                "Unmarshal type error: expected=object, got={}, field=, offset={}",
                json_kind(&other),
                stream.byte_offset()
            ))),
            Some(Err(e)) => Err(process_error(syntax_error(&self.body, &e))),
            None => Err(process_error(
                "Syntax error: offset=0, error=unexpected end of JSON input",
            )),
        }
    }
}

pub(crate) fn process_error(details: impl Into<String>) -> ApiError {
    ApiError::bad_request("unable to process request", details)
}

fn syntax_error(body: &[u8], e: &serde_json::Error) -> String {
    // serde reports line/column; Go reports a byte offset.
    let mut offset = 0usize;
    let mut line = 1usize;
    for (i, b) in body.iter().enumerate() {
        if line == e.line() {
            offset = i + e.column().saturating_sub(1);
            break;
        }
        if *b == b'\n' {
            line += 1;
        }
    }
    let msg = e.to_string();
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
    format!("Syntax error: offset={offset}, error={msg}")
}

pub(crate) fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Reads an optional string field, giving echo's type error for any other JSON type.
pub(crate) fn opt_string(
    map: &Map<String, Value>,
    field: &str,
    body: &[u8],
) -> Result<Option<String>, ApiError> {
    // Go matches JSON keys to struct fields case-insensitively; an exact match wins.
    let value = map.get(field).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(field))
            .map(|(_, v)| v)
    });
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(process_error(format!(
            "Unmarshal type error: expected=string, got={}, field={field}, offset={}",
            json_kind(other),
            value_end_offset(body, field)
        ))),
    }
}

/// Best-effort byte offset just after the value of `"field":` in `body`, as Go reports it.
fn value_end_offset(body: &[u8], field: &str) -> usize {
    let needle = format!("\"{field}\"");
    let Some(start) = body
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
    else {
        return body.len();
    };
    let mut i = start + needle.len();
    while i < body.len() && (body[i].is_ascii_whitespace() || body[i] == b':') {
        i += 1;
    }
    let mut stream = serde_json::Deserializer::from_slice(&body[i..]).into_iter::<Value>();
    match stream.next() {
        Some(Ok(_)) => i + stream.byte_offset(),
        _ => body.len(),
    }
}

/// The 400 the server sends for validation failures: go-playground's messages joined by " and ".
pub(crate) fn invalid(messages: Vec<String>) -> ApiError {
    ApiError::bad_request("unable to validate request", messages.join(" and "))
}

/// Builds a JSON response as echo does: Go encoding plus a trailing newline.
pub(crate) fn json(status: StatusCode, value: &Value, pretty: bool) -> Response {
    let mut body = crate::gojson::to_string(value, pretty);
    body.push('\n');
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=UTF-8"),
    );
    response
}

pub(crate) fn no_content() -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

pub(crate) fn error_response(err: &ApiError, pretty: bool) -> Response {
    json(err.status, &err.body(), pretty)
}

/// Parsed `page` / `per_page`, normalized like the server (`<= 0` → defaults).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Paging {
    pub(crate) page: i64,
    pub(crate) per_page: i64,
}

impl Paging {
    pub(crate) fn parse(
        pairs: &[(String, String)],
        case_insensitive: bool,
    ) -> Result<Self, String> {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| {
                    if case_insensitive {
                        k.eq_ignore_ascii_case(name)
                    } else {
                        k == name
                    }
                })
                .map(|(_, v)| v.as_str())
        };
        let int = |name: &str, default: i64| -> Result<i64, String> {
            match get(name) {
                None | Some("") => Ok(default),
                Some(v) => v
                    .parse::<i64>()
                    .map_err(|_| format!("strconv.ParseInt: parsing \"{v}\": invalid syntax")),
            }
        };
        let page = int("page", 1)?;
        let per_page = int("per_page", 20)?;
        Ok(Self {
            page: if page <= 0 { 1 } else { page },
            per_page: if per_page <= 0 { 20 } else { per_page },
        })
    }

    pub(crate) fn slice<T: Clone>(&self, items: &[T]) -> Vec<T> {
        let start = (self.page.saturating_sub(1)).saturating_mul(self.per_page);
        let start = usize::try_from(start).unwrap_or(usize::MAX);
        let per_page = usize::try_from(self.per_page).unwrap_or(usize::MAX);
        items.iter().skip(start).take(per_page).cloned().collect()
    }

    /// Sets `X-Total-Count` and `Link` as `pagination/header.go` does.
    pub(crate) fn headers(&self, ctx: &Ctx, total: usize, response: &mut Response) {
        let scheme = if ctx
            .header("x-forwarded-proto")
            .is_some_and(|p| p.eq_ignore_ascii_case("https"))
            || ctx
                .header("x-forwarded-protocol")
                .is_some_and(|p| p.eq_ignore_ascii_case("https"))
            || ctx
                .header("x-forwarded-ssl")
                .is_some_and(|p| p.eq_ignore_ascii_case("on"))
            || ctx
                .header("x-url-scheme")
                .is_some_and(|p| p.eq_ignore_ascii_case("https"))
        {
            "https"
        } else {
            "http"
        };
        let host = ctx.header("host").unwrap_or("");
        let path = ctx.path_and_query.split('?').next().unwrap_or("");
        let link = |page: i64| {
            let mut pairs: Vec<(String, Vec<String>)> = Vec::new();
            for (k, v) in ctx.query_pairs() {
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
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    let per_page = per_page.max(1);
    let last_page = std::cmp::max(1, total / per_page + i64::from(total % per_page != 0));
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
