//! echo's `BindAndValidateRequest` for JSON bodies: an empty body is `{}`, a body needs a JSON
//! content type, Go's decoder messages, go-playground's validation messages joined by " and ".

use serde_json::{Map, Value};

use super::extract::EchoBody;
use crate::error::ApiError;

/// The 400 for anything the binder refuses.
pub(crate) fn process_error(details: impl Into<String>) -> ApiError {
    ApiError::bad_request("unable to process request", details)
}

/// A body bound to a JSON object, kept with its bytes for Go's error offsets.
pub(crate) struct Bound<'a> {
    map: Map<String, Value>,
    raw: &'a [u8],
}

impl EchoBody {
    /// Binds the body: an empty or unsized body is `{}`, a body needs a JSON content type, the
    /// first JSON value is decoded and trailing data ignored.
    pub(crate) fn bind(&self) -> Result<Bound<'_>, ApiError> {
        let raw = &self.bytes[..];
        if self.content_length.unwrap_or(0) == 0 || raw.is_empty() {
            return Ok(Bound {
                map: Map::new(),
                raw,
            });
        }
        if !self.content_type.starts_with("application/json") {
            return Err(process_error("Unsupported Media Type"));
        }
        let mut stream = serde_json::Deserializer::from_slice(raw).into_iter::<Value>();
        let map = match stream.next() {
            Some(Ok(Value::Object(map))) => map,
            Some(Ok(Value::Null)) => Map::new(),
            Some(Ok(other)) => {
                return Err(process_error(format!(
                    "Unmarshal type error: expected=object, got={}, field=, offset={}",
                    json_kind(&other),
                    stream.byte_offset()
                )));
            }
            Some(Err(e)) => return Err(process_error(syntax_error(raw, &e))),
            None => {
                return Err(process_error(
                    "Syntax error: offset=0, error=unexpected end of JSON input",
                ));
            }
        };
        Ok(Bound { map, raw })
    }
}

impl Bound<'_> {
    /// The member Go's decoder would put in `field`: an exact key wins, else any key that
    /// matches case-insensitively.
    pub(crate) fn value(&self, field: &str) -> Option<&Value> {
        self.map.get(field).or_else(|| {
            self.map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(field))
                .map(|(_, v)| v)
        })
    }

    /// An optional string member; any other JSON type is echo's type error.
    pub(crate) fn string(&self, field: &str) -> Result<Option<String>, ApiError> {
        match self.value(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(process_error(format!(
                "Unmarshal type error: expected=string, got={}, field={field}, offset={}",
                json_kind(other),
                value_end_offset(self.raw, field)
            ))),
        }
    }
}

/// go-playground validation: collects the messages of every failed rule, in field order.
#[derive(Default)]
pub(crate) struct Validation(Vec<String>);

impl Validation {
    /// `validate:"required"` on a string: absent and `""` fail.
    pub(crate) fn required(&mut self, field: &str, value: Option<&str>) -> &mut Self {
        if value.is_none_or(str::is_empty) {
            self.0.push(format!("{field} is a required field"));
        }
        self
    }

    /// `validate:"max=N"` on a string: counts characters.
    pub(crate) fn max_len(&mut self, field: &str, value: Option<&str>, max: usize) -> &mut Self {
        if value.is_some_and(|v| v.chars().count() > max) {
            self.0
                .push(format!("{field} cannot have more than {max} entries"));
        }
        self
    }

    /// Any other rule: `message` when `failed`.
    pub(crate) fn check(&mut self, failed: bool, message: impl Into<String>) -> &mut Self {
        if failed {
            self.0.push(message.into());
        }
        self
    }

    /// The 400 "unable to validate request" if any rule failed.
    pub(crate) fn finish(&mut self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::bad_request(
                "unable to validate request",
                self.0.join(" and "),
            ))
        }
    }
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

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
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
