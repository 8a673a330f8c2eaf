//! Large deliveries through the real receiver binary, started as Lambda
//! starts it, with `PAYLOAD_BUCKET` set: a 3 MB delivery signed by the
//! documented algorithm (tests/signers/sign.py) is answered 200, and AWS's
//! own SQS Extended Client for Python, knowing nothing of this code, reads
//! the whole envelope from the queue, payload byte for byte; as a JSON body
//! API Gateway passes on as text, and as one it passes on base64 (no JSON
//! content type). A small delivery still goes inline; a forged large one is
//! a 401 with nothing stored or queued; with S3 or SQS failing (a fault
//! proxy in front of one of them) a large one is a 503 with no pointer
//! queued; one signed with a key the secret doesn't hold yet is kept, and
//! released through S3 once the key is in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use integration_tests::fault_proxy::{Fault, FaultProxy, Rule, Service};
use integration_tests::function::{started_kaunt, status_of, stop};
use integration_tests::requests::large_kaunt_body;
use integration_tests::runtime_api::RuntimeApi;
use integration_tests::signers::signed_by_the_providers_signers;
use integration_tests::{moto, requests, workspace_dir, Fixture};
use serde_json::{json, Value};
use sign_event::SignedRequest;

/// Kaunt deliveries of each body, signed with `key` by the documented
/// algorithm written out in tests/signers/sign.py.
fn signed_by_the_documented_algorithm(key: &str, bodies: &[&str]) -> Vec<SignedRequest> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let asked: Vec<Value> = bodies
        .iter()
        .map(
            |body| json!({"preset": "kaunt", "key": key, "body": body, "id": "msg_large", "timestamp": now, "url": ""}),
        )
        .collect();
    signed_by_the_providers_signers(false, &asked)
        .into_iter()
        .map(|(request, _)| request)
        .collect()
}

/// What AWS's extended client for Python receives from `queue_url`
/// (deleting each message, and with it its object).
fn received_by_the_python_extended_client(queue_url: &str) -> Vec<Value> {
    let root = workspace_dir();
    let output = Command::new(root.join(".venv/bin/python"))
        .arg(root.join("tests/extended_client/receive.py"))
        .arg(queue_url)
        .env("AWS_ENDPOINT_URL", &moto::server().endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(output.status.success(), "the extended client failed");
    serde_json::from_slice(&output.stdout).unwrap()
}

async fn objects_in(fixture: &Fixture, bucket: &str) -> usize {
    let listed = fixture.s3.list_objects_v2().bucket(bucket).send().await.unwrap();
    listed.contents().len()
}

/// The Kaunt receiver binary on `fixture`'s secret and queue, with
/// `settings` beside those, and the emulator it polls.
fn started(fixture: &Fixture, settings: &[(&str, String)]) -> (RuntimeApi, Child) {
    started_kaunt(env!("CARGO_BIN_EXE_receiver"), fixture, settings)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_3_mb_delivery_reaches_amazons_python_extended_client_whole_and_a_small_one_goes_inline() {
    let fixture = Fixture::new("large-binary").await;
    fixture.put_secret("kaunt-large-key").await;
    let bucket = fixture.payload_bucket().await;
    let (api, child) = started(&fixture, &[("PAYLOAD_BUCKET", bucket.clone())]);

    let (text_body, base64_body) = (
        large_kaunt_body("large-text", 3_000_000),
        large_kaunt_body("large-base64", 3_000_000),
    );
    let small = r#"{"Id":"small-1","EventType":"ModelReady"}"#;
    let [as_text, as_base64, small_one] = <[SignedRequest; 3]>::try_from(signed_by_the_documented_algorithm(
        "kaunt-large-key",
        &[&text_body, &base64_body, small],
    ))
    .ok()
    .unwrap();
    let [forged] = <[SignedRequest; 1]>::try_from(signed_by_the_documented_algorithm("a-guess", &[&text_body]))
        .ok()
        .unwrap();
    let events = [
        (requests::http_api_json(&as_text, None, false), 200),
        (requests::http_api_json(&as_base64, None, true), 200),
        (requests::http_api_json(&forged, None, false), 401),
    ];
    for (event, expected) in &events {
        let answered = tokio::task::block_in_place(|| status_of(&api, event));
        assert_eq!(answered, *expected);
    }
    assert_eq!(objects_in(&fixture, &bucket).await, 2, "the forgery stored nothing");

    let queue_url = fixture.queue_url.clone();
    let mut received = tokio::task::block_in_place(|| received_by_the_python_extended_client(&queue_url));
    received.sort_by_key(|message| message["body"].as_str().unwrap().contains("large-text"));
    assert_eq!(received.len(), 2, "the forgery queued nothing");
    for (message, body) in received.iter().zip([&base64_body, &text_body]) {
        let envelope: webhook_receiver::Envelope = serde_json::from_str(message["body"].as_str().unwrap()).unwrap();
        assert_eq!(envelope.payload.get(), body.as_str(), "the payload byte for byte");
        assert_eq!(envelope.event_type.as_deref(), Some("ModelReady"));
        assert_eq!(message["attributes"]["provider"], "kaunt");
        assert_eq!(message["attributes"]["eventId"], envelope.event_id.as_str());
    }
    assert_eq!(
        objects_in(&fixture, &bucket).await,
        0,
        "the client deleted each object with its message"
    );

    let event = requests::http_api_json(&small_one, None, false);
    assert_eq!(tokio::task::block_in_place(|| status_of(&api, &event)), 200);
    let queued = fixture.drain().await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].pointer, None, "a small delivery goes inline");
    assert_eq!(queued[0].envelope.payload.get(), small);
    assert_eq!(objects_in(&fixture, &bucket).await, 0);
    stop(child);
}

#[tokio::test(flavor = "multi_thread")]
async fn through_the_binary_s3_or_sqs_failing_is_a_503_with_no_pointer_and_a_wrong_keys_delivery_is_released_whole() {
    let fixture = Fixture::new("large-binary-faults").await;
    fixture.put_secret("kaunt-large-key").await;
    let (bucket, quarantine) = (fixture.payload_bucket().await, fixture.quarantine_bucket().await);
    let body = large_kaunt_body("large-faults", 3_000_000);
    let [genuine, held] = <[SignedRequest; 2]>::try_from(signed_by_the_documented_algorithm(
        "kaunt-large-key",
        &[&body, &body.replace("large-faults", "large-held")],
    ))
    .ok()
    .unwrap();
    let event = requests::http_api_json(&genuine, None, false);

    // S3 answering 503 to every call: a 503, nothing stored or queued.
    let s3_down = FaultProxy::start(&moto::server().endpoint);
    s3_down.set_rules(vec![Rule {
        service: Service::S3,
        fault: Fault::AwsError {
            status: 503,
            code: "SlowDown",
        },
        fraction: 1.0,
    }]);
    let settings = [
        ("PAYLOAD_BUCKET", bucket.clone()),
        ("AWS_ENDPOINT_URL_S3", s3_down.endpoint.clone()),
    ];
    let (api, child) = started(&fixture, &settings);
    assert_eq!(tokio::task::block_in_place(|| status_of(&api, &event)), 503);
    assert!(s3_down.calls(Service::S3) >= 1);
    stop(child);
    assert!(fixture.drain().await.is_empty());
    assert_eq!(objects_in(&fixture, &bucket).await, 0);

    // SQS refusing every connection after S3 stored the envelope: a 503,
    // and no pointer; the object is one no pointer names.
    let sqs_down = FaultProxy::start(&moto::server().endpoint);
    sqs_down.set_rules(vec![Rule {
        service: Service::Sqs,
        fault: Fault::Refuse,
        fraction: 1.0,
    }]);
    let settings = [
        ("PAYLOAD_BUCKET", bucket.clone()),
        ("AWS_ENDPOINT_URL_SQS", sqs_down.endpoint.clone()),
    ];
    let (api, child) = started(&fixture, &settings);
    assert_eq!(tokio::task::block_in_place(|| status_of(&api, &event)), 503);
    stop(child);
    assert!(fixture.drain().await.is_empty());
    assert_eq!(objects_in(&fixture, &bucket).await, 1);

    // Signed with a key the secret doesn't hold yet: refused and kept;
    // once the key is in, released through S3 as the receiver sends it,
    // and read whole by AWS's Python extended client.
    fixture.put_secret("an-older-key").await;
    let settings = [
        ("PAYLOAD_BUCKET", bucket.clone()),
        ("QUARANTINE_BUCKET", quarantine.clone()),
        // The right key is now the previous version: not accepted.
        ("PREVIOUS_KEY_GRACE_SECS", "0".to_owned()),
    ];
    let (api, child) = started(&fixture, &settings);
    let event = requests::http_api_json(&held, None, false);
    assert_eq!(tokio::task::block_in_place(|| status_of(&api, &event)), 401);
    stop(child);
    assert_eq!(fixture.quarantined(&quarantine, "kaunt").await.len(), 1);
    fixture.put_secret("kaunt-large-key").await;
    let release = fixture.release(
        "kaunt",
        &[("QUARANTINE_BUCKET", &quarantine), ("PAYLOAD_BUCKET", &bucket)],
    );
    let counts = release.run(&json!({ "provider": "kaunt" })).await.unwrap()["kaunt"];
    assert_eq!((counts.released, counts.offloaded), (1, 1));
    let queue_url = fixture.queue_url.clone();
    let received = tokio::task::block_in_place(|| received_by_the_python_extended_client(&queue_url));
    assert_eq!(received.len(), 1);
    let envelope: webhook_receiver::Envelope = serde_json::from_str(received[0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(envelope.payload.get(), held.body.as_str(), "the payload byte for byte");
}
