//! Configuration: what a receiver reads from its environment, once, at
//! start. Below everything but the errors; nothing here knows a scheme,
//! AWS or a request.

mod numbers;
mod settings;
mod source_ips;

pub(crate) use numbers::SQS_MAX_MESSAGE_BYTES;
pub use numbers::{
    NumberSetting, INIT_WARM_UP_MS, KEY_REFRESH_INTERVAL_SECS, MAX_BODY_BYTES, PREVIOUS_KEY_GRACE_SECS,
    QUARANTINE_WRITES_PER_SECOND, REQUEST_DEADLINE_MS, SECRET_CACHE_TTL_SECS, TIMESTAMP_TOLERANCE_SECS,
};
pub(crate) use settings::{metrics_namespace, required_value};
pub use settings::{QuarantineSettings, RequiredHeaderSetting, Settings};
pub use source_ips::{allowed, parse_list, Cidr};
