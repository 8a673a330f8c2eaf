//! Receivers and the release function putting events on an EventBridge
//! bus (`EVENT_BUS_NAME`), read by the example consumer from the queue a
//! rule sends them to: a replay of the bus's archive sends each event
//! again, and the consumer's idempotency table makes it a duplicate; an
//! offloaded envelope is read from S3 and its object kept for the other
//! rules and replays that read it, a replay handled again; quarantined
//! deliveries are released to the bus. (The receiver binary on the bus:
//! functions/receiver/tests/event_bus.rs.)

use consumer::{Consumer, IdempotencyStore, Outcome, PayloadReader};
use integration_tests::bus::{delivered, Bus};
use integration_tests::sqs_event::sqs_event;
use integration_tests::{on_the_bus, payloads_in, preset, quarantine_in, requests, Fixture};
use serde_json::json;
use webhook_receiver::schemes::AnyScheme;
use webhook_receiver::{Receiver, Settings};

use crate::answer;
use crate::consumer::idempotency_table;

const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:verified-events";

fn kaunt(key: &str, id: &str) -> lambda_http::Request {
    let body = format!(r#"{{"Id":"{id}","EventType":"ModelReady"}}"#);
    requests::http_api(&requests::signed_with("kaunt", key, &body, ""), None)
}

/// The Kaunt receiver on `fixture`'s secret, putting events on `bus`, its
/// settings changed by `adjust` besides.
fn kaunt_on(fixture: &Fixture, bus: &Bus, adjust: impl FnOnce(&mut Settings)) -> Receiver<AnyScheme> {
    fixture.receiver_with(preset("kaunt"), |settings| {
        on_the_bus(&bus.name)(settings);
        adjust(settings);
    })
}

fn outcomes(report: &consumer::BatchReport) -> Vec<&Outcome> {
    report.outcomes.iter().map(|(_, outcome)| outcome).collect()
}

#[tokio::test]
async fn a_replay_of_the_archive_sends_each_event_again_and_the_consumer_skips_it() {
    let fixture = Fixture::new("bus-replay").await;
    fixture.put_secret("kaunt-key").await;
    let bus = Bus::to_queue(&fixture.aws, "bus-replay", &fixture.queue_url).await;
    let archive = bus.archive(&format!("everything-{}", std::process::id())).await;
    let receiver = kaunt_on(&fixture, &bus, |_| {});
    for id in ["replay-1", "replay-2"] {
        assert_eq!(answer(&receiver.handle(kaunt("kaunt-key", id)).await).0, 200);
    }
    let (table_client, table) = idempotency_table("bus-replay").await;
    let consumer = Consumer::new(Some(IdempotencyStore::new(table_client, table)));
    let first = fixture.drain_raw().await;
    assert_eq!(first.len(), 2);
    let report = consumer.process(sqs_event(&first, QUEUE_ARN), None).await;
    assert_eq!(outcomes(&report), vec![&Outcome::Handled, &Outcome::Handled]);

    // After a fix, the archive replayed into the bus: the same events,
    // marked with the replay's name, each a duplicate to the consumer.
    bus.replay("after-the-fix", &archive).await;
    let replayed = fixture.drain_raw().await;
    assert_eq!(replayed.len(), 2);
    for message in &replayed {
        let event: serde_json::Value = serde_json::from_str(message.body().unwrap()).unwrap();
        assert_eq!(event["replay-name"], "after-the-fix");
    }
    let report = consumer.process(sqs_event(&replayed, QUEUE_ARN), None).await;
    assert_eq!(outcomes(&report), vec![&Outcome::Duplicate, &Outcome::Duplicate]);
}

#[tokio::test]
async fn an_offloaded_event_is_read_from_s3_and_its_object_kept_for_a_replay() {
    let fixture = Fixture::new("bus-offload").await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let bus = Bus::to_queue(&fixture.aws, "bus-offload", &fixture.queue_url).await;
    let archive = bus.archive(&format!("offloaded-{}", std::process::id())).await;
    // Everything through S3 (threshold 0).
    let receiver = kaunt_on(&fixture, &bus, payloads_in(&bucket, 0));
    assert_eq!(answer(&receiver.handle(kaunt("kaunt-key", "offloaded-1")).await).0, 200);
    assert_eq!(fixture.objects_in(&bucket).await.len(), 1);
    let consumer = Consumer::new(None).with_payloads(PayloadReader::new(fixture.s3.clone(), bucket.clone()));
    let report = consumer
        .process(sqs_event(&fixture.drain_raw().await, QUEUE_ARN), None)
        .await;
    assert_eq!(outcomes(&report), vec![&Outcome::Handled]);
    assert_eq!(
        fixture.objects_in(&bucket).await.len(),
        1,
        "kept: other rules and replays read it too"
    );
    // A replay (here with no idempotency table: handled again) reads the
    // same object.
    bus.replay("offloaded-again", &archive).await;
    let report = consumer
        .process(sqs_event(&fixture.drain_raw().await, QUEUE_ARN), None)
        .await;
    assert_eq!(outcomes(&report), vec![&Outcome::Handled]);
}

#[tokio::test]
async fn an_entry_is_weighed_as_if_every_non_ascii_character_were_escaped() {
    let fixture = Fixture::new("bus-worst-size").await;
    fixture.put_secret("kaunt-key").await;
    let bucket = fixture.payload_bucket().await;
    let bus = Bus::to_queue(&fixture.aws, "bus-worst-size", &fixture.queue_url).await;
    let receiver = kaunt_on(&fixture, &bus, payloads_in(&bucket, 20_000));
    // 6,000 "é" are 12,000 bytes as UTF-8, and 36,000 written as escapes:
    // under the 20,000-byte threshold as EventBridge counts the entry, over
    // it as the event may be delivered. Through S3.
    let wide = format!(
        r#"{{"Id":"wide-1","EventType":"ModelReady","Text":"{}"}}"#,
        "é".repeat(6_000)
    );
    // The same length in ASCII fits either way. Inline.
    let narrow = format!(
        r#"{{"Id":"narrow-1","EventType":"ModelReady","Text":"{}"}}"#,
        "e".repeat(12_000)
    );
    for body in [&wide, &narrow] {
        let request = requests::http_api(&requests::signed_with("kaunt", "kaunt-key", body, ""), None);
        assert_eq!(answer(&receiver.handle(request).await).0, 200);
    }
    let events = delivered(&fixture.sqs, &fixture.queue_url).await;
    let mut seen = Vec::new();
    for event in &events {
        let detail = &event["detail"];
        match detail.get("payloadS3Pointer") {
            Some(pointer) => {
                let object = fixture.object_text(&bucket, pointer["s3Key"].as_str().unwrap()).await;
                let envelope: serde_json::Value = serde_json::from_str(&object).unwrap();
                seen.push(("through S3", envelope["payload"]["Id"].clone()));
            }
            None => seen.push(("inline", detail["payload"]["Id"].clone())),
        }
    }
    seen.sort_by_key(|(_, id)| id.to_string());
    assert_eq!(seen, [("inline", json!("narrow-1")), ("through S3", json!("wide-1"))]);
}

#[tokio::test]
async fn quarantined_deliveries_are_released_to_the_bus() {
    let fixture = Fixture::new("bus-release").await;
    fixture.put_secret("wrong-key").await;
    let quarantine = fixture.quarantine_bucket().await;
    let bus = Bus::to_queue(&fixture.aws, "bus-release", &fixture.queue_url).await;
    let receiver = kaunt_on(&fixture, &bus, quarantine_in(&quarantine, 10));
    assert_eq!(answer(&receiver.handle(kaunt("right-key", "held-1")).await).0, 401);
    assert_eq!(answer(&receiver.handle(kaunt("a-guess", "forged-1")).await).0, 401);
    // The genuine one came first.
    let kept = fixture.quarantined(&quarantine, "kaunt").await;
    let arrival = kept.iter().map(|(_, delivery)| delivery.received_at_ms).min().unwrap();
    fixture.put_secret("right-key").await;

    let release = fixture.release(
        "kaunt",
        &[
            ("QUARANTINE_BUCKET", quarantine.as_str()),
            ("EVENT_BUS_NAME", bus.name.as_str()),
        ],
    );
    let counts = release.run(&json!({"provider": "kaunt"})).await.unwrap()["kaunt"];
    assert_eq!((counts.released, counts.refused), (1, 1));
    let events = delivered(&fixture.sqs, &fixture.queue_url).await;
    assert_eq!(
        events.len(),
        1,
        "the genuine one, on the bus; nothing on the queue itself"
    );
    assert_eq!(events[0]["source"], "webhook.kaunt");
    assert_eq!(events[0]["detail-type"], "ModelReady");
    assert_eq!(events[0]["detail"]["payload"]["Id"], "held-1");
    let received_at = events[0]["detail"]["receivedAt"].as_str().unwrap();
    let received = function_support::time::parse_rfc3339_utc(received_at).unwrap();
    assert_eq!(
        function_support::time::unix_millis(received),
        arrival,
        "receivedAt is the arrival"
    );
}
