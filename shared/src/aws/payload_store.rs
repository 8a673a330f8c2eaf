//! The payload bucket (`PAYLOAD_BUCKET`): where an envelope too large for
//! the queue is stored, the queue carrying a pointer to it in the format of
//! AWS's SQS Extended Client ([`webhook_envelope::pointer`]). Each object
//! is written under a name no one can guess (`<provider>/<128 random
//! bits>.json`), fresh for every delivery, so that a provider's retries
//! each get an object of their own.
//! Receivers and the release function write; consumers read and delete;
//! the bucket's lifecycle removes what no pointer reached (docs/queue.md,
//! "Large deliveries").

use std::time::Duration;

use aws_sdk_s3::config::timeout::TimeoutConfig;
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

    /// Where a new envelope of `provider`'s will be stored: a fresh name,
    /// so that the pointer message can be made (and its size checked)
    /// before anything is written.
    pub(crate) fn fresh_pointer(&self, provider: &str) -> Result<PayloadPointer, ReceiveError> {
        Ok(PayloadPointer {
            s3_bucket_name: self.bucket.clone(),
            s3_key: object_name(provider)?,
        })
    }

    /// Stores `envelope_json` (a message body the queue can't carry) where
    /// `pointer` says. Taking the text by value hands its bytes to the SDK
    /// without a copy. Any failure is a 503: no pointer is sent, and the
    /// provider retries. No `If-None-Match`: the name is new, and an
    /// attempt that timed out after S3 stored the object must not make its
    /// retry fail.
    pub(crate) async fn put(&self, pointer: &PayloadPointer, envelope_json: String) -> Result<(), ReceiveError> {
        self.client
            .get()
            .put_object()
            .bucket(&pointer.s3_bucket_name)
            .key(&pointer.s3_key)
            .content_type("application/json")
            .body(ByteStream::from(envelope_json.into_bytes()))
            .customize()
            .config_override(aws_sdk_s3::config::Builder::new().timeout_config(put_timeouts()))
            .send()
            .await
            .map(|_| ())
            .map_err(|error| ReceiveError::PayloadStoreUnavailable(format!("{}", DisplayErrorContext(&error))))
    }
}

/// A put carries up to 6 MB, where every other call carries kilobytes:
/// each attempt gets [`PUT_ATTEMPT_TIMEOUT`] rather than the SDK
/// configuration's 2 s, which a large body at a small function's network
/// share could need. `REQUEST_DEADLINE_MS` still bounds the request.
fn put_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .operation_attempt_timeout(PUT_ATTEMPT_TIMEOUT)
        .operation_timeout(PUT_ATTEMPT_TIMEOUT * 2)
        .build()
}

/// The longest one attempt to store an envelope may take: 6 MB at 1 MB/s.
pub const PUT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(6);

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
