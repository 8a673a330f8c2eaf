//! Kravia: `signature` = hex MD5 of `{data}:KRAVIA::{secret}`, inside the body.
//!
//! `{data}` is the `data` object as Kravia's .NET serializer wrote it,
//! encoded with .NET's ASCII encoding (every non-ASCII UTF-16 unit becomes
//! `?`). The faithful input is the exact text of `data` in the raw body; if
//! something re-indented the body on the way, the compact form of that text
//! (whitespace outside strings removed, key order and number spelling kept)
//! is tried too. Any algorithm other than MD5 is refused: we can't verify it,
//! and accepting a sender-chosen algorithm is how confusion attacks start.
//!
//! Kravia sends no event id, and only `data` is signed: the rest of the body
//! (spacing, the digest's letter case, extra fields) can change without
//! breaking the signature. So the event id is the SHA-256 of the compact
//! `data`, not of the body, and a replay with a re-spaced body still has the
//! id of the original. (Non-ASCII characters all fold to `?` before
//! hashing, so Kravia's signature can't tell `é` from `è`: treat non-ASCII
//! text in `data` as unauthenticated.)

use std::borrow::Cow;

use md5::{Digest, Md5};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::hmac_sha256::constant_time_eq;
use super::{EventFacts, Scheme};
use crate::delivery::Delivery;
use crate::encoding::{decode_hex, sha256_hex};
use crate::error::{ReceiveError, VerifyError};
use crate::provider::Provider;

/// Kravia's scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kravia;

/// A Kravia secret as the digest sees it: already ASCII-folded.
pub struct KraviaKey(Vec<u8>);

impl std::fmt::Debug for KraviaKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KraviaKey([REDACTED])")
    }
}

/// A Kravia request's claim: the signed `data` text and the digest.
#[derive(Debug)]
pub struct KraviaClaim<'r> {
    data: &'r RawValue,
    /// The compact form of `data`, when it differs from the raw text.
    compact: Option<String>,
    signature: Vec<u8>,
}

#[derive(Deserialize)]
struct Body<'r> {
    header: Header,
    #[serde(borrow)]
    data: &'r RawValue,
    signature: String,
}

#[derive(Deserialize)]
struct Header {
    algorithm: String,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "eventType")]
    event_type: Option<serde_json::Value>,
}

impl Scheme for Kravia {
    type Key = KraviaKey;
    type Claim<'r> = KraviaClaim<'r>;
    const PROVIDER: Provider = Provider::Kravia;

    fn parse_key(&self, text: &str) -> Result<KraviaKey, String> {
        if text.is_empty() {
            return Err("the key is empty".to_owned());
        }
        Ok(KraviaKey(dotnet_ascii(text).into_owned()))
    }

    fn claim<'r>(&self, delivery: &Delivery<'r>) -> Result<KraviaClaim<'r>, ReceiveError> {
        let body: Body<'r> = serde_json::from_slice(delivery.body)
            .map_err(|_| ReceiveError::Malformed("body is not a Kravia webhook (header, data, signature)"))?;
        if !body.data.get().starts_with('{') {
            return Err(ReceiveError::Malformed("data is not a JSON object"));
        }
        if !body.header.algorithm.eq_ignore_ascii_case("MD5") {
            let shown = body.header.algorithm.chars().take(32).collect();
            return Err(VerifyError::UnsupportedAlgorithm(shown).into());
        }
        let signature = decode_hex(body.signature.trim()).ok_or(VerifyError::BadEncoding("hex"))?;
        let compact = match compact_json(body.data.get()) {
            Cow::Borrowed(_) => None,
            Cow::Owned(compact) => Some(compact),
        };
        Ok(KraviaClaim {
            data: body.data,
            compact,
            signature,
        })
    }

    fn verify(&self, claim: &KraviaClaim<'_>, key: &KraviaKey) -> bool {
        let raw_matches = constant_time_eq(&digest(claim.data.get(), key), &claim.signature);
        let compact_matches = claim
            .compact
            .as_deref()
            .is_some_and(|compact| constant_time_eq(&digest(compact, key), &claim.signature));
        raw_matches | compact_matches
    }

    fn describe(&self, claim: &KraviaClaim<'_>, _body: &[u8]) -> Result<EventFacts, ReceiveError> {
        let data: Data =
            serde_json::from_str(claim.data.get()).map_err(|_| ReceiveError::Malformed("data is not a JSON object"))?;
        let signed_data = claim.compact.as_deref().unwrap_or(claim.data.get());
        Ok(EventFacts {
            event_type: data.event_type.as_ref().and_then(|t| t.as_str()).map(str::to_owned),
            event_id: Some(sha256_hex(signed_data.as_bytes())),
        })
    }
}

/// MD5 of `{data}:KRAVIA::{secret}` in .NET ASCII.
pub(crate) fn digest(data: &str, key: &KraviaKey) -> [u8; 16] {
    let mut md5 = Md5::new();
    md5.update(&*dotnet_ascii(data));
    md5.update(b":KRAVIA::");
    md5.update(&key.0);
    md5.finalize().into()
}

/// .NET's `Encoding.ASCII.GetBytes`: ASCII as is, every UTF-16 code unit
/// beyond it as `?` (so a character outside the BMP becomes `??`).
pub(crate) fn dotnet_ascii(text: &str) -> Cow<'_, [u8]> {
    if text.is_ascii() {
        return Cow::Borrowed(text.as_bytes());
    }
    let mut bytes = Vec::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            bytes.push(c as u8);
        } else {
            bytes.extend(std::iter::repeat_n(b'?', c.len_utf16()));
        }
    }
    Cow::Owned(bytes)
}

/// JSON text with the whitespace between tokens removed: what Newtonsoft's
/// default (unindented) output looks like for the same document. Borrowed
/// when there is none to remove, as in what Kravia sends. Works on bytes:
/// JSON's structure is ASCII, and no byte of a multi-byte UTF-8 character
/// is, so removing ASCII whitespace keeps the text valid UTF-8.
pub(crate) fn compact_json(json: &str) -> Cow<'_, str> {
    let mut in_string = false;
    let mut escaped = false;
    let mut compact: Option<Vec<u8>> = None;
    for (at, &byte) in json.as_bytes().iter().enumerate() {
        let between_tokens = !in_string && matches!(byte, b' ' | b'\t' | b'\n' | b'\r');
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else if byte == b'"' {
            in_string = true;
        }
        match (&mut compact, between_tokens) {
            (Some(kept), false) => kept.push(byte),
            (None, true) => compact = Some(json.as_bytes().get(..at).unwrap_or_default().to_vec()),
            _ => {}
        }
    }
    match compact.map(String::from_utf8) {
        Some(Ok(compact)) => Cow::Owned(compact),
        // Unreachable (see above); the raw text is still a correct input.
        Some(Err(_)) | None => Cow::Borrowed(json),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::test_support::{check, headers, is_malformed, refusal, NOW};

    const SECRET: &str = "kravia-test-secret";
    const DATA: &str = r#"{"timestamp":1663063069,"eventType":"CaseUpdate","claimId":123443}"#;
    // printf '%s:KRAVIA::%s' "$DATA" kravia-test-secret | md5sum
    const DIGEST: &str = "afc64eac06dcbf6111f3a84018ba466c";

    fn body(algorithm: &str, data: &str, signature: &str) -> String {
        format!(r#"{{"header":{{"algorithm":"{algorithm}"}},"data":{data},"signature":"{signature}"}}"#)
    }

    fn verify(body: &str) -> Result<crate::schemes::Verified, ReceiveError> {
        check(&Kravia, SECRET, body.as_bytes(), &headers(&[]), NOW)
    }

    #[test]
    fn md5sum_digest_verifies() {
        let verified = verify(&body("MD5", DATA, DIGEST)).unwrap();
        assert_eq!(verified.facts.event_type.as_deref(), Some("CaseUpdate"));
        // printf '%s' "$DATA" | sha256sum
        assert_eq!(
            verified.facts.event_id.as_deref(),
            Some("77ac024f0fdca12624c75af921a58f6cb5d0e1920c0db4ac6d75eb2ec34fd100")
        );
        assert!(verify(&body("md5", DATA, &DIGEST.to_uppercase())).is_ok());
    }

    #[test]
    fn non_ascii_data_is_folded_as_dotnet_does() {
        let data = r#"{"timestamp":1663063069,"eventType":"CaseUpdate","debtor":"Zoë Müller 😀"}"#;
        // md5sum over the same text with each UTF-16 unit beyond ASCII as '?':
        // ...,"debtor":"Zo? M?ller ??"}:KRAVIA::kravia-test-secret
        assert!(verify(&body("MD5", data, "f49dd50b5646f82f0f88cfec3c2dbd6e")).is_ok());
        assert_eq!(&*dotnet_ascii("é😀a"), b"???a");
    }

    #[test]
    fn reindented_body_verifies_through_the_compact_form() {
        let pretty = "{\n  \"header\": { \"algorithm\": \"MD5\" },\n  \"data\": {\n    \"timestamp\": 1663063069,\n    \"eventType\": \"CaseUpdate\",\n    \"claimId\": 123443\n  },\n  \"signature\": \"afc64eac06dcbf6111f3a84018ba466c\"\n}";
        let verified = verify(pretty).unwrap();
        assert_eq!(verified.facts.event_type.as_deref(), Some("CaseUpdate"));
        let original = verify(&body("MD5", DATA, DIGEST)).unwrap();
        assert_eq!(
            verified.facts.event_id, original.facts.event_id,
            "a re-spaced replay keeps its id"
        );
    }

    #[test]
    fn repeated_fields_are_malformed() {
        let doubled =
            format!(r#"{{"header":{{"algorithm":"MD5"}},"data":{DATA},"signature":"{DIGEST}","signature":"00"}}"#);
        assert!(is_malformed(&verify(&doubled)));
    }

    #[test]
    fn compact_form_keeps_whitespace_inside_strings() {
        assert_eq!(
            compact_json("{ \"a b\" : \"c \\\" d\" ,\n \"e\":[1, 2] }"),
            "{\"a b\":\"c \\\" d\",\"e\":[1,2]}"
        );
        assert_eq!(compact_json("{ \"é\" :\t\"ü 😀\" }"), "{\"é\":\"ü 😀\"}");
    }

    #[test]
    fn text_already_compact_or_ascii_is_not_copied() {
        assert!(matches!(compact_json(DATA), Cow::Borrowed(_)));
        assert!(matches!(compact_json(r#"{"a":"b c"}"#), Cow::Borrowed(_)));
        assert!(matches!(dotnet_ascii(DATA), Cow::Borrowed(_)));
    }

    #[test]
    fn reordered_keys_do_not_verify() {
        let reordered = r#"{"eventType":"CaseUpdate","timestamp":1663063069,"claimId":123443}"#;
        assert_eq!(refusal(verify(&body("MD5", reordered, DIGEST))), VerifyError::Mismatch);
    }

    #[test]
    fn tampered_data_and_wrong_key_are_refused() {
        let tampered = DATA.replace("123443", "123444");
        assert_eq!(refusal(verify(&body("MD5", &tampered, DIGEST))), VerifyError::Mismatch);
        let result = check(
            &Kravia,
            "other-secret",
            body("MD5", DATA, DIGEST).as_bytes(),
            &headers(&[]),
            NOW,
        );
        assert_eq!(refusal(result), VerifyError::Mismatch);
    }

    #[test]
    fn other_algorithms_are_refused() {
        let long_multibyte = format!("a{}", "é".repeat(40));
        for algorithm in ["SHA256", "none", "", &long_multibyte] {
            let result = verify(&body(algorithm, DATA, DIGEST));
            assert!(
                matches!(refusal(result), VerifyError::UnsupportedAlgorithm(_)),
                "{algorithm}"
            );
        }
    }

    #[test]
    fn empty_truncated_and_garbled_signatures_are_refused() {
        assert_eq!(refusal(verify(&body("MD5", DATA, ""))), VerifyError::Mismatch);
        assert_eq!(
            refusal(verify(&body("MD5", DATA, &DIGEST[..30]))),
            VerifyError::Mismatch
        );
        assert_eq!(
            refusal(verify(&body("MD5", DATA, "xyz"))),
            VerifyError::BadEncoding("hex")
        );
    }

    #[test]
    fn malformed_bodies_are_400() {
        for bad in [
            "not json".to_owned(),
            r#"{"data":{},"signature":"00"}"#.to_owned(),
            r#"{"header":{"algorithm":"MD5"},"signature":"00"}"#.to_owned(),
            r#"{"header":{"algorithm":"MD5"},"data":{}}"#.to_owned(),
            body("MD5", "[1,2]", DIGEST),
            body("MD5", "\"text\"", DIGEST),
        ] {
            assert!(is_malformed(&verify(&bad)), "{bad}");
        }
    }
}
