//! Generates the typed clients from the vendored specs with progenitor: the Passkey API
//! (`openapi/passkey-api.json`) and the admin API (`openapi/passkey-admin-api.json`), one
//! generator run each.
//!
//! The specs are produced by `cargo xtask regen`; this script only reads them. Problems are
//! reported with the operation they concern, never as a bare panic.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use openapiv3::OpenAPI;

#[path = "build/calls.rs"]
mod calls;
#[path = "build/surface.rs"]
mod surface;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};

/// One client to generate.
struct Target {
    spec: &'static str,
    /// File in `OUT_DIR` that `src/` includes.
    out: &'static str,
    /// The type the generated client carries for its request hook.
    hooks: &'static str,
    /// Component schemas replaced by types defined elsewhere in the crate.
    replacements: &'static [(&'static str, &'static str)],
    /// Generated types given another name: `(schema, Rust name)`.
    renames: &'static [(&'static str, &'static str)],
    /// Where users reach the configured client: named in the docs of the re-exported
    /// progenitor items.
    raw: &'static str,
    /// The module of `src/operations.rs` with one `static` per operation of the spec.
    table: &'static str,
}

const TARGETS: [Target; 2] = [
    Target {
        spec: "openapi/passkey-api.json",
        out: "generated.rs",
        hooks: "crate::client::Hooks",
        replacements: &REPLACEMENTS,
        renames: &RENAMES,
        raw: "crate::Tenant::raw",
        table: "crate::operations::public",
    },
    Target {
        spec: "openapi/passkey-admin-api.json",
        out: "generated_admin.rs",
        hooks: "crate::admin::AdminHooks",
        replacements: &ADMIN_REPLACEMENTS,
        renames: &[],
        raw: "crate::Admin::raw",
        table: "crate::operations::admin",
    },
];

/// Schemas the admin API shares with the public API: generated once, for the public client,
/// so that `hanko_passkeys::Credential` (and the others) are the same type in both, and
/// both clients' errors decode into the one error body.
///
/// `Secret` is modelled by hand so that its value never shows in `Debug` output.
const ADMIN_REPLACEMENTS: [(&str, &str); 5] = [
    ("Secret", "crate::admin::Secret"),
    ("Error", "crate::generated::types::ErrorBody"),
    ("Credential", "crate::generated::types::Credential"),
    ("Transaction", "crate::generated::types::Transaction"),
    ("AuditLog", "crate::generated::types::AuditLog"),
];

/// The spec's `Error` schema is the body of an API error, not an error users handle: the
/// SDK's errors are `hanko_passkeys::Error` (which carries this body's title and details).
const RENAMES: [(&str, &str); 1] = [("Error", "ErrorBody")];

/// Component schemas that the facade models by hand so that unknown fields survive a
/// round trip between the server and the browser.
const REPLACEMENTS: [(&str, &str); 4] = [
    (
        "RegistrationOptions",
        "crate::webauthn::RegistrationOptions",
    ),
    ("LoginOptions", "crate::webauthn::LoginOptions"),
    (
        "RegistrationResponse",
        "crate::webauthn::RegistrationResponse",
    ),
    ("AssertionResponse", "crate::webauthn::AssertionResponse"),
];

fn main() {
    for target in &TARGETS {
        println!("cargo:rerun-if-changed={}", target.spec);
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/surface.rs");
    println!("cargo:rerun-if-changed=build/calls.rs");
    if let Err(message) = TARGETS.iter().try_for_each(run) {
        // One readable line per problem; cargo shows them under "failed to run custom build command".
        for line in message.lines() {
            eprintln!("error: {line}");
        }
        std::process::exit(1);
    }
}

fn run(target: &Target) -> Result<(), String> {
    let spec_path = target.spec;
    let text = std::fs::read_to_string(spec_path).map_err(|e| format!("{spec_path}: {e}"))?;
    let spec: OpenAPI = serde_json::from_str(&text).map_err(|e| {
        format!("{spec_path} is not an OpenAPI 3.0 document ({e}); run `cargo xtask regen`")
    })?;
    let mut settings = settings(target);
    surface::rename(&mut settings, target);
    let code = generate(&spec, &settings).map_err(|e| {
        // progenitor reports many problems without naming the operation: find it.
        match culprit(&spec, &settings) {
            Some(op) => format!("{spec_path}: operation `{op}`: {e}"),
            None => format!("{spec_path}: {e}"),
        }
    })?;
    let mut file = syn::parse2::<syn::File>(code)
        .map_err(|e| format!("{spec_path}: progenitor produced unparsable code: {e}"))?;
    check_error_types(&file).map_err(|e| format!("{spec_path}: {e}"))?;
    surface::shape(&mut file, target).map_err(|e| format!("{spec_path}: {e}"))?;
    calls::add(&mut file, target).map_err(|e| format!("{spec_path}: {e}"))?;
    if schemars_enabled() {
        string_constraints_in_schemas(&mut file.items).map_err(|e| format!("{spec_path}: {e}"))?;
    }
    let out = Path::new(&std::env::var("OUT_DIR").map_err(|e| e.to_string())?).join(target.out);
    std::fs::write(&out, prettyplease::unparse(&file))
        .map_err(|e| format!("{}: {e}", out.display()))
}

fn settings(target: &Target) -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        .with_hooks(HooksMode::Expected)
        .with_inner_type(quote_path(target.hooks));
    for (schema, path) in target.replacements {
        settings.with_replacement(schema, path, std::iter::empty());
    }
    // The `schemars` feature: every generated type implements `JsonSchema` too.
    if schemars_enabled() {
        settings.with_derive("::schemars::JsonSchema");
    }
    settings
}

fn schemars_enabled() -> bool {
    std::env::var_os("CARGO_FEATURE_SCHEMARS").is_some()
}

/// typify checks `minLength`, `maxLength` and `pattern` in a string newtype's `FromStr` (and
/// `Deserialize` through it), but a derived `JsonSchema` sees only a `String`. Reads the limits
/// back from each `FromStr` and states them on the newtype, so that its schema rejects what
/// deserializing rejects.
fn string_constraints_in_schemas(items: &mut [syn::Item]) -> Result<(), String> {
    use syn::visit::Visit;

    #[derive(Default)]
    struct Limits(Vec<proc_macro2::TokenStream>);
    impl<'ast> Visit<'ast> for Limits {
        fn visit_expr_binary(&mut self, e: &'ast syn::ExprBinary) {
            // `value.chars().count() > N` / `< N`
            let is_count = matches!(&*e.left, syn::Expr::MethodCall(m) if m.method == "count");
            if let (
                true,
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Int(n),
                    ..
                }),
            ) = (is_count, &*e.right)
            {
                // A limit that does not parse is left out rather than stated as 0.
                if let Ok(n) = n.base10_parse::<u64>() {
                    match e.op {
                        syn::BinOp::Gt(_) => self.0.push(quote::quote!("maxLength" = #n)),
                        syn::BinOp::Lt(_) => self.0.push(quote::quote!("minLength" = #n)),
                        _ => {}
                    }
                }
            }
            syn::visit::visit_expr_binary(self, e);
        }
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            // `::regress::Regex::new("pattern")`
            let is_regex = matches!(&*call.func, syn::Expr::Path(p)
                if p.path.segments.iter().any(|s| s.ident == "Regex"));
            if let (
                true,
                Some(syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(p),
                    ..
                })),
            ) = (is_regex, call.args.first())
            {
                self.0.push(quote::quote!("pattern" = #p));
            }
            syn::visit::visit_expr_call(self, call);
        }
    }

    let mut limits = std::collections::HashMap::new();
    for item in items.iter() {
        let syn::Item::Impl(imp) = item else { continue };
        let (Some((trait_path, _)), syn::Type::Path(ty)) = (&imp.trait_, &*imp.self_ty) else {
            continue;
        };
        let trait_name = trait_path.segments.last().map(|s| s.ident.to_string());
        if trait_name.as_deref() == Some("JsonSchema") {
            // typify 0.8 writes these (for enum-constrained newtypes of non-strings) against
            // the schemars 0.8 API, which does not compile with schemars 1.
            return Err(format!(
                "typify wrote its own `JsonSchema` impl for `{}`, for schemars 0.8; the \
                 `schemars` feature uses schemars 1",
                quote::ToTokens::to_token_stream(ty)
            ));
        }
        if trait_name.as_deref() == Some("FromStr") {
            let mut found = Limits::default();
            found.visit_item_impl(imp);
            if let (false, Some(name)) = (found.0.is_empty(), ty.path.get_ident()) {
                limits.insert(name.to_string(), found.0);
            }
        }
    }
    for item in items.iter_mut() {
        match item {
            syn::Item::Struct(s) => {
                if let Some(found) = limits.get(&s.ident.to_string()) {
                    s.attrs
                        .push(syn::parse_quote!(#[schemars(extend(#(#found),*))]));
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &mut m.content {
                    string_constraints_in_schemas(inner)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn quote_path(path: &str) -> proc_macro2::TokenStream {
    path.parse().expect("a valid Rust path")
}

/// Runs progenitor, turning its panics (it asserts on some spec shapes) into errors.
fn generate(
    spec: &OpenAPI,
    settings: &GenerationSettings,
) -> Result<proc_macro2::TokenStream, String> {
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(|| {
        Generator::new(settings)
            .generate_tokens(spec)
            .map_err(|e| e.to_string())
    }));
    std::panic::set_hook(previous_hook);
    match result {
        Ok(tokens) => tokens,
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "progenitor panicked".to_owned())),
    }
}

/// Generates each operation on its own to name the first one progenitor cannot handle.
fn culprit(spec: &OpenAPI, settings: &GenerationSettings) -> Option<String> {
    for (path, item) in &spec.paths.paths {
        let openapiv3::ReferenceOr::Item(item) = item else {
            continue;
        };
        for (method, op) in item.iter() {
            let mut single = spec.clone();
            let mut only = item.clone();
            for (other, _) in item.iter() {
                if other != method {
                    remove_method(&mut only, other);
                }
            }
            single.paths.paths.clear();
            single
                .paths
                .paths
                .insert(path.clone(), openapiv3::ReferenceOr::Item(only));
            if generate(&single, settings).is_err() {
                let id = op.operation_id.clone().unwrap_or_default();
                return Some(format!("{} {path} ({id})", method.to_uppercase()));
            }
        }
    }
    None
}

fn remove_method(item: &mut openapiv3::PathItem, method: &str) {
    match method {
        "get" => item.get = None,
        "put" => item.put = None,
        "post" => item.post = None,
        "delete" => item.delete = None,
        "options" => item.options = None,
        "head" => item.head = None,
        "patch" => item.patch = None,
        "trace" => item.trace = None,
        _ => {}
    }
}

/// An operation whose error type equals its success type decodes error bodies as successes
/// (a typify naming collision). Refuse to build such a client.
fn check_error_types(file: &syn::File) -> Result<(), String> {
    let mut problems = Vec::new();
    let mut count = 0;
    for item in &file.items {
        let syn::Item::Impl(imp) = item else { continue };
        for member in &imp.items {
            let syn::ImplItem::Fn(f) = member else {
                continue;
            };
            let syn::ReturnType::Type(_, ty) = &f.sig.output else {
                continue;
            };
            let Some((ok, err)) = result_types(ty) else {
                continue;
            };
            count += 1;
            if ok == err {
                problems.push(format!(
                    "operation `{}`: its error type is its success type ({ok})",
                    f.sig.ident
                ));
            }
        }
    }
    if count == 0 {
        problems.push("no operation found in the generated client".to_owned());
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// `Result<ResponseValue<T>, Error<E>>` -> (T, E) as token strings.
fn result_types(ty: &syn::Type) -> Option<(String, String)> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|a| match a {
        syn::GenericArgument::Type(t) => inner_of(t),
        _ => None,
    });
    Some((types.next()?, types.next()?))
}

fn inner_of(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) => Some(quote::ToTokens::to_token_stream(t).to_string()),
        _ => None,
    }
}
