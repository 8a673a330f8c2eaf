//! Schemes as data: a provider's signature scheme described in JSON
//! (`description.rs`) and verified by one implementation of `Scheme`
//! (`scheme.rs`), with its signature algorithms and encodings (`crypto.rs`)
//! and its signed-content template (`template.rs`).
//!
//! Every rule the hand-written schemes follow holds here too: a signature
//! header (and an id or timestamp header) that appears twice is refused; a
//! signed timestamp is checked against its tolerance before any MAC is
//! computed; signatures are decoded to bytes and compared in constant time
//! at the algorithm's length; the body is not interpreted before a key
//! verified it (only its first byte is looked at, where a template's
//! `{timestamp}{body}` needs it), and the queued payload is the body the
//! signature covers (the signed content must hold `{body}`). What a description may say is
//! in docs/schemes.md.

mod crypto;
mod description;
mod error;
#[cfg(test)]
mod properties;
mod scheme;
mod template;

pub use error::DescriptionError;
pub use scheme::{Described, DescribedClaim, DescribedKey};
