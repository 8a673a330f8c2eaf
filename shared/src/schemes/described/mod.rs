//! Schemes as data: a provider's signature scheme described in JSON
//! (`description.rs`) and verified by one implementation of `Scheme`
//! (`scheme.rs`), with its signature algorithms and encodings (`crypto.rs`)
//! its signed-content template (`template.rs`) and the handshakes it
//! answers (`handshakes.rs`). Every rule the
//! hand-written schemes follow holds here too; what a description may say,
//! and what one that would accept too much is refused for:
//! docs/schemes.md.

mod crypto;
mod description;
mod error;
mod handshakes;
mod header_name;
#[cfg(test)]
mod properties;
mod scheme;
mod template;

pub use error::DescriptionError;
pub use scheme::{Described, DescribedClaim, DescribedKey};
