//! Putting envelopes on the verified-events queue.

use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_sqs::types::{MessageAttributeValue, QueueAttributeName};
use aws_sdk_sqs::Client;

use crate::codec::encoding::sha256_hex;
use crate::config::{Settings, SQS_MAX_MESSAGE_BYTES};
use crate::error::ReceiveError;
use webhook_envelope::{refused_by_sqs, Envelope};

/// Sends envelopes to one queue. A 2xx answer is given only after
/// `publish` returned `Ok`, i.e. after SQS stored it.
pub struct QueuePublisher {
    client: Client,
    queue_url: String,
    fifo: bool,
}

impl QueuePublisher {
    /// A publisher for `queue_url`; `fifo` (see [`crate::config::Settings::fifo_queue`])
    /// adds the group and deduplication ids a FIFO queue requires.
    pub(crate) fn new(client: Client, queue_url: String, fifo: bool) -> Self {
        QueuePublisher {
            client,
            queue_url,
            fifo,
        }
    }

    /// A publisher for the queue `settings` name (`QUEUE_URL`, FIFO when
    /// it ends `.fifo`).
    pub fn for_settings(client: Client, settings: &Settings) -> Self {
        Self::new(client, settings.queue_url.clone(), settings.fifo_queue())
    }

    /// Opens the connection to SQS ahead of the first request (during
    /// init) with the cheapest call there is, for the queue's ARN. Any
    /// answer, even a refusal, leaves a warm connection in the pool.
    pub(crate) async fn connect(&self) -> Result<(), String> {
        self.client
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .map(|_| ())
            .map_err(|error| format!("{}", DisplayErrorContext(&error)))
    }

    /// Sends one envelope and returns SQS's message id. A message SQS
    /// refuses as too large is a 413 (retrying can't help); any other
    /// failure is a 503 so that the provider retries.
    pub(crate) async fn publish(&self, envelope: &Envelope) -> Result<String, ReceiveError> {
        self.send(OutgoingMessage::new(envelope, self.fifo)?).await
    }

    /// Sends a message already made (as [`crate::pipeline::receive_offline`]
    /// makes it), as `publish` does.
    pub async fn send(&self, message: OutgoingMessage) -> Result<String, ReceiveError> {
        let mut request = self
            .client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(message.body);
        for (name, value) in message.attributes {
            request = request.message_attributes(name, string_attribute(value)?);
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
                    Err(ReceiveError::EnvelopeTooLarge { size: message.size })
                } else {
                    Err(ReceiveError::QueueUnavailable(format!(
                        "{}",
                        DisplayErrorContext(&error)
                    )))
                }
            }
        }
    }
}

/// Everything one SendMessage carries, worked out without the network so
/// that it can be checked on its own (the fuzz targets do).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// The envelope's JSON, with characters SQS refuses escaped.
    pub body: String,
    /// `String` attributes, with characters SQS refuses replaced.
    pub attributes: Vec<(&'static str, String)>,
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

impl OutgoingMessage {
    /// The message for `envelope`. An envelope over SQS's size limit is a
    /// 413 here, before any call.
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
        let size = body.len()
            + attributes
                .iter()
                .map(|(name, value)| name.len() + "String".len() + value.len())
                .sum::<usize>();
        if size > SQS_MAX_MESSAGE_BYTES {
            return Err(ReceiveError::EnvelopeTooLarge { size });
        }
        let fifo = fifo.then(|| FifoIds {
            group_id: fifo_token(&match &envelope.tenant {
                Some(tenant) => format!("{}/{}", envelope.provider, tenant),
                None => envelope.provider.clone(),
            }),
            deduplication_id: sha256_hex(envelope.deduplication_key().as_bytes()),
        });
        Ok(OutgoingMessage {
            body,
            attributes,
            fifo,
            size,
        })
    }
}

/// `value` with the characters SQS refuses in attributes replaced.
fn sendable(value: &str) -> String {
    value
        .chars()
        .map(|c| if refused_by_sqs(c) { '\u{FFFD}' } else { c })
        .collect()
}

/// A `String` message attribute.
fn string_attribute(value: String) -> Result<MessageAttributeValue, ReceiveError> {
    MessageAttributeValue::builder()
        .data_type("String")
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

    fn envelope(event_type: &str, payload: String) -> Envelope {
        Envelope {
            provider: "kaunt".to_owned(),
            event_type: Some(event_type.to_owned()),
            event_id: "e-1".into(),
            tenant: Some("acme".into()),
            received_at: "2026-11-23T04:00:00.000Z".into(),
            payload: serde_json::value::RawValue::from_string(payload).unwrap(),
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

    #[test]
    fn an_envelope_over_the_sqs_limit_is_a_413_before_any_call() {
        let payload = format!("\"{}\"", "x".repeat(SQS_MAX_MESSAGE_BYTES));
        let result = OutgoingMessage::new(&envelope("t", payload), false);
        assert!(
            matches!(result, Err(ReceiveError::EnvelopeTooLarge { .. })),
            "{result:?}"
        );
    }

    #[test]
    fn fifo_tokens_are_always_valid() {
        assert_eq!(fifo_token("kravia/acme"), "kravia/acme");
        assert_eq!(fifo_token("kravia/a b").len(), 64);
        assert_eq!(fifo_token(&"x".repeat(129)).len(), 64);
        assert_ne!(fifo_token("kravia/a b"), fifo_token("kravia/a c"));
    }
}
