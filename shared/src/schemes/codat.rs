//! Codat, which sends through Svix: Standard Webhooks.
//!
//! The MAC is HMAC-SHA256 over `{id}.{timestamp}.{raw body}` keyed with the
//! base64 bytes after the secret's `whsec_` prefix. Headers are `webhook-*`
//! or, from Svix, `svix-*`: one family is used for all three, never a mix.
//! The signature header is a space-separated list of `v1,<base64>` entries;
//! any one that matches passes, other versions are skipped. A `v1` entry
//! that isn't base64 makes the whole header unreadable (401): no sender
//! writes one, but a repeated header that HTTP APIs and function URLs join
//! with a comma looks like one. A timestamp further than the tolerance from
//! now, either way, is refused like a bad signature: that is what stops a
//! captured delivery from being replayed.
//!
//! The message id may not contain a `.`: the signed content joins id,
//! timestamp and body with dots, and with a dotted id a body that is a bare
//! number could be split another way (id `x.1700000000`, timestamp and
//! body from the original body's digits), making a different delivery from
//! the same signature. Without dots in the id the split is unique. Svix's
//! ids (`msg_…`) never have one.

use std::time::{Duration, UNIX_EPOCH};

use super::hmac_sha256::HmacKey;
use super::{EventFacts, Scheme};
use crate::constant_time::constant_time_eq;
use crate::delivery::Delivery;
use crate::encoding::decode_base64;
use crate::error::{ReceiveError, VerifyError};
use crate::json::reader::{string_field, TopLevel};
use crate::provider::Provider;

/// Codat's scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Codat;

/// A Codat request's claim: the signed parts and the candidate signatures.
#[derive(Debug)]
pub struct CodatClaim<'r> {
    id: &'r str,
    timestamp: &'r str,
    body: &'r [u8],
    signatures: Vec<Vec<u8>>,
}

/// The three header names of one family.
struct HeaderNames {
    id: &'static str,
    timestamp: &'static str,
    signature: &'static str,
}

const STANDARD: HeaderNames = HeaderNames {
    id: "webhook-id",
    timestamp: "webhook-timestamp",
    signature: "webhook-signature",
};

const SVIX: HeaderNames = HeaderNames {
    id: "svix-id",
    timestamp: "svix-timestamp",
    signature: "svix-signature",
};

impl Scheme for Codat {
    type Key = HmacKey;
    type Claim<'r> = CodatClaim<'r>;

    fn provider(&self) -> Provider {
        Provider::Codat
    }

    fn signature_headers(&self) -> &'static [&'static str] {
        &[
            STANDARD.id,
            STANDARD.timestamp,
            STANDARD.signature,
            SVIX.id,
            SVIX.timestamp,
            SVIX.signature,
        ]
    }

    fn parse_key(&self, text: &str) -> Result<HmacKey, String> {
        let encoded = text.strip_prefix("whsec_").unwrap_or(text);
        let key = decode_base64(encoded).ok_or("the key is not whsec_ followed by base64")?;
        HmacKey::new(&key)
    }

    fn claim<'r>(&self, delivery: &Delivery<'r>) -> Result<CodatClaim<'r>, ReceiveError> {
        let names = if [STANDARD.id, STANDARD.timestamp, STANDARD.signature]
            .iter()
            .any(|name| delivery.headers.contains_key(*name))
        {
            STANDARD
        } else {
            SVIX
        };
        let id = delivery.required_header(names.id)?;
        if id.is_empty() {
            return Err(VerifyError::MissingHeader(names.id).into());
        }
        if id.contains('.') {
            return Err(VerifyError::DottedMessageId.into());
        }
        let timestamp = delivery.required_header(names.timestamp)?;
        check_timestamp(timestamp, delivery)?;
        let header = delivery.required_header(names.signature)?;
        let unreadable = VerifyError::BadEncoding("v1,<base64> signature list");
        let signatures: Vec<Vec<u8>> = header
            .split_whitespace()
            .filter_map(|entry| entry.strip_prefix("v1,"))
            .map(|signature| decode_base64(signature).ok_or(unreadable.clone()))
            .collect::<Result<_, _>>()?;
        if signatures.is_empty() {
            return Err(unreadable.into());
        }
        Ok(CodatClaim {
            id,
            timestamp,
            body: delivery.body,
            signatures,
        })
    }

    fn verify(&self, claim: &CodatClaim<'_>, key: &HmacKey) -> bool {
        let expected = key.tag(&[claim.id.as_bytes(), b".", claim.timestamp.as_bytes(), b".", claim.body]);
        claim
            .signatures
            .iter()
            .fold(false, |found, signature| found | constant_time_eq(&expected, signature))
    }

    fn describe(&self, claim: &CodatClaim<'_>, body: &[u8]) -> Result<EventFacts, ReceiveError> {
        // Any JSON is accepted; only an object can name its type.
        let event_type = match string_field(body, "eventType")? {
            TopLevel::Object(event_type) => event_type,
            TopLevel::NotObject => None,
        };
        Ok(EventFacts {
            event_type,
            event_id: Some(claim.id.to_owned()),
            signed_payload: None,
        })
    }
}

/// Refuses a timestamp that isn't whole Unix seconds or is too far from now.
fn check_timestamp(timestamp: &str, delivery: &Delivery<'_>) -> Result<(), VerifyError> {
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::BadTimestamp);
    }
    let signed_at = timestamp
        .parse::<u64>()
        .ok()
        .and_then(|secs| UNIX_EPOCH.checked_add(Duration::from_secs(secs)))
        .ok_or(VerifyError::BadTimestamp)?;
    let distance = match delivery.now.duration_since(signed_at) {
        Ok(age) => age,
        Err(ahead) => ahead.duration(),
    };
    if distance > delivery.timestamp_tolerance {
        return Err(VerifyError::StaleTimestamp(distance.as_secs()));
    }
    Ok(())
}

/// One `v1,<base64>` signature, in the `webhook-*` headers.
#[cfg(any(test, feature = "signing"))]
impl crate::signing::Sign for Codat {
    fn sign(
        &self,
        key: &str,
        input: &[u8],
        message: &crate::signing::Message<'_>,
    ) -> Result<crate::signing::SignedDelivery, crate::signing::SigningError> {
        let key = crate::signing::signing_key(self, key)?;
        let timestamp = message.timestamp.to_string();
        let tag = key.tag(&[message.id.as_bytes(), b".", timestamp.as_bytes(), b".", input]);
        Ok(crate::signing::SignedDelivery {
            body: input.to_vec(),
            headers: vec![
                (STANDARD.id, message.id.to_owned()),
                (STANDARD.timestamp, timestamp),
                (
                    STANDARD.signature,
                    format!("v1,{}", crate::encoding::encode_base64(&tag)),
                ),
            ],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::test_support::{check, headers, is_malformed, refusal};

    // The vector Codat's and Svix's documents publish.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: u64 = 1_614_265_330;
    const BODY: &str = r#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn standard(signature: &str) -> Vec<(&'static str, String)> {
        vec![
            ("webhook-id", ID.to_owned()),
            ("webhook-timestamp", TIMESTAMP.to_string()),
            ("webhook-signature", signature.to_owned()),
        ]
    }

    fn run(pairs: &[(&str, String)], body: &str, now: u64) -> Result<crate::schemes::Verified, ReceiveError> {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        check(&Codat, SECRET, body.as_bytes(), &headers(&pairs), now)
    }

    #[test]
    fn published_vector_verifies_with_the_clock_at_its_timestamp() {
        let verified = run(&standard(SIGNATURE), BODY, TIMESTAMP).unwrap();
        assert_eq!(verified.facts.event_id.as_deref(), Some(ID));
        assert_eq!(verified.facts.event_type, None);
    }

    #[test]
    fn svix_header_names_work_too() {
        let svix: Vec<(&str, String)> = standard(SIGNATURE)
            .into_iter()
            .map(|(name, value)| (name.replacen("webhook", "svix", 1).leak() as &str, value))
            .collect();
        assert!(run(&svix, BODY, TIMESTAMP).is_ok());
    }

    #[test]
    fn a_family_is_never_mixed() {
        let mut mixed = standard(SIGNATURE);
        mixed.retain(|(name, _)| *name != "webhook-signature");
        mixed.push(("svix-signature", SIGNATURE.to_owned()));
        assert_eq!(
            refusal(run(&mixed, BODY, TIMESTAMP)),
            VerifyError::MissingHeader("webhook-signature")
        );
    }

    #[test]
    fn extra_headers_are_ignored_and_webhook_names_win_over_svix_names() {
        let mut pairs = standard(SIGNATURE);
        pairs.push(("authorization", "Bearer x".to_owned()));
        pairs.push(("svix-id", "msg_other".to_owned()));
        pairs.push(("svix-timestamp", "1".to_owned()));
        pairs.push(("svix-signature", "v1,AAAA".to_owned()));
        let verified = run(&pairs, BODY, TIMESTAMP).unwrap();
        assert_eq!(verified.facts.event_id.as_deref(), Some(ID));
    }

    #[test]
    fn any_matching_entry_of_several_passes_and_other_versions_are_skipped() {
        let list = format!("v1,bm90IGl0 v2,abc v1a,{} {SIGNATURE}", &SIGNATURE[3..]);
        assert!(run(&standard(&list), BODY, TIMESTAMP).is_ok());
        let only_other_versions = format!("v2,{}", &SIGNATURE[3..]);
        assert!(matches!(
            refusal(run(&standard(&only_other_versions), BODY, TIMESTAMP)),
            VerifyError::BadEncoding(_)
        ));
    }

    #[test]
    fn empty_and_truncated_signatures_never_pass() {
        assert!(matches!(
            refusal(run(&standard("v1,"), BODY, TIMESTAMP)),
            VerifyError::Mismatch
        ));
        let truncated = &SIGNATURE[..SIGNATURE.len() - 8];
        assert_eq!(
            refusal(run(&standard(truncated), BODY, TIMESTAMP)),
            VerifyError::Mismatch
        );
    }

    #[test]
    fn tampered_body_id_or_timestamp_is_refused() {
        assert_eq!(
            refusal(run(&standard(SIGNATURE), r#"{"test": 2432232315}"#, TIMESTAMP)),
            VerifyError::Mismatch
        );
        let mut other_id = standard(SIGNATURE);
        other_id[0].1 = "msg_other".to_owned();
        assert_eq!(refusal(run(&other_id, BODY, TIMESTAMP)), VerifyError::Mismatch);
        let mut other_time = standard(SIGNATURE);
        other_time[1].1 = (TIMESTAMP + 1).to_string();
        assert_eq!(refusal(run(&other_time, BODY, TIMESTAMP)), VerifyError::Mismatch);
    }

    #[test]
    fn wrong_key_is_refused() {
        let pairs: Vec<(&str, String)> = standard(SIGNATURE);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let result = check(
            &Codat,
            "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            BODY.as_bytes(),
            &headers(&pairs),
            TIMESTAMP,
        );
        assert_eq!(refusal(result), VerifyError::Mismatch);
    }

    #[test]
    fn timestamps_outside_the_tolerance_are_refused_both_ways() {
        assert!(run(&standard(SIGNATURE), BODY, TIMESTAMP + 300).is_ok());
        assert!(run(&standard(SIGNATURE), BODY, TIMESTAMP - 300).is_ok());
        assert_eq!(
            refusal(run(&standard(SIGNATURE), BODY, TIMESTAMP + 301)),
            VerifyError::StaleTimestamp(301)
        );
        assert_eq!(
            refusal(run(&standard(SIGNATURE), BODY, TIMESTAMP - 301)),
            VerifyError::StaleTimestamp(301)
        );
    }

    #[test]
    fn missing_duplicated_and_malformed_headers_are_refused() {
        for missing in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
            let mut pairs = standard(SIGNATURE);
            pairs.retain(|(name, _)| *name != missing);
            assert_eq!(
                refusal(run(&pairs, BODY, TIMESTAMP)),
                VerifyError::MissingHeader(missing)
            );
        }
        let mut doubled = standard(SIGNATURE);
        doubled.push(("webhook-id", ID.to_owned()));
        assert_eq!(
            refusal(run(&doubled, BODY, TIMESTAMP)),
            VerifyError::DuplicateHeader("webhook-id")
        );
        for bad in ["", "-5", "1614265330.5", "0x10", "99999999999999999999999"] {
            let mut pairs = standard(SIGNATURE);
            pairs[1].1 = bad.to_owned();
            assert_eq!(
                refusal(run(&pairs, BODY, TIMESTAMP)),
                VerifyError::BadTimestamp,
                "{bad:?}"
            );
        }
    }

    /// A `v1,<base64>` signature of `body` as Codat's sender makes it.
    fn tag(id: &str, timestamp: u64, body: &str) -> String {
        let message = crate::signing::Message { id, timestamp };
        let signed = crate::signing::Sign::sign(&Codat, SECRET, body.as_bytes(), &message).unwrap();
        signed
            .headers
            .into_iter()
            .find(|(name, _)| *name == STANDARD.signature)
            .unwrap()
            .1
    }

    #[test]
    fn signed_content_cannot_be_split_another_way() {
        // A genuine delivery whose body is a bare number that starts with
        // a timestamp, then the same signed bytes split at other dots.
        let body = format!("{}.5", TIMESTAMP + 1);
        let signature = tag("msg_x", TIMESTAMP, &body);
        let genuine = vec![
            ("webhook-id", "msg_x".to_owned()),
            ("webhook-timestamp", TIMESTAMP.to_string()),
            ("webhook-signature", signature.clone()),
        ];
        assert!(run(&genuine, &body, TIMESTAMP).is_ok());
        let resplit = vec![
            ("webhook-id", format!("msg_x.{TIMESTAMP}")),
            ("webhook-timestamp", (TIMESTAMP + 1).to_string()),
            ("webhook-signature", signature),
        ];
        assert_eq!(refusal(run(&resplit, "5", TIMESTAMP)), VerifyError::DottedMessageId);
    }

    #[test]
    fn a_repeated_signature_header_joined_by_a_comma_is_refused() {
        // HTTP APIs and function URLs join a repeated header's values with
        // commas: the entry that holds the join is not base64.
        for joined in [
            format!("{SIGNATURE},{SIGNATURE}"),
            format!("v1,bm90IGl0 {SIGNATURE},v1,bm90IGl0"),
            format!("{SIGNATURE} v1,bm90IGl0,v1,bm90IGl0"),
        ] {
            assert_eq!(
                refusal(run(&standard(&joined), BODY, TIMESTAMP)),
                VerifyError::BadEncoding("v1,<base64> signature list"),
                "{joined}"
            );
        }
    }

    #[test]
    fn event_type_is_read_from_the_body() {
        let body = r#"{"eventType":"invoices.write.successful","payload":{}}"#;
        let signature = tag(ID, TIMESTAMP, body);
        let verified = run(&standard(&signature), body, TIMESTAMP).unwrap();
        assert_eq!(verified.facts.event_type.as_deref(), Some("invoices.write.successful"));
    }

    #[test]
    fn an_id_too_long_for_the_envelope_is_malformed() {
        let id = "m".repeat(257);
        let mut pairs = standard(&tag(&id, TIMESTAMP, BODY));
        pairs[0].1 = id;
        assert!(is_malformed(&run(&pairs, BODY, TIMESTAMP)));
    }

    #[test]
    fn authentic_non_json_body_is_malformed() {
        let signature = tag(ID, TIMESTAMP, "plain text");
        assert!(is_malformed(&run(&standard(&signature), "plain text", TIMESTAMP)));
    }

    #[test]
    fn keys_with_and_without_prefix_are_the_same_and_bad_keys_are_refused() {
        let bare = SECRET.trim_start_matches("whsec_");
        let pairs = standard(SIGNATURE);
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert!(check(&Codat, bare, BODY.as_bytes(), &headers(&pairs), TIMESTAMP).is_ok());
        assert!(Codat.parse_key("whsec_not*base64").is_err());
        assert!(Codat.parse_key("whsec_").is_err());
    }
}
