//! What an invocation's deadline means, one rule for every function.
//!
//! Lambda gives each invocation a deadline (`Lambda-Runtime-Deadline-Ms`,
//! milliseconds since the epoch), and a function that must stop in time
//! (the release notes its progress, the consumer reports its batch) works
//! to it. Local emulators send a placeholder instead (`cargo lambda watch`
//! sends 600000, i.e. 1970): a deadline that passed long before the
//! invocation arrived is no deadline at all. Any other deadline is kept,
//! one already past included: a function that meets it stops at once
//! rather than running on until Lambda ends it mid-write.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long before an invocation its deadline must be to be read as an
/// emulator's placeholder: no invocation runs for an hour (Lambda's
/// longest is 15 minutes).
pub const PLACEHOLDER_AGE: Duration = Duration::from_secs(3600);

/// The invocation's deadline from `deadline_ms` as Lambda gives it, judged
/// at `now`; `None` for an emulator's placeholder.
pub fn invocation_deadline(deadline_ms: u64, now: SystemTime) -> Option<SystemTime> {
    let deadline = UNIX_EPOCH + Duration::from_millis(deadline_ms);
    let long_ago = now.checked_sub(PLACEHOLDER_AGE).unwrap_or(UNIX_EPOCH);
    (deadline > long_ago).then_some(deadline)
}

/// The same deadline on the monotonic clock, for timers: `now` on both
/// clocks, and a deadline already past is `now`.
pub fn as_instant(deadline: SystemTime, now: SystemTime, now_instant: Instant) -> Instant {
    now_instant + deadline.duration_since(now).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::unix_millis as ms;

    #[test]
    fn a_real_deadline_is_kept_even_past_and_an_emulators_placeholder_is_none() {
        let now = UNIX_EPOCH + Duration::from_secs(1_795_406_400);
        let in_a_minute = now + Duration::from_secs(60);
        assert_eq!(invocation_deadline(ms(in_a_minute), now), Some(in_a_minute));
        let just_passed = now - Duration::from_secs(1);
        assert_eq!(invocation_deadline(ms(just_passed), now), Some(just_passed));
        assert_eq!(invocation_deadline(600_000, now), None);
    }

    #[test]
    fn a_deadline_already_past_is_now_on_the_monotonic_clock() {
        let now = UNIX_EPOCH + Duration::from_secs(1_795_406_400);
        let started = Instant::now();
        assert_eq!(as_instant(now - Duration::from_secs(5), now, started), started);
        assert_eq!(
            as_instant(now + Duration::from_secs(5), now, started),
            started + Duration::from_secs(5)
        );
    }
}
