//! The cold-start lab: a Lambda Runtime API emulator to run a real function
//! binary as Lambda does and time it, and TLS fronts to reach moto over
//! HTTPS as a function reaches AWS. `src/main.rs` is the cold-start tool
//! (`scripts/coldstart`); the receiver's own tests run its binary under the
//! emulator too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

pub mod cold_start;
pub mod cpu_share;
pub mod function;
pub mod runtime_api;
pub mod tls_front;
