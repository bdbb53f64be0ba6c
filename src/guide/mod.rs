//! The guide: how the parts of the SDK fit together, one concept per chapter.
//!
//! The API reference (the rest of these docs) says what each type and call does; these
//! chapters say what to call when, and why. Every Rust example in them compiles as a doc test.
//!
//! | chapter | read it when you |
//! |---|---|
//! | [`ceremonies`] | add passkey sign-up, login, MFA or transaction signing to a backend |
//! | [`tokens`] | trust the result of a ceremony: token verification and key rotation |
//! | [`errors`] | decide what went wrong and which HTTP status your app answers |
//! | [`pagination`] | list credentials, audit logs or users, one page or all of them |
//! | [`testing`] | test your app: fakes, the emulator, a virtual authenticator, a real browser |
//! | [`frontend`] | write the page: what the browser sends, autofill, error messages |
//! | [`axum`] | add passkeys to an axum app with the companion crate `hanko-passkeys-axum` |
//! | [`self_hosting`] | run your own Passkey Server and manage it with the admin API |
//! | [`wasm`] | run on `wasm32`: Cloudflare Workers, Deno, node, browsers |
//!
//! New here? Start with the [crate overview](crate), then [`ceremonies`].

pub mod ceremonies {
    #![doc = include_str!("ceremonies.md")]
}

pub mod tokens {
    #![doc = include_str!("tokens.md")]
}

pub mod errors {
    #![doc = include_str!("errors.md")]
}

pub mod pagination {
    #![doc = include_str!("pagination.md")]
}

pub mod testing {
    #![doc = include_str!("testing.md")]
}

pub mod frontend {
    #![doc = include_str!("frontend.md")]
}

pub mod axum {
    #![doc = include_str!("axum.md")]
}

pub mod self_hosting {
    #![doc = include_str!("self_hosting.md")]
}

pub mod wasm {
    #![doc = include_str!("wasm.md")]
}
