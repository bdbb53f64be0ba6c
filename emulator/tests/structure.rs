//! The emulator's modules import each other without a cycle: every file of `src/` (the
//! binaries aside) is a node, every path that names another module (`crate::…`, `super::…`,
//! `self::…`, or a child module by name in a `mod.rs`) an edge, and the graph must have no
//! cycle. Route composition lives in `app.rs`, so the HTTP toolkit (`server/`) never names a
//! ceremony; a folder's `mod.rs` declares and re-exports its children, which import from each
//! other, not from it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path, e.g. `["server", "binding"]`; `[]` is the crate root.
type Module = Vec<String>;

fn collect(dir: &Path, root: &Path, files: &mut BTreeMap<Module, PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().unwrap() != "bin" {
                collect(&path, root, files);
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap().with_extension("");
        let mut module: Module = rel
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
            module.pop();
        }
        files.insert(module, path);
    }
}

/// The source without comments (doc links are not imports) and string literals (a `'"'`
/// character literal is skipped as such).
fn code(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '\'' if chars.peek() == Some(&'"') => {
                chars.next();
                out.push_str("'\"");
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if c == '"' && !escaped {
                        break;
                    }
                    escaped = c == '\\' && !escaped;
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// The identifiers of a path starting at `start` (`a::b::{c, d::e}` gives `a b` and, for
/// each item of the braces, its own path); `use` groups are followed one level deep.
fn paths(code: &str, start: usize) -> Vec<Vec<String>> {
    let rest = &code[start..];
    let mut base = Vec::new();
    let mut i = 0;
    let bytes = rest.as_bytes();
    loop {
        let ident_end = rest[i..]
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(rest.len(), |n| i + n);
        if ident_end == i {
            break;
        }
        base.push(rest[i..ident_end].to_string());
        i = ident_end;
        if rest[i..].starts_with("::") {
            i += 2;
            if bytes.get(i) == Some(&b'{') {
                let end = rest[i..].find('}').map_or(rest.len(), |n| i + n);
                return rest[i + 1..end]
                    .split(',')
                    .map(|item| {
                        let mut path = base.clone();
                        path.extend(
                            item.split("::")
                                .map(|s| s.split_whitespace().next().unwrap_or("").to_string())
                                .take_while(|s| !s.is_empty() && s != "{"),
                        );
                        path
                    })
                    .collect();
            }
        } else {
            break;
        }
    }
    vec![base]
}

#[test]
fn emulator_modules_import_each_other_without_a_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    collect(&root, &root, &mut files);
    assert!(files.len() > 30, "read {} files", files.len());
    let deepest = |path: &[String]| -> Module {
        (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|m| files.contains_key(m))
            .unwrap_or_default()
    };
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (module, file) in &files {
        let is_folder = matches!(
            file.file_name().and_then(|f| f.to_str()),
            Some("mod.rs" | "lib.rs")
        );
        // What `super` and `self` mean in this file.
        let own: Module = module.clone();
        let parent: Module = module[..module.len().saturating_sub(1)].to_vec();
        let code = code(&std::fs::read_to_string(file).unwrap());
        // Inline test modules (`super` there is the file itself) import nothing of interest.
        let code = match code.find("#[cfg(test)]\nmod tests") {
            Some(end) => code[..end].to_string(),
            None => code,
        };
        let mut targets = BTreeSet::new();
        for (keyword, base) in [
            ("crate::", Vec::new()),
            ("super::", parent.clone()),
            ("self::", own.clone()),
        ] {
            let mut from = 0;
            while let Some(found) = code[from..].find(keyword) {
                let at = from + found;
                from = at + keyword.len();
                let before = code[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                for path in paths(&code, at + keyword.len()) {
                    let mut full = base.clone();
                    full.extend(path);
                    targets.insert(deepest(&full));
                }
            }
        }
        if is_folder {
            // A child named by itself (`child::Item`, `pub use child::…`).
            for child in files
                .keys()
                .filter(|k| k.len() == module.len() + 1 && k.starts_with(module))
            {
                let name = format!("{}::", child.last().unwrap());
                let named = code.match_indices(&name).any(|(at, _)| {
                    !code[..at]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
                });
                if named {
                    targets.insert(child.clone());
                }
            }
        }
        targets.remove(module);
        edges.insert(module.clone(), targets);
    }

    // Depth-first search for a back edge; report the cycle it closes.
    fn visit(
        node: &Module,
        edges: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, bool>,
        stack: &mut Vec<Module>,
    ) -> Option<Vec<Module>> {
        match state.get(node) {
            Some(true) => {
                let start = stack.iter().position(|m| m == node).unwrap();
                let mut cycle = stack[start..].to_vec();
                cycle.push(node.clone());
                return Some(cycle);
            }
            Some(false) => return None,
            None => {}
        }
        state.insert(node.clone(), true);
        stack.push(node.clone());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, state, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        state.insert(node.clone(), false);
        None
    }
    let mut state = BTreeMap::new();
    for module in files.keys() {
        if let Some(cycle) = visit(module, &edges, &mut state, &mut Vec::new()) {
            let names: Vec<String> = cycle
                .iter()
                .map(|m| {
                    if m.is_empty() {
                        "lib".into()
                    } else {
                        m.join("/")
                    }
                })
                .collect();
            panic!("import cycle: {}", names.join(" -> "));
        }
    }
    // The check sees real edges: the composition module names the toolkit and the ceremonies.
    let app = &edges[&vec!["app".to_string()]];
    assert!(app.contains(&vec!["server".to_string(), "middleware".to_string()]));
    assert!(app.contains(&vec!["ceremony".to_string(), "login".to_string()]));
}
