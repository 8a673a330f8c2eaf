//! The algorithms, signature encodings and key forms a description may
//! name: only what the crypto we already link does, each checked against
//! the others when the description is read.

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{
    ParsedPublicKey, ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_FIXED, ED25519, RSA_PKCS1_2048_8192_SHA256,
};

use super::error::DescriptionError;
use crate::codec::constant_time::constant_time_eq;
use crate::codec::encoding::{decode_base64, decode_base64url, decode_hex};
use crate::codec::pem::decode_pem;

/// A signature algorithm. There is no "none": a description always names
/// one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// HMAC with SHA-1 (20-byte MACs): still what some providers send.
    HmacSha1,
    /// HMAC with SHA-256 (32 bytes).
    HmacSha256,
    /// HMAC with SHA-512 (64 bytes).
    HmacSha512,
    /// Ed25519 (64-byte signatures).
    Ed25519,
    /// RSA PKCS#1 v1.5 with SHA-256, 2048- to 8192-bit keys.
    RsaPkcs1Sha256,
    /// ECDSA P-256 with SHA-256, DER or fixed-width `r||s` signatures.
    EcdsaP256Sha256,
}

impl Algorithm {
    /// Every algorithm, by the name a description uses.
    const NAMED: [(&'static str, Algorithm); 6] = [
        ("hmac-sha1", Algorithm::HmacSha1),
        ("hmac-sha256", Algorithm::HmacSha256),
        ("hmac-sha512", Algorithm::HmacSha512),
        ("ed25519", Algorithm::Ed25519),
        ("rsa-pkcs1-sha256", Algorithm::RsaPkcs1Sha256),
        ("ecdsa-p256-sha256", Algorithm::EcdsaP256Sha256),
    ];

    /// The algorithm a description names.
    pub fn named(name: &str) -> Result<Algorithm, DescriptionError> {
        Self::NAMED
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, algorithm)| *algorithm)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::NAMED.iter().map(|(known, _)| *known).collect();
                DescriptionError::new(format!(
                    "algorithm {name:?} is not one of {}: a described scheme always verifies a signature",
                    names.join(", ")
                ))
            })
    }

    /// Its name in a description.
    pub fn name(self) -> &'static str {
        Self::NAMED
            .iter()
            .find(|(_, algorithm)| *algorithm == self)
            .map_or("", |(name, _)| name)
    }

    /// Whether its keys are HMAC keys, which can make a handshake's HMAC.
    pub fn is_hmac(self) -> bool {
        matches!(
            self,
            Algorithm::HmacSha1 | Algorithm::HmacSha256 | Algorithm::HmacSha512
        )
    }

    /// How long every signature is, when that is fixed: a decoding of any
    /// other length is not this algorithm's signature.
    pub fn signature_len(self) -> Option<usize> {
        match self {
            Algorithm::HmacSha1 => Some(20),
            Algorithm::HmacSha256 => Some(32),
            Algorithm::HmacSha512 | Algorithm::Ed25519 => Some(64),
            Algorithm::RsaPkcs1Sha256 | Algorithm::EcdsaP256Sha256 => None,
        }
    }

    /// The key forms that can hold this algorithm's key.
    pub fn key_forms(self) -> &'static [KeyForm] {
        match self {
            Algorithm::HmacSha1 | Algorithm::HmacSha256 | Algorithm::HmacSha512 => {
                &[KeyForm::Text, KeyForm::Base64, KeyForm::Hex]
            }
            Algorithm::Ed25519 => &[KeyForm::Base64, KeyForm::Hex, KeyForm::Pem],
            Algorithm::RsaPkcs1Sha256 | Algorithm::EcdsaP256Sha256 => &[KeyForm::Pem, KeyForm::Base64],
        }
    }

    /// Reads a key written in `form` (already checked to suit this
    /// algorithm). The error never repeats the text.
    pub fn parse_key(self, form: KeyForm, text: &str) -> Result<KeyMaterial, String> {
        let bytes = form.bytes(text)?;
        let public = |algorithm| {
            ParsedPublicKey::new(algorithm, &bytes).map_err(|_| format!("the key is not an {} public key", self.name()))
        };
        Ok(match self {
            Algorithm::HmacSha1 => KeyMaterial::Hmac(hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, &bytes)),
            Algorithm::HmacSha256 => KeyMaterial::Hmac(hmac::Key::new(hmac::HMAC_SHA256, &bytes)),
            Algorithm::HmacSha512 => KeyMaterial::Hmac(hmac::Key::new(hmac::HMAC_SHA512, &bytes)),
            Algorithm::Ed25519 => KeyMaterial::Public(public(&ED25519)?),
            Algorithm::RsaPkcs1Sha256 => KeyMaterial::Public(public(&RSA_PKCS1_2048_8192_SHA256)?),
            Algorithm::EcdsaP256Sha256 => KeyMaterial::Ecdsa {
                der: public(&ECDSA_P256_SHA256_ASN1)?,
                fixed: public(&ECDSA_P256_SHA256_FIXED)?,
            },
        })
    }
}

/// How a signature is written in its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Hex, in either case.
    Hex,
    /// Standard base64, padded or not.
    Base64,
    /// URL-safe base64, padded or not.
    Base64Url,
}

impl Encoding {
    /// The encoding a description names.
    pub fn named(name: &str) -> Result<Encoding, DescriptionError> {
        match name {
            "hex" => Ok(Encoding::Hex),
            "base64" => Ok(Encoding::Base64),
            "base64url" => Ok(Encoding::Base64Url),
            other => Err(DescriptionError::new(format!(
                "encoding {other:?} is not hex, base64 or base64url"
            ))),
        }
    }

    /// The bytes `text` spells, if it is this encoding.
    pub fn decode(self, text: &str) -> Option<Vec<u8>> {
        match self {
            Encoding::Hex => decode_hex(text),
            Encoding::Base64 => decode_base64(text),
            Encoding::Base64Url => decode_base64url(text),
        }
    }

    /// `bytes` in this encoding: lowercase hex, padded standard base64,
    /// unpadded URL-safe base64.
    #[cfg(any(test, feature = "signing"))]
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Encoding::Hex => crate::codec::encoding::encode_hex(bytes),
            Encoding::Base64 => crate::codec::encoding::encode_base64(bytes),
            Encoding::Base64Url => crate::codec::encoding::encode_base64url(bytes),
        }
    }
}

/// How a key is written in the secret (after any prefix is stripped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyForm {
    /// The text's own bytes (most HMAC secrets: Stripe's `whsec_…` too).
    Text,
    /// Standard base64 of the key's bytes (Standard Webhooks' secrets; a
    /// DER public key).
    Base64,
    /// Hex of the key's bytes.
    Hex,
    /// A PEM public key (`PUBLIC KEY`, or `RSA PUBLIC KEY`).
    Pem,
}

impl KeyForm {
    /// The key's bytes: never empty. The error never repeats the text.
    fn bytes(self, text: &str) -> Result<Vec<u8>, String> {
        let bytes = match self {
            KeyForm::Text => text.as_bytes().to_vec(),
            KeyForm::Base64 => decode_base64(text).ok_or("the key is not base64")?,
            KeyForm::Hex => decode_hex(text).ok_or("the key is not hex")?,
            KeyForm::Pem => decode_pem(text, &["PUBLIC KEY", "RSA PUBLIC KEY"])?,
        };
        if bytes.is_empty() {
            return Err("the key is empty".to_owned());
        }
        Ok(bytes)
    }

    /// The form a description names.
    pub fn named(name: &str) -> Result<KeyForm, DescriptionError> {
        match name {
            "text" => Ok(KeyForm::Text),
            "base64" => Ok(KeyForm::Base64),
            "hex" => Ok(KeyForm::Hex),
            "pem" => Ok(KeyForm::Pem),
            other => Err(DescriptionError::new(format!(
                "key form {other:?} is not text, base64, hex or pem"
            ))),
        }
    }
}

/// One parsed key. Its `Debug` shows no key material. (Parsed once per
/// secret fetch: its size costs nothing per request.)
#[allow(clippy::large_enum_variant)]
pub enum KeyMaterial {
    /// An HMAC key, its pads computed once: each request copies the state.
    /// aws-lc's: its assembly hashes at full speed whatever the profile's
    /// opt-level (BENCHMARKS.md, "Schemes as data", has the comparison).
    Hmac(hmac::Key),
    /// An Ed25519 or RSA public key.
    Public(ParsedPublicKey),
    /// A P-256 public key, for both signature encodings.
    Ecdsa {
        /// For DER signatures.
        der: ParsedPublicKey,
        /// For fixed-width `r||s` signatures.
        fixed: ParsedPublicKey,
    },
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeyMaterial::Hmac(_) => "KeyMaterial::Hmac([REDACTED])",
            KeyMaterial::Public(_) => "KeyMaterial::Public",
            KeyMaterial::Ecdsa { .. } => "KeyMaterial::Ecdsa",
        })
    }
}

impl KeyMaterial {
    /// The HMAC of `message`, for an HMAC key; `None` for a public key.
    pub fn mac(&self, message: &[u8]) -> Option<Vec<u8>> {
        match self {
            KeyMaterial::Hmac(key) => Some(hmac::sign(key, message).as_ref().to_vec()),
            KeyMaterial::Public(_) | KeyMaterial::Ecdsa { .. } => None,
        }
    }

    /// Whether any of `signatures` is this key's over the concatenation of
    /// `parts`. An HMAC is computed once and compared with every candidate
    /// in constant time, without stopping at a match.
    pub fn verifies<'a, 's>(
        &self,
        parts: impl Iterator<Item = &'a [u8]>,
        mut signatures: impl Iterator<Item = &'s [u8]>,
    ) -> bool {
        match self {
            KeyMaterial::Hmac(key) => {
                let mut context = hmac::Context::with_key(key);
                for part in parts {
                    context.update(part);
                }
                let tag = context.sign();
                signatures.fold(false, |found, signature| {
                    found | constant_time_eq(tag.as_ref(), signature)
                })
            }
            KeyMaterial::Public(key) => {
                let message = concatenated(parts);
                signatures.any(|signature| key.verify_sig(&message, signature).is_ok())
            }
            KeyMaterial::Ecdsa { der, fixed } => {
                let message = concatenated(parts);
                signatures.any(|signature| {
                    der.verify_sig(&message, signature).is_ok() || fixed.verify_sig(&message, signature).is_ok()
                })
            }
        }
    }
}

/// The parts as one message, for the public-key algorithms, which take it
/// whole.
fn concatenated<'a>(parts: impl Iterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut message = Vec::new();
    for part in parts {
        message.extend_from_slice(part);
    }
    message
}

/// Signs `message` as the provider would: with the HMAC key as the
/// receiver's secret holds it (in `form`), or with a PKCS#8 PEM private key
/// for the public-key algorithms.
#[cfg(any(test, feature = "signing"))]
pub fn sign(algorithm: Algorithm, form: KeyForm, key: &str, message: &[u8]) -> Result<Vec<u8>, String> {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{
        EcdsaKeyPair, Ed25519KeyPair, RsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING, RSA_PKCS1_SHA256,
    };

    let hmac_with = |algorithm| -> Result<Vec<u8>, String> {
        let key = hmac::Key::new(algorithm, &form.bytes(key)?);
        Ok(hmac::sign(&key, message).as_ref().to_vec())
    };
    let private = || decode_pem(key, &["PRIVATE KEY"]);
    let refused = |_| format!("the key is not an {} PKCS#8 private key", algorithm.name());
    match algorithm {
        Algorithm::HmacSha1 => hmac_with(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY),
        Algorithm::HmacSha256 => hmac_with(hmac::HMAC_SHA256),
        Algorithm::HmacSha512 => hmac_with(hmac::HMAC_SHA512),
        Algorithm::Ed25519 => {
            let pair = Ed25519KeyPair::from_pkcs8(&private()?).map_err(refused)?;
            Ok(pair.sign(message).as_ref().to_vec())
        }
        Algorithm::RsaPkcs1Sha256 => {
            let pair = RsaKeyPair::from_pkcs8(&private()?).map_err(refused)?;
            let mut signature = vec![0; pair.public_modulus_len()];
            pair.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut signature)
                .map_err(|_| "RSA signing failed".to_owned())?;
            Ok(signature)
        }
        Algorithm::EcdsaP256Sha256 => {
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &private()?).map_err(refused)?;
            pair.sign(&SystemRandom::new(), message)
                .map(|signature| signature.as_ref().to_vec())
                .map_err(|_| "ECDSA signing failed".to_owned())
        }
    }
}
