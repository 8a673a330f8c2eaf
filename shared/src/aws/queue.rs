//! Putting envelopes on the verified-events queue: inline when the
//! message fits, otherwise, with a payload bucket, as a claim check (the
//! envelope in S3, a pointer on the queue, as AWS's SQS Extended Client
//! writes them); what is sent where and why: docs/queue.md ("Large
//! deliveries").

use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName};
use aws_sdk_sqs::Client;
use webhook_envelope::pointer::{PayloadPointer, EXTENDED_PAYLOAD_SIZE};
use webhook_envelope::{refused_by_sqs, Envelope};

use crate::aws::clients::S3Client;
use crate::aws::placement::{Carrier, NotSent, Offload};
use crate::codec::encoding::sha256_hex;
use crate::config::{Settings, SQS_MAX_MESSAGE_BYTES};
use crate::error::ReceiveError;

/// The smallest `MaximumMessageSize` SQS lets a queue have: a message no
/// larger fits every queue.
const SMALLEST_QUEUE_LIMIT: usize = 1024;

/// Sends envelopes to one queue. A 2xx answer is given only after
/// `deliver` returned `Ok`, i.e. after SQS stored the message (and, for an
/// offloaded envelope, S3 stored the envelope before it).
pub struct QueuePublisher {
    client: Client,
    queue_url: String,
    /// Where envelopes too large for the queue go, when there is a bucket.
    offload: Option<Offload>,
    /// The queue's `MaximumMessageSize` as init read it, or below the
    /// smallest message it refused; `usize::MAX` while unknown.
    queue_limit: AtomicUsize,
}

impl QueuePublisher {
    /// A publisher for `queue_url`, offloading to `PAYLOAD_BUCKET` through
    /// `s3` when `settings` name one. (A FIFO queue's ids are in each
    /// message: [`OutgoingMessage::new`].)
    pub(crate) fn new(client: Client, queue_url: String, s3: &S3Client, settings: &Settings) -> Self {
        QueuePublisher {
            client,
            queue_url,
            offload: Offload::for_settings(s3, settings),
            queue_limit: AtomicUsize::new(usize::MAX),
        }
    }

    /// Opens the connection to SQS ahead of the first request (during
    /// init) with the cheapest call there is, which also tells the queue's
    /// `MaximumMessageSize`, so that a message above it goes through S3
    /// at once. Any answer, even a refusal, leaves a warm connection in
    /// the pool.
    pub(crate) async fn connect(&self) -> Result<(), String> {
        let attributes = self
            .client
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .attribute_names(QueueAttributeName::MaximumMessageSize)
            .send()
            .await
            .map_err(|error| format!("{}", DisplayErrorContext(&error)))?;
        let limit = attributes
            .attributes()
            .and_then(|attributes| attributes.get(&QueueAttributeName::MaximumMessageSize))
            .and_then(|size| size.parse::<usize>().ok());
        if let Some(limit) = limit {
            self.queue_limit.fetch_min(limit, Ordering::Relaxed);
        }
        Ok(())
    }
}

impl Carrier for QueuePublisher {
    type Outgoing = OutgoingMessage;
    const LARGEST: usize = SQS_MAX_MESSAGE_BYTES;

    fn size(message: &OutgoingMessage) -> usize {
        message.size
    }

    fn payload_bucket(&self) -> Option<&Offload> {
        self.offload.as_ref()
    }

    fn shown_limit(&self) -> &AtomicUsize {
        &self.queue_limit
    }

    fn pointing(message: OutgoingMessage, pointer: &PayloadPointer) -> Result<(String, OutgoingMessage), ReceiveError> {
        let (envelope_json, remainder) = message.into_parts();
        let pointing = remainder.pointing_to(pointer, envelope_json.len())?;
        Ok((envelope_json, pointing))
    }

    /// One `SendMessage`; SQS's message id. A queue may take less than SQS
    /// allows or init learnt (its limit never read, or lowered since): a
    /// message it refuses as too long comes back for S3 when there is a
    /// bucket, so one that might be is copied first; below the smallest
    /// limit a queue can have, none is refused, and none is copied.
    async fn send(&self, message: OutgoingMessage) -> Result<String, NotSent<OutgoingMessage>> {
        let spare = (self.offload.is_some() && message.size > SMALLEST_QUEUE_LIMIT).then(|| message.clone());
        let size = message.size;
        let failed = |error| NotSent::Failed(error);
        let mut request = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(message.body);
        for (name, value) in message.attributes {
            request = request.message_attributes(name, attribute("String", value).map_err(failed)?);
        }
        if let Some(bytes) = message.extended_payload_size {
            request = request.message_attributes(
                EXTENDED_PAYLOAD_SIZE,
                attribute("Number", bytes.to_string()).map_err(failed)?,
            );
        }
        if let Some(fifo) = message.fifo {
            request = request
                .message_group_id(fifo.group_id)
                .message_deduplication_id(fifo.deduplication_id);
        }
        match request.send().await {
            Ok(output) => Ok(output.message_id().unwrap_or_default().to_owned()),
            Err(error) => {
                let code = error
                    .as_service_error()
                    .and_then(ProvideErrorMetadata::code)
                    .unwrap_or_default();
                let text = error
                    .as_service_error()
                    .and_then(ProvideErrorMetadata::message)
                    .unwrap_or_default();
                if code.contains("TooLong") || (code == "InvalidParameterValue" && text.contains("shorter than")) {
                    Err(spare.map_or(failed(ReceiveError::EnvelopeTooLarge { size }), |spare| {
                        NotSent::TooLarge(spare, size)
                    }))
                } else {
                    Err(failed(ReceiveError::QueueUnavailable(format!(
                        "{}",
                        DisplayErrorContext(&error)
                    ))))
                }
            }
        }
    }
}

/// Everything one SendMessage carries, worked out without the network so
/// that it can be checked on its own (the fuzz targets do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// The envelope's JSON, with characters SQS refuses escaped; for a
    /// pointer message, the pointer.
    pub body: String,
    /// `String` attributes, with characters SQS refuses replaced.
    pub attributes: Vec<(&'static str, String)>,
    /// For a pointer message, the `Number` attribute
    /// [`EXTENDED_PAYLOAD_SIZE`]: the envelope's size in bytes.
    pub extended_payload_size: Option<usize>,
    /// The ids a FIFO queue needs; `None` for a standard queue.
    pub fifo: Option<FifoIds>,
    /// The size SQS counts against its limit: body plus attributes.
    pub size: usize,
}

/// A FIFO message's group and deduplication ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FifoIds {
    /// `provider/tenant`: events of one tenant stay in order.
    pub group_id: String,
    /// SHA-256 of [`Envelope::deduplication_key`] (provider, tenant and
    /// event id), so a retried delivery is dropped by SQS within its
    /// five-minute window, and another tenant's event with the same id is not.
    pub deduplication_id: String,
}

/// A message with its body taken out: what a pointer message keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WithoutBody {
    attributes: Vec<(&'static str, String)>,
    fifo: Option<FifoIds>,
}

impl OutgoingMessage {
    /// The message for `envelope`, whatever its size ([`placement`]
    /// decides where it goes).
    pub fn new(envelope: &Envelope, fifo: bool) -> Result<Self, ReceiveError> {
        let body = envelope
            .to_message_body()
            .map_err(|_| ReceiveError::Misconfigured("the envelope could not be serialized".into()))?;
        let mut attributes = vec![
            ("provider", envelope.provider.clone()),
            ("eventId", sendable(&envelope.event_id)),
        ];
        if let Some(event_type) = envelope.event_type.as_ref().filter(|t| !t.is_empty()) {
            attributes.push(("eventType", sendable(event_type)));
        }
        let fifo = fifo.then(|| FifoIds {
            group_id: fifo_token(&match &envelope.tenant {
                Some(tenant) => format!("{}/{}", envelope.provider, tenant),
                None => envelope.provider.clone(),
            }),
            deduplication_id: sha256_hex(envelope.deduplication_key().as_bytes()),
        });
        Ok(Self::of(body, attributes, None, fifo))
    }

    /// A message of these parts, its size counted as SQS counts it: the
    /// body, and each attribute's name, type and value.
    fn of(
        body: String,
        attributes: Vec<(&'static str, String)>,
        extended_payload_size: Option<usize>,
        fifo: Option<FifoIds>,
    ) -> Self {
        let strings: usize = attributes
            .iter()
            .map(|(name, value)| name.len() + "String".len() + value.len())
            .sum();
        let number = extended_payload_size.map_or(0, |size| {
            EXTENDED_PAYLOAD_SIZE.len() + "Number".len() + size.to_string().len()
        });
        OutgoingMessage {
            size: body.len() + strings + number,
            body,
            attributes,
            extended_payload_size,
            fifo,
        }
    }

    /// The body (the envelope's JSON, the object to store when offloaded)
    /// and the rest, without a copy of either.
    pub fn into_parts(self) -> (String, WithoutBody) {
        let OutgoingMessage {
            body, attributes, fifo, ..
        } = self;
        (body, WithoutBody { attributes, fifo })
    }
}

impl WithoutBody {
    /// The pointer message for an envelope of `envelope_bytes` stored at
    /// `pointer`: the same attributes, so that filters work unchanged, the
    /// same FIFO ids, so that SQS deduplicates an offloaded retry with an
    /// inline one, and [`EXTENDED_PAYLOAD_SIZE`], which marks it.
    pub fn pointing_to(self, pointer: &PayloadPointer, envelope_bytes: usize) -> Result<OutgoingMessage, ReceiveError> {
        let body = pointer
            .to_message_body()
            .map_err(|_| ReceiveError::Misconfigured("the payload pointer could not be serialized".into()))?;
        Ok(OutgoingMessage::of(
            body,
            self.attributes,
            Some(envelope_bytes),
            self.fifo,
        ))
    }
}

/// `value` with the characters SQS refuses in attributes replaced.
fn sendable(value: &str) -> String {
    value
        .chars()
        .map(|c| if refused_by_sqs(c) { '\u{FFFD}' } else { c })
        .collect()
}

/// A message attribute of `data_type` (`String`, `Number`).
fn attribute(data_type: &str, value: String) -> Result<MessageAttributeValue, ReceiveError> {
    MessageAttributeValue::builder()
        .data_type(data_type)
        .string_value(value)
        .build()
        .map_err(|_| ReceiveError::Misconfigured("a message attribute could not be built".into()))
}

/// FIFO group ids allow 128 printable ASCII characters; anything else is
/// replaced by its hash, which keeps distinct values distinct.
fn fifo_token(value: &str) -> String {
    if value.len() <= 128 && value.bytes().all(|b| b.is_ascii_graphic()) {
        value.to_owned()
    } else {
        sha256_hex(value.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::placement::{placement, Placement};

    fn envelope(event_type: &str, payload: String) -> Envelope {
        Envelope {
            provider: "kaunt".to_owned(),
            event_type: Some(event_type.to_owned()),
            event_id: "e-1".into(),
            tenant: Some("acme".into()),
            received_at: "2026-11-23T04:00:00.000Z".into(),
            payload: serde_json::value::RawValue::from_string(payload).unwrap(),
            payload_format: None,
            unsigned: None,
        }
    }

    #[test]
    fn a_message_carries_sendable_attributes_and_fifo_ids() {
        let envelope = envelope("odd\u{FFFF}type", r#"{"a":1}"#.into());
        let standard = OutgoingMessage::new(&envelope, false).unwrap();
        assert_eq!(standard.fifo, None);
        assert_eq!(
            standard.attributes,
            vec![
                ("provider", "kaunt".to_owned()),
                ("eventId", "e-1".to_owned()),
                ("eventType", "odd\u{FFFD}type".to_owned())
            ]
        );
        assert_eq!(standard.body, envelope.to_message_body().unwrap());
        let fifo = OutgoingMessage::new(&envelope, true).unwrap().fifo.unwrap();
        assert_eq!(fifo.group_id, "kaunt/acme");
        // printf '%s' '["kaunt","acme","e-1"]' | sha256sum
        assert_eq!(
            fifo.deduplication_id,
            "8fcd588edb519a974498044f38a4438dec86250db5d35945da127c6465f8f5b6"
        );
    }

    fn pointer() -> PayloadPointer {
        PayloadPointer {
            s3_bucket_name: "webhook-payloads".into(),
            s3_key: "kaunt/00112233445566778899aabbccddeeff.json".into(),
        }
    }

    #[test]
    fn a_pointer_message_keeps_the_attributes_and_ids_and_counts_its_own_size() {
        let inline = OutgoingMessage::new(&envelope("proposal.completed", r#"{"a":1}"#.into()), true).unwrap();
        let (object, rest) = inline.clone().into_parts();
        assert_eq!(object, inline.body);
        let pointing = rest.pointing_to(&pointer(), object.len()).unwrap();
        assert_eq!(
            pointing.body,
            r#"["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"webhook-payloads","s3Key":"kaunt/00112233445566778899aabbccddeeff.json"}]"#
        );
        assert_eq!(pointing.attributes, inline.attributes);
        assert_eq!(pointing.fifo, inline.fifo);
        assert_eq!(pointing.extended_payload_size, Some(object.len()));
        let counted = pointing.body.len()
            + "provider".len()
            + "String".len()
            + "kaunt".len()
            + "eventId".len()
            + "String".len()
            + "e-1".len()
            + "eventType".len()
            + "String".len()
            + "proposal.completed".len()
            + "ExtendedPayloadSize".len()
            + "Number".len()
            + object.len().to_string().len();
        assert_eq!(pointing.size, counted);
    }

    #[test]
    fn without_a_bucket_a_message_over_the_limit_goes_nowhere() {
        assert_eq!(placement(1_048_577, SQS_MAX_MESSAGE_BYTES, false), Placement::TooLarge);
        assert_eq!(placement(1_048_577, SQS_MAX_MESSAGE_BYTES, true), Placement::Offloaded);
        assert_eq!(placement(1_048_576, SQS_MAX_MESSAGE_BYTES, false), Placement::Inline);
        assert_eq!(placement(1, 0, true), Placement::Offloaded);
    }

    proptest::proptest! {
        /// At the boundary, one byte either way: inline exactly when the
        /// message fits, and an offloaded one is the inline message's
        /// envelope byte for byte, its pointer carrying the same
        /// attributes and FIFO ids.
        #[test]
        fn inline_exactly_when_it_fits_and_otherwise_the_same_envelope_through_s3(
            padding in 0_usize..3000,
            wide in proptest::bool::ANY,
            fifo in proptest::bool::ANY,
            offset in 0_usize..5,
        ) {
            let text = if wide { "\u{e9}".repeat(padding) } else { "x".repeat(padding) };
            let inline = OutgoingMessage::new(&envelope("t", format!("\"{text}\"")), fifo).unwrap();
            // The size SQS counts, written out: the body, and each
            // attribute's name, type and value.
            let counted = inline.body.len()
                + inline
                    .attributes
                    .iter()
                    .map(|(name, value)| name.len() + "String".len() + value.len())
                    .sum::<usize>();
            let limit = counted + offset - 2;
            let expected = if counted <= limit { Placement::Inline } else { Placement::Offloaded };
            proptest::prop_assert_eq!(placement(inline.size, limit, true), expected);
            proptest::prop_assert_eq!(
                placement(inline.size, limit, false),
                if expected == Placement::Inline { Placement::Inline } else { Placement::TooLarge }
            );
            let (object, rest) = inline.clone().into_parts();
            let pointing = rest.pointing_to(&pointer(), object.len()).unwrap();
            proptest::prop_assert_eq!(&object, &inline.body);
            proptest::prop_assert_eq!(pointing.extended_payload_size, Some(inline.body.len()));
            proptest::prop_assert_eq!(&pointing.attributes, &inline.attributes);
            proptest::prop_assert_eq!(&pointing.fifo, &inline.fifo);
            proptest::prop_assert_eq!(PayloadPointer::from_message_body(&pointing.body), Some(pointer()));
        }
    }

    #[test]
    fn fifo_tokens_are_always_valid() {
        assert_eq!(fifo_token("kravia/acme"), "kravia/acme");
        assert_eq!(fifo_token("kravia/a b").len(), 64);
        assert_eq!(fifo_token(&"x".repeat(129)).len(), 64);
        assert_ne!(fifo_token("kravia/a b"), fifo_token("kravia/a c"));
    }
}
