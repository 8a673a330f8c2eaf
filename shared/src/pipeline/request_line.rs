//! The one line each request writes, and the metrics it carries. Two
//! groups, so that the number of metrics (each one a monthly cost in
//! CloudWatch) stays small: the count of requests by provider and
//! outcome, and the latency and quarantine counts by provider alone.

use std::time::{Duration, SystemTime};

use function_support::metric_line::{Line, Unit};

use super::keep::Kept;

/// What became of a request, as its metrics count it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fate<'k> {
    /// Accepted: on the queue, through the payload bucket when `offloaded`.
    Queued {
        /// Whether its envelope went to S3 and a pointer on the queue.
        offloaded: bool,
    },
    /// Not accepted, and what the quarantine did with it (`None`: not one
    /// to keep, or no quarantine).
    Refused(Option<&'k Kept>),
    /// A handshake, answered; nothing queued.
    Answered,
}

/// The line one request writes: counted by provider and outcome, its
/// latency by provider, and by provider too either whether it went through
/// the payload bucket (0 or 1, accepted requests) or what became of it in
/// the quarantine (0 or 1 each: kept, failed or cut short, over the cap).
/// The caller adds the request's own fields.
pub(crate) fn request_line(
    namespace: &str,
    provider: &str,
    outcome: &str,
    (level, message): (&str, &str),
    received: SystemTime,
    elapsed: Duration,
    fate: Fate<'_>,
) -> Line {
    let count = |yes: bool| if yes { 1.0 } else { 0.0 };
    let kept = match fate {
        Fate::Refused(kept) => kept,
        Fate::Queued { .. } | Fate::Answered => None,
    };
    let failed = kept.is_some_and(Kept::failed);
    let mut by_provider = vec![
        ("Latency", Unit::Milliseconds, elapsed.as_secs_f64() * 1000.0),
        ("Quarantined", Unit::Count, count(kept.is_some_and(Kept::is_kept))),
        ("QuarantineFailed", Unit::Count, count(failed)),
        ("QuarantineOverCap", Unit::Count, count(kept == Some(&Kept::OverCap))),
    ];
    if let Fate::Queued { offloaded } = fate {
        by_provider.push(("Offloaded", Unit::Count, count(offloaded)));
    }
    Line::new(namespace, level, message, received)
        .dimension("Provider", provider)
        .dimension("Outcome", outcome)
        .metrics(&["Provider", "Outcome"], &[("Requests", Unit::Count, 1.0)])
        .metrics(&["Provider"], &by_provider)
        .field("quarantine", kept.map_or("", Kept::label))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::quarantine::Stored;

    #[test]
    fn a_kept_delivery_counts_once_and_a_failed_write_apart() {
        let line = |kept: Option<&Kept>| -> serde_json::Value {
            let text = request_line(
                "N",
                "kaunt",
                "signature-mismatch",
                ("WARN", "rejected"),
                SystemTime::UNIX_EPOCH,
                Duration::from_millis(12),
                Fate::Refused(kept),
            )
            .text();
            serde_json::from_str(&text).unwrap()
        };
        let written = line(Some(&Kept::Stored(Stored::Written)));
        assert_eq!(
            (written["Quarantined"].as_f64(), written["QuarantineFailed"].as_f64()),
            (Some(1.0), Some(0.0))
        );
        assert_eq!(written["quarantine"], "kept");
        let failed = line(Some(&Kept::Stored(Stored::OutOfTime)));
        assert_eq!(
            (failed["Quarantined"].as_f64(), failed["QuarantineFailed"].as_f64()),
            (Some(0.0), Some(1.0))
        );
        let over = line(Some(&Kept::OverCap));
        assert_eq!(over["QuarantineOverCap"].as_f64(), Some(1.0));
        let none = line(None);
        assert_eq!(
            (
                none["Latency"].as_f64(),
                none["Requests"].as_f64(),
                none["quarantine"].as_str()
            ),
            (Some(12.0), Some(1.0), Some(""))
        );
    }
}
