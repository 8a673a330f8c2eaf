//! Builders shared by the verifier tests.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_http::http::{HeaderMap, HeaderName, HeaderValue};

use super::delivery::Delivery;
use super::keys::{KeyRing, SecretText};
use super::scheme::{Scheme, Verified};
use super::verify::verify_delivery;
use crate::error::{ReceiveError, VerifyError};

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
