//! What a release has tried, kept between runs in the quarantine store, so
//! that the quarantine is read in bounded work: once a pass with no failure
//! has tried everything kept before it started, later runs with the same
//! fingerprint try only what was written since (the boundary moved back by
//! the longest a write takes, for a write under way while the pass
//! listed); a pass that doesn't fit one run goes on in the next, from the
//! last object it handled. docs/quarantine.md ("Released") says why.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use function_support::sdk::OPERATION_TIMEOUT;
use function_support::time::unix_millis;
use serde::{Deserialize, Serialize};

/// The most a receiver's quarantine write can take (the SDK's time for
/// one call) and a second for clocks.
pub const WRITE_MARGIN: Duration = Duration::from_secs(OPERATION_TIMEOUT.as_secs() + 1);

/// One provider's release progress.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    /// What verification depended on in the passes recorded here.
    pub fingerprint: String,
    /// Every delivery written before this (Unix milliseconds) has been
    /// tried by a whole pass with no failure.
    pub checked_until_ms: Option<u64>,
    /// A pass under way.
    pub pass: Option<Pass>,
}

/// A pass over the quarantine, possibly over several runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pass {
    /// When it started (Unix milliseconds).
    pub started_ms: u64,
    /// The last object it handled; listing goes on after it.
    pub after: Option<String>,
    /// Whether anything failed in it (then it advances nothing).
    pub failed: bool,
}

impl Progress {
    /// Where to go on from: `stored` if it was recorded under the same
    /// `fingerprint` and `from_scratch` isn't asked, else nothing tried yet.
    /// A pass is under way after this, continued or started `now`.
    pub fn resume(stored: Option<Progress>, fingerprint: &str, from_scratch: bool, now: SystemTime) -> Self {
        let mut progress = stored
            .filter(|stored| stored.fingerprint == fingerprint && !from_scratch)
            .unwrap_or_else(|| Progress {
                fingerprint: fingerprint.to_owned(),
                ..Progress::default()
            });
        if progress.pass.is_none() {
            progress.pass = Some(Pass {
                started_ms: unix_millis(now),
                ..Pass::default()
            });
        }
        progress
    }

    /// Deliveries written before this need no trying: they were tried
    /// already, with what verification depends on now.
    pub fn tried_before(&self) -> Option<SystemTime> {
        let until = UNIX_EPOCH + Duration::from_millis(self.checked_until_ms?);
        until.checked_sub(WRITE_MARGIN)
    }

    /// Where listing goes on from.
    pub fn after(&self) -> Option<&str> {
        self.pass.as_ref()?.after.as_deref()
    }

    /// Notes that `object` was handled, and whether that failed.
    pub fn handled(&mut self, object: &str, failed: bool) {
        if let Some(pass) = &mut self.pass {
            pass.after = Some(object.to_owned());
            pass.failed |= failed;
        }
    }

    /// Notes that the pass listed everything: with no failure, everything
    /// written before it started has been tried.
    pub fn finish(&mut self) {
        if let Some(pass) = self.pass.take() {
            if !pass.failed {
                self.checked_until_ms = Some(pass.started_ms);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn a_whole_pass_without_failure_marks_everything_before_it_tried() {
        let mut progress = Progress::resume(None, "v1", false, at(1_000));
        assert_eq!(progress.tried_before(), None, "nothing tried yet");
        progress.handled("kaunt/a", false);
        progress.finish();
        assert_eq!(progress.tried_before(), Some(at(1_000) - WRITE_MARGIN));
        // The next run, same fingerprint: only what came since.
        let next = Progress::resume(Some(progress.clone()), "v1", false, at(2_000));
        assert_eq!(next.tried_before(), Some(at(1_000) - WRITE_MARGIN));
        assert_eq!(next.after(), None, "a new pass lists from the start");
        // A new key, new settings or a forced pass: everything again.
        assert_eq!(
            Progress::resume(Some(progress.clone()), "v2", false, at(2_000)).tried_before(),
            None
        );
        assert_eq!(
            Progress::resume(Some(progress), "v1", true, at(2_000)).tried_before(),
            None
        );
    }

    #[test]
    fn a_pass_goes_on_where_the_last_run_stopped_and_a_failure_advances_nothing() {
        let mut progress = Progress::resume(None, "v1", false, at(1_000));
        progress.handled("kaunt/a", false);
        progress.handled("kaunt/b", true);
        let stored = progress.clone();
        let mut next = Progress::resume(Some(stored), "v1", false, at(1_300));
        assert_eq!(next.after(), Some("kaunt/b"));
        assert_eq!(next.pass.as_ref().map(|pass| pass.started_ms), Some(1_000_000));
        next.handled("kaunt/c", false);
        next.finish();
        assert_eq!(next.tried_before(), None, "the failure must be tried again");
        assert_eq!(next.pass, None);
    }
}
