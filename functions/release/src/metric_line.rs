//! The line (and metrics) of one provider's run.

use std::time::SystemTime;

use function_support::metric_line::{Line, Unit};

use crate::counts::Counts;

/// The line of one provider's run in `namespace`: the counts, and how
/// long the oldest delivery seen still kept has waited (0 when none),
/// which the stack alarms on after an hour.
pub fn release_line(namespace: &str, provider: &str, counts: &Counts, oldest_kept: Option<SystemTime>) -> Line {
    let now = SystemTime::now();
    let waited = oldest_kept
        .and_then(|arrival| now.duration_since(arrival).ok())
        .unwrap_or_default();
    let count = |n: u64| n as f64;
    Line::new(namespace, "INFO", "release done", now)
        .dimension("Provider", provider)
        .metrics(
            &["Provider"],
            &[
                ("Released", Unit::Count, count(counts.released)),
                ("ReleasedOffloaded", Unit::Count, count(counts.offloaded)),
                ("StillRefused", Unit::Count, count(counts.refused)),
                ("ReleaseFailed", Unit::Count, count(counts.failed)),
                ("OldestQuarantinedAge", Unit::Seconds, waited.as_secs_f64()),
            ],
        )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_run_counts_by_provider_and_says_how_long_the_oldest_kept_waited() {
        let counts = Counts {
            released: 2,
            offloaded: 1,
            refused: 1,
            failed: 0,
        };
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        let text = release_line("Webhooks/test", "kaunt", &counts, Some(hour_ago)).text();
        let line: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            (line["Provider"].as_str(), line["Released"].as_f64()),
            (Some("kaunt"), Some(2.0))
        );
        assert_eq!(line["StillRefused"].as_f64(), Some(1.0));
        assert_eq!(line["ReleasedOffloaded"].as_f64(), Some(1.0));
        let waited = line["OldestQuarantinedAge"].as_f64().unwrap();
        assert!((3600.0..3660.0).contains(&waited), "{waited}");
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Webhooks/test");
        let none = release_line("N", "kaunt", &Counts::default(), None).text();
        assert!(none.contains(r#""OldestQuarantinedAge":0.0"#), "{none}");
    }
}
