//! JSON output byte-compatible with Go's `encoding/json`, which the real server uses.
//!
//! Two differences from `serde_json` matter on the wire: Go escapes `<`, `>`, `&`, U+2028 and U+2029
//! inside strings, and the transaction challenge hashes Go's *canonical* re-serialization of the
//! decoded data (sorted keys, numbers through `float64`).

use serde_json::Value;

/// Serializes `value` as Go's `json.Marshal` would, keeping object key order as given.
pub(crate) fn to_string(value: &Value, pretty: bool) -> String {
    let mut out = String::new();
    write(&mut out, value, false, if pretty { Some(0) } else { None });
    out
}

/// Go's `json.Marshal` of a value that went through `json.Unmarshal` into `interface{}`:
/// keys sorted, numbers as `float64`, HTML escaping, no whitespace.
pub(crate) fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write(&mut out, value, true, None);
    out
}

fn newline(out: &mut String, level: usize) {
    out.push('\n');
    for _ in 0..level {
        out.push_str("  ");
    }
}

fn write(out: &mut String, value: &Value, canonical: bool, indent: Option<usize>) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if canonical {
                out.push_str(&go_float(n.as_f64().unwrap_or(0.0)));
            } else {
                out.push_str(&n.to_string());
            }
        }
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(level) = indent {
                    newline(out, level + 1);
                }
                write(out, item, canonical, indent.map(|l| l + 1));
            }
            if let (Some(level), false) = (indent, items.is_empty()) {
                newline(out, level);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            if canonical {
                entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            }
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(level) = indent {
                    newline(out, level + 1);
                }
                write_str(out, k);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write(out, v, canonical, indent.map(|l| l + 1));
            }
            if let (Some(level), false) = (indent, entries.is_empty()) {
                newline(out, level);
            }
            out.push('}');
        }
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Formats a float like Go's `encoding/json` (`strconv.FormatFloat` with the shortest
/// representation, switching to exponent form below 1e-6 and from 1e21 on).
fn go_float(f: f64) -> String {
    if !f.is_finite() {
        // Go refuses to marshal these; JSON input can never produce them.
        return "null".to_string();
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let s = format!("{f:e}");
        // Rust writes `1e21` / `1.5e-7`; Go writes `1e+21` / `1.5e-07` and then trims the
        // exponent's leading zero back to `1.5e-7`.
        match s.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => s,
        }
    } else {
        format!("{f}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_matches_go() {
        let v: Value = serde_json::from_str(
            r#"{"b":1.0,"a":"<x&y>","c":[1e21,1.5e-7,12345678901234567890,0.1]}"#,
        )
        .unwrap();
        assert_eq!(
            canonical(&v),
            r#"{"a":"\u003cx\u0026y\u003e","b":1,"c":[1e+21,1.5e-7,12345678901234567000,0.1]}"#
        );
    }

    #[test]
    fn pretty_and_order() {
        let v = json!({"z": [1, 2], "a": {}, "e": []});
        assert_eq!(to_string(&v, false), r#"{"z":[1,2],"a":{},"e":[]}"#);
        assert_eq!(
            to_string(&v, true),
            "{\n  \"z\": [\n    1,\n    2\n  ],\n  \"a\": {},\n  \"e\": []\n}"
        );
    }
}
