//! The facade's way into a generated client: for every operation method, a `<op>_call`
//! sibling that builds the same `reqwest::Request` from the same arguments (progenitor's
//! statements, up to its `OperationInfo`) and hands it, with the operation's entry in the
//! SDK's table (`src/operations.rs`), to the SDK's request hook, which sends it and decodes
//! the answer into the SDK's types (`crate::client::Call`); and `operation(id)`, the entry of
//! every generated operation id, for the hooks of the generated methods themselves. An
//! operation without an entry in the table does not compile.

use quote::{format_ident, quote};

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
        let prefix = m.prefix;
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
