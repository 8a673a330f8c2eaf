//! Signing, the way each provider does it: the mirror of [`crate::schemes`].
//!
//! For tests, sample events and users who want to send themselves a genuine
//! delivery with their own key. Behind the `signing` feature: receivers
//! never sign anything.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, RsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING, RSA_PKCS1_SHA256};

use super::scheme::Scheme;
use crate::codec::pem::decode_pem;

/// Why a key can't sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// The key text is not a key of the kind the provider uses.
    #[error("invalid signing key: {0}")]
    InvalidKey(String),
    /// The provider builds its body around the input, which must be JSON
    /// text (Kravia's `data`, receeve's `payload`).
    #[error("the input must be JSON text")]
    NotJsonText,
}

/// A delivery as its provider sends it: the body and the headers that carry
/// its signature (lower-case names, in the order the provider sends them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedDelivery {
    /// The exact body.
    pub body: Vec<u8>,
    /// The signature's headers; the scheme names them, nobody else.
    pub headers: Vec<(String, String)>,
}

/// What a provider signs beside the body (a message id, a timestamp); a
/// scheme that signs neither ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// The message id (`webhook-id`).
    pub id: &'a str,
    /// The timestamp, Unix seconds (written in the scheme's unit).
    pub timestamp: u64,
}

/// Signing, the mirror of [`Scheme`]'s verifying: each scheme signs in its
/// own file, beside the header names and rules it verifies with, so that a
/// header's name is written once.
pub trait Sign: Scheme {
    /// Signs `input` with `key` as the provider does. `input` is the whole
    /// body for described schemes; the `data` object for Kravia and the
    /// `payload` object for receeve, around which the provider builds the
    /// body. `key` is the secret's text for an HMAC, a PKCS#8 PEM private
    /// key for a public-key scheme.
    fn sign(&self, key: &str, input: &[u8], message: &Message<'_>) -> Result<SignedDelivery, SigningError>;
}

/// A message for schemes that sign neither id nor timestamp.
pub const NO_MESSAGE: Message<'static> = Message { id: "", timestamp: 0 };

/// `input` as the JSON text a provider builds its body around.
pub(crate) fn json_text(input: &[u8]) -> Result<&str, SigningError> {
    std::str::from_utf8(input).map_err(|_| SigningError::NotJsonText)
}

/// `scheme`'s key, or why it can't sign.
pub(crate) fn signing_key<S: Scheme>(scheme: &S, text: &str) -> Result<S::Key, SigningError> {
    scheme.parse_key(text).map_err(SigningError::InvalidKey)
}

/// A SHA-256 signature over `message` with a PKCS#8 PEM private key, RSA
/// (PKCS#1 v1.5) or EC P-256 (DER ECDSA): receeve's.
pub(crate) fn receeve_signature(message: &[u8], private_key_pem: &str) -> Result<Vec<u8>, SigningError> {
    let der = decode_pem(private_key_pem, &["PRIVATE KEY"]).map_err(SigningError::InvalidKey)?;
    let rng = SystemRandom::new();
    if let Ok(rsa) = RsaKeyPair::from_pkcs8(&der) {
        let mut signature = vec![0; rsa.public_modulus_len()];
        rsa.sign(&RSA_PKCS1_SHA256, &rng, message, &mut signature)
            .map_err(|_| SigningError::InvalidKey("RSA signing failed".into()))?;
        return Ok(signature);
    }
    let ec = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &der)
        .map_err(|_| SigningError::InvalidKey("not an RSA or EC P-256 PKCS#8 private key".into()))?;
    ec.sign(&rng, message)
        .map(|signature| signature.as_ref().to_vec())
        .map_err(|_| SigningError::InvalidKey("ECDSA signing failed".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::encoding::encode_base64;
    use crate::error::VerifyError;
    use crate::schemes::test_support::{check, headers, is_malformed, refusal, NOW};
    use crate::schemes::{AnyScheme, Kravia, Preset, Receeve};

    /// A receeve body of `payload` signed with `private`.
    fn receeve_body(payload: &str, private: &str) -> Result<String, SigningError> {
        let signed = Receeve.sign(private, payload.as_bytes(), &NO_MESSAGE)?;
        Ok(String::from_utf8(signed.body).unwrap())
    }

    const RSA_PRIVATE: &str = include_str!("../../testdata/rsa-private.pem");
    const RSA_PUBLIC: &str = include_str!("../../testdata/rsa-public.pem");
    const EC_PRIVATE: &str = include_str!("../../testdata/ec-private.pem");
    const EC_PUBLIC: &str = include_str!("../../testdata/ec-public.pem");

    #[test]
    fn kravia_signing_matches_md5sum() {
        let data = r#"{"timestamp":1663063069,"eventType":"CaseUpdate","claimId":123443}"#;
        let body = String::from_utf8(
            Kravia
                .sign("kravia-test-secret", data.as_bytes(), &NO_MESSAGE)
                .unwrap()
                .body,
        )
        .unwrap();
        assert!(
            body.ends_with(r#""signature":"afc64eac06dcbf6111f3a84018ba466c"}"#),
            "{body}"
        );
    }

    fn preset(name: &str) -> AnyScheme {
        Preset::named(name).unwrap().scheme(|_| None).unwrap()
    }

    #[test]
    fn codat_signing_reproduces_the_published_vector() {
        let message = Message {
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: 1_614_265_330,
        };
        let signed = preset("codat")
            .sign(
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                br#"{"test": 2432232314}"#,
                &message,
            )
            .unwrap();
        assert_eq!(
            signed.headers,
            [
                ("webhook-id".to_owned(), "msg_p5jXN8AQM9LWM0D4loKWxJek".to_owned()),
                ("webhook-timestamp".to_owned(), "1614265330".to_owned()),
                (
                    "webhook-signature".to_owned(),
                    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn receeve_bodies_signed_here_verify_with_the_openssl_public_keys() {
        let payload = r#"{"details":{"messageType":"event.claim.updated.v1"},"messageId":"m-1","timestamp":"2021-10-14T15:33:16.848Z","user":{"id":"Zoë"}}"#;
        for (private, public) in [(RSA_PRIVATE, RSA_PUBLIC), (EC_PRIVATE, EC_PUBLIC)] {
            let body = receeve_body(payload, private).unwrap();
            let verified = check(&Receeve, public, body.as_bytes(), &headers(&[]), NOW).unwrap();
            assert_eq!(verified.facts.event_id.as_deref(), Some("m-1"));
            assert_eq!(verified.facts.event_type.as_deref(), Some("event.claim.updated.v1"));
        }
    }

    #[test]
    fn receeve_signed_but_incomplete_payloads_are_400() {
        for payload in [
            r#"{"details":{"messageType":"x"}}"#,
            r#"{"messageId":"m-1"}"#,
            r#"{"messageId":"m-1","details":"x"}"#,
        ] {
            let body = receeve_body(payload, RSA_PRIVATE).unwrap();
            let result = check(&Receeve, RSA_PUBLIC, body.as_bytes(), &headers(&[]), NOW);
            assert!(is_malformed(&result), "{payload}: {result:?}");
        }
    }

    #[test]
    fn receeve_signed_text_that_is_not_json_is_400_and_a_swapped_copy_401() {
        let signature = encode_base64(&receeve_signature(b"not json", RSA_PRIVATE).unwrap());
        let body = format!(r#"{{"payload":{{}},"signature":"{signature}","payloadAsString":"not json"}}"#);
        assert!(is_malformed(&check(
            &Receeve,
            RSA_PUBLIC,
            body.as_bytes(),
            &headers(&[]),
            NOW
        )));
        let signed = receeve_body(r#"{"messageId":"a","details":{}}"#, RSA_PRIVATE).unwrap();
        let swapped = signed.replacen(r#"{"messageId":"a""#, r#"{"messageId":"b""#, 1);
        let result = check(&Receeve, RSA_PUBLIC, swapped.as_bytes(), &headers(&[]), NOW);
        assert_eq!(refusal(result), VerifyError::PayloadMismatch);
    }

    #[test]
    fn receeve_payload_swaps_that_value_equality_would_miss_are_refused() {
        let signed = receeve_body(
            r#"{"messageId":"m-1","details":{"messageType":"t"},"amount":100000000000000000000000}"#,
            RSA_PRIVATE,
        )
        .unwrap();
        let bigger = signed.replacen("100000000000000000000000}", "100000000000000000000001}", 1);
        let result = check(&Receeve, RSA_PUBLIC, bigger.as_bytes(), &headers(&[]), NOW);
        assert_eq!(refusal(result), VerifyError::PayloadMismatch);
        // A repeated key is refused before anything is compared: no body
        // with one is read at all.
        let doubled = signed.replacen(r#"{"messageId":"m-1","#, r#"{"messageId":"evil","messageId":"m-1","#, 1);
        let result = check(&Receeve, RSA_PUBLIC, doubled.as_bytes(), &headers(&[]), NOW);
        assert!(
            matches!(result, Err(crate::error::ReceiveError::Malformed(_))),
            "{result:?}"
        );
    }

    #[test]
    fn signing_refuses_keys_it_cannot_use() {
        assert!(receeve_body("{}", RSA_PUBLIC).is_err());
        let message = Message { id: "id", timestamp: 1 };
        assert!(preset("codat").sign("whsec_***", b"{}", &message).is_err());
        assert!(preset("kaunt").sign("", b"{}", &NO_MESSAGE).is_err());
        assert_eq!(Kravia.sign("k", b"\xff", &NO_MESSAGE), Err(SigningError::NotJsonText));
    }
}
