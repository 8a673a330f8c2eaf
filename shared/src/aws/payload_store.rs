//! The payload bucket (`PAYLOAD_BUCKET`): where an envelope too large for
//! the queue is stored, the queue carrying a pointer to it in the format of
//! AWS's SQS Extended Client ([`webhook_envelope::pointer`]). Each object
//! is written once, under a name no one can guess or repeat
//! (`<provider>/<128 random bits>.json`), so that a provider's retries,
//! each with its own pointer, never share an object a consumer deletes.
//! Receivers and the release function write; consumers read and delete;
//! the bucket's lifecycle removes what no pointer reached (docs/queue.md,
//! "Large deliveries").

use aws_sdk_s3::error::DisplayErrorContext;
use aws_sdk_s3::primitives::ByteStream;
use webhook_envelope::pointer::PayloadPointer;

use crate::aws::clients::S3Client;
use crate::error::ReceiveError;

/// The payload bucket, written by receivers and the release function.
#[derive(Debug, Clone)]
pub struct PayloadStore {
    client: S3Client,
    bucket: String,
}

impl PayloadStore {
    /// The store on `bucket`.
    pub fn new(client: S3Client, bucket: String) -> Self {
        PayloadStore { client, bucket }
    }

    /// Stores `envelope_json` (a message body the queue can't carry) as a
    /// new object of `provider`'s, and returns the pointer to it. Taking
    /// the text by value hands its bytes to the SDK without a copy. Any
    /// failure is a 503: no pointer is sent, and the provider retries.
    pub(crate) async fn put(&self, provider: &str, envelope_json: String) -> Result<PayloadPointer, ReceiveError> {
        let key = object_name(provider)?;
        self.client
            .get()
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type("application/json")
            // Never over another object, however unlikely the same name.
            .if_none_match("*")
            .body(ByteStream::from(envelope_json.into_bytes()))
            .send()
            .await
            .map_err(|error| ReceiveError::PayloadStoreUnavailable(format!("{}", DisplayErrorContext(&error))))?;
        Ok(PayloadPointer {
            s3_bucket_name: self.bucket.clone(),
            s3_key: key,
        })
    }
}

/// A fresh object name under `provider`'s prefix: 128 bits from the
/// system's generator, in hex.
fn object_name(provider: &str) -> Result<String, ReceiveError> {
    let mut random = [0_u8; 16];
    aws_lc_rs::rand::fill(&mut random)
        .map_err(|_| ReceiveError::PayloadStoreUnavailable("no randomness for an object name".into()))?;
    Ok(format!("{provider}/{}.json", hex::encode(random)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_sit_under_the_provider_and_never_repeat() {
        let names: std::collections::HashSet<String> = (0..1000).map(|_| object_name("kaunt").unwrap()).collect();
        assert_eq!(names.len(), 1000);
        for name in &names {
            let random = name.strip_prefix("kaunt/").and_then(|rest| rest.strip_suffix(".json"));
            assert!(
                random.is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())),
                "{name}"
            );
        }
    }
}
