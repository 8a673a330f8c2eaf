//! Schemes: every provider's scheme behind one trait, with what it
//! verifies ([`delivery`]), the handshakes it answers ([`handshake`]), the
//! keys it verifies with ([`keys`]) and, for
//! tests and tools, how it signs (`signing`, with the `signing` feature). Two schemes are code
//! (Kravia and receeve, whose signatures live in the body), every other
//! one is described as data ([`described`]); [`presets`] names them and
//! [`provider`] picks the one `PROVIDER` names. Here too is the loop that
//! tries a request against the keys. Nothing here knows AWS or the
//! pipeline around it.

mod any;
pub mod delivery;
pub mod described;
pub mod handshake;
pub mod keys;
mod kravia;
pub mod presets;
pub mod provider;
mod receeve;
mod scheme;
#[cfg(any(test, feature = "signing"))]
pub mod signing;
mod verify;

#[cfg(test)]
mod preset_tests;
#[cfg(test)]
mod properties;
#[cfg(test)]
pub(crate) mod test_support;

pub use any::{AnyClaim, AnyKey, AnyScheme};
pub use described::Described;
pub use kravia::Kravia;
pub use presets::{Preset, PRESETS};
pub use receeve::Receeve;
pub use scheme::{EventFacts, Scheme, Verified};
pub(crate) use verify::verify_claim;
pub use verify::Deadline;
