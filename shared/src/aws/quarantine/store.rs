//! The quarantine bucket, and the one owner of its layout:
//!
//! - `<provider>/<SHA-256 of what was received>.json`: one kept delivery
//!   ([`QuarantinedDelivery`]), written only if no object of that name
//!   exists (`If-None-Match: *`), so that a provider's retries of one
//!   delivery are kept once, with the first arrival's time;
//! - `_release/<provider>.json`: the release function's progress over one
//!   provider's deliveries, outside every provider's prefix (a provider's
//!   name never starts with `_`).
//!
//! Receivers write deliveries; the release function lists, reads and
//! deletes them, and reads and writes its progress. Each method here is
//! one S3 call.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::operation::get_object::GetObjectError;
use aws_sdk_s3::operation::put_object::builders::PutObjectFluentBuilder;
use aws_sdk_s3::primitives::ByteStream;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::record::QuarantinedDelivery;
use crate::aws::clients::S3Client;
use crate::codec::encoding::sha256_hex;

/// Where the release function's progress is kept, beside the providers'
/// prefixes.
const PROGRESS_PREFIX: &str = "_release/";

/// The quarantine bucket.
#[derive(Debug, Clone)]
pub struct QuarantineStore {
    client: S3Client,
    bucket: String,
}

/// What became of one write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// Written now.
    Written,
    /// An earlier arrival of the same delivery is there already.
    AlreadyThere,
    /// The write failed.
    Failed(String),
    /// The write was not done within the time it had.
    OutOfTime,
}

/// One kept delivery, as a listing names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptObject {
    /// The object's name, for [`QuarantineStore::read`] and
    /// [`QuarantineStore::delete`].
    pub name: String,
    /// When it was written, when S3 says.
    pub written_at: Option<SystemTime>,
}

/// Why a kept delivery could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// It is no longer there.
    Gone,
    /// S3 failed.
    Failed(String),
    /// It holds something other than what a receiver writes.
    NotARecord,
}

/// One provider's kept deliveries, a page at a time, in name order.
#[derive(Debug)]
pub struct Listing<'s> {
    store: &'s QuarantineStore,
    prefix: String,
    start_after: Option<String>,
    continuation: Option<String>,
    page_size: Option<i32>,
    done: bool,
}

impl Listing<'_> {
    /// Pages of at most `keys` objects (S3's own page, 1,000, otherwise):
    /// for a caller that works through a page before it asks for the next.
    pub fn in_pages_of(mut self, keys: i32) -> Self {
        self.page_size = Some(keys);
        self
    }

    /// The next page, `None` once every page was given.
    pub async fn next_page(&mut self) -> Option<Result<Vec<KeptObject>, String>> {
        if self.done {
            return None;
        }
        let used = self.continuation.take();
        let listed = self
            .store
            .client
            .get()
            .list_objects_v2()
            .bucket(&self.store.bucket)
            .prefix(&self.prefix)
            .set_start_after(self.start_after.clone())
            .set_continuation_token(used.clone())
            .set_max_keys(self.page_size)
            .send()
            .await;
        let page = match listed {
            Ok(page) => page,
            Err(error) => {
                self.done = true;
                return Some(Err(said(&error)));
            }
        };
        // The last page has no token. A token that is empty, or the one
        // just used, would list the same page again: the end too, so that
        // a run can never loop on one page until its time is up.
        let next = page.next_continuation_token().filter(|token| !token.is_empty());
        self.done = next.is_none() || next == used.as_deref();
        self.continuation = next.map(str::to_owned);
        let objects = page
            .contents()
            .iter()
            .filter_map(|object| {
                Some(KeptObject {
                    name: object.key()?.to_owned(),
                    written_at: object.last_modified().and_then(|at| SystemTime::try_from(*at).ok()),
                })
            })
            .collect();
        Some(Ok(objects))
    }
}

impl QuarantineStore {
    /// The quarantine in `bucket`.
    pub fn new(client: S3Client, bucket: String) -> Self {
        QuarantineStore { client, bucket }
    }

    /// The name `delivery` is kept under: under its provider's prefix, a
    /// hash of what was received, so that retries of one delivery share it.
    pub(crate) fn name_of(delivery: &QuarantinedDelivery) -> String {
        format!(
            "{}/{}.json",
            delivery.provider,
            sha256_hex(delivery.received().as_bytes())
        )
    }

    /// Keeps `delivery`, unless an earlier arrival of it is kept already,
    /// within `time_left`.
    pub async fn write(&self, delivery: &QuarantinedDelivery, time_left: Duration) -> Stored {
        self.write_named(&Self::name_of(delivery), delivery, time_left).await
    }

    /// [`QuarantineStore::write`], for a caller that has `delivery`'s
    /// [`QuarantineStore::name_of`] already (hashing a large body once).
    pub(crate) async fn write_named(&self, name: &str, delivery: &QuarantinedDelivery, time_left: Duration) -> Stored {
        let body = match serde_json::to_vec(delivery) {
            Ok(body) => body,
            Err(error) => return Stored::Failed(error.to_string()),
        };
        let put = self.put(name, body).if_none_match("*").send();
        match tokio::time::timeout(time_left, put).await {
            Err(_) => Stored::OutOfTime,
            Ok(Ok(_)) => Stored::Written,
            Ok(Err(error)) => {
                let code = error.as_service_error().and_then(ProvideErrorMetadata::code);
                let status = error.raw_response().map(|response| response.status().as_u16());
                // 412: it exists; 409: another write of it is under way.
                if matches!(code, Some("PreconditionFailed" | "ConditionalRequestConflict"))
                    || matches!(status, Some(409 | 412))
                {
                    Stored::AlreadyThere
                } else {
                    Stored::Failed(said(&error))
                }
            }
        }
    }

    /// `provider`'s kept deliveries, in name order, after `after` if given.
    pub fn list(&self, provider: &str, after: Option<&str>) -> Listing<'_> {
        Listing {
            store: self,
            prefix: format!("{provider}/"),
            start_after: after.map(str::to_owned),
            continuation: None,
            page_size: None,
            done: false,
        }
    }

    /// The kept delivery called `name`.
    pub async fn read(&self, name: &str) -> Result<QuarantinedDelivery, Unreadable> {
        let bytes = self.get(name).await?;
        serde_json::from_slice(&bytes).map_err(|_| Unreadable::NotARecord)
    }

    /// Deletes the kept delivery called `name`.
    pub async fn delete(&self, name: &str) -> Result<(), String> {
        self.client
            .get()
            .delete_object()
            .bucket(&self.bucket)
            .key(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|error| said(&error))
    }

    /// The release's progress over `provider`'s deliveries, if any is
    /// stored and readable.
    pub async fn progress<P: DeserializeOwned>(&self, provider: &str) -> Option<P> {
        let bytes = self.get(&progress_name(provider)).await.ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores the release's progress over `provider`'s deliveries.
    pub async fn record_progress<P: Serialize>(&self, provider: &str, progress: &P) -> Result<(), String> {
        let body = serde_json::to_vec(progress).map_err(|error| error.to_string())?;
        self.put(&progress_name(provider), body)
            .send()
            .await
            .map(|_| ())
            .map_err(|error| said(&error))
    }

    /// A JSON object's write, ready to send.
    fn put(&self, name: &str, body: Vec<u8>) -> PutObjectFluentBuilder {
        self.client
            .get()
            .put_object()
            .bucket(&self.bucket)
            .key(name)
            .content_type("application/json")
            .body(ByteStream::from(body))
    }

    /// One object's bytes.
    async fn get(&self, name: &str) -> Result<Vec<u8>, Unreadable> {
        let object = self
            .client
            .get()
            .get_object()
            .bucket(&self.bucket)
            .key(name)
            .send()
            .await
            .map_err(|error| match error.as_service_error() {
                Some(GetObjectError::NoSuchKey(_)) => Unreadable::Gone,
                _ => Unreadable::Failed(said(&error)),
            })?;
        let bytes = object
            .body
            .collect()
            .await
            .map_err(|error| Unreadable::Failed(error.to_string()))?;
        Ok(bytes.into_bytes().to_vec())
    }
}

/// What S3 said, with its whole chain of causes (never a body: S3's
/// errors carry codes and messages).
fn said(error: &impl std::error::Error) -> String {
    format!("{}", DisplayErrorContext(error))
}

/// Where `provider`'s release progress is kept.
fn progress_name(provider: &str) -> String {
    format!("{PROGRESS_PREFIX}{provider}.json")
}

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use lambda_http::http::Method;
    use lambda_http::{Body, Request};

    use super::*;
    use crate::aws::quarantine::record::RefusalReason;

    fn kept(provider: &str, body: &str, at_ms: u64) -> QuarantinedDelivery {
        let mut request = Request::new(Body::Text(body.to_owned()));
        *request.method_mut() = Method::POST;
        QuarantinedDelivery::of(
            provider,
            (&[], &[]),
            &request,
            RefusalReason::Mismatch,
            UNIX_EPOCH + Duration::from_millis(at_ms),
        )
    }

    #[test]
    fn retries_share_a_name_under_their_providers_prefix_and_progress_is_outside_every_one() {
        let first = QuarantineStore::name_of(&kept("kaunt", "{}", 1));
        assert_eq!(first, QuarantineStore::name_of(&kept("kaunt", "{}", 2_000)));
        assert_ne!(first, QuarantineStore::name_of(&kept("kaunt", "{ }", 1)));
        assert!(first.starts_with("kaunt/") && first.ends_with(".json"), "{first}");
        assert!(progress_name("kaunt").starts_with(PROGRESS_PREFIX));
        // A provider's name is lower-case letters, digits and dashes: no
        // provider's prefix is the progress's.
        assert!(!PROGRESS_PREFIX.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
    }
}
