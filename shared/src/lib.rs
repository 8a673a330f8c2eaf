//! Receive third-party webhooks on AWS Lambda: verify each one over its raw
//! bytes, put it on SQS, and answer at once.
//!
//! One binary (`functions/receiver`) serves every provider: [`run_receiver`]
//! picks the scheme `PROVIDER` names, a preset or a described custom one
//! ([`schemes`]).
//!
//! ```no_run
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), lambda_http::Error> {
//!     webhook_receiver::run_receiver().await
//! }
//! ```
//!
//! The pipeline ([`Receiver`]) answers 2xx only after SQS accepted the
//! message, 4xx for anything the sender got wrong (nothing is queued), and
//! 5xx when AWS fails, so the provider retries. Consumers read the queue's
//! messages as [`Envelope`]s, from the `webhook-envelope` crate, which is
//! all a consumer needs of this package.
//!
//! The layers, each leaning only on those listed before it:
//!
//! | module | holds |
//! | --- | --- |
//! | [`error`] | what can stop a delivery or a function, and its status |
//! | `codec` | hex, base64, PEM, constant-time comparison, the strict JSON reader |
//! | [`config`] | the settings, read once from the environment |
//! | `lambda` | Lambda events read into requests, and the parts of a request the pipeline reads |
//! | [`schemes`] | every provider's scheme, its keys and, for tests and tools, its signing |
//! | [`aws`] | the secret cache, the queue, the quarantine store |
//! | `pipeline` | screen, verify and seal, enqueue, keep, answer |
//! | [`runtime`] | the Lambda entry point |
//!
//! [`internals`] is the one door for fuzz targets, benchmarks and tests
//! that drive single steps.

pub mod aws;
mod codec;
pub mod config;
pub mod error;
pub mod internals;
mod lambda;
mod pipeline;
pub mod runtime;
pub mod schemes;

/// What verification is made of, as one digest made at build time: this
/// library's sources and presets, the envelope's and function-support's
/// sources, the manifests and the locked versions of every dependency
/// (`build/source_digest.rs`). The release
/// function tries every kept delivery again when it changes, so a
/// deployed fix to verification reaches the deliveries it would have
/// accepted without anyone bumping a version (docs/quarantine.md).
pub const SOURCE_DIGEST: &str = env!("WEBHOOK_RECEIVER_SOURCE_DIGEST");

#[cfg(test)]
#[path = "../build/source_digest.rs"]
mod source_digest;

pub use config::Settings;
pub use error::{ConfigError, ReceiveError, VerifyError};
pub use pipeline::{receive_offline, Received, Receiver};
pub use runtime::{run, run_receiver, Respond, Served};
pub use webhook_envelope::{self as envelope, Envelope};
