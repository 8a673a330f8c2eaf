//! The whole-number settings, each declared once with its variable,
//! default, range and unit: reading it, the refusal of a value outside the
//! range and the README's row (which a test checks) all come from the
//! declaration, so they can't disagree.

use std::time::Duration;

use crate::error::ConfigError;
use function_support::setting::value;

/// SQS's largest message, whatever a queue is set to: no message may
/// exceed it, so without a payload bucket it bounds the body accepted.
pub(crate) const SQS_MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// The largest EventBridge entry sent inline (source, detail type and
/// detail, counted as EventBridge counts them): its 1 MB entry, less 8 KiB
/// for the members EventBridge adds around the detail (id, time, account,
/// region, …), so that the event a rule delivers still fits an SQS
/// target's 1 MiB. Larger envelopes go through S3, or are a 413 without a
/// payload bucket. docs/events.md ("Large events").
pub(crate) const EVENT_ENTRY_MAX_BYTES: usize = 1024 * 1024 - 8 * 1024;

/// The largest event Lambda takes from a synchronous invocation (API
/// Gateway's, an ALB's, a function URL's): 6 MB, which no body it carries
/// can reach. What each front door lets through below it: docs/queue.md
/// ("Large deliveries").
pub(crate) const LAMBDA_MAX_EVENT_BYTES: usize = 6 * 1024 * 1024;

/// A whole-number setting, declared once: its variable, default, range and
/// unit. Reading it, and the refusal of a value outside the range, are
/// derived from the declaration (as is the README's row, which a test
/// checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberSetting {
    /// The environment variable.
    pub name: &'static str,
    /// Its value when unset or empty.
    pub default: u64,
    /// The smallest value accepted.
    pub min: u64,
    /// The largest value accepted.
    pub max: u64,
    /// What it counts, plural (`seconds`).
    pub unit: &'static str,
    /// What 0 means, when it is accepted and means something apart.
    pub zero_means: Option<&'static str>,
}

impl NumberSetting {
    /// What the setting must be, for the refusal of a bad value.
    pub(crate) fn expected(&self) -> String {
        let zero = self
            .zero_means
            .map(|meaning| format!(" ({meaning})"))
            .unwrap_or_default();
        format!(
            "a whole number of {} from {}{zero} to {}",
            self.unit, self.min, self.max
        )
    }

    /// The value `lookup` gives, or the default when it gives none.
    pub(crate) fn read(&self, lookup: &impl Fn(&str) -> Option<String>) -> Result<u64, ConfigError> {
        match value(lookup, self.name) {
            None => Ok(self.default),
            Some(value) => match value.parse::<u64>() {
                Ok(number) if (self.min..=self.max).contains(&number) => Ok(number),
                _ => Err(ConfigError::Invalid {
                    name: self.name,
                    expected: self.expected(),
                    value,
                }),
            },
        }
    }

    /// The value `lookup` gives, `None` when it gives none: for a setting
    /// whose default is not one number.
    pub(crate) fn read_if_set(&self, lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<u64>, ConfigError> {
        match value(lookup, self.name) {
            None => Ok(None),
            Some(_) => self.read(lookup).map(Some),
        }
    }

    /// [`NumberSetting::read`] as seconds.
    pub(crate) fn seconds(&self, lookup: &impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
        self.read(lookup).map(Duration::from_secs)
    }

    /// [`NumberSetting::read`] as milliseconds.
    pub(crate) fn millis(&self, lookup: &impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
        self.read(lookup).map(Duration::from_millis)
    }
}

/// `MAX_BODY_BYTES`: larger bodies get 413 before any other work. By
/// default the largest event Lambda takes, so that every body a front door
/// passes on is verified and delivered; without `PAYLOAD_BUCKET`, a body
/// whose message can't fit the queue is a 413 all the same
/// ([`crate::Settings::body_limit`]).
pub(crate) const MAX_BODY_BYTES: NumberSetting = NumberSetting {
    name: "MAX_BODY_BYTES",
    default: LAMBDA_MAX_EVENT_BYTES as u64,
    min: 1,
    max: LAMBDA_MAX_EVENT_BYTES as u64,
    unit: "bytes",
    zero_means: None,
};

/// `OFFLOAD_THRESHOLD_BYTES`: with `PAYLOAD_BUCKET`, a message larger than
/// this (or than the queue's own `MaximumMessageSize`, when that is lower)
/// goes through S3. By default SQS's largest, so only what the queue can't
/// carry is offloaded; lower it to pay for S3 rather than SQS's 64 KiB
/// chunks, or set 0 to send everything through S3.
pub(crate) const OFFLOAD_THRESHOLD_BYTES: NumberSetting = NumberSetting {
    name: "OFFLOAD_THRESHOLD_BYTES",
    default: SQS_MAX_MESSAGE_BYTES as u64,
    min: 0,
    max: SQS_MAX_MESSAGE_BYTES as u64,
    unit: "bytes",
    zero_means: Some("everything through S3"),
};

/// `TIMESTAMP_TOLERANCE_SECS`: how far a signed delivery timestamp may be
/// from now, either way. Unset, each scheme's own tolerance applies (its
/// description's `tolerance_secs`: five minutes, `default` here, in most
/// presets; Paddle's five seconds, Calendly's three minutes); set, it
/// overrides them all.
pub(crate) const TIMESTAMP_TOLERANCE_SECS: NumberSetting = NumberSetting {
    name: "TIMESTAMP_TOLERANCE_SECS",
    default: 300,
    min: 1,
    max: 3600,
    unit: "seconds",
    zero_means: None,
};

/// `SECRET_CACHE_TTL_SECS`: one Secrets Manager call per five minutes per
/// warm function by default, whatever the traffic.
pub(crate) const SECRET_CACHE_TTL_SECS: NumberSetting = NumberSetting {
    name: "SECRET_CACHE_TTL_SECS",
    default: 300,
    min: 1,
    max: 86_400,
    unit: "seconds",
    zero_means: None,
};

/// `KEY_REFRESH_INTERVAL_SECS`: a signature no cached key matches refetches
/// the keys at most this often, so a rotated key works within seconds and
/// forgeries cost at most one fetch per interval.
pub(crate) const KEY_REFRESH_INTERVAL_SECS: NumberSetting = NumberSetting {
    name: "KEY_REFRESH_INTERVAL_SECS",
    default: 5,
    min: 1,
    max: 3600,
    unit: "seconds",
    zero_means: None,
};

/// `PREVIOUS_KEY_GRACE_SECS`: after a rotation, the previous key keeps
/// working for a day by default, as Stripe's rolled and Svix's rotated
/// secrets do, and as long as Kaunt, the longest-retrying provider, retries
/// a delivery signed before the rotation. Then it is revoked.
pub(crate) const PREVIOUS_KEY_GRACE_SECS: NumberSetting = NumberSetting {
    name: "PREVIOUS_KEY_GRACE_SECS",
    default: 24 * 3600,
    min: 0,
    max: 7 * 24 * 3600,
    unit: "seconds",
    zero_means: Some("never"),
};

/// `QUARANTINE_WRITES_PER_SECOND`: per function instance, far above what a
/// provider sends a receiver with a wrong key (each retry of a delivery
/// already kept costs no new object), while a flood of forgeries costs a
/// bounded number of puts a day per instance (docs/quarantine.md has the
/// cost; reserved concurrency caps the instances).
pub(crate) const QUARANTINE_WRITES_PER_SECOND: NumberSetting = NumberSetting {
    name: "QUARANTINE_WRITES_PER_SECOND",
    default: 10,
    min: 1,
    max: 1000,
    unit: "writes per second",
    zero_means: None,
};

/// `INIT_WARM_UP_MS`: how long init may spend fetching keys and opening the
/// SQS (or EventBridge) connection (see [`crate::Receiver::warm_up`]). Inside the SDK's 2 s
/// attempt timeout by default, so an unreachable AWS costs a cold start at
/// most this, far inside Lambda's 10 s init limit. At most 3 s: a request
/// that meets a cold start waits for it, and with the ~10 s a request may
/// take when AWS hangs, that must stay under Codat's 15 s.
pub const INIT_WARM_UP_MS: NumberSetting = NumberSetting {
    name: "INIT_WARM_UP_MS",
    default: 1500,
    min: 0,
    max: 3000,
    unit: "milliseconds",
    zero_means: Some("off"),
};

/// `REQUEST_DEADLINE_MS`: every request is answered within this, whatever
/// AWS does; a 503 when the work isn't done by then. By default room for
/// two SDK calls at their 5 s limit (the keys, then the queue). At most
/// 11 s, so that with init's warm-up (at most 3 s) a request meeting a cold
/// start is answered inside Codat's 15 s and the functions' 15 s timeout.
pub(crate) const REQUEST_DEADLINE_MS: NumberSetting = NumberSetting {
    name: "REQUEST_DEADLINE_MS",
    default: 10_000,
    min: 1000,
    max: 11_000,
    unit: "milliseconds",
    zero_means: None,
};

/// Every whole-number setting, in the README's order: what the tests hold
/// the README to.
#[cfg(test)]
pub(crate) const NUMBER_SETTINGS: [NumberSetting; 9] = [
    MAX_BODY_BYTES,
    OFFLOAD_THRESHOLD_BYTES,
    TIMESTAMP_TOLERANCE_SECS,
    SECRET_CACHE_TTL_SECS,
    KEY_REFRESH_INTERVAL_SECS,
    PREVIOUS_KEY_GRACE_SECS,
    REQUEST_DEADLINE_MS,
    INIT_WARM_UP_MS,
    QUARANTINE_WRITES_PER_SECOND,
];

#[cfg(test)]
mod tests {
    use super::*;

    /// `setting` read from a lookup that sets it to `value` alone.
    fn read_as(setting: NumberSetting, value: &str) -> Result<u64, ConfigError> {
        setting.read(&|name: &str| (name == setting.name).then(|| value.to_owned()))
    }

    #[test]
    fn a_refusal_says_what_the_declaration_says() {
        let error = read_as(PREVIOUS_KEY_GRACE_SECS, "a day").unwrap_err();
        assert_eq!(
            error.to_string(),
            "PREVIOUS_KEY_GRACE_SECS must be a whole number of seconds from 0 (never) to 604800, got \"a day\""
        );
        let error = read_as(MAX_BODY_BYTES, "6291457").unwrap_err();
        assert_eq!(
            error.to_string(),
            "MAX_BODY_BYTES must be a whole number of bytes from 1 to 6291456, got \"6291457\""
        );
        for setting in NUMBER_SETTINGS {
            let lookup = |name: &str| (name == setting.name).then(|| (setting.max + 1).to_string());
            assert!(setting.read(&lookup).is_err(), "{}", setting.name);
            let lookup = |name: &str| (name == setting.name).then(|| setting.min.to_string());
            assert_eq!(setting.read(&lookup), Ok(setting.min));
            assert_eq!(setting.read(&|_: &str| None), Ok(setting.default));
        }
    }

    #[test]
    fn the_readme_shows_each_number_setting_as_declared() {
        let readme = include_str!("../../../README.md");
        for setting in NUMBER_SETTINGS {
            let row = format!(
                "| `{}` | `{}` | {} to {} {} |",
                setting.name, setting.default, setting.min, setting.max, setting.unit
            );
            assert!(readme.contains(&row), "the README's configuration table lacks {row}");
        }
    }
}
