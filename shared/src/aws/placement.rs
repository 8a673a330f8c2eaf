//! Where an envelope goes, the queue's and the bus's one rule: as it is
//! when it fits, otherwise, with a payload bucket, to S3 with a pointer in
//! its stead ([`placement`]); how both follow it, learning a lower limit
//! from a refusal ([`deliver`]); and what sending it did ([`Published`]).

use webhook_envelope::pointer::PayloadPointer;

use crate::aws::clients::S3Client;
use crate::aws::payload_store::PayloadStore;
use crate::config::Settings;
use crate::error::ReceiveError;

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

/// A destination that carries envelopes as they are up to a limit (which
/// it may only show by refusing one) and through the payload bucket
/// beyond it: the queue and the bus, which [`deliver`] serves alike.
pub(crate) trait Carrier {
    /// What carries one envelope there: a message, an entry.
    type Outgoing: Clone;
    /// Nothing this small is refused for its size by any destination of
    /// the kind, so nothing this small is copied in case it is.
    const NEVER_REFUSED_UP_TO: usize;
    /// Its size, as the destination counts it.
    fn size(outgoing: &Self::Outgoing) -> usize;
    /// The payload bucket, when there is one.
    fn payload_bucket(&self) -> Option<&Offload>;
    /// The largest it takes, as far as this process knows.
    fn limit(&self) -> usize;
    /// Takes the limit to be below `size` from now on.
    fn refused(&self, size: usize);
    /// Sends it as it is: the destination's id, or `EnvelopeTooLarge` when
    /// the destination refuses it for its size.
    async fn send(&self, outgoing: Self::Outgoing) -> Result<String, ReceiveError>;
    /// Stores its envelope in the bucket, then sends what points to it.
    async fn send_pointer(
        &self,
        offload: &Offload,
        provider: &str,
        outgoing: Self::Outgoing,
    ) -> Result<Published, ReceiveError>;
}

/// Sends `outgoing` (one of `provider`'s envelopes) through `carrier`: as
/// it is when it fits the carrier's limit and the offload threshold,
/// otherwise its envelope to S3 first and then a pointer. One the
/// destination refuses as too large all the same (its limit never read,
/// or lowered since) goes through S3 at once, and the limit is taken to
/// be below it from then on. Something that fits nowhere is a 413
/// (retrying can't help); any other failure is the carrier's 5xx.
pub(crate) async fn deliver<C: Carrier>(
    carrier: &C,
    provider: &str,
    outgoing: C::Outgoing,
) -> Result<Published, ReceiveError> {
    let offload = carrier.payload_bucket();
    let size = C::size(&outgoing);
    let limit = carrier
        .limit()
        .min(offload.map_or(usize::MAX, |offload| offload.threshold));
    match (placement(size, limit, offload.is_some()), offload) {
        (Placement::Offloaded, Some(offload)) => carrier.send_pointer(offload, provider, outgoing).await,
        (Placement::Inline, offload) => {
            let spare = offload
                .filter(|_| size > C::NEVER_REFUSED_UP_TO)
                .map(|offload| (offload, outgoing.clone()));
            match (carrier.send(outgoing).await, spare) {
                (Err(ReceiveError::EnvelopeTooLarge { .. }), Some((offload, outgoing))) => {
                    carrier.refused(size);
                    carrier.send_pointer(offload, provider, outgoing).await
                }
                (result, _) => result.map(|message_id| Published {
                    message_id,
                    offloaded: None,
                }),
            }
        }
        _ => Err(ReceiveError::EnvelopeTooLarge { size }),
    }
}
