//! Deliveries refused for their key are kept in the quarantine (moto's S3),
//! and only those; the answer stays 401, in time, whatever S3 does.

use std::time::{Duration, Instant, SystemTime};

use integration_tests::{hanging_endpoint, preset, quarantine_in, requests, sdk_config, Fixture};
use webhook_receiver::aws::quarantine::{BodyEncoding, QuarantinedDelivery, RefusalReason, Stored};
use webhook_receiver::aws::AwsClients;
use webhook_receiver::internals::encode_base64;
use webhook_receiver::schemes::{Kravia, Scheme};
use webhook_receiver::Receiver;

use crate::answer;

const BODY: &str = r#"{"Id":"q-1","EventType":"ModelReady"}"#;

/// A fixture whose secret holds `key`, and its quarantine bucket.
async fn kept_in(name: &str, key: &str) -> (Fixture, String) {
    let fixture = Fixture::new(name).await;
    fixture.put_secret(key).await;
    let bucket = fixture.quarantine_bucket().await;
    (fixture, bucket)
}

fn with_quarantine<S: Scheme>(fixture: &Fixture, scheme: S, bucket: &str, writes_per_second: u32) -> Receiver<S> {
    fixture.receiver_with(scheme, quarantine_in(bucket, writes_per_second))
}

/// A genuine Kaunt delivery of `body` signed with `key`, with headers no
/// quarantine may keep beside the signature.
fn kaunt(key: &str, body: &str) -> lambda_http::Request {
    let mut signed = requests::signed_with("kaunt", key, body, "");
    signed
        .headers
        .push(("authorization".into(), "Bearer do-not-keep".into()));
    signed.headers.push(("cookie".into(), "session=do-not-keep".into()));
    requests::http_api(&signed, Some("acme"))
}

#[tokio::test]
async fn a_delivery_no_key_verifies_is_kept_exactly_and_still_refused() {
    let (fixture, bucket) = kept_in("quarantine-kept", "the-wrong-key").await;
    let receiver = with_quarantine(&fixture, preset("kaunt"), &bucket, 10);
    let before = SystemTime::now();
    let (lines, guard) = integration_tests::logs::capture();
    let (status, body) = answer(&receiver.handle(kaunt("the-right-key", BODY)).await);
    drop(guard);
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("signature missing or invalid"))
    );
    assert!(fixture.drain().await.is_empty());
    // The request's line counts it, by provider and outcome, and as kept.
    let line = &lines.lines_saying("rejected")[0];
    assert_eq!(
        (line["Provider"].as_str(), line["Outcome"].as_str()),
        (Some("kaunt"), Some("signature-mismatch"))
    );
    assert_eq!(
        (line["Requests"].as_f64(), line["Quarantined"].as_f64()),
        (Some(1.0), Some(1.0))
    );

    let kept = fixture.quarantined(&bucket, "kaunt").await;
    assert_eq!(kept.len(), 1);
    let (name, record) = &kept[0];
    assert!(name.starts_with("kaunt/"), "{name}");
    assert_eq!(record.provider, "kaunt");
    assert_eq!(record.reason, RefusalReason::Mismatch);
    assert_eq!(record.body, encode_base64(BODY.as_bytes()));
    assert_eq!(record.body_encoding, BodyEncoding::Text);
    assert_eq!(record.headers.keys().collect::<Vec<_>>(), ["x-signature-sha256"]);
    assert_eq!(record.tenant.as_deref(), Some("acme"));
    assert_eq!(record.source_ip.as_deref(), Some("203.0.113.10"));
    let received = record.received_at();
    assert!(received >= before - Duration::from_millis(1) && received <= SystemTime::now());
    let text = serde_json::to_string(record).unwrap();
    assert!(!text.contains("do-not-keep"), "{text}");
}

#[tokio::test]
async fn retries_of_one_delivery_are_kept_once_with_the_first_arrival() {
    let (fixture, bucket) = kept_in("quarantine-retries", "the-wrong-key").await;
    let receiver = with_quarantine(&fixture, preset("kaunt"), &bucket, 10);
    for _ in 0..3 {
        assert_eq!(answer(&receiver.handle(kaunt("the-right-key", BODY)).await).0, 401);
    }
    let first = fixture.quarantined(&bucket, "kaunt").await;
    assert_eq!(first.len(), 1);
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(answer(&receiver.handle(kaunt("the-right-key", BODY)).await).0, 401);
    let later = fixture.quarantined(&bucket, "kaunt").await;
    assert_eq!(
        later[0].1.received_at_ms, first[0].1.received_at_ms,
        "the first arrival is kept"
    );
}

#[tokio::test]
async fn only_refusals_a_key_could_turn_around_are_kept() {
    let (fixture, bucket) = kept_in("quarantine-which", "kaunt-key").await;
    let receiver = with_quarantine(&fixture, preset("kaunt"), &bucket, 100);
    // No signature, an unreadable one, a malformed signed body, a method
    // and a size: nothing a key could change.
    let mut unsigned = requests::signed_with("kaunt", "kaunt-key", BODY, "");
    unsigned.headers.retain(|(name, _)| name != "x-signature-sha256");
    let mut garbled = unsigned.clone();
    garbled.headers.push(("x-signature-sha256".into(), "not hex".into()));
    let not_json = requests::signed_with("kaunt", "kaunt-key", "not json", "");
    let mut get = requests::http_api_json(&requests::signed_with("kaunt", "kaunt-key", BODY, ""), None, false);
    get["requestContext"]["http"]["method"] = "GET".into();
    let large = requests::signed_with("kaunt", "other-key", &format!("\"{}\"", "x".repeat(1_100_000)), "");
    for (request, status) in [
        (requests::http_api(&unsigned, None), 401),
        (requests::http_api(&garbled, None), 401),
        (requests::http_api(&not_json, None), 400),
        (requests::from_event(&get), 405),
        (requests::http_api(&large, None), 413),
    ] {
        assert_eq!(answer(&receiver.handle(request).await).0, status);
    }
    assert!(fixture.quarantined(&bucket, "kaunt").await.is_empty());

    // An unknown tenant (Kravia) and a stale timestamp (preset("codat")) are kept.
    let kravia_keys = requests::test_keys().secret("kravia").unwrap();
    let (kravia_fixture, kravia_bucket) = kept_in("quarantine-tenant", &kravia_keys).await;
    let kravia = with_quarantine(&kravia_fixture, Kravia, &kravia_bucket, 10);
    let data = r#"{"timestamp":1,"eventType":"CaseUpdate","claimId":1}"#;
    let signed = requests::signed("kravia", data, Some("acme"));
    assert_eq!(
        answer(&kravia.handle(requests::http_api(&signed, Some("initech"))).await).0,
        401
    );
    let kept = kravia_fixture.quarantined(&kravia_bucket, "kravia").await;
    assert_eq!(kept[0].1.reason, RefusalReason::UnknownTenant);
    assert_eq!(kept[0].1.tenant.as_deref(), Some("initech"));
    assert!(kept[0].1.headers.is_empty());

    let codat_key = requests::test_keys().secret("codat").unwrap();
    let (codat_fixture, codat_bucket) = kept_in("quarantine-stale", &codat_key).await;
    let codat = with_quarantine(&codat_fixture, preset("codat"), &codat_bucket, 10);
    let stale = requests::codat_signed_at("msg_stale", requests::now() - 3600, r#"{"eventType":"read.completed"}"#);
    assert_eq!(answer(&codat.handle(requests::http_api(&stale, None)).await).0, 401);
    let kept = codat_fixture.quarantined(&codat_bucket, "codat").await;
    assert_eq!(kept[0].1.reason, RefusalReason::StaleTimestamp);
    let names: Vec<&str> = kept[0].1.headers.keys().map(String::as_str).collect();
    assert_eq!(names, ["webhook-id", "webhook-signature", "webhook-timestamp"]);
}

#[tokio::test]
async fn a_hanging_s3_still_gets_the_401_within_the_deadline() {
    let fixture = Fixture::new("quarantine-hang").await;
    fixture.put_secret("the-wrong-key").await;
    let hanging = sdk_config(&hanging_endpoint()).await;
    let clients = AwsClients {
        s3: webhook_receiver::aws::S3Client::Made(webhook_receiver::aws::s3_client(&hanging)),
        ..AwsClients::new(&fixture.aws)
    };
    let mut settings = fixture.settings();
    settings.request_deadline = Duration::from_millis(1500);
    quarantine_in("nowhere", 10)(&mut settings);
    let receiver = Receiver::with_clients(preset("kaunt"), settings, clients);
    let (captured, guard) = integration_tests::logs::capture();
    let started = Instant::now();
    assert_eq!(answer(&receiver.handle(kaunt("the-right-key", BODY)).await).0, 401);
    let elapsed = started.elapsed();
    drop(guard);
    assert!(
        elapsed < Duration::from_millis(1500 + 250),
        "answered after {elapsed:?}"
    );
    let lines = captured.lines_saying("rejected");
    assert_eq!(lines[0]["quarantine"], "out-of-time");
    assert_eq!(
        (lines[0]["QuarantineFailed"].as_f64(), lines[0]["Quarantined"].as_f64()),
        (Some(1.0), Some(0.0))
    );
}

#[tokio::test]
async fn a_flood_of_forgeries_is_kept_no_faster_than_the_cap() {
    let (fixture, bucket) = kept_in("quarantine-flood", "the-key").await;
    let receiver = with_quarantine(&fixture, preset("kaunt"), &bucket, 3);
    let started = Instant::now();
    for n in 0..40 {
        let body = format!(r#"{{"Id":"forged-{n}","EventType":"ModelReady"}}"#);
        assert_eq!(answer(&receiver.handle(kaunt("a-guess", &body)).await).0, 401);
    }
    let seconds = started.elapsed().as_secs() as usize;
    let kept = fixture.quarantined(&bucket, "kaunt").await.len();
    // Three a second at most, in each second the flood touched.
    assert!((3..=3 * (seconds + 1)).contains(&kept), "{kept} kept in {seconds} s");
}

#[tokio::test]
async fn the_store_lists_one_providers_deliveries_page_by_page_and_nothing_else() {
    let (fixture, bucket) = kept_in("quarantine-store", "the-wrong-key").await;
    let store = fixture.quarantine_store(&bucket);
    let arrival = SystemTime::now();
    let kept = |provider: &str, n: usize| {
        let request = requests::http_api(
            &requests::signed_with("kaunt", "k", &format!(r#"{{"Id":"{n}"}}"#), ""),
            None,
        );
        QuarantinedDelivery::of(
            provider,
            (&["x-signature-sha256".to_owned()], &[]),
            &request,
            RefusalReason::Mismatch,
            arrival,
        )
    };
    for n in 0..5 {
        assert_eq!(
            store.write(&kept("kaunt", n), Duration::from_secs(5)).await,
            Stored::Written
        );
    }
    assert_eq!(
        store.write(&kept("kaunt", 0), Duration::from_secs(5)).await,
        Stored::AlreadyThere
    );
    store.write(&kept("kaunt-eu", 9), Duration::from_secs(5)).await;
    store
        .record_progress("kaunt", &serde_json::json!({"pass": null}))
        .await
        .unwrap();

    let mut listing = store.list("kaunt", None).in_pages_of(2);
    let mut pages = Vec::new();
    while let Some(page) = listing.next_page().await {
        pages.push(page.unwrap());
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    let names: Vec<&str> = pages.iter().flatten().map(|object| object.name.as_str()).collect();
    assert!(
        names.windows(2).all(|pair| pair[0] < pair[1]),
        "in name order: {names:?}"
    );
    assert!(names.iter().all(|name| name.starts_with("kaunt/")), "{names:?}");
    // Going on after the second: the last three.
    let mut after = store.list("kaunt", Some(names[1])).in_pages_of(2);
    let mut rest = Vec::new();
    while let Some(page) = after.next_page().await {
        rest.extend(page.unwrap().into_iter().map(|object| object.name));
    }
    assert_eq!(rest, names[2..]);
    let progress: Option<serde_json::Value> = store.progress("kaunt").await;
    assert_eq!(progress, Some(serde_json::json!({"pass": null})));
}
