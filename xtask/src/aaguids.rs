//! `cargo xtask aaguids`: the community list of passkey provider AAGUIDs
//! (`aaguid.json` / `combined_aaguid.json` of passkeydeveloper/passkey-authenticator-aaguids)
//! -> `src/provider/table.rs` (AAGUIDs and names) and `src/provider/icons.rs` (icons, behind
//! the SDK's `provider-icons` feature).
//!
//! No network: the files are downloaded by hand (see `src/provider/README.md`, which also
//! records where they came from). Several `--from` files are merged as upstream merges its
//! combined list: an AAGUID in a later file replaces the whole entry of an earlier one.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use serde_json::Value;

use crate::regen::workspace_root;

/// Where the names go, relative to the workspace root.
pub const TABLE: &str = "src/provider/table.rs";
/// Where the icons go.
pub const ICONS: &str = "src/provider/icons.rs";

/// Which icons to keep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icons {
    /// SVG icons only: those of the community list (its schema requires SVG). The PNGs that
    /// `combined_aaguid.json` copies from FIDO's Metadata Service are dropped.
    Svg,
    /// SVG and PNG icons.
    All,
    /// None: `icons.rs` then gives every provider no icon.
    None,
}

/// Command-line options of `aaguids`.
pub struct Options {
    pub from: Vec<String>,
    pub icons: Icons,
    pub check: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut options = Options {
            from: Vec::new(),
            icons: Icons::Svg,
            check: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--check" => options.check = true,
                "--from" => options
                    .from
                    .push(args.next().ok_or("--from needs a path")?.to_owned()),
                "--icons" => {
                    options.icons = match args.next().map(String::as_str) {
                        Some("svg") => Icons::Svg,
                        Some("all") => Icons::All,
                        Some("none") => Icons::None,
                        _ => return Err("--icons takes svg, all or none".to_owned()),
                    };
                }
                other => return Err(format!("unknown argument `{other}` (see --help)")),
            }
        }
        if options.from.is_empty() {
            return Err("aaguids needs at least one --from FILE (see --help)".to_owned());
        }
        Ok(options)
    }
}

/// One provider as the SDK gets it.
#[derive(Debug, PartialEq)]
pub struct Provider {
    pub name: String,
    pub icon_light: Option<String>,
    pub icon_dark: Option<String>,
}

/// What was left out, for the report.
#[derive(Debug, Default, PartialEq)]
pub struct Dropped {
    /// Entries without a usable AAGUID or name, with the reason.
    pub entries: Vec<String>,
    /// Icons left out by `--icons`.
    pub by_choice: usize,
    /// Icons that are not a base64 `data:image/...` URI.
    pub malformed: Vec<String>,
}

/// Regenerates (or checks) both files.
pub fn run(options: &Options) -> Result<ExitCode, String> {
    let mut inputs = Vec::new();
    for path in &options.from {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
        inputs.push((path.as_str(), text));
    }
    let (providers, dropped) = merge(&inputs, options.icons)?;
    let (table, icons) = render(&providers);

    let root = workspace_root();
    let mut stale = false;
    for (name, text) in [(TABLE, &table), (ICONS, &icons)] {
        let path = root.join(name);
        let previous = std::fs::read_to_string(&path).unwrap_or_default();
        if options.check {
            if previous == *text {
                println!("{name} is up to date");
            } else {
                let diff = similar::TextDiff::from_lines(&previous, text);
                // Icon lines are tens of kilobytes: show which lines differ, not their text.
                for change in diff.iter_all_changes() {
                    if change.tag() != similar::ChangeTag::Equal {
                        let line = change.value();
                        let shown: String = line.chars().take(120).collect();
                        println!("{}{}", change.tag(), shown.trim_end());
                    }
                }
                eprintln!("{name} is stale: run `cargo xtask aaguids` and commit it");
                stale = true;
            }
        } else {
            write(&path, text)?;
            println!("wrote {}", path.display());
        }
    }
    let icon_count = providers
        .values()
        .flat_map(|p| [&p.icon_light, &p.icon_dark])
        .flatten()
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    println!(
        "{} providers, {} with an icon, {} distinct icons ({} icon bytes)",
        providers.len(),
        providers
            .values()
            .filter(|p| p.icon_light.is_some())
            .count(),
        icon_count,
        icon_bytes(&providers),
    );
    for entry in &dropped.entries {
        println!("  left out: {entry}");
    }
    if dropped.by_choice > 0 {
        println!(
            "  {} icon references left out by --icons (PNG icons from FIDO's Metadata Service)",
            dropped.by_choice
        );
    }
    for icon in &dropped.malformed {
        println!("  malformed icon left out: {icon}");
    }
    Ok(if stale {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

fn icon_bytes(providers: &BTreeMap<String, Provider>) -> usize {
    providers
        .values()
        .flat_map(|p| [&p.icon_light, &p.icon_dark])
        .flatten()
        .collect::<std::collections::BTreeSet<_>>()
        .iter()
        .map(|s| s.len())
        .sum()
}

/// Parses and merges the inputs (later ones win per AAGUID), keyed by lowercase AAGUID.
pub fn merge(
    inputs: &[(&str, String)],
    icons: Icons,
) -> Result<(BTreeMap<String, Provider>, Dropped), String> {
    let mut providers = BTreeMap::new();
    let mut dropped = Dropped::default();
    for (source, text) in inputs {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("{source}: {e}"))?;
        let entries = doc
            .as_object()
            .ok_or_else(|| format!("{source}: not a JSON object of AAGUIDs"))?;
        if entries.is_empty() {
            // Upstream's README: the list will be retired by emptying it.
            return Err(format!(
                "{source} is empty: upstream retires the list that way; keep the vendored table"
            ));
        }
        for (key, entry) in entries {
            let aaguid = key.to_ascii_lowercase();
            if !is_uuid(&aaguid) {
                dropped
                    .entries
                    .push(format!("{source}: `{key}` is not an AAGUID"));
                continue;
            }
            if aaguid == "00000000-0000-0000-0000-000000000000" {
                dropped.entries.push(format!(
                    "{source}: the zero AAGUID (authenticators that do not say)"
                ));
                continue;
            }
            let name = entry.get("name").and_then(Value::as_str).map(str::trim);
            let Some(name) = name.filter(|n| !n.is_empty() && !n.chars().any(char::is_control))
            else {
                dropped
                    .entries
                    .push(format!("{source}: {aaguid} has no usable name"));
                continue;
            };
            let mut icon = |field: &str| -> Option<String> {
                let uri = entry.get(field).and_then(Value::as_str)?;
                let kept = match icons {
                    Icons::None => false,
                    Icons::Svg => uri.starts_with("data:image/svg+xml;base64,"),
                    Icons::All => true,
                };
                if !kept {
                    dropped.by_choice += 1;
                    return None;
                }
                if !is_image_data_uri(uri) {
                    let shown: String = uri.chars().take(40).collect();
                    dropped
                        .malformed
                        .push(format!("{source}: {aaguid} {field} ({shown}...)"));
                    return None;
                }
                Some(uri.to_owned())
            };
            let provider = Provider {
                name: name.to_owned(),
                icon_light: icon("icon_light"),
                icon_dark: icon("icon_dark"),
            };
            providers.insert(aaguid, provider);
        }
    }
    Ok((providers, dropped))
}

/// `8-4-4-4-12` lowercase hex digits.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

/// `data:image/svg+xml;base64,` or `data:image/png;base64,` and well-formed base64: nothing
/// that could end an HTML attribute or a CSS `url()`.
fn is_image_data_uri(uri: &str) -> bool {
    let Some(payload) = uri
        .strip_prefix("data:image/svg+xml;base64,")
        .or_else(|| uri.strip_prefix("data:image/png;base64,"))
    else {
        return false;
    };
    let body = payload.trim_end_matches('=');
    !body.is_empty()
        && payload.len() % 4 == 0
        && payload.len() - body.len() <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// The two Rust files: one entry a line (`#[rustfmt::skip]`), as `cargo fmt` leaves them.
pub fn render<'a>(providers: &'a BTreeMap<String, Provider>) -> (String, String) {
    const HEADER: &str = "// @generated by `cargo xtask aaguids`; do not edit. Where the data comes from (source,\n\
                          // commit, date, licence): README.md beside this file.\n\n";
    let count = providers.len();
    let mut table = String::from(HEADER);
    table.push_str("use uuid::uuid;\n\nuse super::Entry;\n\n");
    table.push_str(
        "/// The known AAGUIDs and their provider names, sorted by AAGUID (checked at compile time).\n",
    );
    table.push_str("#[rustfmt::skip]\n");
    table.push_str(&format!(
        "pub(super) static PROVIDERS: [Entry; {count}] = [\n"
    ));
    // BTreeMap order of lowercase hex text is the numeric (and `Uuid`) order.
    for (aaguid, provider) in providers {
        table.push_str(&format!(
            "    Entry::new(uuid!(\"{aaguid}\"), {:?}),\n",
            provider.name
        ));
    }
    table.push_str("];\n");

    let mut distinct: Vec<(&str, String)> = Vec::new();
    let mut index = |icon: &'a Option<String>, user: String| -> String {
        let Some(icon) = icon.as_deref() else {
            return "None".to_owned();
        };
        let i = distinct
            .iter()
            .position(|(d, _)| *d == icon)
            .unwrap_or_else(|| {
                distinct.push((icon, user));
                distinct.len() - 1
            });
        format!("Some({i})")
    };
    let mut icons = String::from(HEADER);
    icons.push_str(
        "/// For each entry of `PROVIDERS`, in its order: the index in `ICONS` of its light and of its\n\
         /// dark icon.\n",
    );
    icons.push_str("#[rustfmt::skip]\n");
    icons.push_str(&format!(
        "pub(super) static ICON_OF: [(Option<u16>, Option<u16>); {count}] = [\n"
    ));
    for (aaguid, provider) in providers {
        // Debug-quoted names are one line, and bidi controls are escaped (rustc refuses them
        // raw, in comments too).
        let light = index(&provider.icon_light, format!("{:?} (light)", provider.name));
        let dark = index(&provider.icon_dark, format!("{:?} (dark)", provider.name));
        icons.push_str(&format!(
            "    ({light}, {dark}), // {aaguid} {:?}\n",
            provider.name
        ));
    }
    icons.push_str("];\n\n");
    icons.push_str("/// The distinct icons, as `data:` URIs.\n");
    icons.push_str("#[rustfmt::skip]\n");
    icons.push_str(&format!(
        "pub(super) static ICONS: [&str; {}] = [\n",
        distinct.len()
    ));
    for (i, (icon, user)) in distinct.iter().enumerate() {
        // Checked: base64 after a fixed prefix, nothing to escape.
        icons.push_str(&format!("    // {i}: {user}\n    \"{icon}\",\n"));
    }
    icons.push_str("];\n");
    (table, icons)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merged(inputs: &[&str], icons: Icons) -> (BTreeMap<String, Provider>, Dropped) {
        let inputs: Vec<_> = inputs.iter().map(|t| ("test", (*t).to_owned())).collect();
        merge(&inputs, icons).unwrap()
    }

    const SVG: &str = "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=";
    const PNG: &str = "data:image/png;base64,iVBORw0KGgo=";

    #[test]
    fn later_files_replace_whole_entries_and_keys_are_lowercased() {
        let mds = format!(
            r#"{{"FBFC3007-154E-4ECC-8C0B-6E020557D7BD": {{"name": "iCloud Keychain", "icon_light": "{PNG}", "icon_dark": "{PNG}"}},
                "ee882879-721c-4913-9775-3dfcce97072a": {{"name": "YubiKey 5 Series", "icon_light": "{PNG}", "icon_dark": null}}}}"#
        );
        let community = format!(
            r#"{{"fbfc3007-154e-4ecc-8c0b-6e020557d7bd": {{"name": " Apple Passwords ", "icon_light": "{SVG}", "icon_dark": "{SVG}"}}}}"#
        );
        let (providers, dropped) = merged(&[&mds, &community], Icons::Svg);
        assert_eq!(providers.len(), 2);
        let apple = &providers["fbfc3007-154e-4ecc-8c0b-6e020557d7bd"];
        assert_eq!(apple.name, "Apple Passwords");
        assert_eq!(apple.icon_light.as_deref(), Some(SVG));
        let yubikey = &providers["ee882879-721c-4913-9775-3dfcce97072a"];
        assert_eq!(
            (yubikey.icon_light.as_ref(), yubikey.icon_dark.as_ref()),
            (None, None)
        );
        // The two PNGs of the first file's iCloud entry and the YubiKey's one.
        assert_eq!(dropped.by_choice, 3);

        let (providers, _) = merged(&[&mds], Icons::All);
        assert_eq!(
            providers["ee882879-721c-4913-9775-3dfcce97072a"]
                .icon_light
                .as_deref(),
            Some(PNG)
        );
        let (providers, _) = merged(&[&community], Icons::None);
        assert_eq!(
            providers["fbfc3007-154e-4ecc-8c0b-6e020557d7bd"].icon_light,
            None
        );
    }

    #[test]
    fn bad_entries_and_icons_are_left_out_and_reported() {
        let text = format!(
            r#"{{"00000000-0000-0000-0000-000000000000": {{"name": "zero"}},
                "not-a-uuid": {{"name": "x"}},
                "11111111-2222-3333-4444-555555555555": {{"name": "  "}},
                "22222222-2222-3333-4444-555555555555": {{"name": "line\nbreak"}},
                "33333333-2222-3333-4444-555555555555": {{"icon_light": "{SVG}"}},
                "44444444-2222-3333-4444-555555555555": {{"name": "Quote\"d", "icon_light": "data:image/svg+xml;base64,PHN2Zz4\"onload=x", "icon_dark": "{SVG}"}}}}"#
        );
        let (providers, dropped) = merged(&[&text], Icons::Svg);
        assert_eq!(providers.len(), 1);
        let p = &providers["44444444-2222-3333-4444-555555555555"];
        assert_eq!(p.name, "Quote\"d");
        assert_eq!(
            (p.icon_light.as_deref(), p.icon_dark.as_deref()),
            (None, Some(SVG))
        );
        assert_eq!(dropped.entries.len(), 5, "{:?}", dropped.entries);
        assert_eq!(dropped.malformed.len(), 1);
    }

    #[test]
    fn an_empty_list_is_refused() {
        let inputs = [("aaguid.json", "{}".to_owned())];
        assert!(merge(&inputs, Icons::Svg).unwrap_err().contains("retires"));
    }

    #[test]
    fn data_uris() {
        assert!(is_image_data_uri(SVG));
        assert!(is_image_data_uri(PNG));
        for bad in [
            "data:image/svg+xml;base64,",
            "data:image/svg+xml;base64,PHN2Zz4",
            "data:image/svg+xml;base64,PHN2Zz4===",
            "data:image/svg+xml;base64,PH=2Zz4=",
            "data:text/html;base64,PHN2Zz48L3N2Zz4=",
            "data:image/svg+xml,<svg/>",
            "https://example.com/icon.svg",
        ] {
            assert!(!is_image_data_uri(bad), "{bad}");
        }
    }

    #[test]
    fn rendering_sorts_shares_icons_and_escapes_names() {
        let text = format!(
            r#"{{"ffffffff-0000-0000-0000-000000000001": {{"name": "B \\ \"x\"", "icon_light": "{SVG}", "icon_dark": "{SVG}"}},
                "0000000a-0000-0000-0000-000000000001": {{"name": "A", "icon_dark": "{SVG}"}}}}"#
        );
        let (providers, _) = merged(&[&text], Icons::Svg);
        let (table, icons) = render(&providers);
        let a = table.find("0000000a").unwrap();
        let b = table.find("ffffffff").unwrap();
        assert!(a < b);
        assert!(table.contains(r#""B \\ \"x\"""#), "{table}");
        assert!(
            icons.contains("(None, Some(0)), // 0000000a-0000-0000-0000-000000000001 \"A\"\n"),
            "{icons}"
        );
        assert!(
            icons.contains("    (Some(0), Some(0)), // ffffffff"),
            "{icons}"
        );
        assert!(icons.contains("ICONS: [&str; 1]"), "{icons}");
        assert!(
            icons.contains("    // 0: \"A\" (dark)\n    \"data:"),
            "{icons}"
        );
    }

    #[test]
    fn bidi_controls_in_names_are_escaped() {
        let text = r#"{"0000000a-0000-0000-0000-000000000001": {"name": "evil\u202egnp.exe"}}"#;
        let (providers, _) = merged(&[text], Icons::Svg);
        let (table, icons) = render(&providers);
        assert!(!table.contains('\u{202e}') && !icons.contains('\u{202e}'));
        assert!(table.contains(r#""evil\u{202e}gnp.exe""#), "{table}");
    }
}
