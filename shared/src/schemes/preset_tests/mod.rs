//! The presets' unit tests: what the hand-written Kaunt, Smart KYC and
//! Codat verifiers proved, proved again of their descriptions, and the
//! test vectors providers publish.

mod codat;
mod kaunt;
mod smartkyc;
mod vectors;

use super::{AnyScheme, Preset};

/// A preset's scheme, with `SIGNED_URL` set to `url` when given.
fn preset_with_url(name: &str, url: Option<&str>) -> AnyScheme {
    let lookup = |setting: &str| (setting == "SIGNED_URL").then(|| url.map(str::to_owned)).flatten();
    Preset::named(name).unwrap().scheme(lookup).unwrap()
}

/// A preset's scheme.
fn preset(name: &str) -> AnyScheme {
    preset_with_url(name, None)
}
