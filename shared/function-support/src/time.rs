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
}
