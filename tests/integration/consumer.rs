//! The example consumer on envelopes the real receivers produced, read from
//! a real queue, with the idempotency table in moto's DynamoDB.

use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
use aws_sdk_sqs::types::Message;
use consumer::{Consumer, IdempotencyStore, Outcome};
use integration_tests::sqs_event::{in_groups, sqs_event, stray_message};
use integration_tests::{requests, Fixture};
use sign_event::SAMPLES;
use webhook_receiver::schemes::{Codat, Kaunt, Kravia, Receeve, Scheme, SmartKyc};
use webhook_receiver::Provider;

const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:verified-events";

/// The genuine samples of one provider, through its real receiver, as SQS
/// hands them to a consumer.
async fn queued_samples<S: Scheme>(scheme: S) -> Vec<Message> {
    let fixture = Fixture::new(&format!("consumer-{}", S::PROVIDER)).await;
    fixture
        .put_secret(&requests::test_keys().secret(S::PROVIDER).unwrap())
        .await;
    let receiver = fixture.receiver(scheme);
    for sample in SAMPLES
        .iter()
        .filter(|s| s.provider == S::PROVIDER && s.forgery.is_none())
    {
        assert_eq!(receiver.handle(requests::sample(sample)).await.status(), 200);
    }
    fixture.drain_raw().await
}

async fn every_providers_samples() -> Vec<Message> {
    let mut messages = queued_samples(Kravia).await;
    messages.extend(queued_samples(Kaunt).await);
    messages.extend(queued_samples(Receeve).await);
    messages.extend(queued_samples(SmartKyc).await);
    messages.extend(queued_samples(Codat).await);
    messages
}

async fn idempotency_store(name: &str) -> IdempotencyStore {
    let aws = integration_tests::sdk_config(&integration_tests::moto::server().endpoint).await;
    let client = aws_sdk_dynamodb::Client::new(&aws);
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
    IdempotencyStore::new(client, table)
}

fn outcomes(report: &consumer::BatchReport) -> Vec<&Outcome> {
    report.outcomes.iter().map(|(_, outcome)| outcome).collect()
}

#[tokio::test]
async fn a_bad_message_in_a_batch_is_the_only_one_reported() {
    let mut messages = every_providers_samples().await;
    assert_eq!(messages.len(), 10);
    messages.insert(4, stray_message("stray-1"));
    let report = Consumer::new(None).process(sqs_event(&messages, QUEUE_ARN)).await;
    let failed: Vec<String> = report
        .response()
        .batch_item_failures
        .into_iter()
        .map(|failure| failure.item_identifier)
        .collect();
    assert_eq!(failed, vec!["stray-1".to_owned()]);
    let handled = outcomes(&report).iter().filter(|o| ***o == Outcome::Handled).count();
    assert_eq!(handled, 10);
}

#[tokio::test]
async fn each_event_is_handled_once_however_often_it_arrives() {
    let store = idempotency_store("once").await;
    let consumer = Consumer::new(Some(store));
    let mut messages = queued_samples(Kaunt).await;
    // SQS delivering the same message twice within one batch.
    messages.push(messages[0].clone());
    let first = consumer.process(sqs_event(&messages, QUEUE_ARN)).await;
    assert_eq!(
        outcomes(&first),
        vec![&Outcome::Handled, &Outcome::Handled, &Outcome::Duplicate]
    );
    // The provider retrying later: a new message, the same event.
    let second = consumer.process(sqs_event(&messages, QUEUE_ARN)).await;
    assert!(outcomes(&second).iter().all(|o| **o == Outcome::Duplicate));
    assert!(second.response().batch_item_failures.is_empty());
}

#[tokio::test]
async fn a_failing_handler_gives_its_claim_back_for_the_retry() {
    let store = idempotency_store("release").await;
    let consumer = Consumer::new(Some(store));
    // Genuine, but without the `Url` the Kaunt handler needs.
    let fixture = Fixture::new("consumer-failing").await;
    fixture.put_secret("kaunt-test-secret").await;
    let body = r#"{"Id":"p-1","EventType":"InvoiceCodingProposalProcessingCompleted"}"#;
    let request = requests::http_api(
        &requests::signed_with(Provider::Kaunt, "kaunt-test-secret", body, ""),
        None,
    );
    assert_eq!(fixture.receiver(Kaunt).handle(request).await.status(), 200);
    let messages = fixture.drain_raw().await;
    for _ in 0..2 {
        let report = consumer.process(sqs_event(&messages, QUEUE_ARN)).await;
        match outcomes(&report)[..] {
            [Outcome::Failed(reason)] => assert!(reason.contains("expected shape"), "{reason}"),
            ref other => panic!("expected one failure, got {other:?}"),
        }
        assert_eq!(report.response().batch_item_failures.len(), 1);
    }
}

#[tokio::test]
async fn on_a_fifo_queue_a_failure_holds_back_the_rest_of_its_group() {
    let mut messages = queued_samples(Kaunt).await;
    messages.insert(0, stray_message("stray-fifo"));
    // The stray message and the first Kaunt event share a group; the second
    // Kaunt event is in another group.
    let batch = in_groups(&messages, &["kaunt/a", "kaunt/a", "kaunt/b"]);
    let report = Consumer::new(None)
        .process(sqs_event(
            &batch,
            "arn:aws:sqs:us-east-1:123456789012:verified-events.fifo",
        ))
        .await;
    let failed: Vec<String> = report
        .response()
        .batch_item_failures
        .into_iter()
        .map(|failure| failure.item_identifier)
        .collect();
    let held_back = messages[1].message_id().unwrap().to_owned();
    assert_eq!(failed, vec!["stray-fifo".to_owned(), held_back]);
    assert_eq!(outcomes(&report)[2], &Outcome::Handled);
}
