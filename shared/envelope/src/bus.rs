//! Envelopes on an EventBridge bus (`EVENT_BUS_NAME`): the entry a
//! receiver puts, and the event a rule hands its target. The entry's
//! `Source` is `webhook.<provider>`, its `DetailType` the envelope's
//! `eventType` (or `webhook`), its `Detail` the envelope itself, so that a
//! rule can match on any of them. An envelope too large for an entry is
//! stored in S3 and the detail says where ([`OffloadedDetail`]). A rule's
//! SQS target receives the whole event, the envelope as its `detail`
//! ([`BusEvent`]). Routing, replay and what a consumer does about replayed
//! events: docs/events.md.
//!
//! ```
//! use webhook_envelope::bus::{BusEvent, Carried};
//!
//! let body = r#"{"version":"0","id":"6a7e","detail-type":"push","source":"webhook.github",
//!     "time":"2026-12-06T09:00:00Z","region":"eu-west-1","resources":[],
//!     "detail":{"provider":"github","eventType":"push","eventId":"d-1","tenant":null,
//!               "receivedAt":"2026-12-06T09:00:00.000Z","payload":{"ref":"main"}}}"#;
//! let event = BusEvent::from_message_body(body).unwrap();
//! assert_eq!(event.source, "webhook.github");
//! assert!(matches!(event.carried().unwrap(), Carried::Inline(envelope) if envelope.event_id == "d-1"));
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::pointer::PayloadPointer;
use crate::Envelope;

/// What every entry's `Source` starts with; the provider's name follows.
pub const SOURCE_PREFIX: &str = "webhook.";

/// The `DetailType` of an envelope with no event type.
pub const DEFAULT_DETAIL_TYPE: &str = "webhook";

/// The longest `DetailType` EventBridge takes, in characters. A longer
/// event type (they are capped at [`crate::MAX_ID_CHARS`]) is sent as
/// [`DEFAULT_DETAIL_TYPE`]; the detail keeps it whole.
pub const MAX_DETAIL_TYPE_CHARS: usize = 128;

/// The entry's `Source` for `provider`: `webhook.<provider>`.
pub fn source(provider: &str) -> String {
    format!("{SOURCE_PREFIX}{provider}")
}

/// The entry's `DetailType` for `envelope`: its event type, or
/// [`DEFAULT_DETAIL_TYPE`] when it has none (or an empty one, or one
/// longer than EventBridge takes).
pub fn detail_type(envelope: &Envelope) -> &str {
    match envelope.event_type.as_deref() {
        Some(event_type) if !event_type.is_empty() && event_type.chars().count() <= MAX_DETAIL_TYPE_CHARS => event_type,
        _ => DEFAULT_DETAIL_TYPE,
    }
}

/// An envelope's members but `payload`: what an offloaded entry's detail
/// keeps, so that rules match it as they would the envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvelopeHeader {
    /// As [`Envelope::provider`].
    pub provider: String,
    /// As [`Envelope::event_type`].
    pub event_type: Option<String>,
    /// As [`Envelope::event_id`].
    pub event_id: String,
    /// As [`Envelope::tenant`].
    pub tenant: Option<String>,
    /// As [`Envelope::received_at`].
    pub received_at: String,
    /// As [`Envelope::payload_format`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_format: Option<String>,
    /// As [`Envelope::unsigned`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsigned: Option<BTreeMap<String, String>>,
}

impl EnvelopeHeader {
    /// `envelope`'s members but its payload.
    pub fn of(envelope: &Envelope) -> Self {
        EnvelopeHeader {
            provider: envelope.provider.clone(),
            event_type: envelope.event_type.clone(),
            event_id: envelope.event_id.clone(),
            tenant: envelope.tenant.clone(),
            received_at: envelope.received_at.clone(),
            payload_format: envelope.payload_format.clone(),
            unsigned: envelope.unsigned.clone(),
        }
    }
}

/// The detail of an entry whose envelope went to the payload bucket: the
/// envelope's header, and where the whole envelope is. The object holds
/// exactly the envelope's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OffloadedDetail {
    /// The envelope's members but `payload`.
    #[serde(flatten)]
    pub header: EnvelopeHeader,
    /// Where the envelope is: the same pointer the queue's claim check
    /// carries.
    pub payload_s3_pointer: PayloadPointer,
    /// The envelope's size in bytes.
    pub extended_payload_size: usize,
}

/// An EventBridge event as a rule's target receives it (on SQS, as the
/// message body), with the members a consumer reads.
#[derive(Debug, Deserialize)]
pub struct BusEvent {
    /// EventBridge's id of the event; a replay gives the same event a new one.
    pub id: Option<String>,
    /// `webhook.<provider>`.
    pub source: String,
    /// The entry's `DetailType`.
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    /// Set when the event comes from a replay of the archive: the replay's name.
    #[serde(rename = "replay-name")]
    pub replay_name: Option<String>,
    /// The envelope, or an [`OffloadedDetail`].
    pub detail: Box<RawValue>,
}

/// What a bus event's detail carries.
#[derive(Debug)]
pub enum Carried {
    /// The envelope itself.
    Inline(Envelope),
    /// A pointer to the envelope in the payload bucket.
    Offloaded(OffloadedDetail),
}

impl BusEvent {
    /// The event a message body holds, or `None` when it is no event of
    /// ours (an envelope sent straight to the queue, a claim-check
    /// pointer, or another source's event).
    pub fn from_message_body(body: &str) -> Option<Self> {
        let event: BusEvent = serde_json::from_str(body).ok()?;
        event.source.starts_with(SOURCE_PREFIX).then_some(event)
    }

    /// The envelope the detail is, or the pointer it holds instead.
    pub fn carried(&self) -> Result<Carried, serde_json::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Marker {
            payload_s3_pointer: Option<serde::de::IgnoredAny>,
        }
        let marker: Marker = serde_json::from_str(self.detail.get())?;
        match marker.payload_s3_pointer {
            Some(_) => serde_json::from_str(self.detail.get()).map(Carried::Offloaded),
            None => serde_json::from_str(self.detail.get()).map(Carried::Inline),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(event_type: Option<&str>) -> Envelope {
        Envelope {
            provider: "github".into(),
            event_type: event_type.map(str::to_owned),
            event_id: "d-1".into(),
            tenant: None,
            received_at: "2026-12-06T09:00:00.000Z".into(),
            payload: RawValue::from_string(r#"{"ref":"main"}"#.into()).unwrap(),
            payload_format: None,
            unsigned: Some(BTreeMap::from([("x-github-event".into(), "push".into())])),
        }
    }

    #[test]
    fn the_detail_type_is_the_event_type_when_eventbridge_takes_it() {
        assert_eq!(detail_type(&envelope(Some("push"))), "push");
        assert_eq!(detail_type(&envelope(None)), "webhook");
        assert_eq!(detail_type(&envelope(Some(""))), "webhook");
        let longest = "é".repeat(128);
        assert_eq!(detail_type(&envelope(Some(&longest))), longest);
        assert_eq!(detail_type(&envelope(Some(&"é".repeat(129)))), "webhook");
        assert_eq!(source("github"), "webhook.github");
    }

    #[test]
    fn an_offloaded_detail_keeps_every_member_but_the_payload_and_reads_back() {
        let pointer = PayloadPointer {
            s3_bucket_name: "payloads".into(),
            s3_key: "github/00ff.json".into(),
        };
        let detail = OffloadedDetail {
            header: EnvelopeHeader::of(&envelope(Some("push"))),
            payload_s3_pointer: pointer,
            extended_payload_size: 3_000_000,
        };
        let json = serde_json::to_string(&detail).unwrap();
        assert_eq!(
            json,
            r#"{"provider":"github","eventType":"push","eventId":"d-1","tenant":null,"receivedAt":"2026-12-06T09:00:00.000Z","unsigned":{"x-github-event":"push"},"payloadS3Pointer":{"s3BucketName":"payloads","s3Key":"github/00ff.json"},"extendedPayloadSize":3000000}"#
        );
        let body = format!(r#"{{"id":"1","source":"webhook.github","detail-type":"push","detail":{json}}}"#);
        let carried = BusEvent::from_message_body(&body).unwrap().carried().unwrap();
        assert!(matches!(carried, Carried::Offloaded(read) if read == detail));
    }

    #[test]
    fn only_our_sources_events_are_read_as_bus_events() {
        let envelope = serde_json::to_string(&envelope(None)).unwrap();
        assert!(BusEvent::from_message_body(&envelope).is_none());
        let other = r#"{"source":"aws.s3","detail-type":"Object Created","detail":{}}"#;
        assert!(BusEvent::from_message_body(other).is_none());
        let replayed = format!(
            r#"{{"source":"webhook.github","detail-type":"webhook","replay-name":"after-fix","detail":{envelope}}}"#
        );
        let event = BusEvent::from_message_body(&replayed).unwrap();
        assert_eq!(event.replay_name.as_deref(), Some("after-fix"));
        assert!(matches!(event.carried().unwrap(), Carried::Inline(read) if read.event_id == "d-1"));
    }
}
