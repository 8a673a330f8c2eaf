//! Only signed content reaches the queue. Genuine Kravia and receeve
//! deliveries (which sign part of their body) replayed with members the
//! signature doesn't cover, and what lands on the queue read back the way
//! a consumer in another language reads it.

use integration_tests::{requests, Fixture, Queued};
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use webhook_receiver::schemes::{Kravia, Receeve, Scheme};

use crate::answer;

/// An object's members in order, repeats and all, each as its text, as a
/// streaming parser meets them.
struct Ordered(Vec<(String, Box<RawValue>)>);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Ordered, M::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Ordered(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// Whether Go's `encoding/json` takes member `name` for struct field
/// `field` (ASCII names): `bytes.EqualFold`, Unicode simple folding, under
/// which an ASCII letter also matches its other case, `s` matches `ſ`
/// (U+017F) and `k` the Kelvin sign (U+212A).
fn go_matches(name: &str, field: &str) -> bool {
    let folds_to = |c: char, ascii: char| {
        c.eq_ignore_ascii_case(&ascii)
            || (ascii.eq_ignore_ascii_case(&'s') && c == '\u{17F}')
            || (ascii.eq_ignore_ascii_case(&'k') && c == '\u{212A}')
    };
    name.chars().count() == field.chars().count() && name.chars().zip(field.chars()).all(|(c, f)| folds_to(c, f))
}

/// Go's `encoding/json` filling struct field `field` from an object's
/// text: every member it matches is decoded in turn, so the last one wins.
fn go_field(object: &str, field: &str) -> Option<Box<RawValue>> {
    let Ordered(members) = serde_json::from_str(object).ok()?;
    members
        .into_iter()
        .filter(|(name, _)| go_matches(name, field))
        .map(|(_, value)| value)
        .next_back()
}

/// The queued message's text read as a Go consumer reads it: envelope,
/// payload, and the path of fields below it.
fn read_like_go(message: &Queued, path: &[&str]) -> Option<Value> {
    let payload = go_field(&message.body, "payload")?;
    let value = path
        .iter()
        .try_fold(payload, |value, field| go_field(value.get(), field))?;
    serde_json::from_str(value.get()).ok()
}

/// A member put first in `body`, as a replayer adding it would.
fn with_member(body: &str, member: &str) -> String {
    body.replacen('{', &format!("{{{member},"), 1)
}

async fn fixture_for(name: &str, provider: &str) -> Fixture {
    let fixture = Fixture::new(name).await;
    fixture.put_test_keys(provider).await;
    fixture
}

/// Sends `body` (as the genuine delivery's) and returns the status and what
/// was queued.
async fn replay<S: Scheme>(fixture: &Fixture, scheme: S, body: String, tenant: Option<&str>) -> (u16, Vec<Queued>) {
    let mut signed = requests::signed(scheme.provider(), "{}", tenant);
    signed.body = body;
    let status = answer(
        &fixture
            .receiver(scheme)
            .handle(requests::http_api(&signed, tenant))
            .await,
    )
    .0;
    (status, fixture.drain().await)
}

const KRAVIA_DATA: &str = r#"{"timestamp":1795406400,"eventType":"CaseUpdate","claimId":123443}"#;

#[tokio::test]
async fn a_kravia_replay_cannot_add_what_a_consumer_reads() {
    let fixture = fixture_for("unsigned-kravia", "kravia").await;
    let genuine = requests::signed("kravia", KRAVIA_DATA, Some("acme")).body;
    let (status, queued) = replay(&fixture, Kravia, genuine.clone(), Some("acme")).await;
    assert_eq!(status, 200);
    let event_id = queued[0].envelope.event_id.clone();

    // Named like a signed member in another case: some parsers read it
    // instead of `data`, so it never passes.
    for member in [
        r#""DATA":{"claimId":666,"eventType":"CaseClosed"}"#,
        r#""Data":{"claimId":666}"#,
        r#""ſignature":"00""#,
    ] {
        let (status, queued) = replay(&fixture, Kravia, with_member(&genuine, member), Some("acme")).await;
        assert_eq!(status, 400, "{member}");
        assert!(queued.is_empty(), "{member}");
    }
    // Unreadable alike by every parser: refused, so no consumer's parser
    // fails on the whole message (Python's json.loads on 5,000 levels).
    for member in [
        format!(r#""deep":{}1{}"#, "[".repeat(5000), "]".repeat(5000)),
        r#""lone":"\udc00""#.to_owned(),
    ] {
        let (status, queued) = replay(&fixture, Kravia, with_member(&genuine, &member), Some("acme")).await;
        assert_eq!((status, queued.len()), (400, 0));
    }
    // Any other member is accepted, and dropped: the consumer reads only
    // what Kravia signed, under the original's event id.
    let extended = with_member(&genuine, r#""version":2,"claimId":666"#).replacen(
        r#""algorithm":"MD5""#,
        r#""algorithm":"MD5","eventType":"CaseClosed""#,
        1,
    );
    let (status, queued) = replay(&fixture, Kravia, extended, Some("acme")).await;
    assert_eq!(status, 200);
    let message = &queued[0];
    assert_eq!(message.envelope.event_id, event_id);
    assert_eq!(read_like_go(message, &["data", "claimId"]), Some(Value::from(123_443)));
    assert_eq!(
        read_like_go(message, &["data", "eventType"]),
        Some(Value::from("CaseUpdate"))
    );
    assert_eq!(read_like_go(message, &["claimId"]), None);
    assert_eq!(read_like_go(message, &["version"]), None);
    assert_eq!(
        read_like_go(message, &["header"]),
        Some(serde_json::json!({ "algorithm": "MD5" }))
    );
}

#[tokio::test]
async fn a_receeve_replay_cannot_add_what_a_consumer_reads() {
    let fixture = fixture_for("unsigned-receeve", "receeve").await;
    let payload =
        r#"{"details":{"messageType":"event.claim.created.v1","claimRef":"C-1","amount":501},"messageId":"m-1"}"#;
    let genuine = requests::signed("receeve", payload, None).body;
    for member in [
        r#""Payload":{"details":{"messageType":"event.claim.created.v1","claimRef":"ATTACKER","amount":999999},"messageId":"m-1"}"#,
        r#""PAYLOADASSTRING":"{}""#,
    ] {
        let (status, queued) = replay(&fixture, Receeve, with_member(&genuine, member), None).await;
        assert_eq!((status, queued.len()), (400, 0), "{member}");
    }
    let (status, queued) = replay(
        &fixture,
        Receeve,
        with_member(&genuine, r#""meta":{"claimRef":"ATTACKER"}"#),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let message = &queued[0];
    assert_eq!(message.envelope.event_id, "m-1");
    assert_eq!(
        read_like_go(message, &["payload", "details", "claimRef"]),
        Some(Value::from("C-1"))
    );
    assert_eq!(
        read_like_go(message, &["payload", "details", "amount"]),
        Some(Value::from(501))
    );
    assert_eq!(read_like_go(message, &["meta"]), None);
    assert_eq!(read_like_go(message, &["payloadAsString"]), Some(Value::from(payload)));
}
