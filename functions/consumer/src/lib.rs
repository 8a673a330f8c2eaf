//! An example consumer of the verified-events queue, to start your own from.
//!
//! Triggered by SQS with `ReportBatchItemFailures`: each message is read as
//! the receivers' [`Envelope`](webhook_envelope::Envelope), sent to the queue
//! or delivered by an EventBridge rule ([`message`]), checked against
//! the idempotency table (duplicates happen: providers retry and SQS
//! delivers at least once), and dispatched on provider and event type to a
//! small handler in [`handlers`]. A message too large for the queue comes
//! as a pointer to its envelope in the payload bucket, read there and
//! deleted once processed ([`payloads`]). Only the messages that failed are reported
//! back, so SQS retries just those and, after the queue's `maxReceiveCount`,
//! moves them to the dead-letter queue. A message that isn't an envelope is
//! a failure too: it must reach the DLQ, never vanish. Logs carry ids and
//! outcomes, never payloads.

pub mod batch;
pub mod handlers;
pub mod idempotency;
pub mod message;
pub mod payloads;

pub use batch::{BatchReport, Consumer, Outcome, DEADLINE_MARGIN};
pub use idempotency::IdempotencyStore;
pub use payloads::PayloadReader;

use std::sync::Arc;
use std::time::SystemTime;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use function_support::deadline::invocation_deadline;
use function_support::setting::{process_env, value};
use lambda_runtime::{service_fn, LambdaEvent};

/// Runs the consumer under the Lambda runtime. `IDEMPOTENCY_TABLE` names the
/// DynamoDB table for deduplication; without it every delivery is handled,
/// duplicates included (logged once at start). `PAYLOAD_BUCKET` names the
/// bucket offloaded envelopes are read from; without it, a pointer
/// message fails and, after its retries, waits in the DLQ.
pub async fn run() -> Result<(), lambda_runtime::Error> {
    function_support::logging::init();
    let aws = function_support::sdk::sdk_config_loader().load().await;
    let store = match value(&process_env, "IDEMPOTENCY_TABLE") {
        Some(table) => Some(IdempotencyStore::new(aws_sdk_dynamodb::Client::new(&aws), table)),
        None => {
            tracing::warn!("IDEMPOTENCY_TABLE is not set: duplicates will be handled again");
            None
        }
    };
    let consumer = Consumer::new(store);
    let consumer = Arc::new(match value(&process_env, "PAYLOAD_BUCKET") {
        Some(bucket) => consumer.with_payloads(PayloadReader::new(function_support::sdk::s3_client(&aws), bucket)),
        None => consumer,
    });
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
