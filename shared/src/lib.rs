//! Receive third-party webhooks on AWS Lambda: verify each one over its raw
//! bytes, put it on SQS, and answer at once.
//!
//! One binary (`functions/receiver`) serves every provider: [`run_receiver`]
//! picks the scheme `PROVIDER` names, a preset or a described custom one
//! (see [`provider`] and [`schemes`]).
//!
//! ```no_run
//! #[tokio::main]
//! async fn main() -> Result<(), lambda_http::Error> {
//!     webhook_receiver::run_receiver().await
//! }
//! ```
//!
//! The pipeline ([`Receiver`]) answers 2xx only after SQS accepted the
//! message, 4xx for anything the sender got wrong (nothing is queued), and
//! 5xx when AWS fails, so the provider retries. Consumers read the queue's
//! messages as [`Envelope`]s.

pub mod aws;
pub mod constant_time;
pub mod defences;
pub mod delivery;
pub mod encoding;
pub mod envelope;
pub mod error;
pub mod json;
pub mod keys;
pub mod lambda_event;
pub mod logging;
pub mod metrics;
pub mod pem;
pub mod provider;
pub mod quarantine;
pub mod queue;
pub mod receiver;
mod runtime;
pub mod schemes;
pub mod secret_cache;
pub mod settings;
#[cfg(any(test, feature = "signing"))]
pub mod signing;
pub mod source_ip;
pub mod time;
pub mod tls_roots;

pub use envelope::Envelope;
pub use error::{ReceiveError, VerifyError};
pub use receiver::Receiver;
pub use runtime::{run, run_receiver, Respond, Served};
pub use settings::Settings;
