//! The public surface of a generated client, shaped after progenitor has run.
//!
//! - Types nothing uses once the replacements are in place (the schemas nested in the
//!   replaced WebAuthn schemas) are removed with their impls, so that no generated type
//!   duplicates a hand-written one. What goes is computed, not listed.
//! - The client's constructors become `pub(crate)`: they take the crate's request hook, which
//!   users can neither name nor build; the way in is `Tenant::raw` / `Admin::raw`.
//! - The error-body schema is renamed (`ErrorBody`), and the re-exported progenitor error,
//!   the conversion error and the `types` module say what they are and link to the SDK's error.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};
use progenitor::{GenerationSettings, TypePatch};
use quote::ToTokens;
use syn::parse_quote;

use crate::Target;

/// Generator settings for the renamed types.
pub(crate) fn rename(settings: &mut GenerationSettings, target: &Target) {
    for (schema, name) in target.renames {
        let mut patch = TypePatch::default();
        patch.with_rename(name);
        settings.with_patch(schema, &patch);
    }
}

/// Shapes the generated file's public surface (see the module docs).
pub(crate) fn shape(file: &mut syn::File, target: &Target) -> Result<(), String> {
    let removed = prune_unused_types(file)?;
    hide_constructors(file)?;
    document_reexports(file, target)?;
    document_types(file, target, &removed)?;
    document_client(file, target)?;
    Ok(())
}

/// What one item of the `types` module needs: it is kept when every type in `subjects` is
/// used, and then every type in `deps` is used too.
struct Link {
    subjects: BTreeSet<String>,
    deps: BTreeSet<String>,
}

/// Removes the types of the `types` module that nothing outside it uses, directly or through
/// other kept types, with every item (impls, builder counterparts, defaults) that concerns
/// them. Returns the removed names.
fn prune_unused_types(file: &mut syn::File) -> Result<Vec<String>, String> {
    let mut used = BTreeSet::new();
    for item in &file.items {
        if !is_types_module(item) {
            idents(item.to_token_stream(), &mut used);
        }
    }
    let types = types_module(file)?;
    let declared: BTreeSet<String> = types.iter().filter_map(declared_name).collect();
    used.retain(|name| declared.contains(name));
    let mut links = Vec::new();
    collect_links(types, &declared, &mut links);
    loop {
        let before = used.len();
        for link in &links {
            if link.subjects.is_subset(&used) {
                used.extend(link.deps.iter().cloned());
            }
        }
        if used.len() == before {
            break;
        }
    }
    let unused: BTreeSet<String> = declared.difference(&used).cloned().collect();
    remove_concerning(types, &declared, &unused);
    Ok(unused.into_iter().collect())
}

fn is_types_module(item: &syn::Item) -> bool {
    matches!(item, syn::Item::Mod(m) if m.ident == "types")
}

fn types_module(file: &mut syn::File) -> Result<&mut Vec<syn::Item>, String> {
    file.items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or_else(|| "the generated client has no `types` module".to_owned())
}

fn declared_name(item: &syn::Item) -> Option<String> {
    match item {
        syn::Item::Struct(s) => Some(s.ident.to_string()),
        syn::Item::Enum(e) => Some(e.ident.to_string()),
        syn::Item::Type(t) => Some(t.ident.to_string()),
        syn::Item::Union(u) => Some(u.ident.to_string()),
        _ => None,
    }
}

/// Every identifier in `tokens` (a superset of the type names they use).
fn idents(tokens: TokenStream, out: &mut BTreeSet<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => {
                out.insert(ident.to_string());
            }
            TokenTree::Group(group) => idents(group.stream(), out),
            TokenTree::Punct(_) | TokenTree::Literal(_) => {}
        }
    }
}

fn mentioned(tokens: TokenStream, declared: &BTreeSet<String>) -> BTreeSet<String> {
    let mut all = BTreeSet::new();
    idents(tokens, &mut all);
    all.retain(|name| declared.contains(name));
    all
}

/// What each item (nested modules' items included) is about and what it uses.
fn collect_links(items: &[syn::Item], declared: &BTreeSet<String>, links: &mut Vec<Link>) {
    for item in items {
        let deps = mentioned(item.to_token_stream(), declared);
        let subjects = match item {
            // A type (or its builder counterpart, which has the same name) is about itself.
            _ if declared_name(item).is_some() => declared_name(item)
                .into_iter()
                .filter(|name| declared.contains(name))
                .collect(),
            // An impl is about the types in its header.
            syn::Item::Impl(imp) => {
                let mut header = imp.self_ty.to_token_stream();
                if let Some((path, _)) = &imp.trait_ {
                    header.extend(path.to_token_stream());
                }
                mentioned(header, declared)
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect_links(inner, declared, links);
                }
                continue;
            }
            // Anything else (a default-value fn, a constant) is about whatever it mentions.
            _ => deps.clone(),
        };
        links.push(Link { subjects, deps });
    }
}

/// Removes the items about an unused type, nested modules' items included.
fn remove_concerning(
    items: &mut Vec<syn::Item>,
    declared: &BTreeSet<String>,
    unused: &BTreeSet<String>,
) {
    items.retain_mut(|item| {
        if let syn::Item::Mod(m) = item {
            if let Some((_, inner)) = &mut m.content {
                remove_concerning(inner, declared, unused);
            }
            return true;
        }
        let mut one = Vec::new();
        collect_links(std::slice::from_ref(item), declared, &mut one);
        one.iter().all(|link| link.subjects.is_disjoint(unused))
    });
}

/// Makes every public associated function of `Client` without a receiver (its constructors)
/// `pub(crate)`.
fn hide_constructors(file: &mut syn::File) -> Result<(), String> {
    let mut hidden = 0;
    for item in &mut file.items {
        let syn::Item::Impl(imp) = item else { continue };
        let is_client = matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if imp.trait_.is_some() || !is_client {
            continue;
        }
        for member in &mut imp.items {
            if let syn::ImplItem::Fn(f) = member
                && matches!(f.vis, syn::Visibility::Public(_))
                && f.sig.receiver().is_none()
            {
                f.vis = parse_quote!(pub(crate));
                hidden += 1;
            }
        }
    }
    if hidden == 0 {
        return Err("no constructor of the generated `Client` found to hide".to_owned());
    }
    Ok(())
}

/// Splits `pub use progenitor_client::{..., Error, ...};` into one re-export per item, so that
/// the progenitor error says what it is and which error the SDK's own API returns.
fn document_reexports(file: &mut syn::File, target: &Target) -> Result<(), String> {
    let position = file
        .items
        .iter()
        .position(|item| {
            matches!(item, syn::Item::Use(u)
                if matches!(u.vis, syn::Visibility::Public(_))
                    && matches!(&u.tree, syn::UseTree::Path(p) if p.ident == "progenitor_client"))
        })
        .ok_or("the generated client re-exports nothing from progenitor_client")?;
    let syn::Item::Use(reexport) = &file.items[position] else {
        unreachable!("found above");
    };
    let mut names = Vec::new();
    let syn::UseTree::Path(path) = &reexport.tree else {
        unreachable!("found above");
    };
    match &*path.tree {
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                match tree {
                    syn::UseTree::Name(name) => names.push(name.ident.clone()),
                    other => {
                        return Err(format!(
                            "unexpected re-export from progenitor_client: {}",
                            other.to_token_stream()
                        ));
                    }
                }
            }
        }
        syn::UseTree::Name(name) => names.push(name.ident.clone()),
        other => {
            return Err(format!(
                "unexpected re-export from progenitor_client: {}",
                other.to_token_stream()
            ));
        }
    }
    if !names.iter().any(|name| name == "Error") {
        return Err("the generated client does not re-export progenitor's `Error`".to_owned());
    }
    let raw = target.raw;
    let error_doc = [
        " The error of every call of this generated client: progenitor's error type, whose"
            .to_owned(),
        " [`ErrorResponse`](Error::ErrorResponse) variant carries the API's error body,".to_owned(),
        " [`ErrorBody`](crate::generated::types::ErrorBody).".to_owned(),
        String::new(),
        " It is not the SDK's error: the facade maps every outcome into".to_owned(),
        " [`hanko_passkeys::Error`](crate::Error), the one error its API returns. This one only"
            .to_owned(),
        format!(" reaches code that calls the client from [`raw()`]({raw}) directly."),
        String::new(),
        " What follows is progenitor's documentation.".to_owned(),
        String::new(),
    ];
    let items = names.into_iter().map(|name| -> syn::Item {
        if name == "Error" {
            parse_quote! {
                #(#[doc = #error_doc])*
                #[allow(unused_imports)]
                pub use progenitor_client::Error;
            }
        } else {
            parse_quote! {
                #[allow(unused_imports)]
                pub use progenitor_client::#name;
            }
        }
    });
    file.items
        .splice(position..=position, items.collect::<Vec<_>>());
    Ok(())
}

/// Docs of the `types` module (what is not generated, and why) and of its conversion error.
fn document_types(file: &mut syn::File, target: &Target, removed: &[String]) -> Result<(), String> {
    let mut doc = vec![
        format!(
            " The schemas of `{}` as Rust types: the parameters, bodies and responses of the",
            target.spec
        ),
        " generated client's operations.".to_owned(),
    ];
    if !target.replacements.is_empty() {
        doc.push(String::new());
        doc.push(" Schemas the crate defines elsewhere are not generated here:".to_owned());
        doc.push(String::new());
        for (schema, path) in target.replacements {
            doc.push(format!(" - `{schema}` is [`{}`]({path}).", short(path)));
        }
    }
    for (schema, name) in target.renames {
        doc.push(String::new());
        doc.push(format!(
            " The `{schema}` schema is [`{name}`](types::{name}): the body of an API error, which the facade turns \
             into [`hanko_passkeys::Error`](crate::Error)."
        ));
    }
    if !removed.is_empty() {
        doc.push(String::new());
        let names: Vec<String> = removed.iter().map(|name| format!("`{name}`")).collect();
        doc.push(format!(
            " Neither are the schemas that only those use, which the hand-written types cover: \
             {}.",
            names.join(", ")
        ));
    }
    let module = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => Some(m),
            _ => None,
        })
        .ok_or("the generated client has no `types` module")?;
    set_doc(&mut module.attrs, &doc);
    let items = &mut module.content.as_mut().ok_or("empty `types` module")?.1;
    let error = items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "error" => Some(m),
            _ => None,
        })
        .ok_or("the generated `types` module has no `error` module")?;
    set_doc(
        &mut error.attrs,
        &[" The error of the generated types' string conversions.".to_owned()],
    );
    let conversion = error
        .content
        .as_mut()
        .ok_or("empty `types::error` module")?
        .1
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == "ConversionError" => Some(s),
            _ => None,
        })
        .ok_or("the generated `types::error` module has no `ConversionError`")?;
    set_doc(
        &mut conversion.attrs,
        &[
            " The error of turning a value into a generated type that constrains it (a length"
                .to_owned(),
            " limit, a fixed set of values), through `FromStr` or `TryFrom`; its message says"
                .to_owned(),
            " which constraint failed.".to_owned(),
            String::new(),
            " It never comes from the server. The facade reports it as a".to_owned(),
            " [`hanko_passkeys::Error`](crate::Error) of kind".to_owned(),
            " [`InvalidInput`](crate::ErrorKind::InvalidInput); only code that builds these types"
                .to_owned(),
            " itself meets it.".to_owned(),
        ],
    );
    Ok(())
}

/// The client's docs: how users get one, then the spec's title and description (with its
/// bare URLs made links).
fn document_client(file: &mut syn::File, target: &Target) -> Result<(), String> {
    let client = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Struct(s) if s.ident == "Client" => Some(s),
            _ => None,
        })
        .ok_or("the generated file has no `Client`")?;
    let mut spec_doc = String::new();
    for attr in &client.attrs {
        if let syn::Meta::NameValue(nv) = &attr.meta
            && nv.path.is_ident("doc")
            && let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = &nv.value
        {
            spec_doc.push_str(&text.value());
            spec_doc.push('\n');
        }
    }
    let raw = target.raw;
    let mut doc = vec![
        format!(
            " The generated client of `{}`: one async method per operation.",
            target.spec
        ),
        String::new(),
        format!(
            " Users do not build it: [`raw()`]({raw}) gives the one the facade uses, configured"
        ),
        " with the SDK's request hook. Its methods return progenitor's [`Error`], not".to_owned(),
        " [`hanko_passkeys::Error`](crate::Error); see the [module docs](self) for what the facade"
            .to_owned(),
        " adds.".to_owned(),
        String::new(),
        " From the spec:".to_owned(),
        String::new(),
    ];
    for line in spec_doc.trim_end().lines() {
        let line = line.trim_start();
        if line.starts_with("http") && !line.contains(char::is_whitespace) {
            doc.push(format!(" <{line}>"));
        } else if line.is_empty() {
            doc.push(String::new());
        } else {
            doc.push(format!(" {line}"));
        }
    }
    set_doc(&mut client.attrs, &doc);
    Ok(())
}

/// The last segment of a path: the name a link shows.
fn short(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path)
}

/// Replaces the `#[doc]` attributes with `lines`.
fn set_doc(attrs: &mut Vec<syn::Attribute>, lines: &[String]) {
    attrs.retain(|attr| !attr.path().is_ident("doc"));
    let docs = lines
        .iter()
        .map(|line| -> syn::Attribute { parse_quote!(#[doc = #line]) });
    attrs.splice(0..0, docs.collect::<Vec<_>>());
}
