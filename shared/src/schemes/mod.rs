//! Every provider's scheme behind one trait: two in code (Kravia and
//! receeve, whose signatures live in the body), every other one described
//! as data ([`described`]); the presets that name them ([`presets`]); and
//! the loop that tries a request against the keys.

mod any;
pub mod described;
mod kravia;
pub mod presets;
mod receeve;

#[cfg(test)]
mod preset_tests;
#[cfg(test)]
mod properties;

pub use any::{AnyClaim, AnyKey, AnyScheme};
pub use described::Described;
pub use kravia::Kravia;
pub use presets::{Preset, PRESETS};
pub use receeve::Receeve;

use std::time::Instant;

use crate::delivery::Delivery;
use crate::envelope::MAX_ID_CHARS;
use crate::error::{ReceiveError, VerifyError};
use crate::keys::{KeyRing, Stage};

/// A provider's signature scheme, split in the three steps every scheme
/// shares so that the receiver can try several keys without re-reading the
/// request, and so that an unauthenticated body is never interpreted:
/// [`Scheme::claim`] reads what the request says about itself (failing 400
/// or 401), [`Scheme::verify`] checks it against one key, and
/// [`Scheme::describe`] reads the event's type and id once it is trusted.
pub trait Scheme: Send + Sync + 'static {
    /// Key material, parsed once per secret fetch.
    type Key: Send + Sync + 'static;
    /// What a request claims: signature and signed bytes, borrowed from it.
    type Claim<'r>: Send + Sync;

    /// The name of the provider this scheme belongs to: the envelope's
    /// `provider`. A method, not a constant, so that [`AnyScheme`]
    /// (whichever `PROVIDER` names) and a custom provider's scheme
    /// (`PROVIDER_NAME`) are schemes too.
    fn provider(&self) -> &str;

    /// The headers that carry the signature and what it signs beside the
    /// body, lower case: what a refused delivery's quarantine record keeps
    /// of its headers (and nothing else).
    fn signature_headers(&self) -> &[String];

    /// Parses one key's text from the secret. The error says what is wrong
    /// and never repeats the text.
    fn parse_key(&self, text: &str) -> Result<Self::Key, String>;

    /// Reads the signature and the signed material out of a request.
    fn claim<'r>(&self, delivery: &Delivery<'r>) -> Result<Self::Claim<'r>, ReceiveError>;

    /// Whether `key` made this claim's signature. Constant time in the
    /// signature's content. Called once per key a route may use, so any
    /// work that doesn't depend on the key belongs in [`Scheme::claim`]:
    /// then a request tried against a hundred keys costs about what one
    /// tried against one does.
    fn verify(&self, claim: &Self::Claim<'_>, key: &Self::Key) -> bool;

    /// The event's type and id, from a claim that has been verified.
    fn describe(&self, claim: &Self::Claim<'_>, body: &[u8]) -> Result<EventFacts, ReceiveError>;
}

/// What a verified body says about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFacts {
    /// The provider's event type, if the body names one.
    pub event_type: Option<String>,
    /// The provider's own event id, if it has one.
    pub event_id: Option<String>,
    /// What to queue as the payload when the scheme signs only part of the
    /// body (Kravia, receeve): the signed parts alone, rebuilt, so that no
    /// unsigned member of the body reaches a consumer. `None` when the body
    /// is signed whole and is queued as it came.
    pub signed_payload: Option<String>,
    /// A value the provider wants echoed in the answer to prove the URL
    /// is the receiver's (Slack's `url_verification` challenge), read from
    /// the signed body: see [`crate::error::accepted`].
    pub challenge: Option<String>,
}

/// A delivery that a key verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The id of the key that verified it, if keys have ids.
    pub tenant: Option<String>,
    /// Which secret version that key came from.
    pub stage: Stage,
    /// The event's type and id.
    pub facts: EventFacts,
}

/// Verifies a delivery against the keys a route may use, with no deadline:
/// the whole of a scheme's job, as the unit tests run it.
pub fn verify_delivery<S: Scheme>(
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
    pub fn after(started: Instant, limit: std::time::Duration) -> Self {
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
pub fn verify_claim<S: Scheme>(
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
    Ok(Verified {
        tenant: entry.id.clone(),
        stage: entry.stage,
        facts,
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

    use super::test_support::{headers, system_time, NOW};
    use super::*;
    use crate::keys::SecretText;

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

#[cfg(test)]
pub(crate) mod test_support {
    //! Builders shared by the verifier tests.

    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use lambda_http::http::{HeaderMap, HeaderName, HeaderValue};

    use super::*;
    use crate::keys::SecretText;

    /// A fixed "now" for tests that don't care about time.
    pub const NOW: u64 = 1_763_870_400;

    /// Headers from pairs; a name given twice is appended, not replaced.
    pub fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    /// Headers from owned pairs, skipping any HTTP can't carry (the
    /// property tests' made-up ones).
    pub fn header_map(pairs: &[(String, String)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(value.as_bytes()),
            ) {
                map.append(name, value);
            }
        }
        map
    }

    /// Runs the full verification of `body` with `headers` at `now` against
    /// the keys in `secret`.
    pub fn check<S: Scheme>(
        scheme: &S,
        secret: &str,
        body: &[u8],
        headers: &HeaderMap,
        now: u64,
    ) -> Result<Verified, ReceiveError> {
        check_on_route(scheme, secret, body, headers, now, None)
    }

    /// [`check`] for a delivery to a tenant's route.
    pub fn check_on_route<S: Scheme>(
        scheme: &S,
        secret: &str,
        body: &[u8],
        headers: &HeaderMap,
        now: u64,
        tenant: Option<&str>,
    ) -> Result<Verified, ReceiveError> {
        let ring = KeyRing::parse(&SecretText::new(secret), None, |k| scheme.parse_key(k)).unwrap();
        let delivery = Delivery {
            body,
            headers,
            tenant,
            now: UNIX_EPOCH + Duration::from_secs(now),
            timestamp_tolerance: None,
        };
        verify_delivery(scheme, &delivery, &ring)
    }

    /// The reason a verification was refused as unauthenticated.
    pub fn refusal(result: Result<Verified, ReceiveError>) -> VerifyError {
        match result {
            Err(ReceiveError::Unauthenticated(reason)) => reason,
            other => panic!("expected a 401, got {other:?}"),
        }
    }

    /// Whether the result is a 400.
    pub fn is_malformed(result: &Result<Verified, ReceiveError>) -> bool {
        matches!(result, Err(ReceiveError::Malformed(_)))
    }

    /// `secs` after the epoch.
    pub fn system_time(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }
}
