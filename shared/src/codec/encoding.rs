//! Hex and base64 helpers shared by the verifiers.
//!
//! Providers disagree on how they spell a digest, so the verifiers decode
//! whatever spelling they accept into bytes and compare bytes, never text.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

/// Decodes hex in either case. `None` for odd length or a non-hex character.
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    hex::decode(text).ok()
}

/// Lowercase hex, the spelling event ids and Kravia digests use.
pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// Decodes standard base64, with or without its `=` padding.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).or_else(|_| STANDARD_NO_PAD.decode(text)).ok()
}

/// Decodes URL-safe base64 (`-` and `_`), with or without padding.
pub(crate) fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    URL_SAFE.decode(text).or_else(|_| URL_SAFE_NO_PAD.decode(text)).ok()
}

/// Encodes URL-safe base64 without padding, as JOSE and most URL-safe
/// senders write it (signing only: no receiver encodes it).
#[cfg(any(test, feature = "signing"))]
pub(crate) fn encode_base64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Encodes standard base64 with padding, as every provider here sends it.
pub fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Lowercase hex SHA-256: the event id of a delivery that carries none, so
/// that a retried delivery of the same bytes gets the same id.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    encode_hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_accepts_either_case() {
        assert_eq!(decode_hex("00ff10Ab"), Some(vec![0x00, 0xff, 0x10, 0xab]));
        assert_eq!(encode_hex(&[0x00, 0xff, 0x10, 0xab]), "00ff10ab");
        assert_eq!(decode_hex("abc"), None);
        assert_eq!(decode_hex("zz"), None);
        assert_eq!(decode_hex(""), Some(vec![]));
    }

    #[test]
    fn base64_accepts_missing_padding() {
        assert_eq!(decode_base64("aGk="), Some(b"hi".to_vec()));
        assert_eq!(decode_base64("aGk"), Some(b"hi".to_vec()));
        assert_eq!(decode_base64("a*k="), None);
        assert_eq!(decode_base64url("-_8"), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_base64url("-_8="), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_base64url("+/8="), None);
        assert_eq!(encode_base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn sha256_hex_matches_coreutils() {
        // printf 'abc' | sha256sum
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
