//! The project's corrections to the upstream spec: `openapi/corrections.yaml`, a list of
//! `{reason, patch}` entries where `patch` is an RFC 6902 JSON Patch.

use serde_json::Value;

/// One reviewable correction.
#[derive(Debug)]
pub struct Correction {
    pub reason: String,
    pub patch: json_patch::Patch,
}

/// Parses the corrections file. Every entry needs a reason that names a contract section
/// (`§`) or says `naming:`; a patch without a reason is refused.
pub fn parse(text: &str) -> Result<Vec<Correction>, String> {
    let raw: Value = serde_yaml_ng::from_str(text).map_err(|e| format!("corrections: {e}"))?;
    let entries = raw
        .as_array()
        .ok_or("corrections: the file must be a list")?;
    entries
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let reason = entry
                .get("reason")
                .and_then(Value::as_str)
                .filter(|r| !r.trim().is_empty() && !r.contains('\n'))
                .ok_or_else(|| format!("corrections entry {i}: needs a one-line `reason`"))?;
            if !(reason.contains('§') || reason.starts_with("naming:")) {
                return Err(format!(
                    "corrections entry {i} ({reason}): the reason must point at a contract section (§)"
                ));
            }
            let patch = entry
                .get("patch")
                .cloned()
                .ok_or_else(|| format!("corrections entry {i} ({reason}): no `patch`"))?;
            let patch: json_patch::Patch = serde_json::from_value(patch)
                .map_err(|e| format!("corrections entry {i} ({reason}): {e}"))?;
            Ok(Correction { reason: reason.to_owned(), patch })
        })
        .collect()
}

/// Applies every correction in order. A failing operation names its entry and reason.
pub fn apply(doc: &mut Value, corrections: &[Correction]) -> Result<(), String> {
    for (i, correction) in corrections.iter().enumerate() {
        json_patch::patch(doc, &correction.patch).map_err(|e| {
            format!(
                "correction {i} ({}) no longer applies to the upstream spec: {e}",
                correction.reason
            )
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn applies_patches_in_order() {
        let corrections = parse(
            "- reason: \"§1: add\"\n  patch:\n    - {op: add, path: /a, value: 1}\n\
             - reason: \"§2: move\"\n  patch:\n    - {op: move, from: /a, path: /b}\n",
        )
        .unwrap();
        let mut doc = json!({});
        apply(&mut doc, &corrections).unwrap();
        assert_eq!(doc, json!({"b": 1}));
    }

    #[test]
    fn a_failed_test_op_names_the_correction() {
        let corrections =
            parse("- reason: \"§3: pinned\"\n  patch:\n    - {op: test, path: /a, value: 2}\n")
                .unwrap();
        let err = apply(&mut json!({"a": 1}), &corrections).unwrap_err();
        assert!(err.contains("§3: pinned"), "{err}");
    }

    #[test]
    fn reason_is_required_and_must_cite_the_contract() {
        assert!(parse("- patch: []\n").unwrap_err().contains("reason"));
        assert!(
            parse("- reason: because\n  patch: []\n")
                .unwrap_err()
                .contains("§")
        );
        assert!(parse("- reason: \"§1\"\n  patch: [{op: nope}]\n").is_err());
    }
}
