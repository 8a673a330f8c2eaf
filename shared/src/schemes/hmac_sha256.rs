//! HMAC-SHA256 keys and comparison, shared by Kaunt, Smart KYC and Codat.

use hmac::{Hmac, Mac};

use crate::constant_time::constant_time_eq;
use crate::delivery::Delivery;
use crate::error::{ReceiveError, VerifyError};
use sha2::Sha256;

/// A ready HMAC-SHA256 state keyed with the secret. Cloning it per request
/// skips re-deriving the key pads; its `Debug` shows no key material.
#[derive(Clone)]
pub struct HmacKey(Hmac<Sha256>);

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacKey([REDACTED])")
    }
}

impl HmacKey {
    /// Keys an HMAC with `secret`, which must not be empty.
    pub fn new(secret: &[u8]) -> Result<Self, String> {
        if secret.is_empty() {
            return Err("the key is empty".to_owned());
        }
        Hmac::<Sha256>::new_from_slice(secret)
            .map(HmacKey)
            .map_err(|_| "the key cannot key an HMAC".to_owned())
    }

    /// The MAC of the concatenated `parts`.
    pub fn tag(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    /// Whether `signature` is the MAC of `parts`. A signature of any other
    /// length than 32 bytes (including empty) never matches.
    pub fn matches(&self, parts: &[&[u8]], signature: &[u8]) -> bool {
        constant_time_eq(&self.tag(parts), signature)
    }
}

/// The claim of a scheme that sends HMAC-SHA256(secret, raw body) in one
/// header (Kaunt, Smart KYC): the body and the MAC the header decodes to.
#[derive(Debug)]
pub struct BodyMacClaim<'r> {
    body: &'r [u8],
    signature: Vec<u8>,
}

impl<'r> BodyMacClaim<'r> {
    /// Reads `header` (exactly once) and decodes it with `decode`, whose
    /// failure is reported as not `encoding`.
    pub fn read(
        delivery: &Delivery<'r>,
        header: &'static str,
        decode: fn(&str) -> Option<Vec<u8>>,
        encoding: &'static str,
    ) -> Result<Self, ReceiveError> {
        let text = delivery.required_header(header)?;
        let signature = decode(text).ok_or(VerifyError::BadEncoding(encoding))?;
        Ok(BodyMacClaim {
            body: delivery.body,
            signature,
        })
    }

    /// Whether `key` made this MAC of the body.
    pub fn verify(&self, key: &HmacKey) -> bool {
        key.matches(&[self.body], &self.signature)
    }
}

/// A body signed as Kaunt and Smart KYC sign it: the hex HMAC-SHA256 of the
/// body in `header`, lowercase, as their examples show.
#[cfg(any(test, feature = "signing"))]
pub(crate) fn sign_body_in_header<S: super::Scheme<Key = HmacKey>>(
    scheme: &S,
    key: &str,
    input: &[u8],
    header: &'static str,
) -> Result<crate::signing::SignedDelivery, crate::signing::SigningError> {
    let key = crate::signing::signing_key(scheme, key)?;
    let signature = crate::encoding::encode_hex(&key.tag(&[input]));
    Ok(crate::signing::SignedDelivery {
        body: input.to_vec(),
        headers: vec![(header, signature)],
    })
}
