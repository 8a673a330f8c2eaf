//! Whichever provider's scheme `PROVIDER` names, as one type.
//!
//! The receiver binary serves every provider. Generic over five schemes,
//! its pipeline (the key cache, the queue, the quarantine, the answers)
//! would be compiled five times, which made the one binary 4 % larger than
//! a per-provider one; over this enum it is compiled once, and only the
//! schemes' own steps are chosen at run time, by a `match` per step.

use super::{Codat, EventFacts, Kaunt, Kravia, Receeve, Scheme, SmartKyc};
use crate::delivery::Delivery;
use crate::error::ReceiveError;
use crate::provider::Provider;

/// Declares [`AnyScheme`], its key and claim types, and their [`Scheme`]
/// implementation, one variant per scheme; a new provider is one more
/// `Variant: Type` here.
macro_rules! any_scheme {
    ($($variant:ident: $scheme:ty),+ $(,)?) => {
        /// One provider's scheme, chosen at run time.
        #[derive(Debug, Clone, Copy)]
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

        impl AnyScheme {
            /// `provider`'s scheme: the one place that says which scheme
            /// each provider uses.
            pub fn for_provider(provider: Provider) -> AnyScheme {
                match provider {
                    $(Provider::$variant => AnyScheme::$variant(<$scheme>::default()),)+
                }
            }
        }

        impl Scheme for AnyScheme {
            type Key = AnyKey;
            type Claim<'r> = AnyClaim<'r>;

            fn provider(&self) -> Provider {
                match self {
                    $(AnyScheme::$variant(scheme) => scheme.provider(),)+
                }
            }

            fn signature_headers(&self) -> &'static [&'static str] {
                match self {
                    $(AnyScheme::$variant(scheme) => scheme.signature_headers(),)+
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
        impl crate::signing::Sign for AnyScheme {
            fn sign(
                &self,
                key: &str,
                input: &[u8],
                message: &crate::signing::Message<'_>,
            ) -> Result<crate::signing::SignedDelivery, crate::signing::SigningError> {
                match self {
                    $(AnyScheme::$variant(scheme) => scheme.sign(key, input, message),)+
                }
            }
        }
    };
}

any_scheme!(
    Kravia: Kravia,
    Kaunt: Kaunt,
    Receeve: Receeve,
    SmartKyc: SmartKyc,
    Codat: Codat,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::test_support::{check, headers, NOW};

    #[test]
    fn every_provider_is_served_by_its_own_scheme() {
        for provider in Provider::ALL {
            assert_eq!(AnyScheme::for_provider(provider).provider(), provider);
        }
    }

    #[test]
    fn a_delivery_verifies_through_the_enum_as_through_its_scheme() {
        // printf '%s' "$BODY" | openssl dgst -sha256 -hmac kaunt-test-secret
        let body = br#"{"Id":"2125d21e-49a3-44fe-bc2e-a74e4fbba446","TenantId":"a9f76627-30b0-4ea4-915e-882b6f5f189e","EventType":"ModelReady"}"#;
        let signature = "334ef0322e957d4d1bb2b8a073496b71edbbd1ce2d8120e34905854fa4b77f55";
        let sent = headers(&[("x-signature-sha256", signature)]);
        let any = AnyScheme::for_provider(Provider::Kaunt);
        let through_enum = check(&any, "kaunt-test-secret", body, &sent, NOW).unwrap();
        assert_eq!(
            through_enum,
            check(&Kaunt, "kaunt-test-secret", body, &sent, NOW).unwrap()
        );
        let smartkyc = AnyScheme::for_provider(Provider::SmartKyc);
        assert!(check(&smartkyc, "kaunt-test-secret", body, &sent, NOW).is_err());
    }

    #[test]
    fn keys_and_claims_of_another_scheme_verify_nothing() {
        let kaunt = AnyScheme::for_provider(Provider::Kaunt);
        let codat = AnyScheme::for_provider(Provider::Codat);
        let body = b"{}";
        let sent = headers(&[("x-signature-sha256", &"0".repeat(64))]);
        let delivery = Delivery {
            body,
            headers: &sent,
            now: crate::schemes::test_support::system_time(NOW),
            timestamp_tolerance: std::time::Duration::from_secs(300),
        };
        let claim = kaunt.claim(&delivery).unwrap();
        let codat_key = codat.parse_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        assert!(!kaunt.verify(&claim, &codat_key));
        assert!(!codat.verify(&claim, &codat_key));
        assert!(codat.describe(&claim, body).is_err());
    }
}
