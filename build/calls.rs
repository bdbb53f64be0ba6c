//! The facade's way into a generated client: for every operation method, a `<op>_call`
//! sibling that builds the same `reqwest::Request` from the same arguments (progenitor's
//! statements, up to its `OperationInfo`) and hands it, with the operation's entry in the
//! SDK's table (`src/operations.rs`), to the SDK's request hook, which sends it and decodes
//! the answer into the SDK's types (`crate::client::Call`); and `operation(id)`, the entry of
//! every generated operation id, for the hooks of the generated methods themselves. An
//! operation without an entry in the table does not compile.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote};

use crate::Target;

/// One operation method of the generated `Client`.
struct Method<'a> {
    function: &'a syn::ImplItemFn,
    id: String,
    /// The statements that build the request, up to the one that names the operation.
    prefix: &'a [syn::Stmt],
    success: &'a syn::Type,
    error: &'a syn::Type,
}

/// Adds the `_call` methods, `operation()` and `OPERATION_IDS` to the generated file.
pub(crate) fn add(file: &mut syn::File, target: &Target) -> Result<(), String> {
    let mut methods = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(imp) = item else { continue };
        let is_client = matches!(&*imp.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if imp.trait_.is_some() || !is_client {
            continue;
        }
        for member in &imp.items {
            if let syn::ImplItem::Fn(f) = member
                && f.sig.asyncness.is_some()
                && f.sig.receiver().is_some()
            {
                methods.push(method(f)?);
            }
        }
    }
    if methods.is_empty() {
        return Err("no operation method found in the generated `Client`".to_owned());
    }
    let table: syn::Path = syn::parse_str(target.table).map_err(|e| e.to_string())?;
    let calls = methods.iter().map(|m| {
        let f = m.function;
        let entry = format_ident!("{}", m.id.to_uppercase());
        let name = format_ident!("{}_call", f.sig.ident);
        let generics = &f.sig.generics;
        // The call borrows the client for the lifetime the method names (progenitor's `'a`).
        let lifetime = generics
            .lifetimes()
            .next()
            .map(|l| l.lifetime.clone())
            .unwrap_or_else(|| syn::parse_quote!('_));
        let inputs = &f.sig.inputs;
        let uuids = uuid_params(f);
        let prefix: Vec<TokenStream> = m
            .prefix
            .iter()
            .map(|stmt| plain_uuids(stmt.to_token_stream(), &uuids))
            .collect();
        let (success, error) = (m.success, m.error);
        quote! {
            pub(crate) fn #name #generics (#inputs) -> crate::client::Call<#lifetime, Self, #success> {
                #[allow(unused_mut)]
                let request = (|| -> ::std::result::Result<::reqwest::Request, Error<#error>> {
                    #(#prefix)*
                    let _ = info;
                    Ok(request)
                })();
                crate::client::Call::new(self, request, &#table::#entry)
            }
        }
    });
    let ids: Vec<&str> = methods.iter().map(|m| m.id.as_str()).collect();
    let statics = ids.iter().map(|id| format_ident!("{}", id.to_uppercase()));
    let items: syn::File = syn::parse2(quote! {
        /// The facade's calls: each builds its operation's request as the method of the same
        /// name does, and leaves everything else to the SDK's request hook.
        impl Client {
            #(#calls)*
        }

        /// The SDK's entry for an operation id of this client (`src/operations.rs`).
        pub(crate) fn operation(id: &str) -> Option<&'static crate::operations::Operation> {
            match id {
                #(#ids => Some(&#table::#statics),)*
                _ => None,
            }
        }

        /// The operation ids of this client.
        pub(crate) const OPERATION_IDS: &[&str] = &[#(#ids),*];
    })
    .map_err(|e| format!("the generated calls do not parse: {e}"))?;
    file.items.extend(items.items);
    Ok(())
}

fn method(f: &syn::ImplItemFn) -> Result<Method<'_>, String> {
    let name = &f.sig.ident;
    let stmts = &f.block.stmts;
    let (position, id) = stmts
        .iter()
        .enumerate()
        .find_map(|(i, stmt)| operation_info(stmt).map(|id| (i, id)))
        .ok_or_else(|| format!("operation method `{name}` names no `OperationInfo`"))?;
    let syn::ReturnType::Type(_, output) = &f.sig.output else {
        return Err(format!("operation method `{name}` returns nothing"));
    };
    let [success, error] = type_arguments(output)
        .and_then(|[ok, err]| Some([type_arguments::<1>(ok)?[0], type_arguments::<1>(err)?[0]]))
        .ok_or_else(|| {
            format!("operation method `{name}` does not return Result<ResponseValue<T>, Error<E>>")
        })?;
    Ok(Method {
        function: f,
        id,
        prefix: &stmts[..=position],
        success,
        error,
    })
}

/// The operation id of `let info = OperationInfo { operation_id: "..." };`.
fn operation_info(stmt: &syn::Stmt) -> Option<String> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let syn::Pat::Ident(binding) = &local.pat else {
        return None;
    };
    let syn::Expr::Struct(init) = &*local.init.as_ref()?.expr else {
        return None;
    };
    if binding.ident != "info" || !init.path.is_ident("OperationInfo") {
        return None;
    }
    init.fields
        .iter()
        .find_map(|field| match (&field.member, &field.expr) {
            (
                syn::Member::Named(member),
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(id),
                    ..
                }),
            ) if member == "operation_id" => Some(id.value()),
            _ => None,
        })
}

/// The `N` type arguments of the last segment of a path type (`Result<A, B>` -> `[A, B]`).
fn type_arguments<const N: usize>(ty: &syn::Type) -> Option<[&syn::Type; N]> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let syn::PathArguments::AngleBracketed(args) = &path.path.segments.last()?.arguments else {
        return None;
    };
    let types: Vec<&syn::Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            syn::GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    types.try_into().ok()
}

/// The parameters of type `&Uuid`.
fn uuid_params(f: &syn::ImplItemFn) -> Vec<syn::Ident> {
    f.sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            syn::FnArg::Typed(arg) => Some(arg),
            syn::FnArg::Receiver(_) => None,
        })
        .filter(|arg| {
            matches!(&*arg.ty, syn::Type::Reference(r)
                if matches!(&*r.elem, syn::Type::Path(p)
                    if p.path.segments.last().is_some_and(|s| s.ident == "Uuid")))
        })
        .filter_map(|arg| match &*arg.pat {
            syn::Pat::Ident(name) => Some(name.ident.clone()),
            _ => None,
        })
        .collect()
}

/// `encode_path(&id.to_string())` becomes `id` for the `&Uuid` parameters: a UUID's text
/// (hex digits and hyphens) needs no percent-encoding, and `format!` writes it without a
/// `String` in between. The URL is the same.
fn plain_uuids(tokens: TokenStream, uuids: &[syn::Ident]) -> TokenStream {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut out = Vec::with_capacity(trees.len());
    let mut i = 0;
    while i < trees.len() {
        if let (TokenTree::Ident(call), Some(TokenTree::Group(args))) =
            (&trees[i], trees.get(i + 1))
            && call == "encode_path"
            && args.delimiter() == Delimiter::Parenthesis
            && let Some(id) = uuid_to_string(args.stream(), uuids)
        {
            out.push(TokenTree::Ident(id));
            i += 2;
            continue;
        }
        // `let url = format!(…)` becomes `let url = crate::client::url(format_args!(…))`:
        // the same text in a string sized once (`format!` cannot know the ids' lengths and
        // grows its string two or three times).
        if let (
            TokenTree::Ident(let_),
            Some(TokenTree::Ident(name)),
            Some(TokenTree::Punct(eq)),
            Some(TokenTree::Ident(mac)),
            Some(TokenTree::Punct(bang)),
            Some(TokenTree::Group(args)),
        ) = (
            &trees[i],
            trees.get(i + 1),
            trees.get(i + 2),
            trees.get(i + 3),
            trees.get(i + 4),
            trees.get(i + 5),
        ) && let_ == "let"
            && name == "url"
            && eq.as_char() == '='
            && mac == "format"
            && bang.as_char() == '!'
            && args.delimiter() == Delimiter::Parenthesis
        {
            let args = plain_uuids(args.stream(), uuids);
            out.extend(quote! { let url = crate::client::url(format_args!(#args)) });
            i += 6;
            continue;
        }
        out.push(match &trees[i] {
            TokenTree::Group(group) => {
                let mut inner = Group::new(group.delimiter(), plain_uuids(group.stream(), uuids));
                inner.set_span(group.span());
                TokenTree::Group(inner)
            }
            other => other.clone(),
        });
        i += 1;
    }
    out.into_iter().collect()
}

/// `id` when `tokens` are `& id . to_string ()` for one of `uuids`.
fn uuid_to_string(tokens: TokenStream, uuids: &[syn::Ident]) -> Option<syn::Ident> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    match trees.as_slice() {
        [
            TokenTree::Punct(amp),
            TokenTree::Ident(id),
            TokenTree::Punct(dot),
            TokenTree::Ident(method),
            TokenTree::Group(empty),
        ] if amp.as_char() == '&'
            && dot.as_char() == '.'
            && method == "to_string"
            && empty.stream().is_empty()
            && uuids.contains(id) =>
        {
            Some(id.clone())
        }
        _ => None,
    }
}
