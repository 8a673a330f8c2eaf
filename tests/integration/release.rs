//! Quarantined deliveries released once the key is fixed: exactly the
//! genuine ones, as the receiver would have queued them on arrival, never
//! lost when AWS fails or two releases run at once.

use std::time::{Duration, SystemTime};

use integration_tests::{preset, quarantine_in, requests, Fixture};
use release::{Counts, Release};
use serde_json::json;
use webhook_receiver::aws::quarantine::{QuarantinedDelivery, RefusalReason, Stored};
use webhook_receiver::internals::sha256_hex;
use webhook_receiver::schemes::Scheme;

use crate::answer;

/// The release function for `fixture`'s secret (as `provider`'s), queue
/// and quarantine `bucket`, with `queue_url` instead when given. With the
/// receivers' source addresses limited to a block no delivery came from,
/// as a release sharing the receivers' settings might be: a check passed
/// on arrival must not refuse what is released.
fn release_for(fixture: &Fixture, provider: &'static str, bucket: &str, queue_url: Option<&str>) -> Release {
    let mut settings = vec![("QUARANTINE_BUCKET", bucket), ("ALLOWED_SOURCE_IPS", "198.51.100.0/24")];
    settings.extend(queue_url.map(|queue| ("QUEUE_URL", queue)));
    fixture.release(provider, &settings)
}

async fn released(release: &Release, provider: &str) -> Counts {
    release.run(&json!({ "provider": provider })).await.unwrap()[provider]
}

fn kaunt(key: &str, n: usize) -> lambda_http::Request {
    let body = format!(r#"{{"Id":"held-{n}","EventType":"ModelReady"}}"#);
    requests::http_api(&requests::signed_with("kaunt", key, &body, ""), None)
}

/// Three genuine deliveries (signed with `right-key`) and a forgery, all
/// refused by a receiver holding `wrong-key` and kept.
async fn three_held_and_a_forgery(name: &str) -> (Fixture, String) {
    let fixture = Fixture::new(name).await;
    fixture.put_secret("wrong-key").await;
    let bucket = fixture.quarantine_bucket().await;
    let receiver = fixture.receiver_with(preset("kaunt"), quarantine_in(&bucket, 10));
    for request in (0..3).map(|n| kaunt("right-key", n)).chain([kaunt("a-guess", 9)]) {
        assert_eq!(answer(&receiver.handle(request).await).0, 401);
    }
    assert_eq!(fixture.quarantined(&bucket, "kaunt").await.len(), 4);
    (fixture, bucket)
}

#[tokio::test]
async fn refused_deliveries_are_released_once_the_key_is_fixed_and_forgeries_stay() {
    let (fixture, bucket) = three_held_and_a_forgery("release-fixed").await;
    let arrivals: Vec<u64> = fixture
        .quarantined(&bucket, "kaunt")
        .await
        .iter()
        .map(|(_, r)| r.received_at_ms)
        .collect();
    let release = release_for(&fixture, "kaunt", &bucket, None);
    let before = Counts {
        released: 0,
        offloaded: 0,
        refused: 4,
        failed: 0,
    };
    assert_eq!(released(&release, "kaunt").await, before, "nothing verifies yet");
    assert!(fixture.drain().await.is_empty());

    fixture.put_secret("right-key").await;
    let after = Counts {
        released: 3,
        offloaded: 0,
        refused: 1,
        failed: 0,
    };
    let (lines, guard) = integration_tests::logs::capture();
    assert_eq!(released(&release, "kaunt").await, after);
    drop(guard);
    // Its line carries the counts as metrics, and how long the forgery,
    // still kept, has waited.
    let line = &lines.lines_saying("release done")[0];
    assert_eq!(
        (line["Released"].as_f64(), line["StillRefused"].as_f64()),
        (Some(3.0), Some(1.0))
    );
    assert!(line["OldestQuarantinedAge"].as_f64().unwrap() > 0.0);
    let mut queued = fixture.drain().await;
    queued.sort_by(|a, b| a.envelope.event_id.cmp(&b.envelope.event_id));
    let mut expected: Vec<String> = (0..3)
        .map(|n| sha256_hex(format!(r#"{{"Id":"held-{n}","EventType":"ModelReady"}}"#).as_bytes()))
        .collect();
    expected.sort();
    let ids: Vec<&str> = queued.iter().map(|m| m.envelope.event_id.as_str()).collect();
    assert_eq!(ids, expected);
    // As the receiver would have queued each on arrival.
    let now = fixed_receiver_message(&fixture).await;
    for message in &queued {
        assert_eq!(message.attributes, message_attributes(message, &now));
        assert_eq!(message.envelope.payload.get().len(), now.envelope.payload.get().len());
        let received = time_of(&message.envelope.received_at);
        assert!(
            arrivals.contains(&received),
            "receivedAt is an arrival: {}",
            message.envelope.received_at
        );
    }
    // The forgery stays; a second release finds only it.
    let kept = fixture.quarantined(&bucket, "kaunt").await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].1.reason, RefusalReason::Mismatch);
    let again = Counts {
        released: 0,
        offloaded: 0,
        refused: 1,
        failed: 0,
    };
    assert_eq!(released(&release, "kaunt").await, again);
}

/// Square signs the URL it posts to, and a tenant's route is a URL of its
/// own: a delivery kept from a tenant's route is released under that URL,
/// as the receiver verifies it. Square's published vector (its Node.js
/// SDK's tests), posted to the tenant route its URL ends with, and again to
/// the route without the tenant, whose URL it doesn't sign.
#[tokio::test]
async fn a_delivery_kept_from_a_tenants_route_is_released_under_that_routes_url() {
    const BASE: &str = "https://webhook.site";
    const TENANT: &str = "679a4f3a-dcfa-49ee-bac5-9d0edad886b9";
    let body = r#"{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}"#;
    let signed = sign_event::SignedRequest {
        provider: "square".to_owned(),
        body: body.to_owned(),
        headers: vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            (
                "x-square-hmacsha256-signature".to_owned(),
                "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=".to_owned(),
            ),
        ],
    };
    let fixture = Fixture::new("release-tenant-url").await;
    fixture.put_secret("wrong-key").await;
    let bucket = fixture.quarantine_bucket().await;
    let square = sign_event::preset_scheme("square", BASE).unwrap();
    let receiver = fixture.receiver_with(square, quarantine_in(&bucket, 10));
    for tenant in [Some(TENANT), None] {
        assert_eq!(
            answer(&receiver.handle(requests::http_api(&signed, tenant)).await).0,
            401
        );
    }
    assert_eq!(fixture.quarantined(&bucket, "square").await.len(), 2);

    fixture.put_secret("Ibxx_5AKakO-3qeNVR61Dw").await;
    let release = fixture.release("square", &[("QUARANTINE_BUCKET", &bucket), ("SQUARE_SIGNED_URL", BASE)]);
    let counts = Counts {
        released: 1,
        offloaded: 0,
        refused: 1,
        failed: 0,
    };
    assert_eq!(released(&release, "square").await, counts);
    let queued = fixture.drain().await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].envelope.event_id, "ac3ac95b-f97d-458c-a6e6-18981597e05f");
    let kept = fixture.quarantined(&bucket, "square").await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].1.tenant, None, "the one posted without its tenant stays");
}

/// The unsigned headers a consumer routes by are kept with a refused
/// delivery, apart from its signature's, and a released envelope carries
/// them as the receiver's would have.
#[tokio::test]
async fn a_released_delivery_carries_its_unsigned_headers() {
    let fixture = Fixture::new("release-unsigned").await;
    fixture.put_secret("wrong-key").await;
    let bucket = fixture.quarantine_bucket().await;
    let receiver = fixture.receiver_with(preset("github"), quarantine_in(&bucket, 10));
    let mut signed = requests::signed_with("github", "right-key", r#"{"action":"opened","number":7}"#, "");
    signed.headers.extend([
        ("X-GitHub-Event".to_owned(), "pull_request".to_owned()),
        (
            "X-GitHub-Delivery".to_owned(),
            "72d3162e-cc78-11e3-81ab-4c9367dc0958".to_owned(),
        ),
        ("User-Agent".to_owned(), "GitHub-Hookshot/044aadd".to_owned()),
    ]);
    assert_eq!(answer(&receiver.handle(requests::http_api(&signed, None)).await).0, 401);
    let kept = fixture.quarantined(&bucket, "github").await;
    assert_eq!(kept[0].1.headers.keys().collect::<Vec<_>>(), ["x-hub-signature-256"]);
    assert_eq!(
        kept[0].1.unsigned_headers.keys().collect::<Vec<_>>(),
        ["x-github-delivery", "x-github-event"]
    );

    fixture.put_secret("right-key").await;
    let release = fixture.release("github", &[("QUARANTINE_BUCKET", &bucket)]);
    assert_eq!(released(&release, "github").await.released, 1);
    let queued = fixture.drain().await;
    assert_eq!(
        queued[0].envelope.unsigned_header("x-github-event"),
        Some("pull_request")
    );
    assert_eq!(
        queued[0].envelope.unsigned_header("x-github-delivery"),
        Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    );
    assert_eq!(
        queued[0].envelope.unsigned.as_ref().map(|headers| headers.len()),
        Some(2)
    );
}

/// What the receiver, with the key fixed, queues for delivery 0 now.
async fn fixed_receiver_message(fixture: &Fixture) -> integration_tests::Queued {
    assert_eq!(
        answer(&fixture.receiver(preset("kaunt")).handle(kaunt("right-key", 0)).await).0,
        200
    );
    fixture.drain().await.remove(0)
}

/// `message`'s attributes as the receiver's own message for the same kind
/// of event has them, its event id swapped in.
fn message_attributes(
    message: &integration_tests::Queued,
    now: &integration_tests::Queued,
) -> std::collections::BTreeMap<String, String> {
    let mut expected = now.attributes.clone();
    expected.insert("eventId".into(), message.envelope.event_id.clone());
    expected
}

/// An RFC 3339 time in Unix milliseconds.
fn time_of(rfc3339: &str) -> u64 {
    let parsed =
        aws_sdk_sqs::primitives::DateTime::from_str(rfc3339, aws_sdk_sqs::primitives::DateTimeFormat::DateTime)
            .unwrap();
    u64::try_from(parsed.to_millis().unwrap()).unwrap()
}

#[tokio::test]
async fn a_release_whose_queue_fails_deletes_nothing() {
    let (fixture, bucket) = three_held_and_a_forgery("release-no-queue").await;
    fixture.put_secret("right-key").await;
    let missing = format!("{}-missing", fixture.queue_url);
    let broken = release_for(&fixture, "kaunt", &bucket, Some(&missing));
    let counts = released(&broken, "kaunt").await;
    assert_eq!((counts.released, counts.failed, counts.refused), (0, 3, 1));
    assert_eq!(fixture.quarantined(&bucket, "kaunt").await.len(), 4, "nothing deleted");
    let working = release_for(&fixture, "kaunt", &bucket, None);
    assert_eq!(released(&working, "kaunt").await.released, 3);
    assert_eq!(fixture.drain().await.len(), 3);
}

#[tokio::test]
async fn two_releases_at_once_lose_nothing() {
    let (fixture, bucket) = three_held_and_a_forgery("release-twice").await;
    fixture.put_secret("right-key").await;
    let (one, two) = (
        release_for(&fixture, "kaunt", &bucket, None),
        release_for(&fixture, "kaunt", &bucket, None),
    );
    let (a, b) = tokio::join!(released(&one, "kaunt"), released(&two, "kaunt"));
    assert!(a.released + b.released >= 3, "{a:?} {b:?}");
    let mut ids: Vec<String> = fixture.drain().await.into_iter().map(|m| m.envelope.event_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "every event queued at least once");
    assert_eq!(
        fixture.quarantined(&bucket, "kaunt").await.len(),
        1,
        "only the forgery stays"
    );
}

#[tokio::test]
async fn a_signed_timestamp_is_judged_against_the_arrival_not_the_release() {
    let fixture = Fixture::new("release-codat").await;
    let key = requests::test_keys().secret("codat").unwrap();
    fixture.put_secret(&key).await;
    let bucket = fixture.quarantine_bucket().await;
    // Signed an hour ago, and kept on arrival then (the test writes what a
    // receiver with the wrong key would have written; its clock is the
    // arrival's). Released now, far outside the tolerance of now.
    let signed_at = requests::now() - 3600;
    let signed = requests::codat_signed_at("msg_held", signed_at, r#"{"eventType":"read.completed"}"#);
    let request = requests::http_api(&signed, None);
    let arrival = SystemTime::UNIX_EPOCH + Duration::from_secs(signed_at + 10);
    let on_time = QuarantinedDelivery::of(
        "codat",
        (preset("codat").signature_headers(), &[]),
        &request,
        RefusalReason::Mismatch,
        arrival,
    );
    // The same signed an hour before it arrived: refused then, and now.
    let late = QuarantinedDelivery::of(
        "codat",
        (preset("codat").signature_headers(), &[]),
        &request,
        RefusalReason::StaleTimestamp,
        SystemTime::now(),
    );
    let mut late = late;
    late.tenant = Some("late".into()); // another object name
    let store = fixture.quarantine_store(&bucket);
    for record in [&on_time, &late] {
        assert_eq!(store.write(record, Duration::from_secs(5)).await, Stored::Written);
    }
    let release = release_for(&fixture, "codat", &bucket, None);
    let counts = released(&release, "codat").await;
    assert_eq!((counts.released, counts.refused), (1, 1));
    let queued = fixture.drain().await;
    assert_eq!(queued[0].envelope.event_id, "msg_held");
    assert_eq!(time_of(&queued[0].envelope.received_at), (signed_at + 10) * 1000);
}

/// How many quarantined deliveries the release read and tried, from its log.
fn tried(lines: &integration_tests::logs::Captured) -> Vec<u64> {
    lines
        .text()
        .lines()
        .filter(|line| line.contains("quarantined deliveries tried"))
        .filter_map(|line| line.split("tried=").nth(1)?.split_whitespace().next()?.parse().ok())
        .collect()
}

#[tokio::test]
async fn with_the_same_keys_a_release_reads_only_what_came_since_its_last_pass() {
    let (fixture, bucket) = three_held_and_a_forgery("release-bounded").await;
    let release = release_for(&fixture, "kaunt", &bucket, None);
    // Past the margin a pass leaves for writes under way while it lists,
    // the same keys find nothing new to read: four refused, none read again.
    tokio::time::sleep(function_support::sdk::OPERATION_TIMEOUT + Duration::from_millis(1500)).await;
    let (lines, guard) = integration_tests::logs::capture();
    assert_eq!(released(&release, "kaunt").await.refused, 4);
    assert_eq!(released(&release, "kaunt").await.refused, 4);
    // A new arrival is read; then a new key reads everything again.
    let receiver = fixture.receiver_with(preset("kaunt"), quarantine_in(&bucket, 10));
    assert_eq!(answer(&receiver.handle(kaunt("right-key", 7)).await).0, 401);
    assert_eq!(released(&release, "kaunt").await.refused, 5);
    fixture.put_secret("right-key").await;
    let counts = released(&release, "kaunt").await;
    drop(guard);
    assert_eq!((counts.released, counts.refused), (4, 1));
    assert_eq!(tried(&lines), [4, 0, 1, 5]);
}

#[tokio::test]
async fn a_release_out_of_time_goes_on_where_it_stopped() {
    let (fixture, bucket) = three_held_and_a_forgery("release-resumed").await;
    fixture.put_secret("right-key").await;
    let release = release_for(&fixture, "kaunt", &bucket, None);
    let (lines, guard) = integration_tests::logs::capture();
    let mut total = Counts::default();
    // Each run's time is up at once: it handles one delivery, and the
    // next goes on after it.
    for _ in 0..4 {
        let run = release
            .run_until(&json!({ "provider": "kaunt" }), Some(std::time::Instant::now()))
            .await
            .unwrap()["kaunt"];
        total.released += run.released;
        total.refused += run.refused;
        total.failed += run.failed;
    }
    drop(guard);
    assert_eq!(tried(&lines), [1, 1, 1, 1]);
    assert_eq!((total.released, total.refused, total.failed), (3, 1, 0));
    assert_eq!(fixture.drain().await.len(), 3);
}
