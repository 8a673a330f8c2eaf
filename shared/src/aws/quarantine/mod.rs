//! The quarantine: deliveries refused for their key, kept in S3 so that
//! they can be released once the key is fixed (docs/quarantine.md).
//! [`record`] is what is kept of one delivery; [`store`] is the bucket and
//! its layout, which receivers write and the release function reads.

pub mod record;
pub mod store;

pub use record::{BodyEncoding, QuarantinedDelivery, RefusalReason};
pub use store::{KeptObject, Listing, QuarantineStore, Stored, Unreadable};
