//! Configuration: what a receiver reads from its environment, once, at
//! start. Below everything but the errors; nothing here knows a scheme,
//! AWS or a request.

mod numbers;
mod settings;
mod source_ips;

pub use numbers::{NumberSetting, INIT_WARM_UP_MS};
pub(crate) use numbers::{EVENT_ENTRY_MAX_BYTES, SQS_MAX_MESSAGE_BYTES};
pub(crate) use settings::{metrics_namespace, required_value};
pub use settings::{Destination, PayloadSettings, QuarantineSettings, RequiredHeaderSetting, Settings};
pub(crate) use source_ips::allowed;
pub use source_ips::{parse_list, Cidr};
