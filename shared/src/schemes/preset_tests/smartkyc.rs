//! Smart KYC: `X-SmartKYC-Signature` = hex HMAC-SHA256(API secret, raw body).

use super::preset;
use crate::error::{ReceiveError, VerifyError};
use crate::schemes::test_support::{check, headers, refusal, NOW};

const SIGNATURE_HEADER: &str = "x-smartkyc-signature";

const SECRET: &str = "smartkyc-test-secret";
const BODY: &str = r#"{"event":"submission.completed","timestamp":"2024-01-15T10:30:00Z","data":{"submissionId":"sub_123456"},"tenantId":"tenant_123456"}"#;
// printf '%s' "$BODY" | openssl dgst -sha256 -hmac smartkyc-test-secret
const HEX: &str = "3f7e3292f34939f9258e6fdbd54a6c8c06c2b4bfbf759118211f34822e2ebcd6";

fn verify(body: &str, signature: &str) -> Result<crate::schemes::Verified, ReceiveError> {
    check(
        &preset("smartkyc"),
        SECRET,
        body.as_bytes(),
        &headers(&[("X-SmartKYC-Signature", signature)]),
        NOW,
    )
}

#[test]
fn openssl_digest_verifies_in_either_case() {
    for signature in [HEX.to_owned(), HEX.to_uppercase()] {
        let verified = verify(BODY, &signature).unwrap();
        assert_eq!(verified.facts.event_type.as_deref(), Some("submission.completed"));
    }
}

#[test]
fn extra_headers_are_ignored() {
    let extra = headers(&[
        ("X-SmartKYC-Signature", HEX),
        ("x-smart-kyc-api-key", "static"),
        ("Authorization", "Bearer x"),
    ]);
    assert!(check(&preset("smartkyc"), SECRET, BODY.as_bytes(), &extra, NOW).is_ok());
}

#[test]
fn tampered_body_and_wrong_key_are_refused() {
    assert_eq!(
        refusal(verify(&BODY.replace("123456", "123457"), HEX)),
        VerifyError::Mismatch
    );
    let result = check(
        &preset("smartkyc"),
        "other",
        BODY.as_bytes(),
        &headers(&[("X-SmartKYC-Signature", HEX)]),
        NOW,
    );
    assert_eq!(refusal(result), VerifyError::Mismatch);
}

#[test]
fn base64_missing_empty_and_duplicated_signatures_are_refused() {
    let b64 = crate::codec::encoding::encode_base64(&crate::codec::encoding::decode_hex(HEX).unwrap());
    for unreadable in [b64.as_str(), "", &HEX[..32]] {
        assert!(
            matches!(refusal(verify(BODY, unreadable)), VerifyError::BadEncoding(_)),
            "{unreadable:?}"
        );
    }
    let none = check(&preset("smartkyc"), SECRET, BODY.as_bytes(), &headers(&[]), NOW);
    assert_eq!(refusal(none), VerifyError::MissingHeader(SIGNATURE_HEADER.to_owned()));
    let doubled = headers(&[("X-SmartKYC-Signature", HEX), ("X-SmartKYC-Signature", HEX)]);
    let result = check(&preset("smartkyc"), SECRET, BODY.as_bytes(), &doubled, NOW);
    assert_eq!(
        refusal(result),
        VerifyError::DuplicateHeader(SIGNATURE_HEADER.to_owned())
    );
}
