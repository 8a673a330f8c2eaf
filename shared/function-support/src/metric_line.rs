//! Metrics in CloudWatch's Embedded Metric Format, carried by the one log
//! line each request (and each release) already writes: CloudWatch Logs
//! turns the line into metrics, so no call to CloudWatch is made on the
//! request path, and the line is still the one a person reads.
//!
//! Each line is a JSON document: `_aws` says which members are metrics
//! and by which dimensions; the other members are the line's fields
//! (`message`, `level`, ids, outcome, timing; never a key, a signature, a
//! payload or caller text). It is written through `tracing` under
//! [`LINE_TARGET`], which the log set-up writes as it is, whatever the
//! level or format ([`crate::logging`]): a metric must not vanish because
//! the log level was raised.
//!
//! Each function builds its own line from this one type: the receivers'
//! pipeline the request's, the release function each provider's run.

use std::time::SystemTime;

use serde_json::{json, Map, Value};

use crate::time::unix_millis;

/// The `tracing` target of metric lines.
pub const LINE_TARGET: &str = "function_support::metric_line";

/// A metric's unit, as CloudWatch names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A count.
    Count,
    /// Milliseconds.
    Milliseconds,
    /// Seconds.
    Seconds,
}

impl Unit {
    const fn name(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
            Unit::Seconds => "Seconds",
        }
    }
}

/// One log line that carries metrics.
#[derive(Debug, Clone)]
pub struct Line {
    namespace: String,
    groups: Vec<Value>,
    members: Map<String, Value>,
}

impl Line {
    /// A line in `namespace` saying `message` at `level` (`INFO`, `WARN`,
    /// `ERROR`), stamped `at`.
    pub fn new(namespace: &str, level: &str, message: &str, at: SystemTime) -> Self {
        let mut members = Map::new();
        members.insert("level".into(), level.into());
        members.insert("message".into(), message.into());
        let mut line = Line {
            namespace: namespace.to_owned(),
            groups: Vec::new(),
            members,
        };
        line.members
            .insert("_aws".into(), json!({ "Timestamp": unix_millis(at) }));
        line
    }

    /// A dimension's value (a member the groups below may name).
    pub fn dimension(mut self, name: &str, value: &str) -> Self {
        self.members.insert(name.into(), value.into());
        self
    }

    /// A group of metrics, each with its unit and value, by `dimensions`.
    pub fn metrics(mut self, dimensions: &[&str], metrics: &[(&str, Unit, f64)]) -> Self {
        let declared: Vec<Value> = metrics
            .iter()
            .map(|(name, unit, _)| json!({ "Name": name, "Unit": unit.name() }))
            .collect();
        self.groups.push(json!({
            "Namespace": self.namespace,
            "Dimensions": [dimensions],
            "Metrics": declared,
        }));
        for (name, _, value) in metrics {
            self.members.insert((*name).into(), json!(value));
        }
        self
    }

    /// A field for people and log queries, not a metric.
    pub fn field(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.members.insert(name.into(), value.into());
        self
    }

    /// The line's JSON.
    pub fn text(self) -> String {
        let Line {
            groups, mut members, ..
        } = self;
        if let Some(Value::Object(aws)) = members.get_mut("_aws") {
            aws.insert("CloudWatchMetrics".into(), Value::Array(groups));
        }
        Value::Object(members).to_string()
    }

    /// Writes the line (see the module's comment).
    pub fn write(self) {
        tracing::info!(target: LINE_TARGET, "{}", self.text());
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_line_is_an_embedded_metric_format_document() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_795_406_400_123);
        let line = Line::new("Webhooks/test", "WARN", "rejected", at)
            .dimension("Provider", "kaunt")
            .dimension("Outcome", "signature-mismatch")
            .metrics(&["Provider", "Outcome"], &[("Requests", Unit::Count, 1.0)])
            .metrics(
                &["Provider"],
                &[("Latency", Unit::Milliseconds, 12.0), ("Quarantined", Unit::Count, 1.0)],
            )
            .field("status", 401);
        let document: Value = serde_json::from_str(&line.text()).unwrap();
        assert_eq!(document["_aws"]["Timestamp"], 1_795_406_400_123_u64);
        let groups = document["_aws"]["CloudWatchMetrics"].as_array().unwrap();
        assert_eq!(groups[0]["Namespace"], "Webhooks/test");
        assert_eq!(groups[0]["Dimensions"], json!([["Provider", "Outcome"]]));
        assert_eq!(
            groups[1]["Metrics"][0],
            json!({ "Name": "Latency", "Unit": "Milliseconds" })
        );
        // Every metric and dimension a group names is a member of the line.
        for group in groups {
            for dimension in group["Dimensions"][0].as_array().unwrap() {
                assert!(document[dimension.as_str().unwrap()].is_string());
            }
            for metric in group["Metrics"].as_array().unwrap() {
                assert!(document[metric["Name"].as_str().unwrap()].is_number());
            }
        }
        assert_eq!(
            (document["message"].as_str(), document["status"].as_u64()),
            (Some("rejected"), Some(401))
        );
    }
}
