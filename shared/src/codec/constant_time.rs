//! Comparing secrets without the comparison's time telling what they hold.

use subtle::ConstantTimeEq;

/// Equal length and equal content, in time independent of the content: for
/// MACs (decoded bytes of equal length) and the required header's digests.
/// A length difference returns at once; lengths are public (a MAC's is
/// fixed by its algorithm, a digest's by SHA-256).
pub(crate) fn constant_time_eq(expected: &[u8], given: &[u8]) -> bool {
    expected.len() == given.len() && bool::from(expected.ct_eq(given))
}
