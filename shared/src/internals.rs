//! The one door to the receiver's single steps, for the code that drives
//! them one at a time: the fuzz targets, the benchmarks, the integration
//! tests and the sample-event tool. A function needs none of it (they use
//! [`crate::run_receiver`], [`crate::Receiver`] and the public layers);
//! nothing here is a promise to anyone else, and everything it reaches
//! stays private to the crate otherwise.
//!
//! - the request → envelope path's CPU step, [`seal`] (verify, then the
//!   envelope: what [`crate::receive_offline`] runs after its key-free
//!   checks), the message it would send ([`OutgoingMessage`]) or the bus
//!   entry ([`OutgoingEntry`], with [`Outgoing`] either), where
//!   that goes ([`placement`]: inline, or its envelope through S3) and the
//!   answer a refusal gets ([`refused`]);
//! - Lambda events read as the runtime reads them ([`read_event`]);
//! - the codecs the schemes decode keys and signatures with.

pub use crate::aws::destination::Outgoing;
pub use crate::aws::event_bus::OutgoingEntry;
pub use crate::aws::placement::{placement, Placement};
pub use crate::aws::queue::{FifoIds, OutgoingMessage};
pub use crate::codec::encoding::{decode_base64, decode_hex, encode_base64, sha256_hex};
pub use crate::codec::pem::decode_pem;
pub use crate::lambda::event::{read as read_event, Converted, UnreadableEvent};
pub use crate::pipeline::answer::refused;
pub use crate::pipeline::seal::{seal, Sealed};
