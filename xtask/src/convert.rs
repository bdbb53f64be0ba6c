//! Down-conversion of an OpenAPI 3.1 document to OpenAPI 3.0.3.
//!
//! progenitor (through `openapiv3`) reads only 3.0.x. Each rule below turns one 3.1 construct
//! into its 3.0 equivalent; a construct with no equivalent is reported, never silently dropped.

use serde_json::{Map, Value};

/// Rewrites `doc` in place from OpenAPI 3.1 to 3.0.3. Returns the JSON pointers of the
/// places that were changed, for the regen report.
pub fn downconvert(doc: &mut Value) -> Result<Vec<String>, String> {
    let root = doc
        .as_object_mut()
        .ok_or("the spec is not a JSON/YAML object")?;
    let version = root
        .get("openapi")
        .and_then(Value::as_str)
        .ok_or("the spec has no `openapi` version string")?
        .to_owned();
    let mut changed = Vec::new();
    if version.starts_with("3.1") {
        root.insert("openapi".into(), Value::String("3.0.3".into()));
        changed.push(format!("/openapi: {version} -> 3.0.3"));
    } else if !version.starts_with("3.0") {
        return Err(format!("unsupported OpenAPI version {version}"));
    }
    // Document-level keywords that 3.0 does not have.
    for key in ["jsonSchemaDialect", "webhooks"] {
        if root.remove(key).is_some() {
            changed.push(format!("/{key}: removed (not in 3.0)"));
        }
    }
    if let Some(info) = root.get_mut("info").and_then(Value::as_object_mut) {
        if info.remove("summary").is_some() {
            changed.push("/info/summary: removed (not in 3.0)".into());
        }
        if let Some(license) = info.get_mut("license").and_then(Value::as_object_mut)
            && license.remove("identifier").is_some()
        {
            changed.push("/info/license/identifier: removed (not in 3.0)".into());
        }
    }
    walk(doc, "", &mut changed)?;
    Ok(changed)
}

fn walk(value: &mut Value, pointer: &str, changed: &mut Vec<String>) -> Result<(), String> {
    match value {
        Value::Object(map) => {
            if looks_like_schema(map) {
                convert_schema(map, pointer, changed)?;
            }
            for (key, child) in map.iter_mut() {
                let child_pointer = format!("{pointer}/{}", escape(key));
                walk(child, &child_pointer, changed)?;
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                walk(child, &format!("{pointer}/{i}"), changed)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A map is treated as a schema when it carries a schema keyword. Properties named like
/// keywords (a property called `type`) sit one level down under `properties`, so they are
/// never mistaken for keywords of their parent.
fn looks_like_schema(map: &Map<String, Value>) -> bool {
    [
        "type",
        "enum",
        "const",
        "examples",
        "example",
        "exclusiveMinimum",
        "exclusiveMaximum",
    ]
    .iter()
    .any(|k| map.contains_key(*k))
        && !map.contains_key("in") // a parameter object: its `example` is not a schema example
}

fn convert_schema(
    map: &mut Map<String, Value>,
    pointer: &str,
    changed: &mut Vec<String>,
) -> Result<(), String> {
    // `type: [x, "null"]` -> `type: x, nullable: true`.
    if let Some(Value::Array(types)) = map.get("type").cloned() {
        let mut names = Vec::new();
        for t in &types {
            names.push(
                t.as_str()
                    .ok_or_else(|| format!("{pointer}/type: a type array holds a non-string"))?
                    .to_owned(),
            );
        }
        let nullable = names.iter().any(|t| t == "null");
        names.retain(|t| t != "null");
        match names.as_slice() {
            [] => {
                return Err(format!(
                    "{pointer}/type: only `null` is not expressible in 3.0"
                ));
            }
            [single] => {
                map.insert("type".into(), Value::String(single.clone()));
            }
            many => {
                map.remove("type");
                let alternatives = many
                    .iter()
                    .map(|t| serde_json::json!({ "type": t }))
                    .collect();
                map.insert("anyOf".into(), Value::Array(alternatives));
            }
        }
        if nullable {
            map.insert("nullable".into(), Value::Bool(true));
        }
        changed.push(format!("{pointer}/type: type array -> 3.0 type/nullable"));
    }
    // `const: v` -> `enum: [v]`.
    if let Some(constant) = map.remove("const") {
        map.insert("enum".into(), Value::Array(vec![constant]));
        changed.push(format!("{pointer}/const -> enum"));
    }
    // `null` inside an enum -> `nullable: true`.
    if let Some(Value::Array(values)) = map.get_mut("enum") {
        let before = values.len();
        values.retain(|v| !v.is_null());
        if values.len() != before {
            map.insert("nullable".into(), Value::Bool(true));
            changed.push(format!("{pointer}/enum: null member -> nullable"));
        }
    }
    // JSON Schema `examples: [..]` -> 3.0 `example: first`.
    if let Some(examples) = map.remove("examples") {
        match examples {
            Value::Array(mut values) if !values.is_empty() => {
                map.insert("example".into(), values.swap_remove(0));
            }
            Value::Array(_) => {}
            other => {
                map.insert("example".into(), other);
            }
        }
        changed.push(format!("{pointer}/examples -> example"));
    }
    // A 3.1-style array `example` on a non-array schema -> its first value.
    let is_array_schema = map.get("type").and_then(Value::as_str) == Some("array");
    if !is_array_schema && let Some(Value::Array(values)) = map.get_mut("example") {
        if let Some(first) = values.first().cloned() {
            map.insert("example".into(), first);
        } else {
            map.remove("example");
        }
        changed.push(format!("{pointer}/example: array -> one value"));
    }
    // Numeric `exclusiveMinimum`/`exclusiveMaximum` -> boolean form next to minimum/maximum.
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(limit) = map.get(exclusive).filter(|v| v.is_number()).cloned() {
            map.insert(bound.into(), limit);
            map.insert(exclusive.into(), Value::Bool(true));
            changed.push(format!("{pointer}/{exclusive}: number -> boolean"));
        }
    }
    Ok(())
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn convert(mut doc: Value) -> Value {
        downconvert(&mut doc).expect("converts");
        doc
    }

    fn schema(s: Value) -> Value {
        let doc = convert(json!({ "openapi": "3.1.0", "components": { "schemas": { "S": s } } }));
        doc["components"]["schemas"]["S"].clone()
    }

    #[test]
    fn version_becomes_303() {
        assert_eq!(convert(json!({"openapi": "3.1.0"}))["openapi"], "3.0.3");
        assert_eq!(convert(json!({"openapi": "3.0.1"}))["openapi"], "3.0.1");
    }

    #[test]
    fn other_versions_are_refused() {
        assert!(downconvert(&mut json!({"openapi": "2.0"})).is_err());
        assert!(downconvert(&mut json!({"swagger": "2.0"})).is_err());
        assert!(downconvert(&mut json!([])).is_err());
    }

    #[test]
    fn nullable_type_array() {
        assert_eq!(
            schema(json!({"type": ["string", "null"]})),
            json!({"type": "string", "nullable": true})
        );
        assert_eq!(
            schema(json!({"type": ["integer"]})),
            json!({"type": "integer"})
        );
    }

    #[test]
    fn multi_type_array_becomes_any_of() {
        assert_eq!(
            schema(json!({"type": ["string", "integer", "null"]})),
            json!({"anyOf": [{"type": "string"}, {"type": "integer"}], "nullable": true})
        );
    }

    #[test]
    fn null_only_type_is_an_error() {
        let mut doc = json!({"openapi": "3.1.0", "x": {"type": ["null"]}});
        assert!(downconvert(&mut doc).unwrap_err().contains("/x/type"));
    }

    #[test]
    fn array_example_becomes_one_value() {
        assert_eq!(
            schema(json!({"type": "string", "example": ["a", "b"]})),
            json!({"type": "string", "example": "a"})
        );
        // An array schema keeps its array example.
        assert_eq!(
            schema(json!({"type": "array", "example": ["a"]})),
            json!({"type": "array", "example": ["a"]})
        );
    }

    #[test]
    fn examples_keyword_becomes_example() {
        assert_eq!(
            schema(json!({"type": "integer", "examples": [3, 4]})),
            json!({"type": "integer", "example": 3})
        );
    }

    #[test]
    fn const_becomes_enum() {
        assert_eq!(
            schema(json!({"type": "string", "const": "x"})),
            json!({"type": "string", "enum": ["x"]})
        );
    }

    #[test]
    fn null_in_enum_becomes_nullable() {
        assert_eq!(
            schema(json!({"type": "string", "enum": ["a", null]})),
            json!({"type": "string", "enum": ["a"], "nullable": true})
        );
    }

    #[test]
    fn numeric_exclusive_bounds_become_booleans() {
        assert_eq!(
            schema(json!({"type": "integer", "exclusiveMinimum": 0})),
            json!({"type": "integer", "exclusiveMinimum": true, "minimum": 0})
        );
    }

    #[test]
    fn property_named_type_is_not_a_keyword() {
        let s =
            schema(json!({"type": "object", "properties": {"type": {"type": ["string", "null"]}}}));
        assert_eq!(
            s["properties"]["type"],
            json!({"type": "string", "nullable": true})
        );
    }

    #[test]
    fn document_level_31_keywords_are_removed() {
        let doc = convert(json!({
            "openapi": "3.1.0",
            "jsonSchemaDialect": "x",
            "webhooks": {},
            "info": {"summary": "s", "license": {"name": "MIT", "identifier": "MIT"}}
        }));
        assert_eq!(
            doc,
            json!({"openapi": "3.0.3", "info": {"license": {"name": "MIT"}}})
        );
    }

    #[test]
    fn parameter_example_is_left_alone() {
        let doc = convert(json!({"openapi": "3.1.0", "p": {"in": "query", "example": ["a"]}}));
        assert_eq!(doc["p"]["example"], json!(["a"]));
    }
}
