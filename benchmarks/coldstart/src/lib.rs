//! The cold-start lab: real function binaries started as Lambda starts
//! them, with the tests' Runtime API emulator and TLS fronts
//! (`integration_tests::{runtime_api, tls_front, function}`), timed, and
//! held to a Lambda-sized CPU share when asked. `src/main.rs` is the
//! cold-start tool (`scripts/coldstart`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod cold_start;
pub mod cpu_share;
pub mod function;
