//! Kaunt: `X-Signature-SHA256` = HMAC-SHA256(secret, raw body), in hex of
//! either case or base64, with or without `sha256=`.

use super::preset;
use crate::error::{ReceiveError, VerifyError};
use crate::schemes::test_support::{check, headers, is_malformed, refusal, NOW};
use crate::schemes::AnyScheme;

const SIGNATURE_HEADER: &str = "x-signature-sha256";

fn kaunt() -> AnyScheme {
    preset("kaunt")
}

/// The hex HMAC-SHA256 of `body` under [`SECRET`], as `openssl dgst` writes it.
fn hmac_hex(body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(body);
    crate::codec::encoding::encode_hex(&mac.finalize().into_bytes())
}

const SECRET: &str = "kaunt-test-secret";
const BODY: &str = r#"{"Id":"2125d21e-49a3-44fe-bc2e-a74e4fbba446","TenantId":"a9f76627-30b0-4ea4-915e-882b6f5f189e","EventType":"ModelReady"}"#;
// printf '%s' "$BODY" | openssl dgst -sha256 -hmac kaunt-test-secret
const HEX: &str = "334ef0322e957d4d1bb2b8a073496b71edbbd1ce2d8120e34905854fa4b77f55";
const BASE64: &str = "M07wMi6VfU0bsrigc0lrce270c4tgSDjSQWFT6S3f1U=";

fn verify(body: &str, signature: &str) -> Result<crate::schemes::Verified, ReceiveError> {
    check(
        &kaunt(),
        SECRET,
        body.as_bytes(),
        &headers(&[("X-Signature-SHA256", signature)]),
        NOW,
    )
}

#[test]
fn every_encoding_of_the_openssl_digest_verifies() {
    let upper = HEX.to_uppercase();
    let prefixed = format!("sha256={HEX}");
    let prefixed_b64 = format!("SHA256={BASE64}");
    let unpadded = BASE64.trim_end_matches('=');
    for signature in [
        HEX,
        upper.as_str(),
        BASE64,
        unpadded,
        prefixed.as_str(),
        prefixed_b64.as_str(),
    ] {
        let verified = verify(BODY, signature).unwrap_or_else(|e| panic!("{signature}: {e}"));
        assert_eq!(verified.facts.event_type.as_deref(), Some("ModelReady"));
        assert_eq!(verified.facts.event_id, None);
    }
}

#[test]
fn header_name_is_case_insensitive() {
    let result = check(
        &kaunt(),
        SECRET,
        BODY.as_bytes(),
        &headers(&[("x-signature-sha256", HEX)]),
        NOW,
    );
    assert!(result.is_ok());
}

#[test]
fn tampered_body_is_refused() {
    let tampered = BODY.replace("ModelReady", "ModelReadz");
    assert_eq!(refusal(verify(&tampered, HEX)), VerifyError::Mismatch);
}

#[test]
fn wrong_key_is_refused() {
    let result = check(
        &kaunt(),
        "another-secret",
        BODY.as_bytes(),
        &headers(&[("X-Signature-SHA256", HEX)]),
        NOW,
    );
    assert_eq!(refusal(result), VerifyError::Mismatch);
}

#[test]
fn missing_empty_truncated_and_garbled_signatures_are_refused() {
    let result = check(&kaunt(), SECRET, BODY.as_bytes(), &headers(&[]), NOW);
    assert_eq!(refusal(result), VerifyError::MissingHeader(SIGNATURE_HEADER.to_owned()));
    // Nothing that doesn't decode to 32 bytes is even compared.
    for unreadable in ["", "sha256=", &HEX[..62], &BASE64[..20], "not a signature!"] {
        assert!(
            matches!(refusal(verify(BODY, unreadable)), VerifyError::BadEncoding(_)),
            "{unreadable:?}"
        );
    }
}

#[test]
fn duplicated_signature_header_is_refused_even_if_one_is_right() {
    let doubled = headers(&[("X-Signature-SHA256", HEX), ("x-signature-sha256", HEX)]);
    let result = check(&kaunt(), SECRET, BODY.as_bytes(), &doubled, NOW);
    assert_eq!(
        refusal(result),
        VerifyError::DuplicateHeader(SIGNATURE_HEADER.to_owned())
    );
}

#[test]
fn extra_headers_are_ignored() {
    let extra = headers(&[
        ("X-Signature-SHA256", HEX),
        ("X-Signature-SHA512", "zz"),
        ("Authorization", "x"),
    ]);
    assert!(check(&kaunt(), SECRET, BODY.as_bytes(), &extra, NOW).is_ok());
}

#[test]
fn authentic_body_that_is_not_json_is_malformed() {
    let body = b"not json";
    let signature = hmac_hex(body);
    let result = check(
        &kaunt(),
        SECRET,
        body,
        &headers(&[("X-Signature-SHA256", &signature)]),
        NOW,
    );
    assert!(is_malformed(&result));
}

#[test]
fn unknown_fields_and_missing_event_type_are_fine() {
    let body = br#"{"Id":"x","NewField":{"a":[1,2]}}"#;
    let signature = hmac_hex(body);
    let verified = check(
        &kaunt(),
        SECRET,
        body,
        &headers(&[("X-Signature-SHA256", &signature)]),
        NOW,
    )
    .unwrap();
    assert_eq!(verified.facts.event_type, None);
}
