//! The public surface of the generated clients, read from what build.rs wrote: no generated
//! type duplicates a hand-written WebAuthn type, every generated type says what it is, and
//! nothing public takes the crate's request hook.

const PUBLIC: &str = include_str!(concat!(env!("OUT_DIR"), "/generated.rs"));
const ADMIN: &str = include_str!(concat!(env!("OUT_DIR"), "/generated_admin.rs"));

/// Schemas nested in the four WebAuthn schemas that `src/webauthn.rs` models by hand.
const WEBAUTHN_DUPLICATES: [&str; 16] = [
    "PublicKeyCredentialCreationOptions",
    "PublicKeyCredentialCreationOptionsAttestation",
    "PublicKeyCredentialRequestOptions",
    "PublicKeyCredentialRequestOptionsUserVerification",
    "AuthenticatorSelection",
    "AuthenticatorSelectionAuthenticatorAttachment",
    "AuthenticatorSelectionResidentKey",
    "AuthenticatorSelectionUserVerification",
    "CredentialDescriptor",
    "CredentialDescriptorType",
    "CredentialParameter",
    "CredentialParameterType",
    "RelyingParty",
    "UserEntity",
    "AuthenticatorAttestationResponse",
    "AuthenticatorAssertionResponse",
];

/// The types a generated file declares, with the lines just above each declaration.
fn declarations(source: &str) -> Vec<(String, Vec<&str>)> {
    let lines: Vec<&str> = source.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let words: Vec<&str> = line
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        let Some(at) = words.iter().position(|w| *w == "struct" || *w == "enum") else {
            continue;
        };
        if words.first() != Some(&"pub") || at + 1 >= words.len() {
            continue;
        }
        found.push((words[at + 1].to_owned(), lines[..i].to_vec()));
    }
    found
}

/// The doc lines of the item whose preceding lines are `above`: the `///` block right before
/// its attributes.
fn doc_of<'a>(above: &[&'a str]) -> Vec<&'a str> {
    let mut docs = Vec::new();
    for line in above.iter().rev() {
        let line = line.trim();
        if let Some(doc) = line.strip_prefix("///") {
            docs.push(doc.trim());
        } else if !docs.is_empty() || line.ends_with(['{', '}', ';']) {
            // Above the doc block, or reached the previous item without meeting one.
            break;
        }
        // Otherwise an attribute (or a line of a multi-line one).
    }
    docs.reverse();
    docs
}

#[test]
fn the_parser_sees_what_it_should() {
    let source = "    ///`Order`\n    #[derive(\n        Clone,\n        Copy\n    )]\n    pub enum Order {\n    }\n    pub struct Bare(u8);\n";
    let found = declarations(source);
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].0, "Order");
    assert_eq!(doc_of(&found[0].1), ["`Order`"]);
    assert_eq!(found[1].0, "Bare");
    assert!(doc_of(&found[1].1).is_empty());
}

#[test]
fn no_generated_type_duplicates_a_hand_written_webauthn_type() {
    let declared: Vec<String> = declarations(PUBLIC).into_iter().map(|(n, _)| n).collect();
    // The file is the one expected: its surviving types are there.
    for kept in [
        "Credential",
        "ErrorBody",
        "ListCredentialsOrder",
        "RegistrationRequest",
    ] {
        assert!(declared.iter().any(|n| n == kept), "{kept} is missing");
    }
    for name in WEBAUTHN_DUPLICATES {
        assert!(
            !declared.iter().any(|n| n == name),
            "generated.rs still declares {name}"
        );
        // Nor does any code in the file mention it (the docs say it is left out).
        assert!(
            !PUBLIC
                .lines()
                .filter(|line| !line.trim_start().starts_with("///"))
                .flat_map(|line| line.split(|c: char| !(c.is_alphanumeric() || c == '_')))
                .any(|w| w == name),
            "generated.rs still mentions {name}"
        );
    }
}

#[test]
fn the_error_body_is_not_called_error() {
    for (file, source) in [("generated.rs", PUBLIC), ("generated_admin.rs", ADMIN)] {
        assert!(
            !source.contains("types::Error>") && !source.contains("pub struct Error "),
            "{file} still has a type named Error for the error body"
        );
    }
    assert!(PUBLIC.contains("pub struct ErrorBody {"));
    assert!(ADMIN.contains("crate::generated::types::ErrorBody"));
}

#[test]
fn every_generated_type_has_a_real_description() {
    let mut problems = Vec::new();
    for (file, source) in [("generated.rs", PUBLIC), ("generated_admin.rs", ADMIN)] {
        let found = declarations(source);
        assert!(found.len() > 10, "{file}: only {} types found", found.len());
        for (name, above) in found {
            let doc = doc_of(&above);
            let text = doc.join(" ");
            let text = text.trim();
            if text.is_empty() {
                problems.push(format!("{file}: {name} has no doc"));
            } else if text.trim_matches('`') == name || text.starts_with("```") {
                problems.push(format!("{file}: {name} is documented as {text:?}"));
            } else if text.split_whitespace().count() < 3 {
                problems.push(format!(
                    "{file}: {name}'s doc {text:?} says next to nothing"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_public_constructor_takes_the_request_hook() {
    for (file, source) in [("generated.rs", PUBLIC), ("generated_admin.rs", ADMIN)] {
        for line in source.lines() {
            let line = line.trim();
            assert!(
                !(line.starts_with("pub fn new") || line.starts_with("pub fn new_with_client")),
                "{file}: {line}"
            );
        }
        assert!(
            source.contains("pub(crate) fn new_with_client("),
            "{file}: the constructor is gone altogether"
        );
    }
}

/// The README's operation counts are the spec's: "covers N of the M public operations", the
/// sentence on the table's rows, and the JS SDK column (one row per use; the JS SDK's rows
/// are one per operation).
#[test]
fn the_readme_counts_what_the_spec_has() {
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("../openapi/passkey-api.json")).unwrap();
    let operations = spec["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().keys())
        .filter(|method| ["get", "put", "post", "delete", "patch"].contains(&method.as_str()))
        .count();
    let readme = include_str!("../README.md");
    let table = readme.split("\n## Operations\n").nth(1).unwrap();
    let rows: Vec<Vec<&str>> = table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| l.trim_matches('|').split(" | ").map(str::trim).collect())
        .collect();
    let in_js = rows.iter().filter(|r| r[2] != "–").count();
    assert!(
        readme.contains(&format!(
            "covers {in_js} of the {operations} public operations"
        )),
        "README: the JS SDK covers {in_js} of {operations}"
    );
    assert!(
        table.contains(&format!(
            "The public API has {operations} operations; the table has {} rows",
            rows.len()
        )),
        "README: {operations} operations in {} rows",
        rows.len()
    );
}
