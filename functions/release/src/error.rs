//! Why a release could not run at all.

use webhook_receiver::ConfigError;

/// Why a release could not run at all: the invocation fails, logged.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A setting is missing or invalid.
    #[error("misconfigured: {0}")]
    Config(#[from] ConfigError),
    /// `QUARANTINE_BUCKET` is not set.
    #[error("QUARANTINE_BUCKET is not set")]
    NoBucket,
    /// The event names no provider we know.
    #[error("the event names no known provider")]
    UnknownProvider,
    /// The event names a preset whose `<PRESET>_SECRET_ID` is not set.
    #[error("{provider} is not served: set {setting}")]
    NotServed {
        /// The preset's name.
        provider: String,
        /// The setting that would serve it.
        setting: String,
    },
    /// The event is not one this function takes.
    #[error("the event is not {{\"provider\": \"<name>\"}}, {{}}, a schedule's or a Secrets Manager change's")]
    BadEvent,
}
