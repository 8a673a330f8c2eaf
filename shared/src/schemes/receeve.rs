//! receeve / InDebted: a public-key signature inside the body.
//!
//! `signature` is base64 of a SHA-256 signature over the bytes of
//! `payloadAsString`, made the way Node's `createVerify("SHA256")` checks it:
//! RSA PKCS#1 v1.5 for an RSA key, DER-encoded ECDSA for a P-256 key (the
//! fixed-width `r||s` form is accepted too; it carries the same proof). Only
//! `payloadAsString` is signed, so once the signature holds, `payload` must
//! be the same JSON, or an attacker could swap the unsigned copy. The event
//! is read from the signed text, never from the copy.

use aws_lc_rs::signature::{
    ParsedPublicKey, ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256,
};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::strict_json::{self, StrictJson};
use super::{EventFacts, Scheme};
use crate::delivery::Delivery;
use crate::encoding::decode_base64;
use crate::error::{ReceiveError, VerifyError};
use crate::pem::decode_pem;
use crate::provider::Provider;

/// receeve's scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Receeve;

/// A receeve public key, parsed once.
#[derive(Debug)]
pub enum ReceeveKey {
    /// RSA, verified as PKCS#1 v1.5 with SHA-256 (2048 to 8192 bits).
    Rsa(ParsedPublicKey),
    /// ECDSA P-256 with SHA-256, in both signature encodings.
    EcP256 {
        /// For DER (ASN.1) signatures, Node's default.
        der: ParsedPublicKey,
        /// For fixed-width `r||s` signatures.
        fixed: ParsedPublicKey,
    },
}

/// A receeve request's claim.
#[derive(Debug)]
pub struct ReceeveClaim {
    payload: Box<RawValue>,
    payload_as_string: String,
    signature: Vec<u8>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    payload: Box<RawValue>,
    signature: String,
    payload_as_string: String,
}

impl Scheme for Receeve {
    type Key = ReceeveKey;
    type Claim<'r> = ReceeveClaim;
    const PROVIDER: Provider = Provider::Receeve;

    fn parse_key(&self, text: &str) -> Result<ReceeveKey, String> {
        let der = decode_pem(text, &["PUBLIC KEY", "RSA PUBLIC KEY"])?;
        if let Ok(rsa) = ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, &der) {
            return Ok(ReceeveKey::Rsa(rsa));
        }
        match (
            ParsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, &der),
            ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &der),
        ) {
            (Ok(der), Ok(fixed)) => Ok(ReceeveKey::EcP256 { der, fixed }),
            _ => Err("not an RSA (2048 to 8192 bits) or EC P-256 public key".to_owned()),
        }
    }

    fn claim<'r>(&self, delivery: &Delivery<'r>) -> Result<ReceeveClaim, ReceiveError> {
        let body: Body = serde_json::from_slice(delivery.body).map_err(|_| {
            ReceiveError::Malformed("body is not a receeve webhook (payload, signature, payloadAsString)")
        })?;
        let signature = decode_base64(body.signature.trim()).ok_or(VerifyError::BadEncoding("base64"))?;
        Ok(ReceeveClaim {
            payload: body.payload,
            payload_as_string: body.payload_as_string,
            signature,
        })
    }

    fn verify(&self, claim: &ReceeveClaim, key: &ReceeveKey) -> bool {
        let message = claim.payload_as_string.as_bytes();
        match key {
            ReceeveKey::Rsa(rsa) => rsa.verify_sig(message, &claim.signature).is_ok(),
            ReceeveKey::EcP256 { der, fixed } => {
                der.verify_sig(message, &claim.signature).is_ok() || fixed.verify_sig(message, &claim.signature).is_ok()
            }
        }
    }

    fn describe(&self, claim: &ReceeveClaim, _body: &[u8]) -> Result<EventFacts, ReceiveError> {
        let signed = strict_json::parse(&claim.payload_as_string)
            .ok_or(ReceiveError::Malformed("payloadAsString is not JSON with unique keys"))?;
        if strict_json::parse(claim.payload.get()).as_ref() != Some(&signed) {
            return Err(VerifyError::PayloadMismatch.into());
        }
        // The event, read from the signed text's own parse.
        let message_id = signed
            .member("messageId")
            .and_then(StrictJson::as_str)
            .filter(|id| !id.is_empty())
            .ok_or(ReceiveError::Malformed("payload.messageId is missing"))?;
        let details = signed
            .member("details")
            .filter(|details| matches!(details, StrictJson::Object(_)))
            .ok_or(ReceiveError::Malformed("payload.details is missing"))?;
        Ok(EventFacts {
            event_type: details
                .member("messageType")
                .and_then(StrictJson::as_str)
                .map(str::to_owned),
            event_id: Some(message_id.to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::test_support::{check, headers, is_malformed, refusal, NOW};

    const RSA_PUBLIC: &str = include_str!("../../testdata/rsa-public.pem");
    const RSA_PUBLIC_PKCS1: &str = include_str!("../../testdata/rsa-public-pkcs1.pem");
    const EC_PUBLIC: &str = include_str!("../../testdata/ec-public.pem");
    const P384_PUBLIC: &str = include_str!("../../testdata/p384-public.pem");
    const ED25519_PUBLIC: &str = include_str!("../../testdata/ed25519-public.pem");
    // Signed by `openssl dgst -sha256 -sign` over payload.json.
    const PAYLOAD: &str = include_str!("../../testdata/payload.json");
    const RSA_SIGNATURE: &str = include_str!("../../testdata/rsa-signature.b64");
    const EC_SIGNATURE: &str = include_str!("../../testdata/ec-signature.b64");

    fn body(payload: &str, signature: &str, payload_as_string: &str) -> String {
        serde_json::json!({
            "payload": serde_json::from_str::<serde_json::Value>(payload).unwrap(),
            "signature": signature,
            "payloadAsString": payload_as_string,
        })
        .to_string()
    }

    fn verify(key: &str, body: &str) -> Result<crate::schemes::Verified, ReceiveError> {
        check(&Receeve, key, body.as_bytes(), &headers(&[]), NOW)
    }

    #[test]
    fn openssl_rsa_and_ec_signatures_verify() {
        for (key, signature) in [
            (RSA_PUBLIC, RSA_SIGNATURE),
            (RSA_PUBLIC_PKCS1, RSA_SIGNATURE),
            (EC_PUBLIC, EC_SIGNATURE),
        ] {
            let verified = verify(key, &body(PAYLOAD, signature, PAYLOAD)).unwrap();
            assert_eq!(verified.facts.event_type.as_deref(), Some("event.claim.created.v1"));
            assert_eq!(
                verified.facts.event_id.as_deref(),
                Some("09feeb6f-350a-430a-a040-cd1c558cbc91")
            );
        }
    }

    #[test]
    fn payload_key_order_may_differ_from_the_signed_text() {
        let reordered = r#"{"timestamp":"2021-10-14T15:33:16.848Z","messageId":"09feeb6f-350a-430a-a040-cd1c558cbc91","details":{"currency":"EUR","amount":501,"claimRef":"PDN-922-claim-Oct14-00010","messageType":"event.claim.created.v1"}}"#;
        assert!(verify(RSA_PUBLIC, &body(reordered, RSA_SIGNATURE, PAYLOAD)).is_ok());
    }

    #[test]
    fn swapped_payload_is_refused() {
        let swapped = PAYLOAD.replace("501", "5");
        assert_eq!(
            refusal(verify(RSA_PUBLIC, &body(&swapped, RSA_SIGNATURE, PAYLOAD))),
            VerifyError::PayloadMismatch
        );
    }

    #[test]
    fn tampered_signed_text_is_refused() {
        let tampered = PAYLOAD.replace("501", "5");
        assert_eq!(
            refusal(verify(RSA_PUBLIC, &body(&tampered, RSA_SIGNATURE, &tampered))),
            VerifyError::Mismatch
        );
        assert_eq!(
            refusal(verify(EC_PUBLIC, &body(&tampered, EC_SIGNATURE, &tampered))),
            VerifyError::Mismatch
        );
    }

    #[test]
    fn wrong_key_and_wrong_key_type_for_the_signature_are_refused() {
        assert_eq!(
            refusal(verify(EC_PUBLIC, &body(PAYLOAD, RSA_SIGNATURE, PAYLOAD))),
            VerifyError::Mismatch
        );
        assert_eq!(
            refusal(verify(RSA_PUBLIC, &body(PAYLOAD, EC_SIGNATURE, PAYLOAD))),
            VerifyError::Mismatch
        );
    }

    #[test]
    fn empty_truncated_and_garbled_signatures_are_refused() {
        assert_eq!(
            refusal(verify(RSA_PUBLIC, &body(PAYLOAD, "", PAYLOAD))),
            VerifyError::Mismatch
        );
        let truncated = &RSA_SIGNATURE.trim()[..40];
        assert_eq!(
            refusal(verify(RSA_PUBLIC, &body(PAYLOAD, truncated, PAYLOAD))),
            VerifyError::Mismatch
        );
        assert_eq!(
            refusal(verify(RSA_PUBLIC, &body(PAYLOAD, "**", PAYLOAD))),
            VerifyError::BadEncoding("base64")
        );
    }

    #[test]
    fn unsupported_and_malformed_keys_are_refused_at_parse_time() {
        assert!(Receeve.parse_key(P384_PUBLIC).is_err());
        assert!(Receeve.parse_key(ED25519_PUBLIC).is_err());
        assert!(Receeve.parse_key("not a pem").is_err());
        let broken = RSA_PUBLIC.replace("MII", "MIJ");
        assert!(Receeve.parse_key(&broken).is_err());
        let private = include_str!("../../testdata/rsa-private.pem");
        assert!(Receeve.parse_key(private).is_err());
    }

    #[test]
    fn malformed_bodies_are_400() {
        for bad in [
            "[]".to_owned(),
            r#"{"payload":{},"signature":"AA=="}"#.to_owned(),
            r#"{"payload":{},"payloadAsString":"{}"}"#.to_owned(),
        ] {
            assert!(is_malformed(&verify(RSA_PUBLIC, &bad)), "{bad}");
        }
    }
}
