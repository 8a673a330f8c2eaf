//! Process each event once, however often it arrives: the consumer claims
//! an event in DynamoDB before a handler runs (a conditional put only one
//! delivery wins), marks it `COMPLETED` on success (kept for
//! [`KEEP_COMPLETED`]) and deletes the claim on failure; a claim whose
//! consumer died is taken over after its [`LEASE`], and only a claim's
//! owner completes or releases it. How the timings must nest with the
//! queue's, and why duplicates stay rare rather than impossible:
//! docs/queue.md.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use webhook_envelope::Envelope;

/// How long a claim protects a handler that is running: longer than the
/// consumer function's timeout.
pub const LEASE: Duration = Duration::from_secs(120);
/// How long a processed event is remembered. Providers retry for up to a
/// day (Kaunt); a week leaves room for a DLQ redrive.
pub const KEEP_COMPLETED: Duration = Duration::from_secs(7 * 24 * 3600);

/// The DynamoDB table of claimed and processed events (partition key `pk`,
/// a string; TTL attribute `expiresAt`).
pub struct IdempotencyStore {
    client: Client,
    table: String,
}

/// The result of claiming an event.
#[derive(Debug, PartialEq, Eq)]
pub enum Claim {
    /// This delivery runs the handler.
    Claimed,
    /// Another delivery already processed it.
    AlreadyDone,
}

/// DynamoDB failed, or another delivery is processing the event right now:
/// either way, retry later.
#[derive(Debug, thiserror::Error)]
pub enum IdempotencyError {
    /// Another delivery holds the claim.
    #[error("event {0} is being processed by another delivery")]
    InProgress(String),
    /// The table could not be read or written.
    #[error("idempotency table: {0}")]
    Table(String),
}

impl IdempotencyStore {
    /// A store on `table`.
    pub fn new(client: Client, table: String) -> Self {
        IdempotencyStore { client, table }
    }

    /// Claims the event for `owner` (one receive of one message).
    pub async fn claim(&self, envelope: &Envelope, owner: &str) -> Result<Claim, IdempotencyError> {
        let now = unix_now();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(HashMap::from([
                ("pk".to_owned(), AttributeValue::S(key(envelope))),
                ("status".to_owned(), AttributeValue::S("IN_PROGRESS".into())),
                ("claimedBy".to_owned(), AttributeValue::S(owner.to_owned())),
                ("leaseUntil".to_owned(), number(now + LEASE.as_secs())),
                ("expiresAt".to_owned(), number(now + KEEP_COMPLETED.as_secs())),
            ])))
            .condition_expression("attribute_not_exists(pk) OR (#status = :in_progress AND leaseUntil < :now)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":in_progress", AttributeValue::S("IN_PROGRESS".into()))
            .expression_attribute_values(":now", number(now))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Claimed),
            Err(error)
                if matches!(
                    error.as_service_error(),
                    Some(PutItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                match self.status(envelope).await?.as_deref() {
                    Some("COMPLETED") => Ok(Claim::AlreadyDone),
                    _ => Err(IdempotencyError::InProgress(envelope.event_id.clone())),
                }
            }
            Err(error) => Err(IdempotencyError::Table(DisplayErrorContext(&error).to_string())),
        }
    }

    /// Marks the event processed, if `owner` still holds the claim.
    /// `Ok(false)`: another delivery took the claim over.
    pub async fn complete(&self, envelope: &Envelope, owner: &str) -> Result<bool, IdempotencyError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key(envelope)))
            .update_expression("SET #status = :completed, expiresAt = :expires")
            .condition_expression("claimedBy = :owner")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":completed", AttributeValue::S("COMPLETED".into()))
            .expression_attribute_values(":expires", number(unix_now() + KEEP_COMPLETED.as_secs()))
            .expression_attribute_values(":owner", AttributeValue::S(owner.to_owned()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(error)
                if matches!(
                    error.as_service_error(),
                    Some(UpdateItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(false)
            }
            Err(error) => Err(IdempotencyError::Table(DisplayErrorContext(&error).to_string())),
        }
    }

    /// Gives up `owner`'s claim after the handler failed, so a retry can
    /// run. A claim already taken over is left alone.
    pub async fn release(&self, envelope: &Envelope, owner: &str) -> Result<(), IdempotencyError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key(envelope)))
            .condition_expression("claimedBy = :owner")
            .expression_attribute_values(":owner", AttributeValue::S(owner.to_owned()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(error)
                if matches!(
                    error.as_service_error(),
                    Some(DeleteItemError::ConditionalCheckFailedException(_))
                ) =>
            {
                Ok(())
            }
            Err(error) => Err(IdempotencyError::Table(DisplayErrorContext(&error).to_string())),
        }
    }

    /// Records that an offloaded envelope's object (`bucket/key`) was
    /// processed, before the object is deleted: a later delivery of its
    /// pointer (SQS delivers at least once) finds the object gone and this
    /// record, and is a duplicate rather than a failure bound for the DLQ.
    pub async fn record_payload_processed(&self, object: &str) -> Result<(), IdempotencyError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(HashMap::from([
                ("pk".to_owned(), AttributeValue::S(payload_key(object))),
                ("status".to_owned(), AttributeValue::S("COMPLETED".into())),
                ("expiresAt".to_owned(), number(unix_now() + KEEP_COMPLETED.as_secs())),
            ])))
            .send()
            .await
            .map(|_| ())
            .map_err(|error| IdempotencyError::Table(DisplayErrorContext(&error).to_string()))
    }

    /// Whether an offloaded envelope's object was processed (and so may be
    /// gone for that reason).
    pub async fn payload_processed(&self, object: &str) -> Result<bool, IdempotencyError> {
        Ok(self.status_of(payload_key(object)).await?.as_deref() == Some("COMPLETED"))
    }

    /// The stored status of an event, if any.
    pub async fn status(&self, envelope: &Envelope) -> Result<Option<String>, IdempotencyError> {
        self.status_of(key(envelope)).await
    }

    /// The stored status of the item `pk`, if any.
    async fn status_of(&self, pk: String) -> Result<Option<String>, IdempotencyError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(pk))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| IdempotencyError::Table(DisplayErrorContext(&error).to_string()))?;
        Ok(output
            .item()
            .and_then(|item| item.get("status"))
            .and_then(|status| status.as_s().ok())
            .cloned())
    }
}

/// One item per event: its [`Envelope::deduplication_key`] (provider,
/// tenant, event id), since an event id is only unique within its sender.
fn key(envelope: &Envelope) -> String {
    envelope.deduplication_key()
}

/// One item per processed payload object, beside the events' items (whose
/// keys are JSON arrays, so the two never meet).
fn payload_key(object: &str) -> String {
    format!("payload:{object}")
}

fn number(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs())
        .unwrap_or_default()
}
