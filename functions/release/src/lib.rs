//! Releases quarantined webhooks once their key is fixed.
//!
//! A receiver keeps a delivery it refused for its key in the quarantine
//! bucket ([`webhook_receiver::aws::quarantine`]). This function reads
//! them back, provider by provider, verifies each again with the
//! receivers' own code, and queues what verifies ([`Release`]); what it
//! serves comes from its settings (`settings.rs`), what an invocation
//! asks for from its event (`event.rs`), and how far it got is kept
//! between runs (`progress.rs`).
//! docs/quarantine.md tells the whole story.

mod counts;
mod error;
mod event;
mod lambda;
mod metric_line;
mod progress;
mod run;
mod settings;

pub use counts::Counts;
pub use error::ReleaseError;
pub use lambda::run;
pub use run::Release;
pub use settings::secret_setting;
