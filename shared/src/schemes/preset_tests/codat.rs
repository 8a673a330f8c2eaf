//! Codat, which sends through Svix: Standard Webhooks, in `webhook-*` or
//! `svix-*` headers, never a mix.

use super::preset;
use crate::error::{ReceiveError, VerifyError};
use crate::schemes::test_support::{check, headers, is_malformed, refusal};
use crate::schemes::Scheme;

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
    check(&preset("codat"), SECRET, body.as_bytes(), &headers(&pairs), now)
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
        VerifyError::MissingHeader("webhook-signature".to_owned())
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
    // Neither is a signature: the list holds none.
    let truncated = &SIGNATURE[..SIGNATURE.len() - 8];
    for unreadable in ["v1,", truncated] {
        assert!(matches!(
            refusal(run(&standard(unreadable), BODY, TIMESTAMP)),
            VerifyError::BadEncoding(_)
        ));
    }
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
        &preset("codat"),
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
            VerifyError::MissingHeader(missing.to_owned())
        );
    }
    let mut doubled = standard(SIGNATURE);
    doubled.push(("webhook-id", ID.to_owned()));
    assert_eq!(
        refusal(run(&doubled, BODY, TIMESTAMP)),
        VerifyError::DuplicateHeader("webhook-id".to_owned())
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
    let message = crate::schemes::signing::Message { id, timestamp };
    let signed = crate::schemes::signing::Sign::sign(&preset("codat"), SECRET, body.as_bytes(), &message).unwrap();
    signed
        .headers
        .into_iter()
        .find(|(name, _)| name == "webhook-signature")
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
    assert_eq!(refusal(run(&resplit, "5", TIMESTAMP)), VerifyError::Ambiguous);
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
        assert!(
            matches!(
                refusal(run(&standard(&joined), BODY, TIMESTAMP)),
                VerifyError::BadEncoding(_)
            ),
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
    assert!(check(&preset("codat"), bare, BODY.as_bytes(), &headers(&pairs), TIMESTAMP).is_ok());
    assert!(preset("codat").parse_key("whsec_not*base64").is_err());
    assert!(preset("codat").parse_key("whsec_").is_err());
}
