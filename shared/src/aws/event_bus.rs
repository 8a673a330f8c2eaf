//! Putting envelopes on an EventBridge bus (`EVENT_BUS_NAME`): one entry
//! per delivery, inline when it fits an entry, otherwise, with a payload
//! bucket, as a claim check (the envelope in S3, the entry's detail saying
//! where: [`webhook_envelope::bus`]). What the entry holds, and how rules
//! route and replay it: docs/events.md.

use std::sync::atomic::AtomicUsize;
use std::time::Duration;

use aws_sdk_eventbridge::config::http::HttpResponse;
use aws_sdk_eventbridge::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_eventbridge::operation::put_events::PutEventsError;
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;
use webhook_envelope::bus::{detail_type, source, EnvelopeHeader, OffloadedDetail};
use webhook_envelope::pointer::PayloadPointer;
use webhook_envelope::Envelope;

use crate::aws::clients::S3Client;
use crate::aws::placement::{Carrier, NotSent, Offload};
use crate::config::{Settings, EVENT_ENTRY_MAX_BYTES};
use crate::error::ReceiveError;

/// EventBridge's entry limit before 2026, which some partitions may still
/// hold: an entry no larger is never taken to be refused for its size.
const SMALLEST_ENTRY_LIMIT: usize = 256 * 1024;

/// The entry error code that says EventBridge won't take what the detail
/// holds (its PutEvents reference limits integers to 64 bits and nesting
/// to 1,100 levels): the same entry fails forever, and only its envelope
/// in S3, with a pointer in the detail, gets through.
const UNFIT_DETAIL: &str = "MalformedDetail";

/// The entry error codes EventBridge documents as worth retrying; any
/// other but [`UNFIT_DETAIL`] (`AccessDeniedException`, `InvalidArgument`,
/// …) fails the same way again, so it is a 503 at once and the provider
/// retries later.
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
    /// Below the smallest entry this bus refused for its size;
    /// `usize::MAX` until one is.
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
    /// The size EventBridge counts against its limit: source, detail type
    /// and detail, in UTF-8 bytes.
    pub size: usize,
    /// The size should EventBridge write every non-ASCII character as a
    /// `\uXXXX` escape when it writes the event out again (moto does): what
    /// [`crate::aws::placement::placement`] weighs, so that the event a
    /// rule delivers still fits its target.
    pub worst_size: usize,
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
        ))
    }

    fn of(source: String, detail_type: String, detail: String) -> Self {
        OutgoingEntry {
            size: source.len() + detail_type.len() + detail.len(),
            worst_size: source.len() + escaped_len(&detail_type) + escaped_len(&detail),
            source,
            detail_type,
            detail,
        }
    }

    /// The envelope's JSON (the object to store) and the entry that points
    /// to it at `pointer` in its stead: the same source and detail type,
    /// and the envelope's members but its payload, read back from its JSON
    /// (only an offloaded entry needs them), so rules route it as they
    /// would the envelope.
    pub fn pointing_to(self, pointer: PayloadPointer) -> Result<(String, OutgoingEntry), ReceiveError> {
        let OutgoingEntry {
            source,
            detail_type,
            detail: envelope_json,
            ..
        } = self;
        let unreadable = |_| ReceiveError::Misconfigured("the payload pointer could not be serialized".into());
        let offloaded = OffloadedDetail {
            header: serde_json::from_str::<EnvelopeHeader>(&envelope_json).map_err(unreadable)?,
            payload_s3_pointer: pointer,
            extended_payload_size: envelope_json.len(),
        };
        let detail = serde_json::to_string(&offloaded).map_err(unreadable)?;
        Ok((envelope_json, Self::of(source, detail_type, detail)))
    }
}

/// `text`'s length with every non-ASCII character written as a JSON
/// escape: `\uXXXX`, or two of them for a character beyond the Basic
/// Multilingual Plane.
fn escaped_len(text: &str) -> usize {
    text.chars()
        .map(|c| match c.len_utf16() {
            _ if c.is_ascii() => 1,
            1 => 6,
            _ => 12,
        })
        .sum()
}

impl EventBusPublisher {
    /// A publisher for `bus` (a name or an ARN), offloading to
    /// `PAYLOAD_BUCKET` through `s3` when `settings` name one.
    pub(crate) fn new(client: Client, bus: String, s3: &S3Client, settings: &Settings) -> Self {
        EventBusPublisher {
            client,
            bus,
            offload: Offload::for_settings(s3, settings),
            entry_limit: AtomicUsize::new(usize::MAX),
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

    /// One `PutEvents` of `entry`: EventBridge's id of the event, or the
    /// error code of an entry it refused.
    async fn put(&self, entry: &OutgoingEntry) -> Result<String, Refusal> {
        let request_entry = PutEventsRequestEntry::builder()
            .event_bus_name(&self.bus)
            .source(&entry.source)
            .detail_type(&entry.detail_type)
            .detail(&entry.detail)
            .build();
        let output = self
            .client
            .put_events()
            .entries(request_entry)
            .send()
            .await
            .map_err(|error| Refusal::Call(call_failed(&error, entry.size)))?;
        // Accepted means what AWS documents an accepted entry to be: an
        // event id, no error code, none failed.
        match output.entries().first() {
            Some(entry) if entry.error_code().is_some() || output.failed_entry_count() > 0 => {
                Err(Refusal::Entry(entry.error_code().unwrap_or("unknown").to_owned()))
            }
            Some(entry) => match entry.event_id().filter(|id| !id.is_empty()) {
                Some(event_id) => Ok(event_id.to_owned()),
                None => Err(Refusal::Call(CallFailure::Other(
                    "PutEvents answered an entry with no event id".into(),
                ))),
            },
            None => Err(Refusal::Call(CallFailure::Other("PutEvents answered no entry".into()))),
        }
    }
}

/// Why one `PutEvents` didn't take the entry.
enum Refusal {
    /// It reported the entry failed, with this code.
    Entry(String),
    /// The call itself failed.
    Call(CallFailure),
}

/// A failed call: refused for the entry's size, or anything else.
enum CallFailure {
    TooLarge,
    Other(String),
}

impl Carrier for EventBusPublisher {
    type Outgoing = OutgoingEntry;
    const LARGEST: usize = EVENT_ENTRY_MAX_BYTES;

    fn size(entry: &OutgoingEntry) -> usize {
        entry.worst_size
    }

    fn payload_bucket(&self) -> Option<&Offload> {
        self.offload.as_ref()
    }

    fn shown_limit(&self) -> &AtomicUsize {
        &self.entry_limit
    }

    fn pointing(entry: OutgoingEntry, pointer: &PayloadPointer) -> Result<(String, OutgoingEntry), ReceiveError> {
        entry.pointing_to(pointer.clone())
    }

    /// Puts the entry until EventBridge accepts it or refuses it for good:
    /// an entry failed with a retryable code is put again after each of
    /// [`ENTRY_RETRY_PAUSES`]; one refused for what it holds, or for its
    /// size, comes back for S3; anything else is a 503.
    async fn send(&self, entry: OutgoingEntry) -> Result<String, NotSent<OutgoingEntry>> {
        let unavailable = |why: String| NotSent::Failed(ReceiveError::EventBusUnavailable(why));
        let mut pauses = ENTRY_RETRY_PAUSES.iter();
        loop {
            let code = match self.put(&entry).await {
                Ok(event_id) => return Ok(event_id),
                Err(Refusal::Call(CallFailure::TooLarge)) => {
                    let size = entry.size;
                    return Err(NotSent::TooLarge(entry, size));
                }
                Err(Refusal::Call(CallFailure::Other(why))) => return Err(unavailable(why)),
                Err(Refusal::Entry(code)) => code,
            };
            if code == UNFIT_DETAIL {
                return Err(NotSent::Unfit(entry, code));
            }
            match pauses.next() {
                Some(pause) if RETRYABLE_ENTRY_ERRORS.contains(&code.as_str()) => tokio::time::sleep(*pause).await,
                _ => return Err(unavailable(format!("PutEvents reported the entry failed: {code}"))),
            }
        }
    }
}

/// What a failed `PutEvents` call means: the entry too large for the bus
/// (EventBridge refuses the whole request, naming its size; taken so only
/// for an entry larger than every bus takes), or anything else, described
/// by the error's code and status alone, since a service's message may
/// quote what it was sent.
fn call_failed(error: &SdkError<PutEventsError, HttpResponse>, size: usize) -> CallFailure {
    let Some(service) = error.as_service_error() else {
        return CallFailure::Other(format!("{}", DisplayErrorContext(error)));
    };
    let code = service.code().unwrap_or("unknown");
    let text = service.message().unwrap_or_default().to_ascii_lowercase();
    if code == "ValidationException" && text.contains("size") && size > SMALLEST_ENTRY_LIMIT {
        return CallFailure::TooLarge;
    }
    let status = error.raw_response().map_or(0, |response| response.status().as_u16());
    CallFailure::Other(format!("PutEvents failed: {code} (HTTP {status})"))
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
        let envelope = envelope(Some("push"), r#"{"ref":"main","x":"\u00e9","y":"é😀"}"#);
        let entry = OutgoingEntry::new(&envelope).unwrap();
        assert_eq!(entry.source, "webhook.github");
        assert_eq!(entry.detail_type, "push");
        assert_eq!(entry.detail, envelope.to_message_body().unwrap());
        // Counted as EventBridge counts an entry: UTF-8 bytes of source,
        // detail type and detail.
        assert_eq!(entry.size, "webhook.github".len() + "push".len() + entry.detail.len());
        // At worst "é" (2 bytes) is written \u00e9 (6) and "😀" (4) as
        // two escapes (12).
        assert_eq!(entry.worst_size, entry.size + (6 - 2) + (12 - 4));
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
