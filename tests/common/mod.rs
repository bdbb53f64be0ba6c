//! What the SDK's tests share: the mock server harness (`mock`, with `wire` for responses
//! framed like the server's and checks of what the SDK sent), and the emulator harness
//! (`emulator`). The hostile server (`tests/hostile`) and the token fixtures
//! (`tests/token_common`) stay on their own: the benchmarks include them by path.
#![allow(dead_code)] // each test binary uses a different part

pub mod emulator;
pub mod mock;
pub mod wire;
