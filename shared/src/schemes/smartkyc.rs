//! Smart KYC: `X-SmartKYC-Signature` = hex HMAC-SHA256(API secret, raw body).
//!
//! The documents show Node's `digest("hex")`, so hex it is (either case).
//! Smart KYC bodies carry personal data: nothing here reads more of the body
//! than the event name.

use super::hmac_sha256::{BodyMacClaim, HmacKey};
use super::{EventFacts, Scheme};
use crate::delivery::Delivery;
use crate::encoding::decode_hex;
use crate::error::ReceiveError;
use crate::json::reader::optional_string;
use crate::provider::Provider;

const SIGNATURE_HEADER: &str = "x-smartkyc-signature";

/// Smart KYC's scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct SmartKyc;

impl Scheme for SmartKyc {
    type Key = HmacKey;
    type Claim<'r> = BodyMacClaim<'r>;

    fn provider(&self) -> Provider {
        Provider::SmartKyc
    }

    fn signature_headers(&self) -> &'static [&'static str] {
        &[SIGNATURE_HEADER]
    }

    fn parse_key(&self, text: &str) -> Result<HmacKey, String> {
        HmacKey::new(text.as_bytes())
    }

    fn claim<'r>(&self, delivery: &Delivery<'r>) -> Result<BodyMacClaim<'r>, ReceiveError> {
        BodyMacClaim::read(delivery, SIGNATURE_HEADER, decode_hex, "hex")
    }

    fn verify(&self, claim: &BodyMacClaim<'_>, key: &HmacKey) -> bool {
        claim.verify(key)
    }

    fn describe(&self, _claim: &BodyMacClaim<'_>, body: &[u8]) -> Result<EventFacts, ReceiveError> {
        Ok(EventFacts {
            event_type: optional_string(body, "event")?,
            event_id: None,
            signed_payload: None,
        })
    }
}

/// Lowercase hex in the signature header.
#[cfg(any(test, feature = "signing"))]
impl crate::signing::Sign for SmartKyc {
    fn sign(
        &self,
        key: &str,
        input: &[u8],
        _: &crate::signing::Message<'_>,
    ) -> Result<crate::signing::SignedDelivery, crate::signing::SigningError> {
        super::hmac_sha256::sign_body_in_header(self, key, input, SIGNATURE_HEADER)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::VerifyError;
    use crate::schemes::test_support::{check, headers, refusal, NOW};

    const SECRET: &str = "smartkyc-test-secret";
    const BODY: &str = r#"{"event":"submission.completed","timestamp":"2024-01-15T10:30:00Z","data":{"submissionId":"sub_123456"},"tenantId":"tenant_123456"}"#;
    // printf '%s' "$BODY" | openssl dgst -sha256 -hmac smartkyc-test-secret
    const HEX: &str = "3f7e3292f34939f9258e6fdbd54a6c8c06c2b4bfbf759118211f34822e2ebcd6";

    fn verify(body: &str, signature: &str) -> Result<crate::schemes::Verified, ReceiveError> {
        check(
            &SmartKyc,
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
        assert!(check(&SmartKyc, SECRET, BODY.as_bytes(), &extra, NOW).is_ok());
    }

    #[test]
    fn tampered_body_and_wrong_key_are_refused() {
        assert_eq!(
            refusal(verify(&BODY.replace("123456", "123457"), HEX)),
            VerifyError::Mismatch
        );
        let result = check(
            &SmartKyc,
            "other",
            BODY.as_bytes(),
            &headers(&[("X-SmartKYC-Signature", HEX)]),
            NOW,
        );
        assert_eq!(refusal(result), VerifyError::Mismatch);
    }

    #[test]
    fn base64_missing_empty_and_duplicated_signatures_are_refused() {
        let b64 = crate::encoding::encode_base64(&crate::encoding::decode_hex(HEX).unwrap());
        assert_eq!(refusal(verify(BODY, &b64)), VerifyError::BadEncoding("hex"));
        assert_eq!(refusal(verify(BODY, "")), VerifyError::Mismatch);
        assert_eq!(refusal(verify(BODY, &HEX[..32])), VerifyError::Mismatch);
        let none = check(&SmartKyc, SECRET, BODY.as_bytes(), &headers(&[]), NOW);
        assert_eq!(refusal(none), VerifyError::MissingHeader(SIGNATURE_HEADER));
        let doubled = headers(&[("X-SmartKYC-Signature", HEX), ("X-SmartKYC-Signature", HEX)]);
        let result = check(&SmartKyc, SECRET, BODY.as_bytes(), &doubled, NOW);
        assert_eq!(refusal(result), VerifyError::DuplicateHeader(SIGNATURE_HEADER));
    }
}
