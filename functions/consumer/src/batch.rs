//! One SQS batch: every message on its own, failures reported one by one.
//!
//! On a FIFO queue, order matters within a message group (the receivers use
//! one group per provider and tenant): once a message of a group fails, the
//! later messages of that group in the batch are not processed but reported
//! as failed too, so SQS redelivers them after it, in order.

use std::collections::HashSet;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use webhook_receiver::Envelope;

use crate::handlers::{dispatch, HandlerError};
use crate::idempotency::{Claim, IdempotencyError, IdempotencyStore};

/// Reads envelopes and hands them to the handlers, at most once per event
/// when it has an idempotency store.
pub struct Consumer {
    store: Option<IdempotencyStore>,
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
    #[error(transparent)]
    Handler(#[from] HandlerError),
    #[error(transparent)]
    Idempotency(#[from] IdempotencyError),
}

impl Consumer {
    /// A consumer; `store` `None` handles duplicates again.
    pub fn new(store: Option<IdempotencyStore>) -> Self {
        Consumer { store }
    }

    /// Processes every message of the batch, one after the other (an event
    /// may depend on an earlier one of the same sender).
    pub async fn process(&self, event: SqsEvent) -> BatchReport {
        let mut report = BatchReport::default();
        let mut failed_groups = HashSet::new();
        for message in event.records {
            let id = message.message_id.clone().unwrap_or_default();
            let group = message.attributes.get("MessageGroupId").cloned();
            let outcome = if group.as_ref().is_some_and(|group| failed_groups.contains(group)) {
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

    async fn process_one(&self, message: &SqsMessage) -> Result<Outcome, ConsumeError> {
        let envelope: Envelope = message
            .body
            .as_deref()
            .and_then(|body| serde_json::from_str(body).ok())
            .ok_or(ConsumeError::NotAnEnvelope)?;
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
        match store.claim(&envelope).await? {
            Claim::AlreadyDone => return Ok(Outcome::Duplicate),
            Claim::Claimed => {}
        }
        match dispatch(&envelope).await {
            Ok(()) => {
                store.complete(&envelope).await?;
                Ok(Outcome::Handled)
            }
            Err(error) => {
                store.release(&envelope).await?;
                Err(error.into())
            }
        }
    }
}
