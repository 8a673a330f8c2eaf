//! Claim checks: a message whose envelope was too large for the queue
//! carries, marked by the `ExtendedPayloadSize` attribute, a pointer to the
//! envelope in the payload bucket ([`webhook_envelope::pointer`]). The
//! consumer reads the envelope from there and, as AWS's extended clients
//! do, deletes the object once the message is processed (with an
//! idempotency table, after recording the object as processed, so that a
//! pointer delivered again is a duplicate, not a failure); when processing
//! fails the object stays, for the retry and, after the last one, for the
//! dead-letter queue's copy of the pointer (the bucket keeps objects longer
//! than the DLQ keeps messages). docs/queue.md ("Large deliveries"). A bus
//! event's pointer is read the same way but its object never deleted:
//! other rules and replays read it too ([`crate::message::Content`]).

use aws_lambda_events::event::sqs::SqsMessage;
use aws_sdk_s3::error::DisplayErrorContext;
use webhook_envelope::pointer::{PayloadPointer, EXTENDED_PAYLOAD_SIZE};

/// An object's name as the idempotency table records it: `bucket/key`.
pub fn object_of(pointer: &PayloadPointer) -> String {
    format!("{}/{}", pointer.s3_bucket_name, pointer.s3_key)
}

/// The payload bucket, read and cleaned by the consumer.
pub struct PayloadReader {
    client: aws_sdk_s3::Client,
    bucket: String,
}

/// Why an offloaded envelope could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// The message is marked as a pointer but holds none.
    #[error("marked {EXTENDED_PAYLOAD_SIZE} but holds no payload pointer")]
    NotAPointer,
    /// The pointer names a bucket other than `PAYLOAD_BUCKET` (or none is
    /// set): followed, it would read whatever the function's role may read.
    #[error("the pointer names a bucket other than PAYLOAD_BUCKET")]
    ForeignBucket,
    /// The object is not there (S3 says 404, or 403 to a role that may
    /// not list the bucket): processed and deleted already, or expired.
    #[error("payload object {0} is gone")]
    Gone(String),
    /// S3 did not give the object this time.
    #[error("payload object {key} unreadable: {error}")]
    Unreadable {
        /// The object's key (our own random name, never the caller's text).
        key: String,
        /// What S3 said.
        error: String,
    },
    /// The object is not UTF-8 text.
    #[error("payload object {0} is not text")]
    NotText(String),
}

/// The pointer a message carries instead of its envelope, `None` for an
/// envelope sent inline. Marked by the attribute, as the extended clients
/// mark it, never guessed from the body.
pub fn pointer_in(message: &SqsMessage) -> Result<Option<PayloadPointer>, PayloadError> {
    if !message.message_attributes.contains_key(EXTENDED_PAYLOAD_SIZE) {
        return Ok(None);
    }
    message
        .body
        .as_deref()
        .and_then(PayloadPointer::from_message_body)
        .map(Some)
        .ok_or(PayloadError::NotAPointer)
}

impl PayloadReader {
    /// A reader of `bucket` (`PAYLOAD_BUCKET`).
    pub fn new(client: aws_sdk_s3::Client, bucket: String) -> Self {
        PayloadReader { client, bucket }
    }

    /// The envelope's JSON `pointer` names, from our bucket only.
    pub async fn read(&self, pointer: &PayloadPointer) -> Result<String, PayloadError> {
        self.ours(pointer)?;
        let unreadable = |error: String| PayloadError::Unreadable {
            key: pointer.s3_key.clone(),
            error,
        };
        let object = self
            .client
            .get_object()
            .bucket(&pointer.s3_bucket_name)
            .key(&pointer.s3_key)
            .send()
            .await
            .map_err(|error| {
                let status = error.raw_response().map(|response| response.status().as_u16());
                match status {
                    Some(403 | 404) => PayloadError::Gone(pointer.s3_key.clone()),
                    _ => unreadable(format!("{}", DisplayErrorContext(&error))),
                }
            })?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|error| unreadable(error.to_string()))?
            .to_vec();
        String::from_utf8(bytes).map_err(|_| PayloadError::NotText(pointer.s3_key.clone()))
    }

    /// Deletes the object of a processed message. Best effort: a failure is
    /// logged, and the bucket's lifecycle removes the object later.
    pub async fn delete(&self, pointer: &PayloadPointer) {
        if self.ours(pointer).is_err() {
            return;
        }
        let deleted = self
            .client
            .delete_object()
            .bucket(&pointer.s3_bucket_name)
            .key(&pointer.s3_key)
            .send()
            .await;
        if let Err(error) = deleted {
            tracing::warn!(object = %pointer.s3_key, error = %DisplayErrorContext(&error), "processed, but its payload object was not deleted; the bucket's lifecycle will");
        }
    }

    fn ours(&self, pointer: &PayloadPointer) -> Result<(), PayloadError> {
        if pointer.s3_bucket_name == self.bucket {
            Ok(())
        } else {
            Err(PayloadError::ForeignBucket)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use aws_lambda_events::event::sqs::SqsMessageAttribute;

    use super::*;

    fn message(body: &str, marked: bool) -> SqsMessage {
        let mut message = SqsMessage::default();
        message.body = Some(body.to_owned());
        if marked {
            let mut size = SqsMessageAttribute::default();
            size.data_type = Some("Number".into());
            size.string_value = Some("3000000".into());
            message.message_attributes = HashMap::from([(EXTENDED_PAYLOAD_SIZE.to_owned(), size)]);
        }
        message
    }

    #[test]
    fn only_a_marked_message_is_read_as_a_pointer() {
        let body =
            r#"["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"b","s3Key":"kaunt/1.json"}]"#;
        assert!(matches!(pointer_in(&message(body, false)), Ok(None)));
        let pointer = pointer_in(&message(body, true)).unwrap().unwrap();
        assert_eq!(
            (pointer.s3_bucket_name.as_str(), pointer.s3_key.as_str()),
            ("b", "kaunt/1.json")
        );
        assert!(matches!(
            pointer_in(&message(r#"{"provider":"kaunt"}"#, true)),
            Err(PayloadError::NotAPointer)
        ));
    }
}
