//! Whichever provider's scheme `PROVIDER` names, as one type.
//!
//! The receiver binary serves every provider. Over this enum its pipeline
//! (the key cache, the queue, the quarantine, the answers) is compiled
//! once rather than once per scheme, and only the schemes' own steps are
//! chosen at run time, by a `match` per step (docs/choices.md, "One
//! receiver for every provider"). Two schemes are code (their signatures
//! live in the body); every other provider is a [`Described`] scheme.

use super::delivery::Delivery;
use super::described::Described;
use super::kravia::Kravia;
use super::receeve::Receeve;
use super::scheme::{EventFacts, Scheme};
use crate::error::ReceiveError;

/// Declares [`AnyScheme`], its key and claim types, and their [`Scheme`]
/// implementation, one variant per kind of scheme.
macro_rules! any_scheme {
    ($($variant:ident: $scheme:ty),+ $(,)?) => {
        /// One provider's scheme, chosen at run time. Made once per
        /// process, so a described scheme's size costs nothing per request.
        #[derive(Debug, Clone)]
        #[allow(clippy::large_enum_variant)]
        pub enum AnyScheme {
            $(
                #[doc = concat!("[`", stringify!($scheme), "`]'s.")]
                $variant($scheme),
            )+
        }

        /// A key of whichever scheme parsed it.
        pub enum AnyKey {
            $(
                #[doc = concat!("[`", stringify!($scheme), "`]'s.")]
                $variant(<$scheme as Scheme>::Key),
            )+
        }

        /// A claim of whichever scheme read it.
        pub enum AnyClaim<'r> {
            $(
                #[doc = concat!("[`", stringify!($scheme), "`]'s.")]
                $variant(<$scheme as Scheme>::Claim<'r>),
            )+
        }

        impl Scheme for AnyScheme {
            type Key = AnyKey;
            type Claim<'r> = AnyClaim<'r>;

            fn provider(&self) -> &str {
                match self {
                    $(AnyScheme::$variant(scheme) => scheme.provider(),)+
                }
            }

            fn signature_headers(&self) -> &[String] {
                match self {
                    $(AnyScheme::$variant(scheme) => scheme.signature_headers(),)+
                }
            }

            fn unsigned_headers(&self) -> &[String] {
                match self {
                    $(AnyScheme::$variant(scheme) => scheme.unsigned_headers(),)+
                }
            }

            fn handshakes(&self) -> &[crate::schemes::handshake::Handshake] {
                match self {
                    $(AnyScheme::$variant(scheme) => scheme.handshakes(),)+
                }
            }

            fn mac(&self, key: &AnyKey, message: &[u8]) -> Option<Vec<u8>> {
                match (self, key) {
                    $((AnyScheme::$variant(scheme), AnyKey::$variant(key)) => scheme.mac(key, message),)+
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }

            fn parse_key(&self, text: &str) -> Result<AnyKey, String> {
                match self {
                    $(AnyScheme::$variant(scheme) => scheme.parse_key(text).map(AnyKey::$variant),)+
                }
            }

            fn claim<'r>(&self, delivery: &Delivery<'r>) -> Result<AnyClaim<'r>, ReceiveError> {
                match self {
                    $(AnyScheme::$variant(scheme) => scheme.claim(delivery).map(AnyClaim::$variant),)+
                }
            }

            /// A key parsed by another scheme verifies nothing (a receiver
            /// only ever holds keys its own scheme parsed).
            fn verify(&self, claim: &AnyClaim<'_>, key: &AnyKey) -> bool {
                match (self, claim, key) {
                    $((AnyScheme::$variant(scheme), AnyClaim::$variant(claim), AnyKey::$variant(key)) => {
                        scheme.verify(claim, key)
                    })+
                    _ => false,
                }
            }

            fn describe(&self, claim: &AnyClaim<'_>, body: &[u8]) -> Result<EventFacts, ReceiveError> {
                match (self, claim) {
                    $((AnyScheme::$variant(scheme), AnyClaim::$variant(claim)) => scheme.describe(claim, body),)+
                    _ => Err(ReceiveError::Malformed("a claim read by another scheme")),
                }
            }
        }

        #[cfg(any(test, feature = "signing"))]
        impl crate::schemes::signing::Sign for AnyScheme {
            fn sign(
                &self,
                key: &str,
                input: &[u8],
                message: &crate::schemes::signing::Message<'_>,
            ) -> Result<crate::schemes::signing::SignedDelivery, crate::schemes::signing::SigningError> {
                match self {
                    $(AnyScheme::$variant(scheme) => scheme.sign(key, input, message),)+
                }
            }
        }
    };
}

any_scheme!(
    Kravia: Kravia,
    Receeve: Receeve,
    Described: Described,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::presets::{Preset, PRESETS};
    use crate::schemes::test_support::{check, headers, NOW};

    fn preset(name: &str) -> AnyScheme {
        Preset::named(name).unwrap().scheme(|_| None).unwrap()
    }

    #[test]
    fn every_preset_is_served_under_its_own_name() {
        for each in PRESETS {
            let lookup = |name: &str| (name == "SIGNED_URL").then(|| "https://example.com/hook".to_owned());
            assert_eq!(each.scheme(lookup).unwrap().provider(), each.name);
        }
    }

    #[test]
    fn keys_and_claims_of_another_scheme_verify_nothing() {
        // printf '%s' "$BODY" | openssl dgst -sha256 -hmac kaunt-test-secret
        let body = br#"{"Id":"2125d21e-49a3-44fe-bc2e-a74e4fbba446","TenantId":"a9f76627-30b0-4ea4-915e-882b6f5f189e","EventType":"ModelReady"}"#;
        let signature = "334ef0322e957d4d1bb2b8a073496b71edbbd1ce2d8120e34905854fa4b77f55";
        let sent = headers(&[("x-signature-sha256", signature)]);
        let (kaunt, kravia) = (preset("kaunt"), preset("kravia"));
        assert!(check(&kaunt, "kaunt-test-secret", body, &sent, NOW).is_ok());
        let delivery = Delivery {
            body,
            headers: &sent,
            tenant: None,
            now: crate::schemes::test_support::system_time(NOW),
            timestamp_tolerance: None,
        };
        let claim = kaunt.claim(&delivery).unwrap();
        let kravia_key = kravia.parse_key("kaunt-test-secret").unwrap();
        assert!(!kaunt.verify(&claim, &kravia_key));
        assert!(!kravia.verify(&claim, &kravia_key));
        assert!(kravia.describe(&claim, body).is_err());
    }
}
