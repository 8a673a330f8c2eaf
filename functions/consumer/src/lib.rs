//! An example consumer of the verified-events queue, to start your own from.
//!
//! Triggered by SQS with `ReportBatchItemFailures`: each message is read as
//! the receivers' [`Envelope`](webhook_receiver::Envelope), checked against
//! the idempotency table (duplicates happen: providers retry and SQS
//! delivers at least once), and dispatched on provider and event type to a
//! small handler in [`handlers`]. Only the messages that failed are reported
//! back, so SQS retries just those and, after the queue's `maxReceiveCount`,
//! moves them to the dead-letter queue. A message that isn't an envelope is
//! a failure too: it must reach the DLQ, never vanish. Logs carry ids and
//! outcomes, never payloads.

pub mod batch;
pub mod handlers;
pub mod idempotency;

pub use batch::{BatchReport, Consumer, Outcome, DEADLINE_MARGIN};
pub use idempotency::IdempotencyStore;

use std::sync::Arc;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, LambdaEvent};

/// Runs the consumer under the Lambda runtime. `IDEMPOTENCY_TABLE` names the
/// DynamoDB table for deduplication; without it every delivery is handled,
/// duplicates included (logged once at start).
pub async fn run() -> Result<(), lambda_runtime::Error> {
    webhook_receiver::logging::init();
    let aws = webhook_receiver::aws::sdk_config_loader().load().await;
    let store = match std::env::var("IDEMPOTENCY_TABLE").ok().filter(|t| !t.trim().is_empty()) {
        Some(table) => Some(IdempotencyStore::new(aws_sdk_dynamodb::Client::new(&aws), table)),
        None => {
            tracing::warn!("IDEMPOTENCY_TABLE is not set: duplicates will be handled again");
            None
        }
    };
    let consumer = Arc::new(Consumer::new(store));
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| {
        let consumer = Arc::clone(&consumer);
        let deadline = invocation_deadline(event.context.deadline, SystemTime::now());
        async move {
            let report = consumer.process(event.payload, deadline).await;
            Ok::<SqsBatchResponse, lambda_runtime::Error>(report.response())
        }
    }))
    .await
}

/// The invocation's deadline from Lambda's `Lambda-Runtime-Deadline-Ms`
/// (milliseconds since the epoch). Local emulators send a placeholder
/// instead (`cargo lambda watch` sends 600000, i.e. 1970): a deadline that
/// passed long before the invocation is no deadline at all.
fn invocation_deadline(deadline_ms: u64, now: SystemTime) -> Option<SystemTime> {
    let deadline = UNIX_EPOCH + Duration::from_millis(deadline_ms);
    let long_ago = now.checked_sub(Duration::from_secs(3600)).unwrap_or(UNIX_EPOCH);
    (deadline > long_ago).then_some(deadline)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_real_deadline_is_kept_and_an_emulators_placeholder_ignored() {
        let now = UNIX_EPOCH + Duration::from_secs(1_795_406_400);
        let in_a_minute = now + Duration::from_secs(60);
        let ms = |t: SystemTime| t.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        assert_eq!(invocation_deadline(ms(in_a_minute), now), Some(in_a_minute));
        let just_passed = now - Duration::from_secs(1);
        assert_eq!(invocation_deadline(ms(just_passed), now), Some(just_passed));
        assert_eq!(invocation_deadline(600_000, now), None);
    }
}
