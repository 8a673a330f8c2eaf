//! Kaunt: `X-Signature-SHA256` = HMAC-SHA256(secret, raw body).
//!
//! Kaunt does not say how the digest is spelled, so lowercase or uppercase
//! hex and standard base64 are all accepted, with or without a `sha256=`
//! prefix: every spelling carries the same 32 bytes, which is what is
//! compared.

use super::hmac_sha256::{BodyMacClaim, HmacKey};
use super::{EventFacts, Scheme};
use crate::delivery::Delivery;
use crate::encoding::{decode_base64, decode_hex};
use crate::error::ReceiveError;
use crate::json::reader::optional_string;
use crate::provider::Provider;

const SIGNATURE_HEADER: &str = "x-signature-sha256";

/// Kaunt's scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Kaunt;

impl Scheme for Kaunt {
    type Key = HmacKey;
    type Claim<'r> = BodyMacClaim<'r>;

    fn provider(&self) -> Provider {
        Provider::Kaunt
    }

    fn signature_headers(&self) -> &'static [&'static str] {
        &[SIGNATURE_HEADER]
    }

    fn parse_key(&self, text: &str) -> Result<HmacKey, String> {
        HmacKey::new(text.as_bytes())
    }

    fn claim<'r>(&self, delivery: &Delivery<'r>) -> Result<BodyMacClaim<'r>, ReceiveError> {
        BodyMacClaim::read(delivery, SIGNATURE_HEADER, decode_digest, "hex or base64")
    }

    fn verify(&self, claim: &BodyMacClaim<'_>, key: &HmacKey) -> bool {
        claim.verify(key)
    }

    fn describe(&self, _claim: &BodyMacClaim<'_>, body: &[u8]) -> Result<EventFacts, ReceiveError> {
        Ok(EventFacts {
            event_type: optional_string(body, "EventType")?,
            event_id: None,
            signed_payload: None,
        })
    }
}

/// Hex (64 digits, either case) or base64, after an optional `sha256=`.
fn decode_digest(header: &str) -> Option<Vec<u8>> {
    let text = match header.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("sha256=") => header.get(7..).unwrap_or_default(),
        _ => header,
    };
    if text.len() == 64 {
        decode_hex(text)
    } else {
        decode_base64(text)
    }
}

/// Lowercase hex in the signature header.
#[cfg(any(test, feature = "signing"))]
impl crate::signing::Sign for Kaunt {
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
    use crate::schemes::test_support::{check, headers, is_malformed, refusal, NOW};

    const SECRET: &str = "kaunt-test-secret";
    const BODY: &str = r#"{"Id":"2125d21e-49a3-44fe-bc2e-a74e4fbba446","TenantId":"a9f76627-30b0-4ea4-915e-882b6f5f189e","EventType":"ModelReady"}"#;
    // printf '%s' "$BODY" | openssl dgst -sha256 -hmac kaunt-test-secret
    const HEX: &str = "334ef0322e957d4d1bb2b8a073496b71edbbd1ce2d8120e34905854fa4b77f55";
    const BASE64: &str = "M07wMi6VfU0bsrigc0lrce270c4tgSDjSQWFT6S3f1U=";

    fn verify(body: &str, signature: &str) -> Result<crate::schemes::Verified, ReceiveError> {
        check(
            &Kaunt,
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
            &Kaunt,
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
            &Kaunt,
            "another-secret",
            BODY.as_bytes(),
            &headers(&[("X-Signature-SHA256", HEX)]),
            NOW,
        );
        assert_eq!(refusal(result), VerifyError::Mismatch);
    }

    #[test]
    fn missing_empty_truncated_and_garbled_signatures_are_refused() {
        let result = check(&Kaunt, SECRET, BODY.as_bytes(), &headers(&[]), NOW);
        assert_eq!(refusal(result), VerifyError::MissingHeader(SIGNATURE_HEADER));
        assert_eq!(refusal(verify(BODY, "")), VerifyError::Mismatch);
        assert_eq!(refusal(verify(BODY, "sha256=")), VerifyError::Mismatch);
        assert_eq!(
            refusal(verify(BODY, &HEX[..62])),
            VerifyError::BadEncoding("hex or base64")
        );
        assert_eq!(refusal(verify(BODY, &BASE64[..20])), VerifyError::Mismatch);
        assert_eq!(
            refusal(verify(BODY, "not a signature!")),
            VerifyError::BadEncoding("hex or base64")
        );
    }

    #[test]
    fn duplicated_signature_header_is_refused_even_if_one_is_right() {
        let doubled = headers(&[("X-Signature-SHA256", HEX), ("x-signature-sha256", HEX)]);
        let result = check(&Kaunt, SECRET, BODY.as_bytes(), &doubled, NOW);
        assert_eq!(refusal(result), VerifyError::DuplicateHeader(SIGNATURE_HEADER));
    }

    #[test]
    fn extra_headers_are_ignored() {
        let extra = headers(&[
            ("X-Signature-SHA256", HEX),
            ("X-Signature-SHA512", "zz"),
            ("Authorization", "x"),
        ]);
        assert!(check(&Kaunt, SECRET, BODY.as_bytes(), &extra, NOW).is_ok());
    }

    #[test]
    fn authentic_body_that_is_not_a_json_object_is_malformed() {
        let key = Kaunt.parse_key(SECRET).unwrap();
        let body = b"not json";
        let signature = crate::encoding::encode_hex(&key.tag(&[body]));
        let result = check(
            &Kaunt,
            SECRET,
            body,
            &headers(&[("X-Signature-SHA256", &signature)]),
            NOW,
        );
        assert!(is_malformed(&result));
    }

    #[test]
    fn unknown_fields_and_missing_event_type_are_fine() {
        let key = Kaunt.parse_key(SECRET).unwrap();
        let body = br#"{"Id":"x","NewField":{"a":[1,2]}}"#;
        let signature = crate::encoding::encode_hex(&key.tag(&[body]));
        let verified = check(
            &Kaunt,
            SECRET,
            body,
            &headers(&[("X-Signature-SHA256", &signature)]),
            NOW,
        )
        .unwrap();
        assert_eq!(verified.facts.event_type, None);
    }
}
