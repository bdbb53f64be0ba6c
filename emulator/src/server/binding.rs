//! echo's `BindAndValidateRequest` for JSON bodies: an empty body is `{}`, a body needs a JSON
//! content type, Go's decoder messages, go-playground's validation messages joined by " and ".

use serde_json::{Map, Value};

use super::error::ApiError;
use super::extract::EchoBody;
use super::go_decode::{GoJsonError, Reader, scan};

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
    /// Binds the body into the DTO Go calls `dto` (e.g. `request.InitRegistrationDto`, named in
    /// type errors), as `BindAndValidateRequest` and echo's `DefaultBinder` do:
    /// - `Content-Length: 0`: nothing to bind;
    /// - no `Content-Length` (chunked): the body is thrown away and replaced by `{}`, but the
    ///   content type is still checked;
    /// - `application/json`: Go's decoder reads the first value (what follows is never read);
    /// - a form content type binds nothing (the DTOs have no `form` tags);
    /// - any other content type: 415, reported as "Unsupported Media Type".
    pub(crate) fn bind(&self, dto: &str) -> Result<Bound<'_>, ApiError> {
        self.bind_body(dto, true)
    }

    /// Binds the body as echo's `ctx.Bind` alone does (the admin API's handlers): the same as
    /// [`bind`](Self::bind), except that a chunked body is read and decoded.
    pub(crate) fn bind_plain(&self, dto: &str) -> Result<Bound<'_>, ApiError> {
        self.bind_body(dto, false)
    }

    fn bind_body(&self, dto: &str, chunked_is_empty: bool) -> Result<Bound<'_>, ApiError> {
        let raw = &self.bytes[..];
        let empty = Bound {
            map: Map::new(),
            raw,
        };
        if self.content_length == Some(0) {
            return Ok(empty);
        }
        let ctype = self.content_type.as_str();
        if ctype.starts_with("application/x-www-form-urlencoded")
            || ctype.starts_with("multipart/form-data")
        {
            return Ok(empty);
        }
        if !ctype.starts_with("application/json") {
            return Err(process_error("Unsupported Media Type"));
        }
        if self.content_length.is_none() && chunked_is_empty {
            return Ok(empty);
        }
        let end = scan(raw, Reader::Decoder).map_err(|e| process_error(decode_error(&e)))?;
        let value: Value = serde_json::from_slice(&raw[..end]).map_err(|_| {
            // The scan accepted it; serde refuses only what Go also cannot store (a number
            // out of range, say), which Go reports as a type error.
            process_error(format!(
                "Unmarshal type error: expected={dto}, got=number, field=, offset={end}"
            ))
        })?;
        let map = match value {
            Value::Object(map) => map,
            // `null` into a struct is a no-op in Go.
            Value::Null => Map::new(),
            other => {
                let start = raw
                    .iter()
                    .position(|b| !b.is_ascii_whitespace())
                    .unwrap_or(0);
                // Go reports a container after its opening bracket, a literal after its end.
                let offset = if other.is_array() { start + 1 } else { end };
                return Err(process_error(format!(
                    "Unmarshal type error: expected={dto}, got={}, field=, offset={offset}",
                    json_kind(&other),
                )));
            }
        };
        Ok(Bound { map, raw })
    }
}

/// echo's `DefaultJSONSerializer` wording for a decoder error.
fn decode_error(e: &GoJsonError) -> String {
    match e {
        GoJsonError::Syntax { message, offset } => {
            format!("Syntax error: offset={offset}, error={message}")
        }
        other => other.to_string(),
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

/// A Go type of a DTO field, as `encoding/json` decodes into it (the admin API's DTOs).
#[derive(Debug, Clone, Copy)]
pub(crate) enum GoType {
    /// A string, or a named string type (its Go name, e.g.
    /// `protocol.UserVerificationRequirement`, is what type errors report).
    String(&'static str),
    /// `bool` (also `*bool`: errors name the element type).
    Bool,
    /// `int`.
    Int,
    /// `[]string`.
    Strings,
    /// A struct (or a pointer to one): its Go name and its fields, by JSON name.
    Struct(&'static str, &'static [(&'static str, GoType)]),
}

impl GoType {
    fn name(self) -> &'static str {
        match self {
            Self::String(name) | Self::Struct(name, _) => name,
            Self::Bool => "bool",
            Self::Int => "int",
            Self::Strings => "[]string",
        }
    }
}

impl Bound<'_> {
    /// Decodes the bound object into the struct type `ty` as Go's decoder does, and returns it
    /// with each member under its field's JSON name: keys match fields exactly or else
    /// case-insensitively, unknown members and `null`s (a no-op in Go) are left out, and the
    /// first value of a wrong type is echo's "Unmarshal type error" with the field's path.
    /// Deserialize the result with serde.
    pub(crate) fn typed(&self, ty: GoType) -> Result<Value, ApiError> {
        let GoType::Struct(_, fields) = ty else {
            return Ok(Value::Object(self.map.clone()));
        };
        decode_struct(&self.map, fields, "", self.raw).map(Value::Object)
    }
}

fn decode_struct(
    map: &Map<String, Value>,
    fields: &[(&str, GoType)],
    path: &str,
    raw: &[u8],
) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for (key, value) in map {
        let Some((name, ty)) = fields.iter().find(|(name, _)| name == key).or_else(|| {
            fields
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(key))
        }) else {
            continue;
        };
        let field = if path.is_empty() {
            (*name).to_string()
        } else {
            format!("{path}.{name}")
        };
        if let Some(decoded) = decode_value(value, *ty, &field, key, raw)? {
            out.insert((*name).to_string(), decoded);
        }
    }
    Ok(out)
}

fn decode_value(
    value: &Value,
    ty: GoType,
    field: &str,
    key: &str,
    raw: &[u8],
) -> Result<Option<Value>, ApiError> {
    let mismatch = |got: String| {
        Err(process_error(format!(
            "Unmarshal type error: expected={}, got={got}, field={field}, offset={}",
            ty.name(),
            value_end_offset(raw, key)
        )))
    };
    match (ty, value) {
        (_, Value::Null) => Ok(None),
        (GoType::String(_), Value::String(_)) | (GoType::Bool, Value::Bool(_)) => {
            Ok(Some(value.clone()))
        }
        (GoType::Int, Value::Number(n)) => match n.as_i64() {
            Some(_) => Ok(Some(value.clone())),
            None => mismatch(format!("number {n}")),
        },
        (GoType::Strings, Value::Array(items)) => {
            for item in items {
                if !matches!(item, Value::String(_) | Value::Null) {
                    return Err(process_error(format!(
                        "Unmarshal type error: expected=string, got={}, field={field}, offset={}",
                        json_kind(item),
                        value_end_offset(raw, key)
                    )));
                }
            }
            // A `null` element is Go's zero value, "".
            let items = items
                .iter()
                .map(|i| i.as_str().unwrap_or("").into())
                .collect();
            Ok(Some(Value::Array(items)))
        }
        (GoType::Struct(_, fields), Value::Object(map)) => {
            decode_struct(map, fields, field, raw).map(|m| Some(Value::Object(m)))
        }
        (_, other) => mismatch(json_kind(other).to_string()),
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

/// Where Go reports a type error in the value of `"field":`: after a literal, or after the
/// opening bracket of an array or object (best effort: the first such key in the body).
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
    if matches!(body.get(i), Some(b'[' | b'{')) {
        return i + 1;
    }
    let mut stream = serde_json::Deserializer::from_slice(&body[i..]).into_iter::<Value>();
    match stream.next() {
        Some(Ok(_)) => i + stream.byte_offset(),
        _ => body.len(),
    }
}
