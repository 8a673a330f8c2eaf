//! What every function of the package runs on, and nothing it doesn't:
//! the receivers, the release function and the example consumer all start
//! here, and a consumer built on this crate links none of the receivers'
//! pipeline, schemes or crypto.
//!
//! - [`logging`]: Lambda's log controls, minus raw requests at any level;
//! - [`metric_line`]: metrics carried by the one log line a request writes;
//! - [`sdk`]: the AWS SDK's time limits, retries and trusted roots;
//! - [`setting`]: the one reader of a setting's value (blank is unset);
//! - [`deadline`]: what an invocation's deadline means, emulators included;
//! - [`time`]: times as the functions write them.
//!
//! ```no_run
//! # async fn start() {
//! function_support::logging::init();
//! let aws = function_support::sdk::sdk_config_loader().load().await;
//! # let _ = aws;
//! # }
//! ```

pub mod deadline;
pub mod logging;
pub mod metric_line;
pub mod sdk;
pub mod setting;
pub mod time;
mod trusted_roots;
