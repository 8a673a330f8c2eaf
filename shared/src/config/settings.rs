//! A receiver's configuration, read once from the environment through the
//! one settings reader ([`function_support::setting::value`]: blank is
//! unset), so that a missing or invalid value is a logged 500 for every
//! request rather than a crashed init.

use std::time::Duration;

use function_support::setting::{process_env, value};

use webhook_envelope::ENVELOPE_OVERHEAD_BYTES;

use super::numbers::{
    EVENT_ENTRY_MAX_BYTES, INIT_WARM_UP_MS, KEY_REFRESH_INTERVAL_SECS, MAX_BODY_BYTES, OFFLOAD_THRESHOLD_BYTES,
    PREVIOUS_KEY_GRACE_SECS, QUARANTINE_WRITES_PER_SECOND, REQUEST_DEADLINE_MS, SECRET_CACHE_TTL_SECS,
    SQS_MAX_MESSAGE_BYTES, TIMESTAMP_TOLERANCE_SECS,
};
use super::source_ips::{parse_list, Cidr};
use crate::error::ConfigError;

/// `METRICS_NAMESPACE` when it is unset: the CloudWatch namespace of the
/// metrics each function's log lines carry.
pub(crate) const DEFAULT_NAMESPACE: &str = "WebhookReceivers";

/// A setting that must be there: its value, or `Missing`.
pub(crate) fn required_value(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
) -> Result<String, ConfigError> {
    value(lookup, name).ok_or(ConfigError::Missing(name))
}

/// `METRICS_NAMESPACE` as `lookup` gives it, or the default.
pub(crate) fn metrics_namespace(lookup: &impl Fn(&str) -> Option<String>) -> String {
    value(lookup, "METRICS_NAMESPACE").unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned())
}

/// Everything a receiver needs to know about its deployment. Read once at
/// start-up: a missing or invalid value makes every request a logged 500
/// rather than a crashed init, so the provider keeps retrying until it is
/// fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `SECRET_ID`: the Secrets Manager secret (name or ARN) with the key(s).
    pub secret_id: String,
    /// `EVENT_BUS_NAME` or `QUEUE_URL`: where verified events go.
    pub destination: Destination,
    /// `MAX_BODY_BYTES`: larger bodies are answered 413 before any work
    /// (and, without [`Settings::payload`], those too large for the queue:
    /// see [`Settings::body_limit`]).
    pub max_body_bytes: usize,
    /// `PAYLOAD_BUCKET` and `OFFLOAD_THRESHOLD_BYTES`: where envelopes too
    /// large for the queue go, a pointer to them on the queue; unset, such
    /// a body is a 413.
    pub payload: Option<PayloadSettings>,
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
    /// opening the SQS (or EventBridge) connection; 0 turns the warm-up off.
    pub warm_up_budget: Duration,
    /// `REQUEST_DEADLINE_MS`: the longest a request may take; past it, the
    /// answer is a 503 and the provider retries.
    pub request_deadline: Duration,
    /// `METRICS_NAMESPACE`: the CloudWatch namespace of the metrics each
    /// request's log line carries.
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
    pub required_header: Option<RequiredHeaderSetting>,
    /// `VERIFY_TOKEN_SECRET_ID`: the secret whose text is the verify token
    /// a handshake proves itself with (Meta's `hub.verify_token`); needed
    /// only by a scheme with such a handshake.
    pub verify_token_secret_id: Option<String>,
}

/// Where verified events go, chosen per stack: the bus when
/// `EVENT_BUS_NAME` is set (`QUEUE_URL` is then not read), the queue
/// otherwise. What each gives a consumer: docs/events.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// `QUEUE_URL`: the verified-events queue. A URL ending `.fifo` is a
    /// FIFO queue.
    Queue(String),
    /// `EVENT_BUS_NAME`: an EventBridge bus, by name or ARN, whose rules
    /// route each event.
    EventBus(String),
}

/// Where refused deliveries are kept (see [`crate::aws::quarantine`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineSettings {
    /// `QUARANTINE_BUCKET`: the S3 bucket.
    pub bucket: String,
    /// `QUARANTINE_WRITES_PER_SECOND`: the most writes per second per
    /// function instance.
    pub writes_per_second: u32,
}

/// Where envelopes too large for the queue go (see
/// [`crate::aws::payload_store`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayloadSettings {
    /// `PAYLOAD_BUCKET`: the S3 bucket.
    pub bucket: String,
    /// `OFFLOAD_THRESHOLD_BYTES`: the largest message sent inline.
    pub threshold: usize,
}

/// A static header the provider adds to every delivery (Smart KYC's
/// `x-smart-kyc-api-key`, or an `Authorization` header set in a portal).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredHeaderSetting {
    /// The header's name, lowercase.
    pub name: String,
    /// The secret holding its value (a plain string, or a JSON object of
    /// several accepted values; `AWSPREVIOUS` is accepted too).
    pub secret_id: String,
}

impl Settings {
    /// These settings, if they suit a scheme that carries
    /// `unsigned_headers` to the queue and whose handshakes do or don't
    /// need a verify token: `REQUIRED_HEADER` can't be one of those headers
    /// (its value is a shared secret, which must never reach a message),
    /// and a handshake proven by a verify token needs
    /// `VERIFY_TOKEN_SECRET_ID`.
    pub fn fit_for(self, unsigned_headers: &[String], needs_verify_token: bool) -> Result<Settings, ConfigError> {
        match &self.required_header {
            Some(required) if unsigned_headers.contains(&required.name) => Err(ConfigError::Invalid {
                name: "REQUIRED_HEADER",
                expected: "a header the scheme doesn't carry to the queue as an unsigned one".to_owned(),
                value: required.name.clone(),
            }),
            _ if needs_verify_token && self.verify_token_secret_id.is_none() => {
                Err(ConfigError::Missing("VERIFY_TOKEN_SECRET_ID"))
            }
            _ => Ok(self),
        }
    }

    /// Reads the settings from the process environment.
    pub(crate) fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(process_env)
    }

    /// Reads the settings through `lookup`, so tests need not touch the
    /// process environment (which parallel tests share).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| required_value(&lookup, name);
        Ok(Settings {
            secret_id: required("SECRET_ID")?,
            destination: match value(&lookup, "EVENT_BUS_NAME") {
                Some(bus) => Destination::EventBus(bus),
                None => Destination::Queue(required("QUEUE_URL")?),
            },
            max_body_bytes: usize::try_from(MAX_BODY_BYTES.read(&lookup)?).unwrap_or(usize::MAX),
            payload: match value(&lookup, "PAYLOAD_BUCKET") {
                None => None,
                Some(bucket) => Some(PayloadSettings {
                    bucket,
                    threshold: usize::try_from(OFFLOAD_THRESHOLD_BYTES.read(&lookup)?).unwrap_or(usize::MAX),
                }),
            },
            timestamp_tolerance: TIMESTAMP_TOLERANCE_SECS.read_if_set(&lookup)?.map(Duration::from_secs),
            secret_cache_ttl: SECRET_CACHE_TTL_SECS.seconds(&lookup)?,
            key_refresh_interval: KEY_REFRESH_INTERVAL_SECS.seconds(&lookup)?,
            previous_key_grace: PREVIOUS_KEY_GRACE_SECS.seconds(&lookup)?,
            warm_up_budget: INIT_WARM_UP_MS.millis(&lookup)?,
            request_deadline: REQUEST_DEADLINE_MS.millis(&lookup)?,
            metrics_namespace: metrics_namespace(&lookup),
            quarantine: match value(&lookup, "QUARANTINE_BUCKET") {
                None => None,
                Some(bucket) => Some(QuarantineSettings {
                    bucket,
                    writes_per_second: u32::try_from(QUARANTINE_WRITES_PER_SECOND.read(&lookup)?).unwrap_or(u32::MAX),
                }),
            },
            allowed_source_ips: match value(&lookup, "ALLOWED_SOURCE_IPS") {
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
                    Some(RequiredHeaderSetting { name, secret_id })
                }
                (Some(_), None) => return Err(ConfigError::Missing("REQUIRED_HEADER_SECRET_ID")),
                (None, Some(_)) => return Err(ConfigError::Missing("REQUIRED_HEADER")),
            },
            verify_token_secret_id: value(&lookup, "VERIFY_TOKEN_SECRET_ID"),
        })
    }

    /// The largest body accepted: `MAX_BODY_BYTES`, and without a payload
    /// bucket no more than a message (or a bus entry) carries beside its
    /// envelope, so that a body that could never be sent costs no key
    /// fetch or verification. (An envelope that turns out larger than the
    /// destination takes is a 413 there all the same.)
    pub fn body_limit(&self) -> usize {
        let carried = match self.destination {
            Destination::Queue(_) => SQS_MAX_MESSAGE_BYTES,
            Destination::EventBus(_) => EVENT_ENTRY_MAX_BYTES,
        };
        match self.payload {
            Some(_) => self.max_body_bytes,
            None => self.max_body_bytes.min(carried - ENVELOPE_OVERHEAD_BYTES),
        }
    }

    /// Whether the destination is a FIFO queue, which needs a group and a
    /// deduplication id.
    pub(crate) fn fifo_queue(&self) -> bool {
        matches!(&self.destination, Destination::Queue(url) if url.ends_with(".fifo"))
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
    fn defaults_apply_when_only_required_settings_are_given() {
        let s = settings(&REQUIRED).unwrap();
        assert_eq!(s.max_body_bytes, 6_291_456);
        assert_eq!(s.payload, None);
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
        env.push(("MAX_BODY_BYTES", "7000000"));
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
        assert_eq!(s.allowed_source_ips.clone().map(|l| l.len()), Some(2));
        assert_eq!(s.required_header.clone().unwrap().name, "x-smart-kyc-api-key");
        // Its value is a secret: never one of the headers queued unsigned.
        let queued = ["x-smart-kyc-api-key".to_owned()];
        assert!(matches!(
            s.clone().fit_for(&queued, false),
            Err(ConfigError::Invalid {
                name: "REQUIRED_HEADER",
                ..
            })
        ));
        assert!(s.clone().fit_for(&["x-event".to_owned()], false).is_ok());
        // A handshake proven by a verify token needs its secret.
        assert_eq!(
            s.clone().fit_for(&[], true),
            Err(ConfigError::Missing("VERIFY_TOKEN_SECRET_ID"))
        );
        let mut env = REQUIRED.to_vec();
        env.push(("VERIFY_TOKEN_SECRET_ID", "webhooks/meta-verify-token"));
        assert!(settings(&env).unwrap().fit_for(&[], true).is_ok());
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
    fn a_blank_namespace_or_address_list_is_an_unset_one() {
        let mut env = REQUIRED.to_vec();
        env.extend([("METRICS_NAMESPACE", "  "), ("ALLOWED_SOURCE_IPS", " \n")]);
        let s = settings(&env).unwrap();
        assert_eq!(s.metrics_namespace, DEFAULT_NAMESPACE);
        assert_eq!(s.allowed_source_ips, None);
        let lookup = |name: &str| (name == "METRICS_NAMESPACE").then(|| " Webhooks/prod\n".to_owned());
        assert_eq!(metrics_namespace(&lookup), "Webhooks/prod");
        assert_eq!(metrics_namespace(&|_: &str| Some("\t".to_owned())), DEFAULT_NAMESPACE);
    }

    #[test]
    fn without_a_payload_bucket_no_body_is_taken_that_the_queue_cant_carry() {
        let mut env = REQUIRED.to_vec();
        let s = settings(&env).unwrap();
        assert_eq!(s.body_limit(), 1_048_576 - 8 * 1024);
        env.push(("MAX_BODY_BYTES", "4096"));
        assert_eq!(settings(&env).unwrap().body_limit(), 4096);
        env.push(("PAYLOAD_BUCKET", "webhook-payloads"));
        assert_eq!(settings(&env).unwrap().body_limit(), 4096);
        let env = [REQUIRED.as_slice(), &[("PAYLOAD_BUCKET", "webhook-payloads")]].concat();
        let s = settings(&env).unwrap();
        assert_eq!(s.body_limit(), 6_291_456);
        assert_eq!(
            s.payload,
            Some(PayloadSettings {
                bucket: "webhook-payloads".into(),
                threshold: 1_048_576
            })
        );
        let everything = [env.as_slice(), &[("OFFLOAD_THRESHOLD_BYTES", "0")]].concat();
        assert_eq!(settings(&everything).unwrap().payload.map(|p| p.threshold), Some(0));
        let over = [env.as_slice(), &[("OFFLOAD_THRESHOLD_BYTES", "1048577")]].concat();
        assert!(matches!(
            settings(&over),
            Err(ConfigError::Invalid {
                name: "OFFLOAD_THRESHOLD_BYTES",
                ..
            })
        ));
    }

    #[test]
    fn a_bus_name_sends_events_to_the_bus_and_the_queue_url_is_not_read() {
        assert_eq!(
            settings(&REQUIRED).unwrap().destination,
            Destination::Queue("https://q/1/events".into())
        );
        let bus = [("SECRET_ID", "webhooks/kaunt"), ("EVENT_BUS_NAME", "webhooks")];
        let on_the_bus = settings(&bus).unwrap();
        assert_eq!(on_the_bus.destination, Destination::EventBus("webhooks".into()));
        assert!(!on_the_bus.fifo_queue());
        // Without a payload bucket, no body larger than an entry carries.
        assert_eq!(on_the_bus.body_limit(), 1_048_576 - 8_192 - 8_192);
        let mut both = REQUIRED.to_vec();
        both.push((
            "EVENT_BUS_NAME",
            "arn:aws:events:eu-west-1:123456789012:event-bus/webhooks",
        ));
        assert!(matches!(settings(&both).unwrap().destination, Destination::EventBus(arn) if arn.starts_with("arn:")));
        assert!(matches!(
            settings(&[("SECRET_ID", "webhooks/kaunt")]),
            Err(ConfigError::Missing("QUEUE_URL"))
        ));
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
