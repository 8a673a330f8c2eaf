//! Times as the functions write them: Unix milliseconds (metric lines, the
//! quarantine's records, the release's progress) and RFC 3339 (the
//! envelope's `receivedAt`).

use std::time::SystemTime;

use aws_smithy_types::date_time::Format as DateTimeFormat;
use aws_smithy_types::DateTime;

/// Unix milliseconds (0 before the epoch, saturating far after it).
pub fn unix_millis(time: SystemTime) -> u64 {
    let since_epoch = time.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX)
}

/// RFC 3339 in UTC with exactly three fractional digits, so every
/// `receivedAt` has the same shape.
pub fn rfc3339(time: SystemTime) -> String {
    let since_epoch = time.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let whole = DateTime::from_secs(i64::try_from(since_epoch.as_secs()).unwrap_or(i64::MAX));
    let text = whole.fmt(DateTimeFormat::DateTime).unwrap_or_default();
    let seconds = text.trim_end_matches('Z');
    format!("{seconds}.{:03}Z", since_epoch.subsec_millis())
}

/// The time an RFC 3339 timestamp in UTC names, in the one shape
/// providers sign theirs (Twitch's EventSub, Zendesk):
/// `2026-12-06T06:30:00Z`, with up to nine fractional digits; `None` for
/// any other spelling (an offset, a lower-case `t` or `z`, no seconds) or
/// a time before 1970. One shape, so that a signed text holding it beside
/// an id or a body splits into its parts one way only.
pub fn parse_rfc3339_utc(text: &str) -> Option<SystemTime> {
    let bytes = text.as_bytes();
    let digits =
        |range: std::ops::Range<usize>| bytes.get(range).is_some_and(|part| part.iter().all(u8::is_ascii_digit));
    let at = |index: usize, wanted: u8| bytes.get(index) == Some(&wanted);
    let fraction = match bytes.get(19..)? {
        [b'Z'] => true,
        [b'.', rest @ .., b'Z'] => (1..=9).contains(&rest.len()) && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    let shaped = digits(0..4)
        && at(4, b'-')
        && digits(5..7)
        && at(7, b'-')
        && digits(8..10)
        && at(10, b'T')
        && digits(11..13)
        && at(13, b':')
        && digits(14..16)
        && at(16, b':')
        && digits(17..19)
        && fraction;
    if !shaped {
        return None;
    }
    let parsed = DateTime::from_str(text, DateTimeFormat::DateTime).ok()?;
    SystemTime::try_from(parsed)
        .ok()
        .filter(|time| *time >= SystemTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn received_at_is_rfc3339_utc() {
        let time = SystemTime::UNIX_EPOCH + Duration::from_millis(1_763_870_400_123);
        assert_eq!(rfc3339(time), "2025-11-23T04:00:00.123Z");
        let whole = SystemTime::UNIX_EPOCH + Duration::from_secs(1_763_870_400);
        assert_eq!(rfc3339(whole), "2025-11-23T04:00:00.000Z");
        assert_eq!(unix_millis(time), 1_763_870_400_123);
    }

    #[test]
    fn signed_timestamps_are_read_in_one_shape() {
        let at = |secs: u64, nanos: u32| Some(SystemTime::UNIX_EPOCH + Duration::new(secs, nanos));
        assert_eq!(parse_rfc3339_utc("2025-11-23T04:00:00Z"), at(1_763_870_400, 0));
        assert_eq!(
            parse_rfc3339_utc("2025-11-23T04:00:00.634234626Z"),
            at(1_763_870_400, 634_234_626)
        );
        assert_eq!(
            parse_rfc3339_utc(&rfc3339(at(1_763_870_400, 5_000_000).unwrap())),
            at(1_763_870_400, 5_000_000)
        );
        for other in [
            "2025-11-23T04:00:00+00:00",
            "2025-11-23t04:00:00Z",
            "2025-11-23T04:00:00z",
            "2025-11-23T04:00Z",
            "2025-11-23 04:00:00Z",
            "2025-11-23T04:00:00.Z",
            "2025-11-23T04:00:00.1234567890Z",
            "12025-11-23T04:00:00Z",
            "2025-13-23T04:00:00Z",
            "1969-12-31T23:59:59Z",
            "",
        ] {
            assert_eq!(parse_rfc3339_utc(other), None, "{other}");
        }
    }
}
