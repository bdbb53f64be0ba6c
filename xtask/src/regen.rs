//! `cargo xtask regen`: upstream spec -> 3.0.3 -> corrections -> checks -> vendored spec, for
//! the public Passkey API (`openapi/passkey-api.json`) and the admin API
//! (`openapi/passkey-admin-api.json`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde_json::Value;

use crate::{convert, corrections, summary};

/// Where the docs site publishes the Passkey API spec.
pub const DEFAULT_UPSTREAM: &str =
    "https://raw.githubusercontent.com/teamhanko/docs/main/openapi-passkeys.yaml";

/// Where the server's repository publishes the admin API spec.
pub const DEFAULT_ADMIN_UPSTREAM: &str =
    "https://raw.githubusercontent.com/teamhanko/passkeys/main/spec/passkey-server-admin.yaml";

/// One vendored spec: where its corrections are and where it is written, relative to the
/// workspace root.
pub struct Target {
    pub corrections: &'static str,
    pub output: &'static str,
}

/// The public Passkey API.
pub const PUBLIC: Target = Target {
    corrections: "openapi/corrections.yaml",
    output: "openapi/passkey-api.json",
};

/// The admin API of the self-hosted server.
pub const ADMIN: Target = Target {
    corrections: "openapi/admin-corrections.yaml",
    output: "openapi/passkey-admin-api.json",
};

/// Command-line options of `regen`.
pub struct Options {
    pub from: String,
    pub admin_from: String,
    pub check: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Options {
            from: DEFAULT_UPSTREAM.to_owned(),
            admin_from: DEFAULT_ADMIN_UPSTREAM.to_owned(),
            check: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--check" => options.check = true,
                "--from" => {
                    options.from = args.next().ok_or("--from needs a path or URL")?.to_owned();
                }
                "--admin-from" => {
                    options.admin_from = args
                        .next()
                        .ok_or("--admin-from needs a path or URL")?
                        .to_owned();
                }
                other => return Err(format!("unknown argument `{other}` (see --help)")),
            }
        }
        Ok(options)
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_owned()
}

/// Regenerates (or checks) both specs; fails when either fails.
pub fn run(options: &Options) -> Result<ExitCode, String> {
    let public = run_one(&PUBLIC, &options.from, options.check)?;
    let admin = run_one(&ADMIN, &options.admin_from, options.check)?;
    Ok(if public && admin {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// One spec; `Ok(false)` when `--check` found it stale.
fn run_one(target: &Target, from: &str, check: bool) -> Result<bool, String> {
    let root = workspace_root();
    let name = target.output;
    let upstream = read_upstream(from)?;
    let corrections_path = root.join(target.corrections);
    let corrections_text = std::fs::read_to_string(&corrections_path)
        .map_err(|e| format!("{}: {e}", corrections_path.display()))?;
    let rendered =
        derive(&upstream, &corrections_text).map_err(|e| format!("{name} from {from}: {e}"))?;

    let output = root.join(name);
    let previous = std::fs::read_to_string(&output).ok();
    if check {
        return Ok(match &previous {
            Some(old) if *old == rendered => {
                println!("{name} is up to date");
                true
            }
            _ => {
                let old = previous.as_deref().unwrap_or("");
                let diff = similar::TextDiff::from_lines(old, &rendered);
                print!(
                    "{}",
                    diff.unified_diff()
                        .context_radius(3)
                        .header(&format!("{name} (committed)"), "regenerated")
                );
                eprintln!("{name} is stale: run `cargo xtask regen` and commit it");
                false
            }
        });
    }
    let changes = match &previous {
        Some(old) => {
            let old: Value = serde_json::from_str(old)
                .map_err(|e| format!("the committed spec is not JSON: {e}"))?;
            summary::changes(
                &old,
                &serde_json::from_str(&rendered).expect("just rendered"),
            )
        }
        None => vec!["(no previous spec: everything is new)".to_owned()],
    };
    std::fs::write(&output, &rendered).map_err(|e| format!("{}: {e}", output.display()))?;
    println!("wrote {}", output.display());
    if changes.is_empty() {
        println!("no change for users");
    }
    for line in changes {
        println!("  {line}");
    }
    Ok(true)
}

/// The whole pipeline on text: pure, so tests and `--check` see exactly what a run writes.
pub fn derive(upstream_yaml: &str, corrections_yaml: &str) -> Result<String, String> {
    // YAML keys may be non-strings (`200:`); go through serde_yaml_ng's own value first.
    let yaml: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(upstream_yaml).map_err(|e| format!("upstream spec: {e}"))?;
    let mut doc = yaml_to_json(yaml)?;
    convert::downconvert(&mut doc)?;
    let corrections = corrections::parse(corrections_yaml)?;
    corrections::apply(&mut doc, &corrections)?;
    validate(&doc)?;
    let mut text = serde_json::to_string_pretty(&doc).expect("a JSON value serializes");
    text.push('\n');
    Ok(text)
}

fn yaml_to_json(value: serde_yaml_ng::Value) -> Result<Value, String> {
    use serde_yaml_ng::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => serde_json::to_value(&n).map_err(|e| e.to_string())?,
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => return Err(format!("unsupported YAML key {other:?}")),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
}

fn read_upstream(from: &str) -> Result<String, String> {
    if from.starts_with("http://") || from.starts_with("https://") {
        // curl keeps HTTP and TLS out of the xtask's own build.
        let out = Command::new("curl")
            .args(["--fail", "--silent", "--show-error", "--location", from])
            .output()
            .map_err(|e| format!("running curl to fetch {from}: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "fetching {from}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        String::from_utf8(out.stdout).map_err(|_| format!("{from} is not UTF-8"))
    } else {
        std::fs::read_to_string(from).map_err(|e| format!("{from}: {e}"))
    }
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// What build.rs and progenitor rely on, checked on the finished document.
fn validate(doc: &Value) -> Result<(), String> {
    let spec: openapiv3::OpenAPI = serde_json::from_value(doc.clone())
        .map_err(|e| format!("the corrected spec is not valid OpenAPI 3.0: {e}"))?;
    if !spec.openapi.starts_with("3.0.") {
        return Err(format!("the corrected spec says openapi {}", spec.openapi));
    }
    let mut problems = Vec::new();
    let paths = doc["paths"].as_object().ok_or("the spec has no paths")?;
    // A document-level `security` (the admin API: none at all) covers every operation.
    let default_security = doc.get("security").is_some();
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let name = format!("{} {path}", method.to_uppercase());
            if op.get("operationId").and_then(Value::as_str).is_none() {
                problems.push(format!("{name}: no operationId"));
            }
            if op.get("security").is_none() && !default_security {
                problems.push(format!(
                    "{name}: says nothing about the API key (`security`)"
                ));
            }
            for param in op
                .get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if param.get("in").and_then(Value::as_str) == Some("header") {
                    problems.push(format!(
                        "{name}: header parameter left (use the security scheme)"
                    ));
                }
            }
            for (status, response) in op["responses"].as_object().into_iter().flatten() {
                let is_error = status.starts_with('4') || status.starts_with('5');
                let reference = response.get("$ref").and_then(Value::as_str);
                if is_error && reference != Some("#/components/responses/error") {
                    problems.push(format!("{name}: response {status} is not the shared error"));
                }
                if !is_error {
                    for (media, content) in response["content"].as_object().into_iter().flatten() {
                        check_named(
                            &content["schema"],
                            &format!("{name} {status} {media}"),
                            &mut problems,
                        );
                    }
                }
            }
        }
    }
    for (key, body) in doc["components"]["requestBodies"]
        .as_object()
        .into_iter()
        .flatten()
    {
        for (_, content) in body["content"].as_object().into_iter().flatten() {
            check_named(
                &content["schema"],
                &format!("request body {key}"),
                &mut problems,
            );
        }
    }
    for (key, response) in doc["components"]["responses"]
        .as_object()
        .into_iter()
        .flatten()
    {
        for (_, content) in response["content"].as_object().into_iter().flatten() {
            check_named(
                &content["schema"],
                &format!("response {key}"),
                &mut problems,
            );
        }
    }
    find_closed_objects(doc, "", &mut problems);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// Bodies must name a component schema (or be an array of one): an inline object gets a
/// generated name that can collide with another operation's type.
fn check_named(schema: &Value, what: &str, problems: &mut Vec<String>) {
    let named = schema.get("$ref").is_some()
        || (schema.get("type").and_then(Value::as_str) == Some("array")
            && schema["items"].get("$ref").is_some());
    if !named {
        problems.push(format!(
            "{what}: inline schema (hoist it into components/schemas)"
        ));
    }
}

fn find_closed_objects(value: &Value, pointer: &str, problems: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if map.get("additionalProperties") == Some(&Value::Bool(false)) {
                problems.push(format!(
                    "{pointer}: additionalProperties: false rejects new server fields"
                ));
            }
            for (k, v) in map {
                find_closed_objects(v, &format!("{pointer}/{k}"), problems);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                find_closed_objects(v, &format!("{pointer}/{i}"), problems);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r##"
openapi: 3.1.0
info: { title: t, version: "1" }
paths:
  /x:
    get:
      operationId: x
      security: []
      responses:
        "200": { description: ok, content: { application/json: { schema: { $ref: "#/components/schemas/X" } } } }
        "400": { $ref: "#/components/responses/error" }
components:
  schemas:
    X: { type: object, properties: { a: { type: [string, "null"] } } }
  responses:
    error: { description: e, content: { application/json: { schema: { $ref: "#/components/schemas/X" } } } }
"##;

    #[test]
    fn derive_is_deterministic_and_converted() {
        let a = derive(MINIMAL, "[]").unwrap();
        assert_eq!(a, derive(MINIMAL, "[]").unwrap());
        assert!(a.contains("\"openapi\": \"3.0.3\""));
        assert!(a.contains("\"nullable\": true"));
        assert!(a.ends_with("}\n"));
    }

    #[test]
    fn inline_bodies_and_private_errors_are_refused() {
        let inline = MINIMAL.replace(
            r##"{ $ref: "#/components/schemas/X" } } } }
        "400""##,
            r##"{ type: object } } } }
        "400""##,
        );
        assert!(derive(&inline, "[]").unwrap_err().contains("inline schema"));
        let own_error = MINIMAL.replace(
            r##""400": { $ref: "#/components/responses/error" }"##,
            r##""400": { description: nope }"##,
        );
        assert!(
            derive(&own_error, "[]")
                .unwrap_err()
                .contains("not the shared error")
        );
    }

    #[test]
    fn closed_objects_are_refused() {
        let closed = MINIMAL.replace(
            "type: object, properties",
            "type: object, additionalProperties: false, properties",
        );
        assert!(
            derive(&closed, "[]")
                .unwrap_err()
                .contains("additionalProperties")
        );
    }

    #[test]
    fn a_document_level_security_covers_every_operation() {
        let without = MINIMAL.replace("      security: []\n", "");
        assert!(derive(&without, "[]").unwrap_err().contains("`security`"));
        let document_level = without.replace("paths:", "security: []\npaths:");
        assert!(derive(&document_level, "[]").is_ok());
    }

    #[test]
    fn both_corrections_files_parse_and_cite_the_contract() {
        let root = workspace_root();
        for target in [&PUBLIC, &ADMIN] {
            let text = std::fs::read_to_string(root.join(target.corrections)).unwrap();
            let corrections = corrections::parse(&text).unwrap();
            assert!(corrections.len() > 10, "{}", target.corrections);
        }
    }

    #[test]
    fn options_parse() {
        let o = Options::parse(&["--check".into(), "--from".into(), "f.yaml".into()]).unwrap();
        assert!(o.check);
        assert_eq!(o.from, "f.yaml");
        assert_eq!(o.admin_from, DEFAULT_ADMIN_UPSTREAM);
        let o = Options::parse(&["--admin-from".into(), "a.yaml".into()]).unwrap();
        assert_eq!(
            (o.from.as_str(), o.admin_from.as_str()),
            (DEFAULT_UPSTREAM, "a.yaml")
        );
        assert!(Options::parse(&["--from".into()]).is_err());
        assert!(Options::parse(&["--admin-from".into()]).is_err());
        assert!(Options::parse(&["--nope".into()]).is_err());
    }
}
