//! The loop that tries a request's claim against the keys a route may
//! use, within the request's deadline.

use std::time::Instant;

use webhook_envelope::MAX_ID_CHARS;

use lambda_http::http::Method;

use super::delivery::Delivery;
use super::handshake::{self, Seen};
use super::keys::KeyRing;
use super::scheme::{Scheme, Verified};
use crate::error::{ReceiveError, VerifyError};

/// Verifies a delivery against the keys a route may use, with no deadline:
/// the whole of a scheme's job, as the unit tests run it.
#[cfg(test)]
pub(crate) fn verify_delivery<S: Scheme>(
    scheme: &S,
    delivery: &Delivery<'_>,
    keys: &KeyRing<S::Key>,
) -> Result<Verified, ReceiveError> {
    let claim = scheme.claim(delivery)?;
    verify_claim(scheme, &claim, delivery, keys, Deadline::None)
}

/// When trying keys must stop. A timer can't interrupt a request's CPU
/// work, so the key loop looks at the clock itself, between keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// At this instant: the request's `REQUEST_DEADLINE_MS` (a 503 past it).
    At(Instant, std::time::Duration),
    /// Never: offline checks, tests and benchmarks.
    None,
}

impl Deadline {
    /// `REQUEST_DEADLINE_MS` from `started`.
    pub(crate) fn after(started: Instant, limit: std::time::Duration) -> Self {
        Deadline::At(started + limit, limit)
    }

    fn check(self) -> Result<(), ReceiveError> {
        match self {
            Deadline::At(at, limit) if Instant::now() >= at => Err(ReceiveError::OutOfTime(limit)),
            _ => Ok(()),
        }
    }
}

/// Tries a claim against the keys a route may use, then reads the event's
/// facts. The receiver reads the claim first and fetches keys only for
/// requests that carry a readable signature. Past `deadline`, no further
/// key is tried: the answer is a 503, however many keys were left.
pub(crate) fn verify_claim<S: Scheme>(
    scheme: &S,
    claim: &S::Claim<'_>,
    delivery: &Delivery<'_>,
    keys: &KeyRing<S::Key>,
    deadline: Deadline,
) -> Result<Verified, ReceiveError> {
    let mut tried = 0_usize;
    let mut matched = None;
    for entry in keys.candidates(delivery.tenant, delivery.now) {
        deadline.check()?;
        tried += 1;
        if scheme.verify(claim, &entry.key) {
            matched = Some(entry);
            break;
        }
    }
    let entry = match matched {
        Some(entry) => entry,
        None if tried == 0 => return Err(VerifyError::UnknownTenant.into()),
        None => return Err(VerifyError::Mismatch.into()),
    };
    let facts = scheme.describe(claim, delivery.body)?;
    check_id_length(facts.event_type.as_deref())?;
    check_id_length(facts.event_id.as_deref())?;
    let reply = match scheme.handshakes() {
        [] => None,
        handshakes => {
            let seen = Seen {
                method: &Method::POST,
                query: None,
                headers: delivery.headers,
                body: delivery.body,
            };
            handshake::signed_reply(handshakes, &seen, &|message| scheme.mac(&entry.key, message))?
        }
    };
    Ok(Verified {
        tenant: entry.id.clone(),
        stage: entry.stage,
        facts,
        reply,
    })
}

fn check_id_length(id: Option<&str>) -> Result<(), ReceiveError> {
    match id {
        Some(id) if id.chars().count() > MAX_ID_CHARS => Err(ReceiveError::Malformed("event id or type too long")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::schemes::keys::SecretText;
    use crate::schemes::scheme::EventFacts;
    use crate::schemes::test_support::{headers, system_time, NOW};

    /// A scheme whose every key takes 20 ms of the clock to refuse.
    struct SlowKeys(AtomicUsize);

    impl Scheme for SlowKeys {
        type Key = ();
        type Claim<'r> = ();

        fn provider(&self) -> &str {
            "slow"
        }

        fn signature_headers(&self) -> &[String] {
            &[]
        }

        fn parse_key(&self, _: &str) -> Result<(), String> {
            Ok(())
        }

        fn claim<'r>(&self, _: &Delivery<'r>) -> Result<(), ReceiveError> {
            Ok(())
        }

        fn verify(&self, _: &(), _: &()) -> bool {
            self.0.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(20));
            false
        }

        fn describe(&self, _: &(), _: &[u8]) -> Result<EventFacts, ReceiveError> {
            Ok(EventFacts::default())
        }
    }

    #[test]
    fn keys_stop_being_tried_at_the_deadline_however_many_are_left() {
        let keys: serde_json::Map<String, serde_json::Value> =
            (0..200).map(|n| (format!("tenant-{n}"), "key".into())).collect();
        let secret = SecretText::new(serde_json::Value::Object(keys).to_string());
        let scheme = SlowKeys(AtomicUsize::new(0));
        let ring = KeyRing::parse(&secret, None, |key| scheme.parse_key(key)).unwrap();
        let headers = headers(&[]);
        let delivery = Delivery {
            body: b"{}",
            headers: &headers,
            tenant: None,
            now: system_time(NOW),
            timestamp_tolerance: None,
        };
        let deadline = Deadline::after(Instant::now(), Duration::from_millis(200));
        let result = verify_claim(&scheme, &(), &delivery, &ring, deadline);
        assert!(matches!(result, Err(ReceiveError::OutOfTime(_))), "{result:?}");
        let tried = scheme.0.load(Ordering::SeqCst);
        // Checked between keys: some were tried, most never were.
        assert!((1..200).contains(&tried), "{tried} of 200 keys tried");
        // Without a deadline, every key is.
        let scheme = SlowKeys(AtomicUsize::new(0));
        let few = KeyRing::parse(&SecretText::new(r#"{"a":"k","b":"k","c":"k"}"#), None, |key| {
            scheme.parse_key(key)
        })
        .unwrap();
        let result = verify_claim(&scheme, &(), &delivery, &few, Deadline::None);
        assert!(matches!(
            result,
            Err(ReceiveError::Unauthenticated(VerifyError::Mismatch))
        ));
        assert_eq!(scheme.0.load(Ordering::SeqCst), 3);
    }
}
