//! What a run reports for each provider.

use serde::Serialize;

/// What became of one provider's quarantined deliveries in one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Verified now, queued, and deleted from the quarantine.
    pub released: u64,
    /// Of those, how many were too large for the queue and went through
    /// the payload bucket.
    pub offloaded: u64,
    /// Still not verified (or not what a receiver writes): kept until
    /// they expire.
    pub refused: u64,
    /// Not released this time because AWS failed (kept, to be tried again).
    pub failed: u64,
}
