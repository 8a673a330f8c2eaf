//! Where an envelope goes, the queue's and the bus's one rule: as it is
//! when it fits, otherwise, with a payload bucket, to S3 with a pointer in
//! its stead ([`placement`]), and what sending it did ([`Published`]).

use webhook_envelope::pointer::PayloadPointer;

use crate::aws::clients::S3Client;
use crate::aws::payload_store::PayloadStore;
use crate::config::Settings;

/// Where a message (or a bus entry) goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// On the queue (or the bus) as it is.
    Inline,
    /// Its envelope to the payload bucket, a pointer on the queue (or in
    /// the entry).
    Offloaded,
    /// Nowhere: too large for the destination, and no bucket (a 413).
    TooLarge,
}

/// Where a message of `size` bytes (as SQS, or EventBridge, counts them)
/// goes when the largest the destination should carry is `limit`: the one
/// rule, which the property tests hold at its boundary.
pub fn placement(size: usize, limit: usize, can_offload: bool) -> Placement {
    match (size <= limit, can_offload) {
        (true, _) => Placement::Inline,
        (false, true) => Placement::Offloaded,
        (false, false) => Placement::TooLarge,
    }
}

/// The payload bucket as a destination uses it: envelopes larger than the
/// destination takes, or than `threshold`, go there.
pub(crate) struct Offload {
    /// The bucket.
    pub(crate) store: PayloadStore,
    /// `OFFLOAD_THRESHOLD_BYTES`: the largest message or entry sent inline.
    pub(crate) threshold: usize,
}

impl Offload {
    /// The bucket `settings` name (`PAYLOAD_BUCKET`), through `s3`; `None`
    /// when they name none.
    pub(crate) fn for_settings(s3: &S3Client, settings: &Settings) -> Option<Self> {
        settings.payload.as_ref().map(|payload| Offload {
            store: PayloadStore::new(s3.clone(), payload.bucket.clone()),
            threshold: payload.threshold,
        })
    }
}

/// What a send did: the id the destination gave and, for an offloaded
/// envelope, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// SQS's id of the message, or EventBridge's id of the event.
    pub message_id: String,
    /// The envelope's object, when the message or entry points to it.
    pub offloaded: Option<PayloadPointer>,
}
