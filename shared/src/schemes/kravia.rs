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
//! Only `data` is signed. So the rest of the body is never queued: the
//! payload is rebuilt from the signed parts alone (`header` as
//! `{"algorithm":"MD5"}`, `data` in the form that verified, as the digest
//! reads it, `signature` in lowercase hex), and any other member, which the
//! signature doesn't cover and a provider may add one day, is dropped. A
//! member named like `header`, `data` or `signature` in another letter case
//! is refused (400), since some parsers would read it in their place. The
//! queued `data` is exactly what the digest covers: non-ASCII characters
//! arrive as `?`, as Kravia's signature sees them (it can't tell `é` from
//! `è`, so neither may the queue).
//!
//! Kravia sends no event id, so the event id is the SHA-256 of `data` in
//! compact form, as the digest reads it: a replay with a re-spaced body or
//! extra members keeps the original's id.
//!
//! The MD5 input ends with the key, so the digest state after
//! `{data}:KRAVIA::` is computed once per request, and each key costs one
//! more block: a request tried against every creditor's key (a route with
//! no tenant) costs about what one tried against one key does.
//!
//! The choices behind these rules, where Kravia's documents are silent:
//! docs/choices.md ("Kravia's digest over which text?", "What of a body signed only in part?").

use std::borrow::Cow;
use std::sync::atomic::{AtomicUsize, Ordering};

use md5::{Digest, Md5};

use super::scheme::{EventFacts, Scheme};
use crate::codec::constant_time::constant_time_eq;
use crate::codec::encoding::{decode_hex, encode_hex, sha256_hex};
use crate::codec::json::reader::optional_string;
use crate::codec::json::reader::Members;
use crate::error::{ReceiveError, VerifyError};
use crate::schemes::delivery::Delivery;

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

/// A Kravia request's claim: `data` in each form it may have been signed in,
/// and the digest.
#[derive(Debug)]
pub struct KraviaClaim<'r> {
    /// `data` as sent and, when it differs, compacted; the compact form last.
    forms: Vec<SignedForm<'r>>,
    signature: Vec<u8>,
    /// Whether folding to ASCII changed `data` (it held non-ASCII text).
    folded: bool,
    /// Which form a key verified, noted by [`Scheme::verify`] so that the
    /// queue gets the bytes that were signed ([`NONE_MATCHED`] until then).
    matched: AtomicUsize,
}

/// No form of `data` has verified (yet).
const NONE_MATCHED: usize = usize::MAX;

/// One form of `data` as the digest reads it, with the MD5 state after
/// `{data}:KRAVIA::`, ready for a key.
struct SignedForm<'r> {
    /// ASCII (folded as .NET does).
    data: Cow<'r, [u8]>,
    prefix: Md5,
}

impl std::fmt::Debug for SignedForm<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedForm").field("bytes", &self.data.len()).finish()
    }
}

impl<'r> SignedForm<'r> {
    fn new(data: Cow<'r, [u8]>) -> Self {
        let mut prefix = Md5::new();
        hash(&mut prefix, &data);
        hash(&mut prefix, SEPARATOR);
        SignedForm { data, prefix }
    }

    fn digest(&self, key: &KraviaKey) -> [u8; 16] {
        let mut md5 = self.prefix.clone();
        hash(&mut md5, &key.0);
        md5.finalize().into()
    }
}

/// The one member of `data` the receiver reads, the event type when it is
/// a string (anything else is skipped, not refused: event types are
/// informative).
#[derive(serde::Deserialize)]
struct Data {
    #[serde(rename = "eventType", default, deserialize_with = "string_or_none")]
    event_type: Option<String>,
}

fn string_or_none<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let value: serde_json::Value = serde::Deserialize::deserialize(deserializer)?;
    Ok(value.as_str().map(str::to_owned))
}

/// What comes between `data` and the secret: realm `KRAVIA`, empty nonce.
const SEPARATOR: &[u8] = b":KRAVIA::";

/// The members the scheme reads.
const MEMBERS: [&str; 3] = ["header", "data", "signature"];

impl Scheme for Kravia {
    type Key = KraviaKey;
    type Claim<'r> = KraviaClaim<'r>;

    fn provider(&self) -> &str {
        "kravia"
    }
    // Everything Kravia signs is in the body.

    fn signature_headers(&self) -> &[String] {
        &[]
    }

    fn parse_key(&self, text: &str) -> Result<KraviaKey, String> {
        if text.is_empty() {
            return Err("the key is empty".to_owned());
        }
        Ok(KraviaKey(dotnet_ascii(text).into_owned()))
    }

    fn claim<'r>(&self, delivery: &Delivery<'r>) -> Result<KraviaClaim<'r>, ReceiveError> {
        let not_kravia = || ReceiveError::Malformed("body is not a Kravia webhook (header, data, signature)");
        let members = Members::read(delivery.body, &MEMBERS)?;
        let (Some(header), Some(data), Some(signature)) =
            (members.raw("header"), members.raw("data"), members.string("signature"))
        else {
            return Err(not_kravia());
        };
        let algorithm = Members::read(header.get().as_bytes(), &["algorithm"])
            .ok()
            .and_then(|header| header.string("algorithm"))
            .ok_or_else(not_kravia)?;
        if !data.get().starts_with('{') {
            return Err(ReceiveError::Malformed("data is not a JSON object"));
        }
        if !algorithm.eq_ignore_ascii_case("MD5") {
            return Err(VerifyError::UnsupportedAlgorithm.into());
        }
        let signature = decode_hex(signature.trim()).ok_or(VerifyError::BadEncoding("hex"))?;
        let sent = dotnet_ascii(data.get());
        let folded = matches!(sent, Cow::Owned(_));
        let compact = match compact_json(&sent) {
            Cow::Borrowed(_) => None,
            Cow::Owned(compact) => Some(SignedForm::new(Cow::Owned(compact))),
        };
        let forms = std::iter::once(SignedForm::new(sent)).chain(compact).collect();
        Ok(KraviaClaim {
            forms,
            signature,
            folded,
            matched: AtomicUsize::new(NONE_MATCHED),
        })
    }

    fn verify(&self, claim: &KraviaClaim<'_>, key: &KraviaKey) -> bool {
        let mut matched = NONE_MATCHED;
        for (index, form) in claim.forms.iter().enumerate() {
            if constant_time_eq(&form.digest(key), &claim.signature) && matched == NONE_MATCHED {
                matched = index;
            }
        }
        if matched == NONE_MATCHED {
            return false;
        }
        claim.matched.store(matched, Ordering::Relaxed);
        true
    }

    fn describe(&self, claim: &KraviaClaim<'_>, _body: &[u8]) -> Result<EventFacts, ReceiveError> {
        let form = |index: usize| claim.forms.get(index).map(|form| &*form.data);
        let compact = form(claim.forms.len().saturating_sub(1)).unwrap_or_default();
        let signed = form(claim.matched.load(Ordering::Relaxed)).unwrap_or(compact);
        let event_type = if claim.folded {
            // Folding can make two keys one (`é` and `è` both become `?`):
            // the queued data must still be JSON every parser reads alike.
            optional_string(signed, "eventType")?
        } else {
            // Read strictly with the body already: only the field is wanted.
            serde_json::from_slice::<Data>(signed)
                .map_err(|_| ReceiveError::Malformed("data is not a JSON object"))?
                .event_type
        };
        let data = std::str::from_utf8(signed).map_err(|_| ReceiveError::Malformed("data is not text"))?;
        let payload = format!(
            r#"{{"header":{{"algorithm":"MD5"}},"data":{data},"signature":"{}"}}"#,
            encode_hex(&claim.signature)
        );
        Ok(EventFacts {
            event_type,
            event_id: Some(sha256_hex(compact)),
            signed_payload: Some(payload),
            form: false,
        })
    }
}

/// MD5 of `{data}:KRAVIA::{secret}` in .NET ASCII, as Kravia signs `data`.
#[cfg(any(test, feature = "signing"))]
pub(crate) fn digest(data: &str, key: &KraviaKey) -> [u8; 16] {
    SignedForm::new(dotnet_ascii(data)).digest(key)
}

/// Feeds `bytes` to `md5` (counted in tests, which check the work a
/// request costs).
fn hash(md5: &mut Md5, bytes: &[u8]) {
    #[cfg(test)]
    tests::HASHED_BYTES.with(|count| count.set(count.get() + bytes.len()));
    md5.update(bytes);
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
/// is, so removing ASCII whitespace keeps UTF-8 text valid.
pub(crate) fn compact_json(json: &[u8]) -> Cow<'_, [u8]> {
    let mut in_string = false;
    let mut escaped = false;
    let mut compact: Option<Vec<u8>> = None;
    for (at, &byte) in json.iter().enumerate() {
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
            (None, true) => compact = Some(json.get(..at).unwrap_or_default().to_vec()),
            _ => {}
        }
    }
    compact.map_or(Cow::Borrowed(json), Cow::Owned)
}

/// The body Kravia builds around `data` (kept as given), with its digest
/// in lowercase hex.
#[cfg(any(test, feature = "signing"))]
impl crate::schemes::signing::Sign for Kravia {
    fn sign(
        &self,
        key: &str,
        input: &[u8],
        _: &crate::schemes::signing::Message<'_>,
    ) -> Result<crate::schemes::signing::SignedDelivery, crate::schemes::signing::SigningError> {
        let key = crate::schemes::signing::signing_key(self, key)?;
        let data = crate::schemes::signing::json_text(input)?;
        let signature = crate::codec::encoding::encode_hex(&digest(data, &key));
        let body = format!(r#"{{"header":{{"algorithm":"MD5"}},"data":{data},"signature":"{signature}"}}"#);
        Ok(crate::schemes::signing::SignedDelivery {
            body: body.into_bytes(),
            headers: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::schemes::keys::{KeyRing, SecretText};
    use crate::schemes::test_support::{check, headers, is_malformed, refusal, system_time, NOW};
    use crate::schemes::{verify_claim, Deadline};

    thread_local! {
        /// Bytes fed to MD5 on this thread.
        pub(super) static HASHED_BYTES: Cell<usize> = const { Cell::new(0) };
    }

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
            &*compact_json(b"{ \"a b\" : \"c \\\" d\" ,\n \"e\":[1, 2] }"),
            b"{\"a b\":\"c \\\" d\",\"e\":[1,2]}"
        );
        assert_eq!(
            &*compact_json("{ \"é\" :\t\"ü 😀\" }".as_bytes()),
            "{\"é\":\"ü 😀\"}".as_bytes()
        );
    }

    #[test]
    fn text_already_compact_or_ascii_is_not_copied() {
        assert!(matches!(compact_json(DATA.as_bytes()), Cow::Borrowed(_)));
        assert!(matches!(compact_json(br#"{"a":"b c"}"#), Cow::Borrowed(_)));
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
            assert!(refusal(result) == VerifyError::UnsupportedAlgorithm, "{algorithm}");
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

    #[test]
    fn only_the_signed_parts_are_queued() {
        let expected = format!(r#"{{"header":{{"algorithm":"MD5"}},"data":{DATA},"signature":"{DIGEST}"}}"#);
        let plain = body("md5", DATA, &DIGEST.to_uppercase());
        let with_extras = format!(
            r#"{{"extra":{{"claimId":666}},"header":{{"algorithm":"MD5","note":"x"}},"data":{DATA},"signature":" {DIGEST} ","version":2}}"#
        );
        let reindented = plain.replace(',', ",\n  ").replace(':', ": ");
        for body in [plain, with_extras, reindented] {
            let verified = verify(&body).unwrap();
            assert_eq!(
                verified.facts.signed_payload.as_deref(),
                Some(expected.as_str()),
                "{body}"
            );
            assert_eq!(
                verified.facts.event_id.as_deref(),
                Some(sha256_hex(DATA.as_bytes()).as_str())
            );
        }
    }

    #[test]
    fn the_form_of_data_that_was_signed_is_queued() {
        // Signed as sent, with spaces: queued as sent, so it verifies again.
        let spaced = r#"{ "timestamp": 1663063069, "eventType": "CaseUpdate", "claimId": 123443 }"#;
        let signed = crate::schemes::signing::Sign::sign(
            &Kravia,
            SECRET,
            spaced.as_bytes(),
            &crate::schemes::signing::NO_MESSAGE,
        );
        let body = String::from_utf8(signed.unwrap().body).unwrap();
        let verified = verify(&body).unwrap();
        let queued = verified.facts.signed_payload.unwrap();
        assert!(queued.contains(spaced), "{queued}");
        // The id is the compact form's either way, so re-spacing keeps it.
        assert_eq!(verified.facts.event_id, Some(sha256_hex(DATA.as_bytes())));
    }

    #[test]
    fn members_named_like_the_signed_ones_in_another_case_are_refused() {
        for extra in [
            r#""DATA":{"claimId":666,"eventType":"CaseClosed"}"#,
            r#""Data":{}"#,
            r#""Signature":"00""#,
            r#""HEADER":{"algorithm":"SHA1"}"#,
            r#""ſignature":"00""#,
        ] {
            let body = format!(r#"{{"header":{{"algorithm":"MD5"}},"data":{DATA},"signature":"{DIGEST}",{extra}}}"#);
            assert!(is_malformed(&verify(&body)), "{extra}");
        }
    }

    #[test]
    fn unsigned_members_are_read_as_strictly_as_signed_ones() {
        for extra in [
            format!(r#""deep":{}1{}"#, "[".repeat(5000), "]".repeat(5000)),
            r#""lone":"\ud800""#.to_owned(),
            r#""twice":{"a":1,"a":2}"#.to_owned(),
        ] {
            let body = format!(r#"{{"header":{{"algorithm":"MD5"}},"data":{DATA},"signature":"{DIGEST}",{extra}}}"#);
            assert!(is_malformed(&verify(&body)), "{}", &extra[..20]);
        }
    }

    #[test]
    fn non_ascii_data_is_queued_as_the_digest_reads_it() {
        let data = r#"{"eventType":"CaseUpdate","debtor":"Zoë"}"#;
        let folded = r#"{"eventType":"CaseUpdate","debtor":"Zo?"}"#;
        // printf '%s:KRAVIA::kravia-test-secret' "$folded" | md5sum
        let digest = "eb524a0c8da0e4d7a64fe3a5bfa6d3d9";
        for sent in [data, &data.replace("ë", "è")] {
            let verified = verify(&body("MD5", sent, digest)).unwrap();
            let payload = verified.facts.signed_payload.unwrap();
            assert!(payload.contains(folded) && payload.is_ascii(), "{payload}");
            assert_eq!(verified.facts.event_id, Some(sha256_hex(folded.as_bytes())));
        }
        // Two keys that fold alike would be one key repeated in the queue.
        let clash = r#"{"é":1,"è":2}"#;
        // printf '%s:KRAVIA::kravia-test-secret' '{"?":1,"?":2}' | md5sum
        assert!(is_malformed(&verify(&body(
            "MD5",
            clash,
            "f383859bbda3e7a70c13d675569c717d"
        ))));
    }

    fn ring_of(creditors: usize) -> KeyRing<KraviaKey> {
        let secret = |prefix: &str| {
            let keys: serde_json::Map<String, serde_json::Value> = (0..creditors)
                .map(|n| (format!("creditor-{n}"), format!("{prefix}-secret-{n}").into()))
                .collect();
            SecretText::new(serde_json::Value::Object(keys).to_string())
        };
        KeyRing::parse(&secret("current"), Some(&secret("previous")), |key| {
            Kravia.parse_key(key)
        })
        .unwrap()
    }

    /// A forged request with 240 KiB of `data` that is neither compact nor
    /// ASCII, so both forms are hashed and folding has work to do.
    fn forged_240_kib() -> String {
        let data = format!(
            r#"{{ "eventType": "CaseUpdate", "note": "{}" }}"#,
            "é x ".repeat(49_500)
        );
        body("MD5", &data, "00000000000000000000000000000000")
    }

    fn delivery(body: &str) -> Delivery<'_> {
        static NO_HEADERS: std::sync::LazyLock<lambda_http::http::HeaderMap> =
            std::sync::LazyLock::new(lambda_http::http::HeaderMap::new);
        Delivery {
            body: body.as_bytes(),
            headers: &NO_HEADERS,
            tenant: None,
            now: system_time(NOW),
            timestamp_tolerance: None,
        }
    }

    #[test]
    fn a_forged_request_costs_one_pass_over_data_whatever_the_number_of_keys() {
        let ring = ring_of(100);
        let body = forged_240_kib();
        assert!(body.len() > 240 * 1024);
        let delivery = delivery(&body);
        HASHED_BYTES.with(|count| count.set(0));
        let claim = Kravia.claim(&delivery).unwrap();
        let per_request = HASHED_BYTES.with(Cell::get);
        let result = verify_claim(&Kravia, &claim, &delivery, &ring, Deadline::None);
        assert_eq!(refusal(result), VerifyError::Mismatch);
        let per_keys = HASHED_BYTES.with(Cell::get) - per_request;
        // Both forms of data, once each (the raw form is the larger).
        assert!(per_request <= 2 * body.len(), "{per_request}");
        // 200 keys × 2 forms × one key each: a few bytes, never data again.
        let longest_key = "previous-secret-99".len();
        assert!(
            per_keys <= 200 * 2 * longest_key,
            "{per_keys} bytes hashed for the keys"
        );
    }
}
