//! The claim check: a message too large for the queue carries, instead of
//! its envelope, a pointer to the S3 object that holds it, written exactly
//! as AWS's SQS Extended Client libraries (Java
//! `amazon-sqs-java-extended-client-lib`, Python
//! `amazon-sqs-extended-client`) write theirs, so that a consumer using one
//! of them reads the whole envelope without knowing we exist. What is
//! offloaded when, and who deletes the object: docs/queue.md ("Large
//! deliveries").
//!
//! ```
//! use webhook_envelope::pointer::PayloadPointer;
//!
//! let pointer = PayloadPointer { s3_bucket_name: "payloads".into(), s3_key: "kaunt/0f3a".into() };
//! let body = pointer.to_message_body().unwrap();
//! assert_eq!(
//!     body,
//!     r#"["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"payloads","s3Key":"kaunt/0f3a"}]"#
//! );
//! assert_eq!(PayloadPointer::from_message_body(&body), Some(pointer));
//! ```

use serde::{Deserialize, Serialize};

/// The class name the extended clients put first in a pointer body (Java's
/// `PayloadS3Pointer`, whose JSON this is).
pub const POINTER_CLASS: &str = "software.amazon.payloadoffloading.PayloadS3Pointer";

/// The `Number` message attribute that marks a pointer message and gives
/// the envelope's size in bytes. The Python client looks for this name
/// only, not Java's legacy `SQSLargePayloadSize`.
pub const EXTENDED_PAYLOAD_SIZE: &str = "ExtendedPayloadSize";

/// Where an offloaded envelope is: its bucket and key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayloadPointer {
    /// The bucket (`PAYLOAD_BUCKET`).
    pub s3_bucket_name: String,
    /// The object's key.
    pub s3_key: String,
}

impl PayloadPointer {
    /// The message body that stands for the envelope:
    /// `["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":…,"s3Key":…}]`.
    pub fn to_message_body(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(&(POINTER_CLASS, self))
    }

    /// The pointer a message body holds, or `None` when it holds none.
    pub fn from_message_body(body: &str) -> Option<Self> {
        let (class, pointer): (String, PayloadPointer) = serde_json::from_str(body).ok()?;
        (class == POINTER_CLASS).then_some(pointer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_pointer_of_the_extended_clients_class_is_read() {
        let other = r#"["com.example.Other",{"s3BucketName":"b","s3Key":"k"}]"#;
        assert_eq!(PayloadPointer::from_message_body(other), None);
        assert_eq!(PayloadPointer::from_message_body(r#"{"provider":"kaunt"}"#), None);
        assert_eq!(
            PayloadPointer::from_message_body(
                r#"["software.amazon.payloadoffloading.PayloadS3Pointer",{"s3BucketName":"b"}]"#
            ),
            None
        );
        // As Java writes it, with spaces and its members in either order.
        let java =
            r#"[ "software.amazon.payloadoffloading.PayloadS3Pointer", { "s3Key" : "k", "s3BucketName" : "b" } ]"#;
        assert_eq!(
            PayloadPointer::from_message_body(java),
            Some(PayloadPointer {
                s3_bucket_name: "b".into(),
                s3_key: "k".into()
            })
        );
    }
}
