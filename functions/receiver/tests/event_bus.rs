//! The receiver binary, started as Lambda starts it, with `EVENT_BUS_NAME`
//! set (and `QUEUE_URL` naming no queue, which it must not read): genuine
//! Kaunt deliveries, signed by the documented algorithm
//! (tests/signers/sign.py), reach a queue through a rule on the bus with
//! their envelope intact, and a rule matching one `DetailType` gets only
//! those; a forgery reaches nothing. `PutEvents` failing, or reporting the
//! entry failed, is a 503 (a retryable entry code tried three times, any
//! other once), and the provider's retry is accepted once; an envelope too
//! large for an entry, or one the bus refuses for its size or for what it
//! holds, goes through S3 (without a bucket, the latter is a 500).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::process::Child;
use std::time::{SystemTime, UNIX_EPOCH};

use function_support::sdk::MAX_ATTEMPTS;
use integration_tests::bus::{delivered, Bus};
use integration_tests::fault_proxy::{Fault, FaultProxy, Rule, Service};
use integration_tests::function::{started_kaunt, status_of, stop};
use integration_tests::requests::large_kaunt_body;
use integration_tests::runtime_api::RuntimeApi;
use integration_tests::signers::signed_by_the_providers_signers;
use integration_tests::{moto, requests, Fixture};
use serde_json::{json, Value};
use sign_event::SignedRequest;

/// Kaunt deliveries of each body, signed with `key` by the documented
/// algorithm written out in tests/signers/sign.py.
fn signed(key: &str, bodies: &[&str]) -> Vec<Value> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let asked: Vec<Value> = bodies
        .iter()
        .map(|body| json!({"preset": "kaunt", "key": key, "body": body, "id": "msg_bus", "timestamp": now, "url": ""}))
        .collect();
    signed_by_the_providers_signers(false, &asked)
        .into_iter()
        .map(|(request, _): (SignedRequest, String)| requests::http_api_json(&request, None, false))
        .collect()
}

/// The Kaunt receiver binary putting events on `bus`, with `settings`
/// besides, and the emulator it polls. `QUEUE_URL` names a queue that
/// doesn't exist: with a bus, it is not read.
fn started_on(bus: &Bus, fixture: &Fixture, settings: &[(&str, String)]) -> (RuntimeApi, Child) {
    let mut all = vec![
        ("EVENT_BUS_NAME", bus.name.clone()),
        ("QUEUE_URL", format!("{}-not-read", fixture.queue_url)),
    ];
    all.extend(settings.iter().cloned());
    started_kaunt(env!("CARGO_BIN_EXE_receiver"), fixture, &all)
}

#[tokio::test(flavor = "multi_thread")]
async fn genuine_deliveries_reach_queues_through_rules_by_detail_type_and_a_forgery_reaches_nothing() {
    let fixture = Fixture::new("bus-binary").await;
    fixture.put_secret("kaunt-bus-key").await;
    let ready_only = Fixture::new("bus-binary-ready").await;
    let bus = Bus::to_queue(&fixture.aws, "bus-binary", &fixture.queue_url).await;
    bus.route(
        "model-ready",
        &json!({"source": ["webhook.kaunt"], "detail-type": ["ModelReady"]}),
        &ready_only.queue_url,
    )
    .await;
    let (api, child) = started_on(&bus, &fixture, &[]);

    let ready = r#"{"Id":"bus-1","EventType":"ModelReady","Amount":1.50,"Text":"Zoë ✓"}"#;
    let failed = r#"{"Id":"bus-2","EventType":"ModelFailed"}"#;
    let genuine = signed("kaunt-bus-key", &[ready, failed]);
    let forged = signed("a-guess", &[&ready.replace("bus-1", "bus-3")]);
    for event in &genuine {
        assert_eq!(tokio::task::block_in_place(|| status_of(&api, event)), 200);
    }
    assert_eq!(tokio::task::block_in_place(|| status_of(&api, &forged[0])), 401);
    stop(child);

    let mut everything = delivered(&fixture.sqs, &fixture.queue_url).await;
    everything.sort_by_key(|event| event["detail"]["payload"]["Id"].as_str().unwrap().to_owned());
    assert_eq!(everything.len(), 2, "both genuine deliveries, and not the forgery");
    for (event, (body, event_type)) in everything.iter().zip([(ready, "ModelReady"), (failed, "ModelFailed")]) {
        assert_eq!(event["source"], "webhook.kaunt");
        assert_eq!(event["detail-type"], event_type);
        let detail = &event["detail"];
        assert_eq!(detail["provider"], "kaunt");
        assert_eq!(detail["eventType"], event_type);
        assert!(detail["eventId"].as_str().is_some_and(|id| !id.is_empty()));
        assert!(detail["receivedAt"].as_str().unwrap().ends_with('Z'));
        // The envelope intact: the signed body as the same JSON value
        // (EventBridge writes the detail out again, so `1.50` may come as
        // `1.5`; the bytes are in S3 only for an offloaded envelope).
        let signed_body: Value = serde_json::from_str(body).unwrap();
        assert_eq!(detail["payload"], signed_body);
        let members: Vec<&str> = detail.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(members.len(), 6, "{members:?}");
    }
    let routed = delivered(&ready_only.sqs, &ready_only.queue_url).await;
    assert_eq!(routed.len(), 1, "the DetailType rule matched one event");
    assert_eq!(routed[0]["detail-type"], "ModelReady");
    assert_eq!(routed[0]["detail"], everything[0]["detail"]);
}

/// The EventBridge calls the fault proxy saw during `invoke`.
fn calls_during(proxy: &FaultProxy, invoke: impl FnOnce()) -> u64 {
    let before = proxy.calls(Service::EventBridge);
    invoke();
    proxy.calls(Service::EventBridge) - before
}

#[tokio::test(flavor = "multi_thread")]
async fn putevents_failing_or_reporting_the_entry_failed_is_a_503_and_the_retry_is_accepted_once() {
    let fixture = Fixture::new("bus-binary-faults").await;
    fixture.put_secret("kaunt-bus-key").await;
    let bus = Bus::to_queue(&fixture.aws, "bus-binary-faults", &fixture.queue_url).await;
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let (api, child) = started_on(
        &bus,
        &fixture,
        &[("AWS_ENDPOINT_URL_EVENTBRIDGE", proxy.endpoint.clone())],
    );
    let delivery = &signed("kaunt-bus-key", &[r#"{"Id":"bus-fault-1","EventType":"ModelReady"}"#])[0];
    let answer_with = |fault: Fault| {
        proxy.set_rules(vec![Rule {
            service: Service::EventBridge,
            fault,
            fraction: 1.0,
        }])
    };

    let failed_entry = |body| Fault::Answer { status: 200, body };
    let faults = [
        // A retryable entry failure: put three times, then a 503.
        (
            failed_entry(
                r#"{"FailedEntryCount":1,"Entries":[{"ErrorCode":"InternalFailure","ErrorMessage":"injected"}]}"#,
            ),
            3,
            503,
        ),
        // One that fails the same way again (a permission): once.
        (
            failed_entry(
                r#"{"FailedEntryCount":1,"Entries":[{"ErrorCode":"AccessDeniedException","ErrorMessage":"injected"}]}"#,
            ),
            1,
            503,
        ),
        // `InvalidArgument` fails the same way again: once, a 503.
        (
            failed_entry(
                r#"{"FailedEntryCount":1,"Entries":[{"ErrorCode":"InvalidArgument","ErrorMessage":"injected"}]}"#,
            ),
            1,
            503,
        ),
        // An entry "accepted" with no event id: not what AWS answers for an
        // accepted one, so not taken for one.
        (failed_entry(r#"{"FailedEntryCount":0,"Entries":[{}]}"#), 1, 503),
        // One refused for what its detail holds: only S3 could carry it,
        // and there is no bucket: a 500 (the provider retries) until an
        // operator sets one.
        (
            failed_entry(
                r#"{"FailedEntryCount":1,"Entries":[{"ErrorCode":"MalformedDetail","ErrorMessage":"injected"}]}"#,
            ),
            1,
            500,
        ),
        // The call itself failing: the SDK's own attempts, then a 503.
        (
            Fault::AwsError {
                status: 500,
                code: "InternalException",
            },
            u64::from(MAX_ATTEMPTS),
            503,
        ),
        // Refused as invalid, not for its size: a 503, not a 413.
        (
            Fault::Answer {
                status: 400,
                body: r#"{"__type":"ValidationException","message":"injected: the size of nothing in particular"}"#,
            },
            1,
            503,
        ),
    ];
    for (fault, attempts, answer) in faults {
        answer_with(fault);
        let calls = calls_during(&proxy, || {
            assert_eq!(tokio::task::block_in_place(|| status_of(&api, delivery)), answer)
        });
        assert_eq!(calls, attempts, "{fault:?}");
    }
    assert!(
        delivered(&fixture.sqs, &fixture.queue_url).await.is_empty(),
        "nothing reached the bus"
    );

    // The provider's retry: its entry fails once more, retryably, and is
    // put again: accepted, once.
    proxy.set_rules_for(
        1,
        vec![Rule {
            service: Service::EventBridge,
            fault: failed_entry(
                r#"{"FailedEntryCount":1,"Entries":[{"ErrorCode":"ThrottlingException","ErrorMessage":"injected"}]}"#,
            ),
            fraction: 1.0,
        }],
    );
    let calls = calls_during(&proxy, || {
        assert_eq!(tokio::task::block_in_place(|| status_of(&api, delivery)), 200)
    });
    assert_eq!(calls, 2);
    stop(child);
    let events = delivered(&fixture.sqs, &fixture.queue_url).await;
    assert_eq!(events.len(), 1, "sent once as accepted");
    assert_eq!(events[0]["detail"]["payload"]["Id"], "bus-fault-1");
}

/// Checks that `event` points to its envelope in `bucket` as
/// docs/events.md writes it (read here from the documented members, not by
/// this code's reader), and that the object holds `body` byte for byte.
async fn check_offloaded(fixture: &Fixture, bucket: &str, event: &Value, body: &str) {
    assert!(event.get("replay-name").is_none());
    assert_eq!(event["source"], "webhook.kaunt");
    assert_eq!(event["detail-type"], "ModelReady");
    let detail = &event["detail"];
    assert!(detail.get("payload").is_none(), "the payload is in S3");
    assert_eq!(detail["payloadS3Pointer"]["s3BucketName"], bucket);
    let key = detail["payloadS3Pointer"]["s3Key"].as_str().unwrap();
    let object = fixture.object_text(bucket, key).await;
    assert_eq!(detail["extendedPayloadSize"], object.len());
    let envelope: webhook_receiver::Envelope = serde_json::from_str(&object).unwrap();
    assert_eq!(envelope.payload.get(), body, "the payload byte for byte");
    assert_eq!(detail["eventId"], envelope.event_id.as_str());
    assert_eq!(detail["eventType"], "ModelReady");
    assert_eq!(detail["receivedAt"], envelope.received_at.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_envelope_too_large_for_an_entry_or_refused_for_its_size_or_content_goes_through_s3() {
    let fixture = Fixture::new("bus-binary-large").await;
    fixture.put_secret("kaunt-bus-key").await;
    let bucket = fixture.payload_bucket().await;
    let bus = Bus::to_queue(&fixture.aws, "bus-binary-large", &fixture.queue_url).await;
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let settings = [
        ("PAYLOAD_BUCKET", bucket.clone()),
        ("AWS_ENDPOINT_URL_EVENTBRIDGE", proxy.endpoint.clone()),
    ];
    let (api, child) = started_on(&bus, &fixture, &settings);

    // 3 MB: over any entry, so through S3 at once.
    let large = large_kaunt_body("bus-large", 3_000_000);
    let event = &signed("kaunt-bus-key", &[&large])[0];
    assert_eq!(tokio::task::block_in_place(|| status_of(&api, event)), 200);
    let events = delivered(&fixture.sqs, &fixture.queue_url).await;
    assert_eq!(events.len(), 1);
    check_offloaded(&fixture, &bucket, &events[0], &large).await;

    // 300 KB: an entry fits it, but a bus that still takes 256 KB refuses
    // the request naming its size. Then it goes through S3 too, and so
    // does the next one of its size, without a refusal first.
    let middling = large_kaunt_body("bus-middling", 300_000);
    proxy.set_rules_for(
        1,
        vec![Rule {
            service: Service::EventBridge,
            fault: Fault::Answer {
                status: 400,
                body: r#"{"__type":"ValidationException","message":"Total size of the entries in the request is over the limit."}"#,
            },
            fraction: 1.0,
        }],
    );
    let event = &signed("kaunt-bus-key", &[&middling])[0];
    let before = proxy.calls(Service::EventBridge);
    let answered = tokio::task::block_in_place(|| status_of(&api, event));
    assert_eq!(answered, 200);
    assert_eq!(
        proxy.calls(Service::EventBridge) - before,
        2,
        "refused once, then the pointer"
    );
    let events = delivered(&fixture.sqs, &fixture.queue_url).await;
    assert_eq!(events.len(), 1);
    check_offloaded(&fixture, &bucket, &events[0], &middling).await;
    let before = proxy.calls(Service::EventBridge);
    assert_eq!(tokio::task::block_in_place(|| status_of(&api, event)), 200);
    assert_eq!(proxy.calls(Service::EventBridge) - before, 1, "straight through S3");
    let events = delivered(&fixture.sqs, &fixture.queue_url).await;
    check_offloaded(&fixture, &bucket, &events[0], &middling).await;

    // A small one whose detail EventBridge refuses (an integer beyond 64
    // bits, say): through S3 at once, its pointer holding no payload.
    let small = r#"{"Id":"bus-unfit","EventType":"ModelReady","Amount":18446744073709551616}"#;
    proxy.set_rules_for(
        1,
        vec![Rule {
            service: Service::EventBridge,
            fault: Fault::Answer {
                status: 200,
                body: r#"{"FailedEntryCount":1,"Entries":[{"ErrorCode":"MalformedDetail","ErrorMessage":"injected"}]}"#,
            },
            fraction: 1.0,
        }],
    );
    let event = &signed("kaunt-bus-key", &[small])[0];
    let before = proxy.calls(Service::EventBridge);
    assert_eq!(tokio::task::block_in_place(|| status_of(&api, event)), 200);
    assert_eq!(
        proxy.calls(Service::EventBridge) - before,
        2,
        "refused once, then the pointer"
    );
    stop(child);
    let events = delivered(&fixture.sqs, &fixture.queue_url).await;
    assert_eq!(events.len(), 1);
    check_offloaded(&fixture, &bucket, &events[0], small).await;
    assert_eq!(fixture.objects_in(&bucket).await.len(), 4);
}
