//! The examples of the SDK's documentation, compiled (and where they can, run) as doc tests
//! of a crate whose dependencies are exactly the ones the documentation tells users to add
//! (README.md, "Install"; the testing guide's dev-dependencies). The SDK runs the same
//! examples as its own doc tests, where all of its dev-dependencies are in scope: here an
//! example that needs anything else fails to compile.

#[doc = include_str!("../../../README.md")]
pub mod readme {}
#[doc = include_str!("../../../src/lib.md")]
pub mod front_page {}
#[doc = include_str!("../../../src/guide/ceremonies.md")]
pub mod ceremonies {}
#[doc = include_str!("../../../src/guide/tokens.md")]
pub mod tokens {}
#[doc = include_str!("../../../src/guide/errors.md")]
pub mod errors {}
#[doc = include_str!("../../../src/guide/pagination.md")]
pub mod pagination {}
#[doc = include_str!("../../../src/guide/testing.md")]
pub mod testing {}
#[doc = include_str!("../../../src/guide/frontend.md")]
pub mod frontend {}
#[doc = include_str!("../../../src/guide/axum.md")]
pub mod axum {}
#[doc = include_str!("../../../src/guide/self_hosting.md")]
pub mod self_hosting {}
