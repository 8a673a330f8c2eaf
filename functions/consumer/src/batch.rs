//! One SQS batch: every message on its own, failures reported one by one.
//!
//! On a FIFO queue, order matters within a message group (the receivers use
//! one group per provider and tenant): once a message of a group fails, the
//! later messages of that group in the batch are not processed but reported
//! as failed too, so SQS redelivers them after it, in order.
//!
//! A batch that runs out of time would lose its partial report (Lambda then
//! retries the whole batch), so messages not started [`DEADLINE_MARGIN`]
//! before the function's deadline are reported as failed, unprocessed.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use webhook_envelope::Envelope;

use crate::handlers::{dispatch, HandlerError};
use crate::idempotency::{Claim, IdempotencyError, IdempotencyStore};
use crate::message::{content_of, Content, ContentError};
use crate::payloads::{object_of, PayloadError, PayloadReader};

/// Time one message may need at worst (table calls with their retries, and
/// the handler): a message is only started with this much time left.
pub const DEADLINE_MARGIN: Duration = Duration::from_secs(15);

/// Reads envelopes and hands them to the handlers, at most once per event
/// when it has an idempotency store.
pub struct Consumer {
    store: Option<IdempotencyStore>,
    /// Where offloaded envelopes are (`PAYLOAD_BUCKET`).
    payloads: Option<PayloadReader>,
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A handler processed it.
    Handled,
    /// Its event was already processed: skipped.
    Duplicate,
    /// It failed and is reported back to SQS for a retry.
    Failed(String),
}

/// The outcome of every message of a batch, by SQS message id.
#[derive(Debug, Default)]
pub struct BatchReport {
    /// `(message id, outcome)` in batch order.
    pub outcomes: Vec<(String, Outcome)>,
}

impl BatchReport {
    /// The answer Lambda gives SQS: only the failed messages.
    pub fn response(&self) -> SqsBatchResponse {
        let mut response = SqsBatchResponse::default();
        response.batch_item_failures = self
            .outcomes
            .iter()
            .filter(|(_, outcome)| matches!(outcome, Outcome::Failed(_)))
            .map(|(id, _)| {
                let mut failure = BatchItemFailure::default();
                failure.item_identifier = id.clone();
                failure
            })
            .collect();
        response
    }
}

/// Why one message failed.
#[derive(Debug, thiserror::Error)]
enum ConsumeError {
    #[error("not an envelope")]
    NotAnEnvelope,
    #[error("a payload pointer, and no PAYLOAD_BUCKET to read it from")]
    NoPayloadBucket,
    #[error(transparent)]
    Payload(#[from] PayloadError),
    #[error(transparent)]
    Content(#[from] ContentError),
    #[error(transparent)]
    Handler(#[from] HandlerError),
    #[error(transparent)]
    Idempotency(#[from] IdempotencyError),
}

/// One receive of one message: its id and receive count.
fn claim_owner(message: &SqsMessage) -> String {
    let receives = message
        .attributes
        .get("ApproximateReceiveCount")
        .map(String::as_str)
        .unwrap_or("1");
    format!("{}/{receives}", message.message_id.as_deref().unwrap_or_default())
}

/// Marks a handled event `COMPLETED`, trying twice. The event *was* handled,
/// so a failure here is logged, not reported: reporting it would make SQS
/// redeliver it and, once the lease ends, run the handler again for sure.
async fn record_completion(store: &IdempotencyStore, envelope: &Envelope, owner: &str) {
    for attempt in 1..=2 {
        match store.complete(envelope, owner).await {
            Ok(true) => return,
            Ok(false) => {
                tracing::warn!(event_id = %envelope.event_id, "another delivery took over the claim; it may handle the event again");
                return;
            }
            Err(error) if attempt == 2 => {
                tracing::error!(event_id = %envelope.event_id, error = %error, "handled, but not recorded as completed; a later delivery may handle it again");
            }
            Err(_) => {}
        }
    }
}

impl Consumer {
    /// A consumer; `store` `None` handles duplicates again.
    pub fn new(store: Option<IdempotencyStore>) -> Self {
        Consumer { store, payloads: None }
    }

    /// The consumer, reading offloaded envelopes through `payloads`;
    /// without it, a pointer message fails (and reaches the DLQ).
    pub fn with_payloads(self, payloads: PayloadReader) -> Self {
        Consumer {
            payloads: Some(payloads),
            ..self
        }
    }

    /// Processes every message of the batch, one after the other (an event
    /// may depend on an earlier one of the same sender), until `deadline`
    /// (the function's, when it has one) is near.
    pub async fn process(&self, event: SqsEvent, deadline: Option<SystemTime>) -> BatchReport {
        let mut report = BatchReport::default();
        let mut failed_groups = HashSet::new();
        for message in event.records {
            let id = message.message_id.clone().unwrap_or_default();
            let group = message.attributes.get("MessageGroupId").cloned();
            let time_left = deadline.map(|d| d.duration_since(SystemTime::now()).unwrap_or_default());
            let outcome = if time_left.is_some_and(|left| left < DEADLINE_MARGIN) {
                Outcome::Failed("not started: too close to the function's deadline".to_owned())
            } else if group.as_ref().is_some_and(|group| failed_groups.contains(group)) {
                Outcome::Failed("an earlier message of its FIFO group failed".to_owned())
            } else {
                match self.process_one(&message).await {
                    Ok(outcome) => outcome,
                    Err(error) => Outcome::Failed(error.to_string()),
                }
            };
            if let (Outcome::Failed(_), Some(group)) = (&outcome, group) {
                failed_groups.insert(group);
            }
            match &outcome {
                Outcome::Failed(reason) => {
                    tracing::warn!(message_id = %id, reason = %reason, "failed, will be retried")
                }
                other => tracing::info!(message_id = %id, outcome = ?other, "done"),
            }
            report.outcomes.push((id, outcome));
        }
        report
    }

    /// One message: its envelope read (from the payload bucket when it is
    /// a pointer) and processed; a claim check's object deleted once the
    /// message needs no retry (a bus event's object is shared: see
    /// [`Content::SharedPointer`]).
    async fn process_one(&self, message: &SqsMessage) -> Result<Outcome, ConsumeError> {
        let (content, replay) = content_of(message)?;
        if let Some(replay) = &replay {
            tracing::info!(replay = %replay, "sent again by a replay of the bus's archive");
        }
        let payloads = || self.payloads.as_ref().ok_or(ConsumeError::NoPayloadBucket);
        let pointer = match content {
            Content::Envelope(envelope) => return self.process_envelope(message, envelope).await,
            Content::SharedPointer(pointer) => {
                let envelope = payloads()?.read(&pointer).await?;
                let envelope = serde_json::from_str(&envelope).map_err(|_| ConsumeError::NotAnEnvelope)?;
                return self.process_envelope(message, envelope).await;
            }
            Content::Pointer(pointer) => pointer,
        };
        let payloads = payloads()?;
        let object = object_of(&pointer);
        let envelope = match (payloads.read(&pointer).await, &self.store) {
            (Ok(envelope), _) => envelope,
            // A pointer delivered again after its object was processed and
            // deleted: a duplicate. Without the record, a failure.
            (Err(PayloadError::Gone(_)), Some(store)) if store.payload_processed(&object).await? => {
                return Ok(Outcome::Duplicate)
            }
            (Err(error), _) => return Err(error.into()),
        };
        let envelope = serde_json::from_str(&envelope).map_err(|_| ConsumeError::NotAnEnvelope)?;
        let outcome = self.process_envelope(message, envelope).await?;
        // Recorded before the object goes; if the record fails, the object
        // stays (for a redelivery to read) and the lifecycle removes it.
        let recorded = match &self.store {
            Some(store) => store.record_payload_processed(&object).await,
            None => Ok(()),
        };
        match recorded {
            Ok(()) => payloads.delete(&pointer).await,
            Err(error) => {
                tracing::warn!(object = %pointer.s3_key, error = %error, "processed; its payload object is kept, not recorded")
            }
        }
        Ok(outcome)
    }

    async fn process_envelope(&self, message: &SqsMessage, envelope: Envelope) -> Result<Outcome, ConsumeError> {
        tracing::info!(
            provider = %envelope.provider,
            event_id = %envelope.event_id,
            event_type = envelope.event_type.as_deref().unwrap_or(""),
            "received"
        );
        let Some(store) = &self.store else {
            dispatch(&envelope).await?;
            return Ok(Outcome::Handled);
        };
        let owner = claim_owner(message);
        match store.claim(&envelope, &owner).await? {
            Claim::AlreadyDone => return Ok(Outcome::Duplicate),
            Claim::Claimed => {}
        }
        match dispatch(&envelope).await {
            Ok(()) => {
                record_completion(store, &envelope, &owner).await;
                Ok(Outcome::Handled)
            }
            Err(error) => {
                tracing::warn!(event_id = %envelope.event_id, error = %error, "handler failed; releasing the claim");
                if let Err(release_error) = store.release(&envelope, &owner).await {
                    tracing::error!(event_id = %envelope.event_id, error = %release_error, "claim not released: the retry waits for the lease to end");
                }
                Err(error.into())
            }
        }
    }
}
