//! What one SQS message carries: an envelope the receivers sent to the
//! queue (`QUEUE_URL`), or an EventBridge event a rule delivered
//! (`EVENT_BUS_NAME`), whose detail is the envelope. Either may instead
//! point to the envelope in the payload bucket ([`crate::payloads`]). Both
//! shapes are read the same way, so the consumer works behind either
//! destination, and behind a redrive of the one dead-letter queue that
//! takes both.

use aws_lambda_events::event::sqs::SqsMessage;
use webhook_envelope::bus::{BusEvent, Carried};
use webhook_envelope::pointer::PayloadPointer;
use webhook_envelope::Envelope;

use crate::payloads::{pointer_in, PayloadError};

/// What a message carries.
#[derive(Debug)]
pub enum Content {
    /// The envelope itself.
    Envelope(Envelope),
    /// A claim check of the queue's: where the envelope is in the payload
    /// bucket. The message is the object's one reader, which deletes it
    /// once processed.
    Pointer(PayloadPointer),
    /// A bus event's pointer to its envelope in the payload bucket. Every
    /// rule that matches the event, and every replay of the archive, reads
    /// the same object, so no reader deletes it: the bucket's lifecycle
    /// does.
    SharedPointer(PayloadPointer),
}

/// Why a message holds no envelope.
#[derive(Debug, thiserror::Error)]
pub enum ContentError {
    /// Neither an envelope, a pointer nor one of our bus events.
    #[error("not an envelope")]
    NotAnEnvelope,
    /// Marked as a claim check, with no pointer in it.
    #[error(transparent)]
    Payload(#[from] PayloadError),
}

/// What `message` carries, and the replay it comes from when a replay of
/// the bus's archive sent it again (its envelope's event id is the
/// original's, so the idempotency table skips what was processed).
pub fn content_of(message: &SqsMessage) -> Result<(Content, Option<String>), ContentError> {
    if let Some(pointer) = pointer_in(message)? {
        return Ok((Content::Pointer(pointer), None));
    }
    let body = message.body.as_deref().ok_or(ContentError::NotAnEnvelope)?;
    let Some(event) = BusEvent::from_message_body(body) else {
        let envelope = serde_json::from_str(body).map_err(|_| ContentError::NotAnEnvelope)?;
        return Ok((Content::Envelope(envelope), None));
    };
    let content = match event.carried().map_err(|_| ContentError::NotAnEnvelope)? {
        Carried::Inline(envelope) => Content::Envelope(envelope),
        Carried::Offloaded(detail) => Content::SharedPointer(detail.payload_s3_pointer),
    };
    Ok((content, event.replay_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> SqsMessage {
        let mut message = SqsMessage::default();
        message.body = Some(body.to_owned());
        message
    }

    const ENVELOPE: &str = r#"{"provider":"github","eventType":"push","eventId":"d-1","tenant":null,"receivedAt":"2026-12-06T09:00:00.000Z","payload":{"ref":"main"}}"#;

    #[test]
    fn an_envelope_reads_the_same_from_the_queue_and_from_a_rule() {
        let (queued, _) = content_of(&message(ENVELOPE)).unwrap();
        let event = format!(
            r#"{{"version":"0","id":"e","detail-type":"push","source":"webhook.github","account":"123456789012","time":"2026-12-06T09:00:00Z","region":"eu-west-1","resources":[],"detail":{ENVELOPE}}}"#
        );
        let (routed, replay) = content_of(&message(&event)).unwrap();
        for content in [queued, routed] {
            assert!(
                matches!(content, Content::Envelope(envelope) if envelope.event_id == "d-1" && envelope.payload.get() == r#"{"ref":"main"}"#)
            );
        }
        assert_eq!(replay, None);
    }

    #[test]
    fn an_offloaded_event_points_to_its_envelope_and_a_replay_is_named() {
        let event = r#"{"source":"webhook.kaunt","detail-type":"ModelReady","replay-name":"after-fix","detail":{"provider":"kaunt","eventType":"ModelReady","eventId":"k-1","tenant":null,"receivedAt":"2026-12-06T09:00:00.000Z","payloadS3Pointer":{"s3BucketName":"payloads","s3Key":"kaunt/0f.json"},"extendedPayloadSize":3000000}}"#;
        let (content, replay) = content_of(&message(event)).unwrap();
        assert!(matches!(content, Content::SharedPointer(pointer) if pointer.s3_key == "kaunt/0f.json"));
        assert_eq!(replay.as_deref(), Some("after-fix"));
    }

    #[test]
    fn anything_else_is_not_an_envelope() {
        for body in [
            r#"{"source":"aws.s3","detail-type":"Object Created","detail":{}}"#,
            r#"{"source":"webhook.kaunt","detail-type":"x","detail":{"provider":"kaunt"}}"#,
            "not json",
        ] {
            assert!(
                matches!(content_of(&message(body)), Err(ContentError::NotAnEnvelope)),
                "{body}"
            );
        }
    }
}
