//! The examples of `hanko-passkeys-axum`'s README and browser guide, compiled as doc tests of
//! a crate whose dependencies are exactly the ones the README tells users to add. The crate
//! runs the same examples as its own doc tests, with all of its dev-dependencies in scope.

#[doc = include_str!("../../../axum/README.md")]
pub mod readme {}
#[doc = include_str!("../../../axum/BROWSER.md")]
pub mod browser {}
