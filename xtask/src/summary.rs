//! What changed for users between two versions of the vendored spec.

use serde_json::Value;
use std::collections::BTreeMap;

/// Lines such as `operation added: GET /{tenant_id}/x (get_x)` or `schema changed: Credential`.
pub fn changes(old: &Value, new: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    diff(&mut lines, "operation", &operations(old), &operations(new));
    diff(&mut lines, "schema", &schemas(old), &schemas(new));
    lines
}

fn diff(
    lines: &mut Vec<String>,
    kind: &str,
    old: &BTreeMap<String, Value>,
    new: &BTreeMap<String, Value>,
) {
    for (key, value) in new {
        match old.get(key) {
            None => lines.push(format!("{kind} added: {key}")),
            Some(previous) if previous != value => lines.push(format!("{kind} changed: {key}")),
            Some(_) => {}
        }
    }
    for key in old.keys().filter(|k| !new.contains_key(*k)) {
        lines.push(format!("{kind} removed: {key}"));
    }
}

fn operations(doc: &Value) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                out.insert(
                    format!("{} {path} ({id})", method.to_uppercase()),
                    op.clone(),
                );
            }
        }
    }
    out
}

fn schemas(doc: &Value) -> BTreeMap<String, Value> {
    doc["components"]["schemas"]
        .as_object()
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reports_added_removed_changed() {
        let old = json!({
            "paths": {"/a": {"get": {"operationId": "a"}}, "/b": {"get": {"operationId": "b"}}},
            "components": {"schemas": {"S": {"type": "string"}, "T": {}}}
        });
        let new = json!({
            "paths": {"/a": {"get": {"operationId": "a", "x": 1}}, "/c": {"post": {"operationId": "c"}}},
            "components": {"schemas": {"S": {"type": "string"}, "U": {}}}
        });
        assert_eq!(
            changes(&old, &new),
            vec![
                "operation changed: GET /a (a)",
                "operation added: POST /c (c)",
                "operation removed: GET /b (b)",
                "schema added: U",
                "schema removed: T",
            ]
        );
        assert!(changes(&new, &new).is_empty());
    }
}
