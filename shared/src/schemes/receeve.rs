//! receeve / InDebted: a public-key signature inside the body.
//!
//! `signature` is base64 of a SHA-256 signature over the bytes of
//! `payloadAsString`, made the way Node's `createVerify("SHA256")` checks it:
//! RSA PKCS#1 v1.5 for an RSA key, DER-encoded ECDSA for a P-256 key (the
//! fixed-width `r||s` form is accepted too; it carries the same proof). Only
//! `payloadAsString` is signed, so once the signature holds, `payload` must
//! be the same JSON, or an attacker could swap the unsigned copy. The event
//! is read from the signed text, never from the copy.
//!
//! Nothing else in the body is signed, so nothing else is queued: the
//! payload is rebuilt from the signed text alone (`payload` is that text,
//! `payloadAsString` the same text as a string, `signature` in standard
//! base64), and any other member, which a provider may add one day, is
//! dropped. A member named like `payload`, `signature` or `payloadAsString`
//! in another letter case is refused (400), since some parsers would read it
//! in their place.
//!
//! The choices behind these rules, where receeve's documents are silent:
//! docs/choices.md ("receeve's two copies?", "What of a body signed only in part?").

use aws_lc_rs::signature::{
    ParsedPublicKey, ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_FIXED, RSA_PKCS1_2048_8192_SHA256,
};
use serde_json::value::RawValue;

use super::scheme::{EventFacts, Scheme};
use crate::codec::encoding::{decode_base64, encode_base64};
use crate::codec::json::reader::Members;
use crate::codec::json::tree::{self, StrictJson};
use crate::codec::pem::decode_pem;
use crate::error::{ReceiveError, VerifyError};
use crate::schemes::delivery::Delivery;

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
pub struct ReceeveClaim<'r> {
    payload: &'r RawValue,
    payload_as_string: String,
    signature: Vec<u8>,
}

/// The members the scheme reads.
const MEMBERS: [&str; 3] = ["payload", "signature", "payloadAsString"];

impl Scheme for Receeve {
    type Key = ReceeveKey;
    type Claim<'r> = ReceeveClaim<'r>;

    fn provider(&self) -> &str {
        "receeve"
    }
    // Everything receeve signs is in the body.

    fn signature_headers(&self) -> &[String] {
        &[]
    }

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

    fn claim<'r>(&self, delivery: &Delivery<'r>) -> Result<ReceeveClaim<'r>, ReceiveError> {
        let members = Members::read(delivery.body, &MEMBERS)?;
        let (Some(payload), Some(signature), Some(payload_as_string)) = (
            members.raw("payload"),
            members.string("signature"),
            members.string("payloadAsString"),
        ) else {
            return Err(ReceiveError::Malformed(
                "body is not a receeve webhook (payload, signature, payloadAsString)",
            ));
        };
        let signature = decode_base64(signature.trim()).ok_or(VerifyError::BadEncoding("base64"))?;
        Ok(ReceeveClaim {
            payload,
            payload_as_string,
            signature,
        })
    }

    fn verify(&self, claim: &ReceeveClaim<'_>, key: &ReceeveKey) -> bool {
        let message = claim.payload_as_string.as_bytes();
        match key {
            ReceeveKey::Rsa(rsa) => rsa.verify_sig(message, &claim.signature).is_ok(),
            ReceeveKey::EcP256 { der, fixed } => {
                der.verify_sig(message, &claim.signature).is_ok() || fixed.verify_sig(message, &claim.signature).is_ok()
            }
        }
    }

    fn describe(&self, claim: &ReceeveClaim<'_>, _body: &[u8]) -> Result<EventFacts, ReceiveError> {
        let text = &claim.payload_as_string;
        let signed =
            tree::parse(text).ok_or(ReceiveError::Malformed("payloadAsString is not JSON with unique keys"))?;
        if tree::parse(claim.payload.get()).as_ref() != Some(&signed) {
            return Err(VerifyError::PayloadMismatch.into());
        }
        let quoted = |text: &str| {
            serde_json::to_string(text).map_err(|_| ReceiveError::Misconfigured("a string could not be written".into()))
        };
        let signed_payload = format!(
            r#"{{"payload":{text},"signature":{},"payloadAsString":{}}}"#,
            quoted(&encode_base64(&claim.signature))?,
            quoted(text)?
        );
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
            signed_payload: Some(signed_payload),
            form: false,
        })
    }
}

/// The body receeve builds around `payload`: signed with the PKCS#8 PEM
/// private key, with `payloadAsString` exactly the signed text.
#[cfg(any(test, feature = "signing"))]
impl crate::schemes::signing::Sign for Receeve {
    fn sign(
        &self,
        key: &str,
        input: &[u8],
        _: &crate::schemes::signing::Message<'_>,
    ) -> Result<crate::schemes::signing::SignedDelivery, crate::schemes::signing::SigningError> {
        let payload = crate::schemes::signing::json_text(input)?;
        let signature = crate::schemes::signing::receeve_signature(input, key)?;
        let quote = |text: &str| serde_json::to_string(text).unwrap_or_default();
        let body = format!(
            r#"{{"payload":{payload},"signature":{},"payloadAsString":{}}}"#,
            quote(&crate::codec::encoding::encode_base64(&signature)),
            quote(payload)
        );
        Ok(crate::schemes::signing::SignedDelivery {
            body: body.into_bytes(),
            headers: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encoding::decode_hex;
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

    #[test]
    fn only_the_signed_text_is_queued() {
        let signed = PAYLOAD.trim();
        let expected = format!(
            r#"{{"payload":{signed},"signature":"{}","payloadAsString":{}}}"#,
            RSA_SIGNATURE.trim(),
            serde_json::to_string(PAYLOAD).unwrap()
        );
        let reordered = r#"{"timestamp":"2021-10-14T15:33:16.848Z","messageId":"09feeb6f-350a-430a-a040-cd1c558cbc91","details":{"currency":"EUR","amount":501,"claimRef":"PDN-922-claim-Oct14-00010","messageType":"event.claim.created.v1"}}"#;
        let with_extras =
            body(reordered, RSA_SIGNATURE, PAYLOAD).replacen('{', r#"{"version":2,"note":{"claimRef":"x"},"#, 1);
        for body in [body(PAYLOAD, RSA_SIGNATURE, PAYLOAD), with_extras] {
            let verified = verify(RSA_PUBLIC, &body).unwrap();
            let queued = verified.facts.signed_payload.unwrap();
            assert_eq!(
                queued.replace(PAYLOAD, signed),
                expected.replace(PAYLOAD, signed),
                "{body}"
            );
            // The queued copy is the signed text itself, byte for byte.
            let queued: serde_json::Value = serde_json::from_str(&queued).unwrap();
            assert_eq!(queued["payloadAsString"], PAYLOAD);
        }
    }

    #[test]
    fn members_named_like_the_signed_ones_in_another_case_are_refused() {
        for extra in [
            r#""Payload":{"details":{"messageType":"x"},"messageId":"m","claimRef":"ATTACKER","amount":999999}"#,
            r#""PAYLOADASSTRING":"{}""#,
            r#""Signature":"AA==""#,
            r#""payloadAßtring":"{}""#,
        ] {
            let body = body(PAYLOAD, RSA_SIGNATURE, PAYLOAD).replacen('{', &format!("{{{extra},"), 1);
            assert!(is_malformed(&verify(RSA_PUBLIC, &body)), "{extra}");
        }
    }

    /// `(r, s)` from a DER ECDSA signature: `SEQUENCE { INTEGER, INTEGER }`.
    fn der_integers(der: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let integer = |at: usize| {
            assert_eq!(der[at], 0x02);
            let len = usize::from(der[at + 1]);
            (der[at + 2..at + 2 + len].to_vec(), at + 2 + len)
        };
        assert_eq!(der[0], 0x30);
        let (r, next) = integer(2);
        let (s, _) = integer(next);
        (r, s)
    }

    /// A big-endian number as exactly 32 bytes.
    fn fixed_32(number: &[u8]) -> [u8; 32] {
        let digits: Vec<u8> = number.iter().copied().skip_while(|b| *b == 0).collect();
        let mut out = [0; 32];
        out[32 - digits.len()..].copy_from_slice(&digits);
        out
    }

    #[test]
    fn an_ecdsa_signature_and_its_high_s_twin_are_the_same_event() {
        // P-256's group order n: (r, n - s) verifies wherever (r, s) does.
        let order = decode_hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551").unwrap();
        let (r, s) = der_integers(&decode_base64(EC_SIGNATURE.trim()).unwrap());
        let s = fixed_32(&s);
        let mut twin_s = [0_u8; 32];
        let mut borrow = 0_i16;
        for i in (0..32).rev() {
            let digit = i16::from(order[i]) - i16::from(s[i]) - borrow;
            borrow = i16::from(digit < 0);
            twin_s[i] = (digit + 256 * borrow) as u8;
        }
        let mut twin = fixed_32(&r).to_vec();
        twin.extend_from_slice(&twin_s);
        let original = verify(EC_PUBLIC, &body(PAYLOAD, EC_SIGNATURE, PAYLOAD)).unwrap();
        let twin = verify(EC_PUBLIC, &body(PAYLOAD, &encode_base64(&twin), PAYLOAD)).unwrap();
        assert_eq!(twin.facts.event_id, original.facts.event_id);
        assert_eq!(twin.facts.event_type, original.facts.event_type);
        assert_ne!(twin.facts.signed_payload, original.facts.signed_payload);
    }
}
