//! Putting envelopes on an EventBridge bus (`EVENT_BUS_NAME`): one entry
//! per delivery, inline when it fits an entry, otherwise, with a payload
//! bucket, as a claim check (the envelope in S3, the entry's detail saying
//! where: [`webhook_envelope::bus`]). What the entry holds, and how rules
//! route and replay it: docs/events.md.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_eventbridge::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;
use webhook_envelope::bus::{detail_type, source, EnvelopeHeader, OffloadedDetail};
use webhook_envelope::pointer::PayloadPointer;
use webhook_envelope::Envelope;

use crate::aws::clients::S3Client;
use crate::aws::placement::{deliver, Carrier, Offload, Published};
use crate::config::{Settings, EVENT_ENTRY_MAX_BYTES};
use crate::error::ReceiveError;

/// EventBridge's entry limit before 2026, which some partitions may still
/// hold: an entry no larger is never refused for its size, and never
/// copied in case it is.
const SMALLEST_ENTRY_LIMIT: usize = 256 * 1024;

/// The entry error codes EventBridge documents as worth retrying; any
/// other (`AccessDeniedException`, `InvalidArgument`, …) fails the same way
/// again, so it is a 503 at once and the provider retries later.
const RETRYABLE_ENTRY_ERRORS: [&str; 2] = ["InternalFailure", "ThrottlingException"];

/// The pauses before putting again an entry that failed with a retryable
/// code: three attempts in all, as the SDK's standard retry makes of a
/// failed call (which it retries itself). `REQUEST_DEADLINE_MS` bounds
/// them all.
const ENTRY_RETRY_PAUSES: [Duration; 2] = [Duration::from_millis(25), Duration::from_millis(100)];

/// Puts envelopes on one bus. A 2xx answer is given only after `deliver`
/// returned `Ok`, i.e. after `PutEvents` reported the entry accepted (and,
/// for an offloaded envelope, S3 stored the envelope before it).
pub struct EventBusPublisher {
    client: Client,
    /// The bus, by name or ARN.
    bus: String,
    /// Where envelopes too large for an entry go, when there is a bucket.
    offload: Option<Offload>,
    /// The largest entry this bus took, as far as this process knows:
    /// [`EVENT_ENTRY_MAX_BYTES`], or below the smallest entry it refused
    /// for its size.
    entry_limit: AtomicUsize,
}

/// Everything one entry carries, worked out without the network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEntry {
    /// `webhook.<provider>`.
    pub source: String,
    /// The envelope's event type, or `webhook`.
    pub detail_type: String,
    /// The envelope's JSON (as the queue's message body is it); for an
    /// offloaded envelope, an [`OffloadedDetail`].
    pub detail: String,
    /// The envelope's members but its payload: an offloaded entry's
    /// detail starts from them.
    pub header: EnvelopeHeader,
    /// The size EventBridge counts against its limit: source, detail type
    /// and detail, in UTF-8 bytes.
    pub size: usize,
}

impl OutgoingEntry {
    /// The entry for `envelope`, whatever its size ([`placement`] decides
    /// where it goes).
    pub fn new(envelope: &Envelope) -> Result<Self, ReceiveError> {
        let detail = envelope
            .to_message_body()
            .map_err(|_| ReceiveError::Misconfigured("the envelope could not be serialized".into()))?;
        Ok(Self::of(
            source(&envelope.provider),
            detail_type(envelope).to_owned(),
            detail,
            EnvelopeHeader::of(envelope),
        ))
    }

    fn of(source: String, detail_type: String, detail: String, header: EnvelopeHeader) -> Self {
        OutgoingEntry {
            size: source.len() + detail_type.len() + detail.len(),
            source,
            detail_type,
            detail,
            header,
        }
    }

    /// The envelope's JSON (the object to store) and the entry that points
    /// to it at `pointer` in its stead: the same source and detail type,
    /// so rules route it as they would the envelope.
    pub fn pointing_to(self, pointer: PayloadPointer) -> Result<(String, OutgoingEntry), ReceiveError> {
        let OutgoingEntry {
            source,
            detail_type,
            detail: envelope_json,
            header,
            ..
        } = self;
        let offloaded = OffloadedDetail {
            header: header.clone(),
            payload_s3_pointer: pointer,
            extended_payload_size: envelope_json.len(),
        };
        let detail = serde_json::to_string(&offloaded)
            .map_err(|_| ReceiveError::Misconfigured("the payload pointer could not be serialized".into()))?;
        Ok((envelope_json, Self::of(source, detail_type, detail, header)))
    }
}

impl EventBusPublisher {
    /// A publisher for `bus` (a name or an ARN), offloading to
    /// `PAYLOAD_BUCKET` through `s3` when `settings` name one.
    pub(crate) fn new(client: Client, bus: String, s3: &S3Client, settings: &Settings) -> Self {
        EventBusPublisher {
            client,
            bus,
            offload: Offload::for_settings(s3, settings),
            entry_limit: AtomicUsize::new(EVENT_ENTRY_MAX_BYTES),
        }
    }

    /// Opens the connection to EventBridge ahead of the first request
    /// (during init) with a cheap read of the bus. Any answer, even a
    /// refusal, leaves a warm connection in the pool.
    pub(crate) async fn connect(&self) -> Result<(), String> {
        self.client
            .describe_event_bus()
            .name(&self.bus)
            .send()
            .await
            .map(|_| ())
            .map_err(|error| format!("{}", DisplayErrorContext(&error)))
    }

    /// Puts an entry already made for `provider`, inline or through S3 as
    /// [`deliver`] says.
    pub async fn deliver(&self, provider: &str, entry: OutgoingEntry) -> Result<Published, ReceiveError> {
        deliver(self, provider, entry).await
    }
}

impl Carrier for EventBusPublisher {
    type Outgoing = OutgoingEntry;
    const NEVER_REFUSED_UP_TO: usize = SMALLEST_ENTRY_LIMIT;

    fn size(entry: &OutgoingEntry) -> usize {
        entry.size
    }

    fn payload_bucket(&self) -> Option<&Offload> {
        self.offload.as_ref()
    }

    fn limit(&self) -> usize {
        self.entry_limit.load(Ordering::Relaxed)
    }

    fn refused(&self, size: usize) {
        self.entry_limit.store(size - 1, Ordering::Relaxed);
    }

    /// Stores the entry's envelope in the payload bucket, then puts the
    /// entry that points to it. S3 failing is a 503 with nothing put;
    /// EventBridge failing after it leaves an object no entry names, which
    /// the bucket's lifecycle removes.
    async fn send_pointer(
        &self,
        offload: &Offload,
        provider: &str,
        entry: OutgoingEntry,
    ) -> Result<Published, ReceiveError> {
        let pointer = offload.store.fresh_pointer(provider)?;
        let (envelope_json, pointing) = entry.pointing_to(pointer.clone())?;
        offload.store.put(&pointer, envelope_json).await?;
        let event_id = self.send(pointing).await?;
        Ok(Published {
            message_id: event_id,
            offloaded: Some(pointer),
        })
    }

    /// One entry, put until EventBridge accepts it or an attempt fails for
    /// good; EventBridge's id of the event. An attempt that may be retried
    /// puts a copy, the last one the entry itself.
    async fn send(&self, entry: OutgoingEntry) -> Result<String, ReceiveError> {
        let size = entry.size;
        let mut entry = Some(
            PutEventsRequestEntry::builder()
                .event_bus_name(&self.bus)
                .source(entry.source)
                .detail_type(entry.detail_type)
                .detail(entry.detail)
                .build(),
        );
        let mut pauses = ENTRY_RETRY_PAUSES.iter();
        loop {
            let pause = pauses.next();
            let attempt = match pause {
                Some(_) => entry.clone(),
                None => entry.take(),
            };
            let refused = match self
                .client
                .put_events()
                .set_entries(attempt.map(|e| vec![e]))
                .send()
                .await
            {
                Ok(output) => match output.entries().first() {
                    Some(accepted) if accepted.error_code().is_none() && output.failed_entry_count() == 0 => {
                        return Ok(accepted.event_id().unwrap_or_default().to_owned())
                    }
                    Some(failed) => failed.error_code().unwrap_or("unknown").to_owned(),
                    None => return Err(ReceiveError::EventBusUnavailable("PutEvents answered no entry".into())),
                },
                Err(error) => return Err(call_failed(&error, size)),
            };
            match pause {
                Some(pause) if RETRYABLE_ENTRY_ERRORS.contains(&refused.as_str()) => tokio::time::sleep(*pause).await,
                _ => {
                    return Err(ReceiveError::EventBusUnavailable(format!(
                        "PutEvents reported the entry failed: {refused}"
                    )))
                }
            }
        }
    }
}

/// What a failed `PutEvents` call means: the entry too large for the bus
/// (EventBridge refuses the whole request, naming its size), or a 503.
fn call_failed<E, R>(error: &aws_sdk_eventbridge::error::SdkError<E, R>, size: usize) -> ReceiveError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let service = error.as_service_error();
    let code = service.and_then(ProvideErrorMetadata::code).unwrap_or_default();
    let text = service.and_then(ProvideErrorMetadata::message).unwrap_or_default();
    if code == "ValidationException" && text.to_ascii_lowercase().contains("size") {
        ReceiveError::EnvelopeTooLarge { size }
    } else {
        ReceiveError::EventBusUnavailable(format!("{}", DisplayErrorContext(error)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    fn envelope(event_type: Option<&str>, payload: &str) -> Envelope {
        Envelope {
            provider: "github".into(),
            event_type: event_type.map(str::to_owned),
            event_id: "d-1".into(),
            tenant: None,
            received_at: "2026-12-06T09:00:00.000Z".into(),
            payload: RawValue::from_string(payload.into()).unwrap(),
            payload_format: None,
            unsigned: None,
        }
    }

    #[test]
    fn an_entry_is_the_envelope_from_webhook_dot_provider_by_event_type() {
        let envelope = envelope(Some("push"), r#"{"ref":"main","x":"\u00e9"}"#);
        let entry = OutgoingEntry::new(&envelope).unwrap();
        assert_eq!(entry.source, "webhook.github");
        assert_eq!(entry.detail_type, "push");
        assert_eq!(entry.detail, envelope.to_message_body().unwrap());
        // Counted as EventBridge counts an entry: UTF-8 bytes of source,
        // detail type and detail.
        assert_eq!(entry.size, "webhook.github".len() + "push".len() + entry.detail.len());
        let untyped = OutgoingEntry::new(&self::envelope(None, "{}")).unwrap();
        assert_eq!(untyped.detail_type, "webhook");
    }

    #[test]
    fn an_offloaded_entry_points_to_the_envelope_it_leaves_in_s3() {
        let envelope = envelope(Some("push"), r#"{"ref":"main"}"#);
        let entry = OutgoingEntry::new(&envelope).unwrap();
        let pointer = PayloadPointer {
            s3_bucket_name: "payloads".into(),
            s3_key: "github/00ff.json".into(),
        };
        let (object, pointing) = entry.clone().pointing_to(pointer.clone()).unwrap();
        assert_eq!(object, entry.detail);
        assert_eq!(
            (pointing.source.as_str(), pointing.detail_type.as_str()),
            ("webhook.github", "push")
        );
        let detail: OffloadedDetail = serde_json::from_str(&pointing.detail).unwrap();
        assert_eq!(detail.payload_s3_pointer, pointer);
        assert_eq!(detail.extended_payload_size, object.len());
        assert_eq!(detail.header, EnvelopeHeader::of(&envelope));
        assert_eq!(
            pointing.size,
            "webhook.github".len() + "push".len() + pointing.detail.len()
        );
    }
}
