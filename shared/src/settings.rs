//! A receiver's configuration, read once from the environment.

use std::time::Duration;

use crate::envelope::ENVELOPE_OVERHEAD_BYTES;
use crate::source_ip::{parse_list, Cidr};

/// SQS's largest message, whatever a queue is set to: no envelope may exceed it.
pub const SQS_MAX_MESSAGE_BYTES: usize = 1024 * 1024;

/// The process environment as a settings lookup: what production reads,
/// where tests pass a lookup of their own.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// A setting's value as `lookup` gives it, trimmed: `None` when unset or
/// blank, which every setting treats alike (a blank variable is an unset
/// one).
pub fn value(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    lookup(name)
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
}

/// A setting that must be there: its [`value`], or `Missing`.
pub fn required_value(lookup: &impl Fn(&str) -> Option<String>, name: &'static str) -> Result<String, ConfigError> {
    value(lookup, name).ok_or(ConfigError::Missing(name))
}

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
    pub fn expected(&self) -> String {
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
    pub fn read(&self, lookup: &impl Fn(&str) -> Option<String>) -> Result<u64, ConfigError> {
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
    pub fn read_if_set(&self, lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<u64>, ConfigError> {
        match value(lookup, self.name) {
            None => Ok(None),
            Some(_) => self.read(lookup).map(Some),
        }
    }

    /// [`NumberSetting::read`] as seconds.
    fn seconds(&self, lookup: &impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
        self.read(lookup).map(Duration::from_secs)
    }

    /// [`NumberSetting::read`] as milliseconds.
    fn millis(&self, lookup: &impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
        self.read(lookup).map(Duration::from_millis)
    }
}

/// `MAX_BODY_BYTES`: larger bodies get 413 before any other work. 256 KiB
/// by default, the largest body most providers send; at most what a
/// message holds beside its envelope (1 MiB, SQS's largest, less 8 KiB).
pub const MAX_BODY_BYTES: NumberSetting = NumberSetting {
    name: "MAX_BODY_BYTES",
    default: 256 * 1024,
    min: 1,
    max: (SQS_MAX_MESSAGE_BYTES - ENVELOPE_OVERHEAD_BYTES) as u64,
    unit: "bytes",
    zero_means: None,
};

/// `TIMESTAMP_TOLERANCE_SECS`: how far a signed delivery timestamp may be
/// from now, either way. Unset, each scheme's own tolerance applies (its
/// description's `tolerance_secs`: five minutes, `default` here, in most
/// presets; Paddle's five seconds, Calendly's three minutes); set, it
/// overrides them all.
pub const TIMESTAMP_TOLERANCE_SECS: NumberSetting = NumberSetting {
    name: "TIMESTAMP_TOLERANCE_SECS",
    default: 300,
    min: 1,
    max: 3600,
    unit: "seconds",
    zero_means: None,
};

/// `SECRET_CACHE_TTL_SECS`: one Secrets Manager call per five minutes per
/// warm function by default, whatever the traffic.
pub const SECRET_CACHE_TTL_SECS: NumberSetting = NumberSetting {
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
pub const KEY_REFRESH_INTERVAL_SECS: NumberSetting = NumberSetting {
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
pub const PREVIOUS_KEY_GRACE_SECS: NumberSetting = NumberSetting {
    name: "PREVIOUS_KEY_GRACE_SECS",
    default: 24 * 3600,
    min: 0,
    max: 7 * 24 * 3600,
    unit: "seconds",
    zero_means: Some("never"),
};

/// `QUARANTINE_WRITES_PER_SECOND`: per function instance, far above what a
/// provider sends a receiver with a wrong key (each retry of a delivery
/// already kept costs no new object), while a flood of forgeries costs at
/// most 864,000 puts a day per instance by default (about $4.30 at S3's
/// $0.005 per 1,000; reserved concurrency caps the instances).
pub const QUARANTINE_WRITES_PER_SECOND: NumberSetting = NumberSetting {
    name: "QUARANTINE_WRITES_PER_SECOND",
    default: 10,
    min: 1,
    max: 1000,
    unit: "writes per second",
    zero_means: None,
};

/// `INIT_WARM_UP_MS`: how long init may spend fetching keys and opening the
/// SQS connection (see [`crate::Receiver::warm_up`]). Inside the SDK's 2 s
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
pub const REQUEST_DEADLINE_MS: NumberSetting = NumberSetting {
    name: "REQUEST_DEADLINE_MS",
    default: 10_000,
    min: 1000,
    max: 11_000,
    unit: "milliseconds",
    zero_means: None,
};

/// Every whole-number setting, in the README's order.
pub const NUMBER_SETTINGS: [NumberSetting; 8] = [
    MAX_BODY_BYTES,
    TIMESTAMP_TOLERANCE_SECS,
    SECRET_CACHE_TTL_SECS,
    KEY_REFRESH_INTERVAL_SECS,
    PREVIOUS_KEY_GRACE_SECS,
    REQUEST_DEADLINE_MS,
    INIT_WARM_UP_MS,
    QUARANTINE_WRITES_PER_SECOND,
];

/// Everything a receiver needs to know about its deployment. Read once at
/// start-up: a missing or invalid value makes every request a logged 500
/// rather than a crashed init, so the provider keeps retrying until it is
/// fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `SECRET_ID`: the Secrets Manager secret (name or ARN) with the key(s).
    pub secret_id: String,
    /// `QUEUE_URL`: where verified events go. A URL ending `.fifo` is a FIFO queue.
    pub queue_url: String,
    /// `MAX_BODY_BYTES`: larger bodies are answered 413 before any work.
    pub max_body_bytes: usize,
    /// `TIMESTAMP_TOLERANCE_SECS`: how far a signed delivery timestamp may be
    /// from now (either way) for schemes that sign one; `None`, each
    /// scheme's own.
    pub timestamp_tolerance: Option<Duration>,
    /// `SECRET_CACHE_TTL_SECS`: how long fetched keys are trusted before the
    /// next fetch.
    pub secret_cache_ttl: Duration,
    /// `KEY_REFRESH_INTERVAL_SECS`: the least time between two fetches caused
    /// by signatures that match no cached key.
    pub key_refresh_interval: Duration,
    /// `PREVIOUS_KEY_GRACE_SECS`: how long after the current secret version
    /// was created the `AWSPREVIOUS` version's keys (and header values) are
    /// still accepted; 0 never accepts them.
    pub previous_key_grace: Duration,
    /// `INIT_WARM_UP_MS`: how long init may spend fetching keys and
    /// opening the SQS connection; 0 turns the warm-up off.
    pub warm_up_budget: Duration,
    /// `REQUEST_DEADLINE_MS`: the longest a request may take; past it, the
    /// answer is a 503 and the provider retries.
    pub request_deadline: Duration,
    /// `METRICS_NAMESPACE`: the CloudWatch namespace of the metrics each
    /// request's log line carries (see [`crate::metrics`]).
    pub metrics_namespace: String,
    /// `ALLOWED_SOURCE_IPS`: if set, the only address blocks deliveries may
    /// come from (403 otherwise). Off by default.
    pub allowed_source_ips: Option<Vec<Cidr>>,
    /// `QUARANTINE_BUCKET` and `QUARANTINE_WRITES_PER_SECOND`: where
    /// deliveries refused for their key are kept for release; unset, none
    /// are kept.
    pub quarantine: Option<QuarantineSettings>,
    /// `REQUIRED_HEADER` and `REQUIRED_HEADER_SECRET_ID`: if set, a header
    /// every delivery must carry, with a value from that secret (401
    /// otherwise). Off by default.
    pub required_header: Option<RequiredHeader>,
}

/// Where refused deliveries are kept (see [`crate::quarantine`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineSettings {
    /// `QUARANTINE_BUCKET`: the S3 bucket.
    pub bucket: String,
    /// `QUARANTINE_WRITES_PER_SECOND`: the most writes per second per
    /// function instance.
    pub writes_per_second: u32,
}

/// A static header the provider adds to every delivery (Smart KYC's
/// `x-smart-kyc-api-key`, or an `Authorization` header set in a portal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredHeader {
    /// The header's name, lowercase.
    pub name: String,
    /// The secret holding its value (a plain string, or a JSON object of
    /// several accepted values; `AWSPREVIOUS` is accepted too).
    pub secret_id: String,
}

/// Why the environment does not describe a usable receiver.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is absent or empty.
    #[error("{0} is not set")]
    Missing(&'static str),
    /// A variable is set to something we cannot use.
    #[error("{name} must be {expected}, got {value:?}")]
    Invalid {
        /// The variable's name.
        name: &'static str,
        /// What it should hold.
        expected: String,
        /// What it holds (never a secret: numbers, and names such as
        /// `PROVIDER`'s).
        value: String,
    },
    /// A scheme description (a preset's, or `SCHEME`) can't be used.
    #[error("{of} is not a usable scheme description: {problem}")]
    Scheme {
        /// Whose description: `SCHEME`, or the preset's name.
        of: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env)
    }

    /// Reads the settings through `lookup`, so tests need not touch the
    /// process environment (which parallel tests share).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| required_value(&lookup, name);
        Ok(Settings {
            secret_id: required("SECRET_ID")?,
            queue_url: required("QUEUE_URL")?,
            max_body_bytes: usize::try_from(MAX_BODY_BYTES.read(&lookup)?).unwrap_or(usize::MAX),
            timestamp_tolerance: TIMESTAMP_TOLERANCE_SECS.read_if_set(&lookup)?.map(Duration::from_secs),
            secret_cache_ttl: SECRET_CACHE_TTL_SECS.seconds(&lookup)?,
            key_refresh_interval: KEY_REFRESH_INTERVAL_SECS.seconds(&lookup)?,
            previous_key_grace: PREVIOUS_KEY_GRACE_SECS.seconds(&lookup)?,
            warm_up_budget: INIT_WARM_UP_MS.millis(&lookup)?,
            request_deadline: REQUEST_DEADLINE_MS.millis(&lookup)?,
            metrics_namespace: value(&lookup, "METRICS_NAMESPACE")
                .unwrap_or_else(|| crate::metrics::DEFAULT_NAMESPACE.to_owned()),
            quarantine: match value(&lookup, "QUARANTINE_BUCKET") {
                None => None,
                Some(bucket) => Some(QuarantineSettings {
                    bucket,
                    writes_per_second: u32::try_from(QUARANTINE_WRITES_PER_SECOND.read(&lookup)?).unwrap_or(u32::MAX),
                }),
            },
            allowed_source_ips: match lookup("ALLOWED_SOURCE_IPS").filter(|v| !v.trim().is_empty()) {
                None => None,
                Some(value) => Some(parse_list(&value).filter(|list| !list.is_empty()).ok_or(
                    ConfigError::Invalid {
                        name: "ALLOWED_SOURCE_IPS",
                        expected: "a comma-separated list of addresses or CIDR blocks".to_owned(),
                        value,
                    },
                )?),
            },
            required_header: match (
                value(&lookup, "REQUIRED_HEADER").map(|name| name.to_ascii_lowercase()),
                value(&lookup, "REQUIRED_HEADER_SECRET_ID"),
            ) {
                (None, None) => None,
                (Some(name), Some(secret_id)) => {
                    if lambda_http::http::HeaderName::from_bytes(name.as_bytes()).is_err() {
                        return Err(ConfigError::Invalid {
                            name: "REQUIRED_HEADER",
                            expected: "a header name".to_owned(),
                            value: name,
                        });
                    }
                    Some(RequiredHeader { name, secret_id })
                }
                (Some(_), None) => return Err(ConfigError::Missing("REQUIRED_HEADER_SECRET_ID")),
                (None, Some(_)) => return Err(ConfigError::Missing("REQUIRED_HEADER")),
            },
        })
    }

    /// Whether the queue is FIFO, which needs a group and a deduplication id.
    pub fn fifo_queue(&self) -> bool {
        self.queue_url.ends_with(".fifo")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let env: HashMap<String, String> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Settings::from_lookup(|name| env.get(name).cloned())
    }

    const REQUIRED: [(&str, &str); 2] = [("SECRET_ID", "webhooks/kaunt"), ("QUEUE_URL", "https://q/1/events")];

    /// The required settings and `name` set to `value`.
    fn with_one(name: &str, value: &str) -> Result<Settings, ConfigError> {
        let mut env = REQUIRED.to_vec();
        env.push((name, value));
        settings(&env)
    }

    #[test]
    fn a_refusal_says_what_the_declaration_says() {
        let error = with_one("PREVIOUS_KEY_GRACE_SECS", "a day").unwrap_err();
        assert_eq!(
            error.to_string(),
            "PREVIOUS_KEY_GRACE_SECS must be a whole number of seconds from 0 (never) to 604800, got \"a day\""
        );
        let error = with_one("MAX_BODY_BYTES", "1040385").unwrap_err();
        assert_eq!(
            error.to_string(),
            "MAX_BODY_BYTES must be a whole number of bytes from 1 to 1040384, got \"1040385\""
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
        let readme = include_str!("../../README.md");
        for setting in NUMBER_SETTINGS {
            let row = format!(
                "| `{}` | `{}` | {} to {} {} |",
                setting.name, setting.default, setting.min, setting.max, setting.unit
            );
            assert!(readme.contains(&row), "the README's configuration table lacks {row}");
        }
    }

    #[test]
    fn defaults_apply_when_only_required_settings_are_given() {
        let s = settings(&REQUIRED).unwrap();
        assert_eq!(s.max_body_bytes, 262_144);
        assert_eq!(s.timestamp_tolerance, None);
        assert_eq!(s.secret_cache_ttl, Duration::from_secs(300));
        assert_eq!(s.key_refresh_interval, Duration::from_secs(5));
        assert_eq!(s.previous_key_grace, Duration::from_secs(86_400));
        assert_eq!(s.warm_up_budget, Duration::from_millis(1500));
        assert_eq!(s.request_deadline, Duration::from_secs(10));
        assert!(!s.fifo_queue());
    }

    #[test]
    fn the_request_deadline_stays_inside_codats_15_seconds_with_a_cold_start() {
        let with = |value| with_one("REQUEST_DEADLINE_MS", value);
        assert_eq!(with("2500").unwrap().request_deadline, Duration::from_millis(2500));
        for refused in ["0", "999", "11001"] {
            assert!(
                matches!(
                    with(refused),
                    Err(ConfigError::Invalid {
                        name: "REQUEST_DEADLINE_MS",
                        ..
                    })
                ),
                "{refused}"
            );
        }
    }

    #[test]
    fn the_previous_keys_grace_can_be_none_or_up_to_a_week() {
        let with = |value| with_one("PREVIOUS_KEY_GRACE_SECS", value);
        assert_eq!(with("0").unwrap().previous_key_grace, Duration::ZERO);
        assert_eq!(with("604800").unwrap().previous_key_grace, Duration::from_secs(604_800));
        for refused in ["604801", "-1", "a day"] {
            assert!(
                matches!(
                    with(refused),
                    Err(ConfigError::Invalid {
                        name: "PREVIOUS_KEY_GRACE_SECS",
                        ..
                    })
                ),
                "{refused}"
            );
        }
    }

    #[test]
    fn the_init_warm_up_can_be_shortened_or_turned_off_but_not_overlong() {
        let with = |value| with_one("INIT_WARM_UP_MS", value);
        assert_eq!(with("0").unwrap().warm_up_budget, Duration::ZERO);
        assert_eq!(with("250").unwrap().warm_up_budget, Duration::from_millis(250));
        assert!(matches!(
            with("3001"),
            Err(ConfigError::Invalid {
                name: "INIT_WARM_UP_MS",
                ..
            })
        ));
    }

    #[test]
    fn missing_required_setting_is_named() {
        assert_eq!(settings(&[("SECRET_ID", "x")]), Err(ConfigError::Missing("QUEUE_URL")));
        assert_eq!(
            settings(&[("SECRET_ID", " "), ("QUEUE_URL", "q")]),
            Err(ConfigError::Missing("SECRET_ID"))
        );
    }

    #[test]
    fn numbers_are_validated() {
        let mut env = REQUIRED.to_vec();
        env.push(("MAX_BODY_BYTES", "2000000"));
        assert!(matches!(
            settings(&env),
            Err(ConfigError::Invalid {
                name: "MAX_BODY_BYTES",
                ..
            })
        ));
        let mut env = REQUIRED.to_vec();
        env.push(("TIMESTAMP_TOLERANCE_SECS", "soon"));
        assert!(matches!(
            settings(&env),
            Err(ConfigError::Invalid {
                name: "TIMESTAMP_TOLERANCE_SECS",
                ..
            })
        ));
        let mut env = REQUIRED.to_vec();
        env.extend([("MAX_BODY_BYTES", "1024"), ("SECRET_CACHE_TTL_SECS", "60")]);
        let s = settings(&env).unwrap();
        assert_eq!((s.max_body_bytes, s.secret_cache_ttl), (1024, Duration::from_secs(60)));
    }

    #[test]
    fn defence_in_depth_settings_are_off_by_default_and_validated() {
        let s = settings(&REQUIRED).unwrap();
        assert_eq!((s.allowed_source_ips, s.required_header), (None, None));
        let mut env = REQUIRED.to_vec();
        env.push(("ALLOWED_SOURCE_IPS", "4.159.114.108,20.117.190.191/32"));
        env.extend([
            ("REQUIRED_HEADER", "X-Smart-KYC-Api-Key"),
            ("REQUIRED_HEADER_SECRET_ID", "webhooks/smartkyc-header"),
        ]);
        let s = settings(&env).unwrap();
        assert_eq!(s.allowed_source_ips.map(|l| l.len()), Some(2));
        assert_eq!(s.required_header.unwrap().name, "x-smart-kyc-api-key");
        let mut env = REQUIRED.to_vec();
        env.push(("ALLOWED_SOURCE_IPS", "4.159.114.108/40"));
        assert!(matches!(
            settings(&env),
            Err(ConfigError::Invalid {
                name: "ALLOWED_SOURCE_IPS",
                ..
            })
        ));
        let mut env = REQUIRED.to_vec();
        env.push(("REQUIRED_HEADER", "authorization"));
        assert_eq!(settings(&env), Err(ConfigError::Missing("REQUIRED_HEADER_SECRET_ID")));
    }

    #[test]
    fn the_quarantine_is_off_unless_a_bucket_is_named() {
        assert_eq!(settings(&REQUIRED).unwrap().quarantine, None);
        let mut env = REQUIRED.to_vec();
        env.push(("QUARANTINE_BUCKET", "webhooks-quarantine"));
        let quarantine = settings(&env).unwrap().quarantine.unwrap();
        assert_eq!(
            (quarantine.bucket.as_str(), quarantine.writes_per_second),
            ("webhooks-quarantine", 10)
        );
        env.push(("QUARANTINE_WRITES_PER_SECOND", "0"));
        assert!(matches!(
            settings(&env),
            Err(ConfigError::Invalid {
                name: "QUARANTINE_WRITES_PER_SECOND",
                ..
            })
        ));
    }

    #[test]
    fn fifo_is_recognised_by_the_url() {
        let s = settings(&[("SECRET_ID", "s"), ("QUEUE_URL", "https://q/1/events.fifo")]).unwrap();
        assert!(s.fifo_queue());
    }
}
