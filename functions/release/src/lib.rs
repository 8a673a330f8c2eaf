//! Releases quarantined webhooks once their key is fixed.
//!
//! A receiver keeps a delivery it refused for its key in the quarantine
//! bucket ([`webhook_receiver::aws::quarantine`]). This function reads
//! them back, provider by provider, verifies each again with the
//! receivers' own code, and queues what verifies ([`run`]); what it
//! serves comes from its [`settings`], what an invocation asks for from
//! its [`event`], and how far it got is kept between runs ([`progress`]).
//! docs/quarantine.md tells the whole story.

pub mod counts;
pub mod error;
pub mod event;
mod lambda;
mod metric_line;
pub mod progress;
pub mod run;
pub mod settings;

pub use counts::Counts;
pub use error::ReleaseError;
pub use lambda::run;
pub use run::{Release, STOP_MARGIN};
pub use settings::{secret_setting, setting_in_any_case};
