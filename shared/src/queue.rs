//! Putting envelopes on the verified-events queue.

use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_sqs::types::MessageAttributeValue;
use aws_sdk_sqs::Client;

use crate::encoding::sha256_hex;
use crate::envelope::{refused_by_sqs, Envelope};
use crate::error::ReceiveError;
use crate::settings::SQS_MAX_MESSAGE_BYTES;

/// Sends envelopes to one queue. A 2xx answer is given only after
/// [`QueuePublisher::publish`] returned `Ok`, i.e. after SQS stored it.
pub struct QueuePublisher {
    client: Client,
    queue_url: String,
    fifo: bool,
}

impl QueuePublisher {
    /// A publisher for `queue_url`; a URL ending `.fifo` is a FIFO queue.
    pub fn new(client: Client, queue_url: String) -> Self {
        let fifo = queue_url.ends_with(".fifo");
        QueuePublisher {
            client,
            queue_url,
            fifo,
        }
    }

    /// Sends one envelope and returns SQS's message id. A message SQS
    /// refuses as too large is a 413 (retrying can't help); any other
    /// failure is a 503 so that the provider retries.
    pub async fn publish(&self, envelope: &Envelope) -> Result<String, ReceiveError> {
        let body = envelope
            .to_message_body()
            .map_err(|_| ReceiveError::Misconfigured("the envelope could not be serialized".into()))?;
        let mut attributes = vec![
            ("provider", envelope.provider.as_str().to_owned()),
            ("eventId", envelope.event_id.clone()),
        ];
        if let Some(event_type) = envelope.event_type.as_ref().filter(|t| !t.is_empty()) {
            attributes.push(("eventType", event_type.clone()));
        }
        let size = body.len()
            + attributes
                .iter()
                .map(|(name, value)| name.len() + "String".len() + value.len())
                .sum::<usize>();
        if size > SQS_MAX_MESSAGE_BYTES {
            return Err(ReceiveError::EnvelopeTooLarge { size });
        }
        let mut request = self.client.send_message().queue_url(&self.queue_url).message_body(body);
        for (name, value) in attributes {
            request = request.message_attributes(name, string_attribute(&value)?);
        }
        if self.fifo {
            let group = match &envelope.tenant {
                Some(tenant) => format!("{}/{}", envelope.provider, tenant),
                None => envelope.provider.to_string(),
            };
            request = request
                .message_group_id(fifo_token(&group))
                .message_deduplication_id(sha256_hex(
                    format!("{}\n{}", envelope.provider, envelope.event_id).as_bytes(),
                ));
        }
        match request.send().await {
            Ok(output) => Ok(output.message_id().unwrap_or_default().to_owned()),
            Err(error) => {
                let code = error
                    .as_service_error()
                    .and_then(ProvideErrorMetadata::code)
                    .unwrap_or_default();
                let message = error
                    .as_service_error()
                    .and_then(ProvideErrorMetadata::message)
                    .unwrap_or_default();
                if code.contains("TooLong") || (code == "InvalidParameterValue" && message.contains("shorter than")) {
                    Err(ReceiveError::EnvelopeTooLarge { size })
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

/// A `String` message attribute, with characters SQS refuses replaced.
fn string_attribute(value: &str) -> Result<MessageAttributeValue, ReceiveError> {
    let value: String = value
        .chars()
        .map(|c| if refused_by_sqs(c) { '\u{FFFD}' } else { c })
        .collect();
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

    #[test]
    fn fifo_tokens_are_always_valid() {
        assert_eq!(fifo_token("kravia/acme"), "kravia/acme");
        assert_eq!(fifo_token("kravia/a b").len(), 64);
        assert_eq!(fifo_token(&"x".repeat(129)).len(), 64);
        assert_ne!(fifo_token("kravia/a b"), fifo_token("kravia/a c"));
    }
}
