//! Deliveries too large for the queue: verified like any other, their
//! envelope stored in the payload bucket and a pointer queued in the SQS
//! Extended Client's format; 2xx only once both are stored, nothing queued
//! when either fails, and everything downstream (the quarantine, the
//! release, the consumer, FIFO deduplication) following.

use aws_sdk_sqs::types::QueueAttributeName;
use consumer::{Consumer, Outcome, PayloadReader};
use integration_tests::fault_proxy::{Fault, FaultProxy, Rule, Service};
use integration_tests::requests::large_kaunt_body;
use integration_tests::sqs_event::sqs_event;
use integration_tests::{moto, payloads_in, preset, quarantine_in, requests, sdk_config, Fixture};
use serde_json::json;
use webhook_receiver::aws::{AwsClients, S3Client};
use webhook_receiver::config::Destination;
use webhook_receiver::internals::sha256_hex;
use webhook_receiver::Receiver;

use crate::answer;

/// SQS's largest message: the default offload threshold.
const QUEUE_LIMIT: usize = 1024 * 1024;

fn kaunt_request(key: &str, body: &str) -> lambda_http::Request {
    requests::http_api(&requests::signed_with("kaunt", key, body, ""), None)
}

/// The payload text of an envelope's JSON, exactly as it is written there.
fn payload_text(envelope_json: &str) -> String {
    let envelope: webhook_receiver::Envelope = serde_json::from_str(envelope_json).unwrap();
    envelope.payload.get().to_owned()
}

#[tokio::test]
async fn a_3_mb_delivery_is_stored_in_s3_with_a_pointer_queued_and_a_small_one_goes_inline() {
    let fixture = Fixture::new("large-offload").await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let receiver = fixture.receiver_with(preset("kaunt"), payloads_in(&bucket, QUEUE_LIMIT));
    let body = large_kaunt_body("large-1", 3_000_000);
    let (lines, guard) = integration_tests::logs::capture_json();
    assert_eq!(answer(&receiver.handle(kaunt_request("kaunt-key", &body)).await).0, 200);
    let small = r#"{"Id":"small-1","EventType":"ModelReady"}"#;
    assert_eq!(answer(&receiver.handle(kaunt_request("kaunt-key", small)).await).0, 200);
    drop(guard);

    let mut queued = fixture.drain().await;
    queued.sort_by_key(|message| message.body.len());
    assert_eq!(queued.len(), 2);
    let (inline, offloaded) = (&queued[0], &queued[1]);
    assert_eq!(inline.pointer, None, "a small delivery goes inline");
    assert_eq!(payload_text(&inline.body), small);
    let (pointer_body, pointer_bucket, key) = offloaded.pointer.clone().unwrap();
    assert!(pointer_body.len() < 400, "{pointer_body}");
    assert_eq!(pointer_bucket, bucket);
    assert!(key.starts_with("kaunt/"), "{key}");
    assert_eq!(payload_text(&offloaded.body), body, "the payload byte for byte");
    assert_eq!(offloaded.envelope.event_id, sha256_hex(body.as_bytes()));
    assert_eq!(
        offloaded.attributes.keys().collect::<Vec<_>>(),
        ["eventId", "eventType", "provider"],
        "the receivers' own attributes, for filters"
    );
    assert_eq!(offloaded.attributes["eventType"], "ModelReady");
    assert_eq!(fixture.objects_in(&bucket).await, std::slice::from_ref(&key));

    let accepted = lines.lines_saying("accepted");
    let offloaded_counts: Vec<f64> = accepted
        .iter()
        .map(|line| line["Offloaded"].as_f64().unwrap())
        .collect();
    assert_eq!(offloaded_counts, [1.0, 0.0], "the metric counts offloaded deliveries");
    assert_eq!(accepted[0]["payload_object"], key.as_str());
}

#[tokio::test]
async fn a_forged_3_mb_delivery_is_a_401_with_nothing_in_s3_or_on_the_queue() {
    let fixture = Fixture::new("large-forged").await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let receiver = fixture.receiver_with(preset("kaunt"), payloads_in(&bucket, QUEUE_LIMIT));
    let body = large_kaunt_body("forged-1", 3_000_000);
    assert_eq!(answer(&receiver.handle(kaunt_request("a-guess", &body)).await).0, 401);
    assert!(fixture.drain().await.is_empty());
    assert!(fixture.objects_in(&bucket).await.is_empty());
}

#[tokio::test]
async fn without_a_payload_bucket_a_body_the_queue_cant_carry_is_a_413_before_any_key_is_fetched() {
    let fixture = Fixture::new("large-no-bucket").await;
    // No secret at all: a fetch would be a 503, so a 413 proves none was made.
    let receiver = fixture.receiver(preset("kaunt"));
    let body = large_kaunt_body("too-large-1", 1_100_000);
    assert_eq!(answer(&receiver.handle(kaunt_request("kaunt-key", &body)).await).0, 413);
    assert!(fixture.drain().await.is_empty());
}

/// A receiver whose SQS calls go through `proxy` and whose S3 calls go
/// through `s3_proxy` (moto itself when `None`).
fn receiver_through_proxies(
    fixture: &Fixture,
    sqs: &aws_config::SdkConfig,
    s3: &aws_config::SdkConfig,
    bucket: &str,
    threshold: usize,
) -> Receiver<webhook_receiver::schemes::AnyScheme> {
    let mut settings = fixture.settings();
    payloads_in(bucket, threshold)(&mut settings);
    let clients = AwsClients {
        secrets: aws_sdk_secretsmanager::Client::new(&fixture.aws),
        sqs: aws_sdk_sqs::Client::new(sqs),
        events: aws_sdk_eventbridge::Client::new(&fixture.aws),
        s3: S3Client::Made(webhook_receiver::aws::s3_client(s3)),
    };
    Receiver::with_clients(preset("kaunt"), settings, clients)
}

#[tokio::test]
async fn s3_failing_is_a_503_and_nothing_is_queued() {
    let fixture = Fixture::new("large-s3-down").await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let proxy = FaultProxy::start(&moto::server().endpoint);
    proxy.set_rules(vec![Rule {
        service: Service::S3,
        fault: Fault::AwsError {
            status: 503,
            code: "SlowDown",
        },
        fraction: 1.0,
    }]);
    let through_proxy = sdk_config(&proxy.endpoint).await;
    let receiver = receiver_through_proxies(&fixture, &fixture.aws, &through_proxy, &bucket, QUEUE_LIMIT);
    let body = large_kaunt_body("s3-down-1", 2_000_000);
    let (status, answered) = answer(&receiver.handle(kaunt_request("kaunt-key", &body)).await);
    assert_eq!(status, 503, "{answered}");
    assert!(proxy.calls(Service::S3) >= 1);
    assert!(fixture.drain().await.is_empty(), "no pointer without its object");
    assert!(fixture.objects_in(&bucket).await.is_empty());
}

#[tokio::test]
async fn a_put_slower_than_any_other_call_may_be_still_stores_the_envelope() {
    let fixture = Fixture::new("large-s3-slow").await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let proxy = FaultProxy::start(&moto::server().endpoint);
    // Past the 2 s every other call may take per attempt, inside the put's own.
    proxy.set_rules(vec![Rule {
        service: Service::S3,
        fault: Fault::Delay(std::time::Duration::from_secs(3)),
        fraction: 1.0,
    }]);
    let through_proxy = sdk_config(&proxy.endpoint).await;
    let receiver = receiver_through_proxies(&fixture, &fixture.aws, &through_proxy, &bucket, QUEUE_LIMIT);
    let body = large_kaunt_body("s3-slow-1", 2_000_000);
    assert_eq!(answer(&receiver.handle(kaunt_request("kaunt-key", &body)).await).0, 200);
    assert_eq!(proxy.calls(Service::S3), 1, "one attempt, not cut short");
    let queued = fixture.drain().await;
    assert_eq!(payload_text(&queued[0].body), body);
}

#[tokio::test]
async fn sqs_failing_after_s3_stored_the_envelope_is_a_503_and_no_pointer() {
    let fixture = Fixture::new("large-sqs-down").await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let proxy = FaultProxy::start(&moto::server().endpoint);
    proxy.set_rules(vec![Rule {
        service: Service::Sqs,
        fault: Fault::Refuse,
        fraction: 1.0,
    }]);
    let through_proxy = sdk_config(&proxy.endpoint).await;
    let receiver = receiver_through_proxies(&fixture, &through_proxy, &fixture.aws, &bucket, QUEUE_LIMIT);
    let body = large_kaunt_body("sqs-down-1", 2_000_000);
    assert_eq!(answer(&receiver.handle(kaunt_request("kaunt-key", &body)).await).0, 503);
    assert!(proxy.calls(Service::Sqs) >= 1);
    assert!(fixture.drain().await.is_empty());
    // The object was written first; no pointer names it, and the bucket's
    // lifecycle removes it (never a consumer: it is reached only by a pointer).
    let orphans = fixture.objects_in(&bucket).await;
    assert_eq!(orphans.len(), 1);
    assert_eq!(payload_text(&fixture.object_text(&bucket, &orphans[0]).await), body);
}

#[tokio::test]
async fn a_queue_smaller_than_sqs_allows_gets_pointers_above_its_own_limit() {
    let fixture = Fixture::with_queue(
        "large-small-queue",
        false,
        &[(QueueAttributeName::MaximumMessageSize, "2048")],
    )
    .await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let through_proxy = sdk_config(&proxy.endpoint).await;
    let body = large_kaunt_body("mid-1", 3000);

    // Not warmed up, the receiver doesn't know the queue's limit: SQS
    // refuses the message, and the same message goes through S3.
    let cold = receiver_through_proxies(&fixture, &through_proxy, &fixture.aws, &bucket, QUEUE_LIMIT);
    assert_eq!(answer(&cold.handle(kaunt_request("kaunt-key", &body)).await).0, 200);
    assert_eq!(proxy.calls(Service::Sqs), 2, "the refused send, then the pointer");

    // Warmed up, it read the limit at init, and sends the pointer at once.
    let warm = receiver_through_proxies(&fixture, &through_proxy, &fixture.aws, &bucket, QUEUE_LIMIT);
    warm.warm_up().await;
    let before = proxy.calls(Service::Sqs);
    assert_eq!(answer(&warm.handle(kaunt_request("kaunt-key", &body)).await).0, 200);
    assert_eq!(proxy.calls(Service::Sqs) - before, 1, "one send: the pointer");

    let queued = fixture.drain().await;
    assert_eq!(queued.len(), 2);
    for message in &queued {
        assert!(message.pointer.is_some());
        assert_eq!(payload_text(&message.body), body);
    }
}

/// The size SQS counts for a message as received: its body, and each
/// attribute's name, type and value (SQS's documented rule, written out).
fn sqs_size(message: &aws_sdk_sqs::types::Message) -> usize {
    let attributes = message.message_attributes().cloned().unwrap_or_default();
    message.body().unwrap().len()
        + attributes
            .iter()
            .map(|(name, value)| name.len() + value.data_type().len() + value.string_value().unwrap_or_default().len())
            .sum::<usize>()
}

#[tokio::test]
async fn a_message_of_exactly_the_threshold_goes_inline_and_one_byte_more_through_s3() {
    let fixture = Fixture::new("large-boundary").await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let body = large_kaunt_body("edge-1", 5000);
    // The message this delivery makes, measured as SQS measures it. Every
    // sending of it makes one of the same size (its receivedAt has a fixed
    // width, its event id is the body's digest).
    let probe = fixture.receiver_with(preset("kaunt"), payloads_in(&bucket, QUEUE_LIMIT));
    assert_eq!(answer(&probe.handle(kaunt_request("kaunt-key", &body)).await).0, 200);
    let sent = fixture.drain_raw().await;
    let size = sqs_size(&sent[0]);
    for (threshold, through_s3) in [(size, false), (size - 1, true)] {
        let receiver = fixture.receiver_with(preset("kaunt"), payloads_in(&bucket, threshold));
        assert_eq!(answer(&receiver.handle(kaunt_request("kaunt-key", &body)).await).0, 200);
        let queued = fixture.drain().await;
        assert_eq!(
            queued[0].pointer.is_some(),
            through_s3,
            "threshold {threshold}, message {size}"
        );
        assert_eq!(payload_text(&queued[0].body), body);
    }
}

#[tokio::test]
async fn a_queue_whose_limit_was_lowered_after_init_still_gets_every_delivery_through_s3() {
    let fixture = Fixture::with_queue(
        "large-lowered",
        false,
        &[(QueueAttributeName::MaximumMessageSize, "4096")],
    )
    .await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let through_proxy = sdk_config(&proxy.endpoint).await;
    let receiver = receiver_through_proxies(&fixture, &through_proxy, &fixture.aws, &bucket, QUEUE_LIMIT);
    receiver.warm_up().await;
    fixture
        .sqs
        .set_queue_attributes()
        .queue_url(&fixture.queue_url)
        .attributes(QueueAttributeName::MaximumMessageSize, "1024")
        .send()
        .await
        .unwrap();
    let before = proxy.calls(Service::Sqs);
    let body = large_kaunt_body("lowered-1", 2000);
    assert_eq!(answer(&receiver.handle(kaunt_request("kaunt-key", &body)).await).0, 200);
    assert_eq!(
        proxy.calls(Service::Sqs) - before,
        2,
        "refused as too long, then the pointer"
    );
    // From then on the limit is taken to be below that message.
    let before = proxy.calls(Service::Sqs);
    assert_eq!(answer(&receiver.handle(kaunt_request("kaunt-key", &body)).await).0, 200);
    assert_eq!(proxy.calls(Service::Sqs) - before, 1, "the pointer at once");
    let queued = fixture.drain().await;
    assert_eq!(queued.len(), 2);
    assert!(queued.iter().all(|message| message.pointer.is_some()));
}

#[tokio::test]
async fn a_queue_too_small_even_for_the_pointer_is_a_500_before_anything_is_stored() {
    let fixture = Fixture::with_queue(
        "large-tiny-queue",
        false,
        &[(QueueAttributeName::MaximumMessageSize, "1024")],
    )
    .await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let receiver = fixture.receiver_with(preset("kaunt"), payloads_in(&bucket, QUEUE_LIMIT));
    receiver.warm_up().await;
    // An event type of 256 three-byte characters: its attribute alone is
    // three quarters of the queue's limit, and the pointer message can't fit.
    let body = format!(
        r#"{{"Id":"tiny-1","EventType":"{}","Rows":"{}"}}"#,
        "€".repeat(256),
        "x".repeat(2000)
    );
    assert_eq!(answer(&receiver.handle(kaunt_request("kaunt-key", &body)).await).0, 500);
    assert!(fixture.objects_in(&bucket).await.is_empty());
    assert!(fixture.drain().await.is_empty());
}

#[tokio::test]
async fn fifo_ids_are_the_same_for_an_offloaded_and_an_inline_message_of_one_delivery() {
    let inline_queue = Fixture::with_queue("large-fifo-inline", true, &[]).await;
    let offload_queue = Fixture::with_queue("large-fifo-offload", true, &[]).await;
    inline_queue.put_secret("kaunt-key").await;
    let bucket = inline_queue.payload_bucket().await;
    let inline = inline_queue.receiver(preset("kaunt"));
    let offload_url = offload_queue.queue_url.clone();
    // Everything through S3 (threshold 0), to the other queue.
    let offloading = inline_queue.receiver_with(preset("kaunt"), |settings| {
        payloads_in(&bucket, 0)(settings);
        settings.destination = Destination::Queue(offload_url);
    });
    let body = r#"{"Id":"fifo-1","EventType":"ModelReady"}"#;
    let request = || kaunt_request("kaunt-key", body);
    // Everything through S3, to the same queue as the inline one: a retry
    // of a delivery the queue holds inline.
    let offloading_to_the_same_queue = inline_queue.receiver_with(preset("kaunt"), payloads_in(&bucket, 0));
    assert_eq!(answer(&inline.handle(request()).await).0, 200);
    assert_eq!(answer(&offloading.handle(request()).await).0, 200);
    assert_eq!(answer(&offloading_to_the_same_queue.handle(request()).await).0, 200);
    let (inline_message, offloaded_message) = (inline_queue.drain().await, offload_queue.drain().await);
    // SQS dropped the retry: the same deduplication id.
    assert_eq!((inline_message.len(), offloaded_message.len()), (1, 1));
    let (inline_message, offloaded_message) = (&inline_message[0], &offloaded_message[0]);
    assert!(inline_message.pointer.is_none() && offloaded_message.pointer.is_some());
    assert!(inline_message.group_id.is_some());
    assert_eq!(inline_message.group_id, offloaded_message.group_id);
    assert_eq!(inline_message.deduplication_id, offloaded_message.deduplication_id);
    assert_eq!(inline_message.attributes, offloaded_message.attributes);
    assert_eq!(inline_message.envelope.event_id, offloaded_message.envelope.event_id);
}

#[tokio::test]
async fn a_3_mb_delivery_refused_for_its_key_is_kept_and_released_as_a_pointer() {
    let fixture = Fixture::new("large-release").await;
    fixture.put_secret("wrong-key").await;
    let (quarantine, payloads) = (fixture.quarantine_bucket().await, fixture.payload_bucket().await);
    let receiver = fixture.receiver_with(preset("kaunt"), |settings| {
        quarantine_in(&quarantine, 10)(settings);
        payloads_in(&payloads, QUEUE_LIMIT)(settings);
    });
    let body = large_kaunt_body("held-large-1", 3_000_000);
    assert_eq!(answer(&receiver.handle(kaunt_request("right-key", &body)).await).0, 401);
    assert_eq!(fixture.quarantined(&quarantine, "kaunt").await.len(), 1);
    assert!(fixture.objects_in(&payloads).await.is_empty());

    fixture.put_secret("right-key").await;
    let release = fixture.release(
        "kaunt",
        &[("QUARANTINE_BUCKET", &quarantine), ("PAYLOAD_BUCKET", &payloads)],
    );
    let counts = release.run(&json!({ "provider": "kaunt" })).await.unwrap()["kaunt"];
    assert_eq!((counts.released, counts.offloaded), (1, 1));
    let queued = fixture.drain().await;
    assert_eq!(queued.len(), 1);
    assert!(
        queued[0].pointer.is_some(),
        "released through S3, as the receiver sends it"
    );
    assert_eq!(payload_text(&queued[0].body), body);
    assert!(fixture.quarantined(&quarantine, "kaunt").await.is_empty());
}

#[tokio::test]
async fn the_example_consumer_reads_a_pointer_deletes_its_object_once_processed_and_keeps_it_on_failure() {
    let fixture = Fixture::new("large-consumer").await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let receiver = fixture.receiver_with(preset("kaunt"), payloads_in(&bucket, 0));
    // A proposal with its Url is handled; one without fails its handler.
    let handled =
        r#"{"Id":"p-1","EventType":"InvoiceCodingProposalProcessingCompleted","Url":"https://kaunt.example/p-1"}"#;
    let failing = r#"{"Id":"p-2","EventType":"InvoiceCodingProposalProcessingCompleted"}"#;
    for body in [handled, failing] {
        assert_eq!(answer(&receiver.handle(kaunt_request("kaunt-key", body)).await).0, 200);
    }
    let messages = fixture.drain_raw().await;
    assert_eq!(fixture.objects_in(&bucket).await.len(), 2);
    let reader = PayloadReader::new(fixture.s3.clone(), bucket.clone());
    let report = Consumer::new(None)
        .with_payloads(reader)
        .process(sqs_event(&messages, "arn:aws:sqs:us-east-1:123456789012:q"), None)
        .await;
    let outcomes: Vec<&Outcome> = report.outcomes.iter().map(|(_, outcome)| outcome).collect();
    assert_eq!(
        outcomes.iter().filter(|o| ***o == Outcome::Handled).count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(outcomes.iter().filter(|o| matches!(o, Outcome::Failed(_))).count(), 1);
    // The failed one's object stays for its retry (and the DLQ's copy).
    let left = fixture.objects_in(&bucket).await;
    assert_eq!(left.len(), 1);
    assert_eq!(payload_text(&fixture.object_text(&bucket, &left[0]).await), failing);
    // Without a payload bucket, a pointer fails rather than vanishing.
    let report = Consumer::new(None)
        .process(sqs_event(&messages, "arn:aws:sqs:us-east-1:123456789012:q"), None)
        .await;
    assert_eq!(report.response().batch_item_failures.len(), 2);
    // Nor is a pointer into a bucket other than PAYLOAD_BUCKET followed.
    let elsewhere = PayloadReader::new(fixture.s3.clone(), "another-bucket".into());
    let report = Consumer::new(None)
        .with_payloads(elsewhere)
        .process(sqs_event(&messages, "arn:aws:sqs:us-east-1:123456789012:q"), None)
        .await;
    assert_eq!(report.response().batch_item_failures.len(), 2);
}

#[tokio::test]
async fn a_pointer_delivered_again_after_its_object_was_processed_and_deleted_is_a_duplicate() {
    let fixture = Fixture::new("large-consumer-again").await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let receiver = fixture.receiver_with(preset("kaunt"), payloads_in(&bucket, 0));
    let body =
        r#"{"Id":"p-3","EventType":"InvoiceCodingProposalProcessingCompleted","Url":"https://kaunt.example/p-3"}"#;
    assert_eq!(answer(&receiver.handle(kaunt_request("kaunt-key", body)).await).0, 200);
    let messages = fixture.drain_raw().await;
    let (client, table) = crate::consumer::idempotency_table("large-again").await;
    let consumer = Consumer::new(Some(consumer::IdempotencyStore::new(client, table)))
        .with_payloads(PayloadReader::new(fixture.s3.clone(), bucket.clone()));
    let event = || sqs_event(&messages, "arn:aws:sqs:us-east-1:123456789012:q");
    let first = consumer.process(event(), None).await;
    assert_eq!(first.outcomes[0].1, Outcome::Handled);
    assert!(fixture.objects_in(&bucket).await.is_empty(), "deleted once processed");
    // SQS delivers at least once: the same pointer again finds no object.
    let again = consumer.process(event(), None).await;
    assert_eq!(again.outcomes[0].1, Outcome::Duplicate);
    // Without the record, a pointer whose object is gone fails.
    let unrecorded = Consumer::new(None)
        .with_payloads(PayloadReader::new(fixture.s3.clone(), bucket.clone()))
        .process(event(), None)
        .await;
    assert!(matches!(unrecorded.outcomes[0].1, Outcome::Failed(_)));
}
