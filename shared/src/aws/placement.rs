//! Where an envelope goes, the queue's and the bus's one rule: as it is
//! when it fits, otherwise, with a payload bucket, to S3 with a pointer in
//! its stead ([`placement`]); how both follow it, learning a lower limit
//! from a refusal ([`deliver`]); and what sending it did ([`Published`]).

use std::sync::atomic::{AtomicUsize, Ordering};

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

/// Why a send didn't land: refused for something the payload bucket
/// cures (the outgoing given back, to go through S3), or failed.
pub(crate) enum NotSent<T> {
    /// Refused for its size, with that size as the destination counts
    /// it: the destination takes less than this process thought.
    TooLarge(T, usize),
    /// Refused for what its envelope holds (EventBridge's limits on JSON:
    /// an integer beyond 64 bits, deep nesting), with the destination's
    /// code. A pointer holds no payload, so S3 carries it.
    Unfit(T, String),
    /// Any other failure, and the answer it gets.
    Failed(ReceiveError),
}

/// A destination that carries envelopes as they are up to a limit (which
/// it may only show by refusing one) and through the payload bucket
/// beyond it: the queue and the bus, which [`deliver`] serves alike.
pub(crate) trait Carrier {
    /// What carries one envelope there: a message, an entry.
    type Outgoing;
    /// The largest the destination's kind ever takes.
    const LARGEST: usize;
    /// The size [`placement`] weighs against the limit.
    fn size(outgoing: &Self::Outgoing) -> usize;
    /// The payload bucket, when there is one.
    fn payload_bucket(&self) -> Option<&Offload>;
    /// The limit this destination showed (read at init, or below the
    /// smallest it refused); `usize::MAX` while unknown.
    fn shown_limit(&self) -> &AtomicUsize;
    /// Sends it as it is: the destination's id, or why it didn't land.
    async fn send(&self, outgoing: Self::Outgoing) -> Result<String, NotSent<Self::Outgoing>>;
    /// The envelope's JSON (the object to store) and what points to it at
    /// `pointer` in its stead.
    fn pointing(outgoing: Self::Outgoing, pointer: &PayloadPointer) -> Result<(String, Self::Outgoing), ReceiveError>;

    /// The largest it takes, as far as this process knows.
    fn limit(&self) -> usize {
        self.shown_limit().load(Ordering::Relaxed).min(Self::LARGEST)
    }
}

/// Sends `outgoing` (one of `provider`'s envelopes) through `carrier`: as
/// it is when it fits the carrier's limit and the offload threshold,
/// otherwise its envelope to S3 first and then a pointer. One the
/// destination refuses all the same, for its size (its limit never read,
/// or lowered since: then the limit is taken to be below it from now on)
/// or for what it holds, goes through S3 at once. Without a bucket, one
/// too large is a 413 (retrying can't help) and one unfit a 500, so that
/// the provider retries until an operator sets `PAYLOAD_BUCKET`; any other
/// failure is the carrier's 5xx.
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
    let refused = match (placement(size, limit, offload.is_some()), offload) {
        (Placement::Offloaded, Some(offload)) => return through_s3(carrier, offload, provider, outgoing).await,
        (Placement::Inline, _) => match carrier.send(outgoing).await {
            Ok(message_id) => {
                return Ok(Published {
                    message_id,
                    offloaded: None,
                })
            }
            Err(not_sent) => not_sent,
        },
        _ => return Err(ReceiveError::EnvelopeTooLarge { size }),
    };
    match (refused, offload) {
        (NotSent::TooLarge(outgoing, refused), Some(offload)) => {
            carrier.shown_limit().fetch_min(refused - 1, Ordering::Relaxed);
            through_s3(carrier, offload, provider, outgoing).await
        }
        (NotSent::Unfit(outgoing, _), Some(offload)) => through_s3(carrier, offload, provider, outgoing).await,
        (NotSent::TooLarge(..), None) => Err(ReceiveError::EnvelopeTooLarge { size }),
        (NotSent::Unfit(_, code), None) => Err(ReceiveError::Misconfigured(format!(
            "the destination refuses this envelope ({code}); with PAYLOAD_BUCKET it would go through S3"
        ))),
        (NotSent::Failed(error), _) => Err(error),
    }
}

/// Stores the envelope in the payload bucket, then sends what points to
/// it. S3 failing is a 503 with nothing sent; the destination failing
/// after it leaves an object nothing names, which the bucket's lifecycle
/// removes (it is never deleted here: a send cut short may still have
/// landed). A destination too small for the pointer itself is the
/// deployment's fault: a 500, found before anything is stored when the
/// limit is known, so that the provider keeps the delivery until an
/// operator fixes it.
async fn through_s3<C: Carrier>(
    carrier: &C,
    offload: &Offload,
    provider: &str,
    outgoing: C::Outgoing,
) -> Result<Published, ReceiveError> {
    let pointer = offload.store.fresh_pointer(provider)?;
    let (envelope_json, pointing) = C::pointing(outgoing, &pointer)?;
    let too_small = || ReceiveError::Misconfigured("the destination's limit is smaller than a pointer".into());
    if C::size(&pointing) > carrier.limit() {
        return Err(too_small());
    }
    offload.store.put(&pointer, envelope_json).await?;
    match carrier.send(pointing).await {
        Ok(message_id) => Ok(Published {
            message_id,
            offloaded: Some(pointer),
        }),
        Err(NotSent::TooLarge(..) | NotSent::Failed(ReceiveError::EnvelopeTooLarge { .. })) => Err(too_small()),
        Err(NotSent::Unfit(_, code)) => Err(ReceiveError::Misconfigured(format!(
            "the destination refuses the pointer too ({code})"
        ))),
        Err(NotSent::Failed(error)) => Err(error),
    }
}
