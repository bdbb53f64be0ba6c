//! The examples of `hanko-passkeys-emulator`'s README, compiled and run as doc tests of a
//! crate whose dependencies are exactly the ones the README tells users to add. The emulator
//! runs the same examples as its own doc tests, with all of its dev-dependencies in scope.

#[doc = include_str!("../../../emulator/README.md")]
pub mod readme {}
