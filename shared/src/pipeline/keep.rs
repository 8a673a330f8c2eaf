//! Keeping a delivery refused for its key: its record goes to the
//! quarantine store before the 401 goes out, within a per-instance cap
//! (`QUARANTINE_WRITES_PER_SECOND`, a token bucket holding a second's
//! worth) that a delivery this instance kept lately doesn't count against.
//! What is kept, the bounds and their cost: docs/quarantine.md.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::aws::quarantine::{QuarantineStore, QuarantinedDelivery, Stored};

/// What became of one delivery the quarantine was asked to keep: what the
/// store did with it, unless the cap kept it from the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kept {
    /// The store's write (a failure is logged; the answer is the same).
    Stored(Stored),
    /// Not written: this instance reached its writes for this second.
    OverCap,
}

impl Kept {
    /// As logs and metrics spell it.
    pub(crate) const fn label(&self) -> &'static str {
        match self {
            Kept::Stored(Stored::Written) => "kept",
            Kept::Stored(Stored::AlreadyThere) => "already-kept",
            Kept::Stored(Stored::Failed(_)) => "failed",
            Kept::Stored(Stored::OutOfTime) => "out-of-time",
            Kept::OverCap => "over-cap",
        }
    }

    /// Whether the delivery is in the quarantine now.
    pub(crate) const fn is_kept(&self) -> bool {
        matches!(self, Kept::Stored(Stored::Written | Stored::AlreadyThere))
    }

    /// Whether the write was tried and didn't happen (failed or cut short).
    pub(crate) const fn failed(&self) -> bool {
        matches!(self, Kept::Stored(Stored::Failed(_) | Stored::OutOfTime))
    }
}

/// The quarantine as one receiver writes it: the store, within the cap.
pub(crate) struct Quarantine {
    store: QuarantineStore,
    cap: WriteCap,
}

impl Quarantine {
    /// Writes to `store`, at most `writes_per_second`.
    pub(crate) fn new(store: QuarantineStore, writes_per_second: u32) -> Self {
        Quarantine {
            store,
            cap: WriteCap::new(writes_per_second),
        }
    }

    /// Keeps `delivery`, within `time_left`.
    pub(crate) async fn keep(&self, delivery: &QuarantinedDelivery, time_left: Duration) -> Kept {
        let name = QuarantineStore::name_of(delivery);
        if self.cap.kept_lately(&name) {
            return Kept::Stored(Stored::AlreadyThere);
        }
        if !self.cap.take() {
            return Kept::OverCap;
        }
        let kept = Kept::Stored(self.store.write_named(&name, delivery, time_left).await);
        if kept.is_kept() {
            self.cap.remember(name);
        }
        kept
    }
}

/// A token bucket of `per_second` tokens refilled at `per_second` a
/// second, and the names this instance kept lately.
struct WriteCap {
    per_second: f64,
    state: Mutex<CapState>,
}

struct CapState {
    tokens: f64,
    refilled: Instant,
    recent: VecDeque<String>,
}

/// How many kept names an instance remembers.
const RECENT_NAMES: usize = 1024;

impl WriteCap {
    fn new(per_second: u32) -> Self {
        WriteCap {
            per_second: f64::from(per_second),
            state: Mutex::new(CapState {
                tokens: f64::from(per_second),
                refilled: Instant::now(),
                recent: VecDeque::new(),
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, CapState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether one more write fits now.
    fn take(&self) -> bool {
        let mut state = self.state();
        let now = Instant::now();
        let refill = now.duration_since(state.refilled).as_secs_f64() * self.per_second;
        state.tokens = (state.tokens + refill).min(self.per_second);
        state.refilled = now;
        if state.tokens >= 1.0 {
            state.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether this instance kept `name` lately.
    fn kept_lately(&self, name: &str) -> bool {
        self.state().recent.iter().any(|recent| recent == name)
    }

    fn remember(&self, name: String) {
        let mut state = self.state();
        if state.recent.len() == RECENT_NAMES {
            state.recent.pop_front();
        }
        state.recent.push_back(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_allows_a_seconds_worth_at_once_then_refills() {
        let cap = WriteCap::new(3);
        let allowed = (0..10).filter(|_| cap.take()).count();
        assert_eq!(allowed, 3);
        cap.state().refilled -= Duration::from_millis(700);
        assert_eq!((0..10).filter(|_| cap.take()).count(), 2, "0.7 s refills two");
        cap.remember("kaunt/a.json".into());
        assert!(cap.kept_lately("kaunt/a.json") && !cap.kept_lately("kaunt/b.json"));
    }
}
