//! Make genuine (and forged) webhook deliveries the way each provider signs
//! them, as API Gateway events: the sample events in `events/` (rendered
//! again at the time of sending for local runs), and events for your own
//! keys.

mod request;
mod samples;

pub use request::{api_gateway_event, preset_scheme, sign, EventOptions, SignedRequest, SAMPLE_SIGNED_URL};
pub use samples::{
    render, render_at, stale_samples, write_samples, Forgery, Sample, TestKeys, SAMPLES, SAMPLE_TIMESTAMP,
};
pub use webhook_receiver::schemes::signing::Message;

use std::path::PathBuf;

/// Everything the tool can fail at.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
    /// A key could not sign.
    #[error(transparent)]
    Signing(#[from] webhook_receiver::schemes::signing::SigningError),
    /// JSON in or out.
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The command line is wrong.
    #[error("{0}")]
    Usage(String),
}
