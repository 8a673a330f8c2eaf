//! The example consumer on envelopes the real receivers produced, read from
//! a real queue, with the idempotency table in moto's DynamoDB.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use aws_sdk_sqs::types::Message;
use consumer::{BatchReport, Consumer, IdempotencyStore, Outcome, DEADLINE_MARGIN};
use integration_tests::sqs_event::{in_groups, sqs_event, stray_message};
use integration_tests::{preset, requests, Fixture};
use sign_event::SAMPLES;
use webhook_receiver::schemes::{Kravia, Receeve, Scheme};
use webhook_receiver::Envelope;

const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:verified-events";
const FIFO_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:verified-events.fifo";

/// The genuine samples of one provider, through its real receiver into
/// `fixture`'s queue, as SQS hands them to a consumer.
async fn queued_samples_in<S: Scheme>(fixture: &Fixture, scheme: S) -> Vec<Message> {
    let provider = scheme.provider().to_owned();
    fixture.put_test_keys(&provider).await;
    let receiver = fixture.receiver(scheme);
    for sample in SAMPLES.iter().filter(|s| s.provider == provider && s.forgery.is_none()) {
        assert_eq!(receiver.handle(requests::sample(sample)).await.status(), 200);
    }
    fixture.drain_raw().await
}

async fn queued_samples<S: Scheme>(scheme: S) -> Vec<Message> {
    queued_samples_in(&Fixture::new(&format!("consumer-{}", scheme.provider())).await, scheme).await
}

async fn every_providers_samples() -> Vec<Message> {
    let mut messages = queued_samples(Kravia).await;
    messages.extend(queued_samples(preset("kaunt")).await);
    messages.extend(queued_samples(Receeve).await);
    messages.extend(queued_samples(preset("smartkyc")).await);
    messages.extend(queued_samples(preset("codat")).await);
    messages
}

async fn dynamodb() -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&integration_tests::sdk_config(&integration_tests::moto::server().endpoint).await)
}

/// A fresh idempotency table, shaped as the template makes it.
pub(crate) async fn idempotency_table(name: &str) -> (aws_sdk_dynamodb::Client, String) {
    let client = dynamodb().await;
    let table = format!("processed-{name}-{}", std::process::id());
    client
        .create_table()
        .table_name(&table)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("pk")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("pk")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    (client, table)
}

async fn consumer_with_table(name: &str) -> (Consumer, aws_sdk_dynamodb::Client, String) {
    let (client, table) = idempotency_table(name).await;
    (
        Consumer::new(Some(IdempotencyStore::new(client.clone(), table.clone()))),
        client,
        table,
    )
}

fn outcomes(report: &BatchReport) -> Vec<&Outcome> {
    report.outcomes.iter().map(|(_, outcome)| outcome).collect()
}

fn failed_ids(report: &BatchReport) -> Vec<String> {
    report
        .response()
        .batch_item_failures
        .into_iter()
        .map(|failure| failure.item_identifier)
        .collect()
}

fn envelope_of(message: &Message) -> Envelope {
    serde_json::from_str(message.body().unwrap()).unwrap()
}

#[tokio::test]
async fn a_bad_message_in_a_batch_is_the_only_one_reported() {
    let mut messages = every_providers_samples().await;
    assert_eq!(messages.len(), 10);
    messages.insert(4, stray_message("stray-1"));
    let report = Consumer::new(None).process(sqs_event(&messages, QUEUE_ARN), None).await;
    assert_eq!(failed_ids(&report), vec!["stray-1".to_owned()]);
    let handled = outcomes(&report).iter().filter(|o| ***o == Outcome::Handled).count();
    assert_eq!(handled, 10);
}

#[tokio::test]
async fn each_event_is_handled_once_however_often_it_arrives() {
    let (consumer, _, _) = consumer_with_table("once").await;
    let fixture = Fixture::new("consumer-redelivered").await;
    let first = queued_samples_in(&fixture, preset("kaunt")).await;
    // The provider retrying: the receiver enqueues the same events again, as
    // new SQS messages.
    let retried = queued_samples_in(&fixture, preset("kaunt")).await;
    assert_ne!(first[0].message_id(), retried[0].message_id());
    assert_eq!(envelope_of(&first[0]).event_id, envelope_of(&retried[0]).event_id);
    let mut batch = first.clone();
    // SQS delivering one message twice.
    batch.push(first[0].clone());
    let report = consumer.process(sqs_event(&batch, QUEUE_ARN), None).await;
    assert_eq!(
        outcomes(&report),
        vec![&Outcome::Handled, &Outcome::Handled, &Outcome::Duplicate]
    );
    let report = consumer.process(sqs_event(&retried, QUEUE_ARN), None).await;
    assert_eq!(outcomes(&report), vec![&Outcome::Duplicate, &Outcome::Duplicate]);
    assert!(report.response().batch_item_failures.is_empty());
}

#[tokio::test]
async fn the_same_event_id_from_two_tenants_is_two_events() {
    let (consumer, _, _) = consumer_with_table("tenants").await;
    let fixture = Fixture::new("consumer-tenants").await;
    fixture.put_test_keys("kravia").await;
    let receiver = fixture.receiver(Kravia);
    let data = r#"{"timestamp":1,"eventType":"CaseUpdate","claimId":9}"#;
    for request in requests::same_data_from_two_creditors(data) {
        assert_eq!(receiver.handle(request).await.status(), 200);
    }
    let messages = fixture.drain_raw().await;
    assert_eq!(envelope_of(&messages[0]).event_id, envelope_of(&messages[1]).event_id);
    let report = consumer.process(sqs_event(&messages, QUEUE_ARN), None).await;
    assert_eq!(outcomes(&report), vec![&Outcome::Handled, &Outcome::Handled]);
}

#[tokio::test]
async fn a_failing_handler_gives_its_claim_back_for_the_retry() {
    let (consumer, _, _) = consumer_with_table("release").await;
    // Genuine, but without the `Url` the Kaunt handler needs.
    let fixture = Fixture::new("consumer-failing").await;
    fixture.put_secret("kaunt-test-secret").await;
    let body = r#"{"Id":"p-1","EventType":"InvoiceCodingProposalProcessingCompleted"}"#;
    let request = requests::http_api(&requests::signed_with("kaunt", "kaunt-test-secret", body, ""), None);
    assert_eq!(fixture.receiver(preset("kaunt")).handle(request).await.status(), 200);
    let messages = fixture.drain_raw().await;
    // The retry fails for the same reason, not "in progress": the claim was
    // released.
    for _ in 0..2 {
        let report = consumer.process(sqs_event(&messages, QUEUE_ARN), None).await;
        match outcomes(&report)[..] {
            [Outcome::Failed(reason)] => assert!(reason.contains("expected shape"), "{reason}"),
            ref other => panic!("expected one failure, got {other:?}"),
        }
        assert_eq!(report.response().batch_item_failures.len(), 1);
    }
}

#[tokio::test]
async fn a_live_claim_holds_other_deliveries_off_and_an_expired_one_is_taken_over() {
    let (consumer, client, table) = consumer_with_table("lease").await;
    let messages = queued_samples(preset("kaunt")).await;
    let envelope = envelope_of(&messages[0]);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let claim_by_another = |lease_until: u64| {
        client
            .put_item()
            .table_name(&table)
            .set_item(Some(HashMap::from([
                ("pk".to_owned(), AttributeValue::S(envelope.deduplication_key())),
                ("status".to_owned(), AttributeValue::S("IN_PROGRESS".into())),
                ("claimedBy".to_owned(), AttributeValue::S("another-consumer/1".into())),
                ("leaseUntil".to_owned(), AttributeValue::N(lease_until.to_string())),
            ])))
            .send()
    };
    claim_by_another(now + 60).await.unwrap();
    let report = consumer.process(sqs_event(&messages[..1], QUEUE_ARN), None).await;
    assert!(matches!(outcomes(&report)[..], [Outcome::Failed(reason)] if reason.contains("being processed")));

    claim_by_another(now - 1).await.unwrap();
    let report = consumer.process(sqs_event(&messages[..1], QUEUE_ARN), None).await;
    assert_eq!(outcomes(&report), vec![&Outcome::Handled]);
}

#[tokio::test]
async fn an_unusable_table_fails_the_message_instead_of_losing_it() {
    let consumer = Consumer::new(Some(IdempotencyStore::new(dynamodb().await, "no-such-table".into())));
    let messages = queued_samples(preset("kaunt")).await;
    let report = consumer.process(sqs_event(&messages, QUEUE_ARN), None).await;
    assert_eq!(failed_ids(&report).len(), messages.len());
}

#[tokio::test]
async fn messages_are_not_started_close_to_the_deadline() {
    let messages = queued_samples(preset("kaunt")).await;
    let deadline = SystemTime::now() + DEADLINE_MARGIN - Duration::from_secs(1);
    let report = Consumer::new(None)
        .process(sqs_event(&messages, QUEUE_ARN), Some(deadline))
        .await;
    assert_eq!(failed_ids(&report).len(), messages.len());
    let roomy = SystemTime::now() + DEADLINE_MARGIN * 4;
    let report = Consumer::new(None)
        .process(sqs_event(&messages, QUEUE_ARN), Some(roomy))
        .await;
    assert!(failed_ids(&report).is_empty());
}

#[tokio::test]
async fn on_a_fifo_queue_a_failure_holds_back_the_rest_of_its_group() {
    // Kravia's samples are for two tenants, so a FIFO queue puts them in
    // the groups kravia/acme and kravia/globex.
    let fixture = Fixture::with_queue("consumer-fifo", true, &[]).await;
    let messages = queued_samples_in(&fixture, Kravia).await;
    let group = |m: &Message| {
        m.attributes()
            .and_then(|a| a.get(&aws_sdk_sqs::types::MessageSystemAttributeName::MessageGroupId))
            .cloned()
            .unwrap()
    };
    let acme = messages.iter().find(|m| group(m) == "kravia/acme").unwrap().clone();
    let globex = messages.iter().find(|m| group(m) == "kravia/globex").unwrap().clone();
    let stray = in_groups(&[stray_message("stray-fifo")], &["kravia/acme"]).remove(0);
    let batch = vec![stray, acme.clone(), globex];
    let report = Consumer::new(None).process(sqs_event(&batch, FIFO_ARN), None).await;
    assert_eq!(
        failed_ids(&report),
        vec!["stray-fifo".to_owned(), acme.message_id().unwrap().to_owned()]
    );
    assert_eq!(outcomes(&report)[2], &Outcome::Handled);
}
