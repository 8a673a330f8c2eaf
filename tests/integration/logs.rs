//! Logs carry ids, outcomes and timings; never a key, a signature or a
//! payload, at any level, from any crate (the AWS SDK's included).

use integration_tests::{logs, preset, requests, Fixture};
use webhook_receiver::config::Destination;
use webhook_receiver::schemes::Kravia;

const BODY: &str = r#"{"event":"aml.match.found","data":{"submissionId":"sub_9","customerEmail":"jane.doe.secretive@example.com","matchedName":"Jane Q. Doe"}}"#;

#[tokio::test]
async fn no_key_signature_or_payload_reaches_the_logs() {
    let fixture = Fixture::new("logs").await;
    let secret = requests::test_keys().secret("smartkyc").unwrap();
    fixture.put_secret(&secret).await;
    // Only the receiver's own work is captured: a consumer reading the queue
    // with the SDK at TRACE would log message bodies, which is the
    // consumer's business (the README warns about it).
    let (captured, guard) = logs::capture();
    let receiver = fixture.receiver(preset("smartkyc"));
    let genuine = requests::signed("smartkyc", BODY, None);
    let forged = requests::signed_with("smartkyc", "not-the-key", BODY, "");
    assert_eq!(receiver.handle(requests::http_api(&genuine, None)).await.status(), 200);
    assert_eq!(receiver.handle(requests::http_api(&forged, None)).await.status(), 401);
    let not_json = requests::signed("smartkyc", "jane.doe.secretive@example.com", None);
    assert_eq!(receiver.handle(requests::http_api(&not_json, None)).await.status(), 400);
    let no_queue = fixture.receiver_with(preset("smartkyc"), |s| {
        s.destination = Destination::Queue(format!("{}-missing", fixture.queue_url))
    });
    assert_eq!(no_queue.handle(requests::http_api(&genuine, None)).await.status(), 503);
    let no_secret = fixture.receiver_with(preset("smartkyc"), |s| s.secret_id = format!("{}-missing", s.secret_id));
    assert_eq!(no_secret.handle(requests::http_api(&genuine, None)).await.status(), 500);
    drop(guard);
    assert_eq!(fixture.drain().await.len(), 1);

    let text = captured.text();
    assert!(
        text.contains("accepted") && text.contains("aml.match.found"),
        "the logs should say what happened"
    );
    assert!(text.contains("keys loaded from Secrets Manager"));
    assert!(
        text.contains(r#""status":503"#) && text.contains(r#""status":500"#),
        "the 5xx paths are logged"
    );
    let signatures: Vec<&str> = [&genuine, &forged]
        .iter()
        .flat_map(|r| {
            r.headers
                .iter()
                .filter(|(n, _)| n.contains("signature"))
                .map(|(_, v)| v.as_str())
        })
        .collect();
    let forbidden = [secret.trim(), "jane.doe.secretive", "Jane Q. Doe", "sub_9"]
        .into_iter()
        .chain(signatures);
    for needle in forbidden {
        assert!(!text.contains(needle), "the logs contain {needle:?}:\n{text}");
    }
}

#[tokio::test]
async fn no_caller_text_reaches_the_logs_of_a_refusal() {
    let fixture = Fixture::new("logs-caller").await;
    fixture.put_test_keys("kravia").await;
    let receiver = fixture.receiver(Kravia);
    let data = r#"{"timestamp":1,"eventType":"CaseUpdate","claimId":1}"#;
    let genuine = requests::signed("kravia", data, Some("acme"));
    let (captured, guard) = logs::capture();
    // An algorithm the caller named.
    let mut algorithm = genuine.clone();
    algorithm.body = algorithm.body.replace(r#""MD5""#, r#""CALLER-ALGORITHM-TEXT""#);
    assert_eq!(
        receiver.handle(requests::http_api(&algorithm, None)).await.status(),
        401
    );
    // A method the caller made up.
    let mut event = requests::http_api_json(&genuine, None, false);
    event["requestContext"]["http"]["method"] = "CALLERMETHOD".into();
    assert_eq!(receiver.handle(requests::from_event(&event)).await.status(), 405);
    drop(guard);
    let text = captured.text();
    assert!(
        text.contains(r#""status":401"#) && text.contains(r#""status":405"#),
        "{text}"
    );
    for needle in ["CALLER-ALGORITHM", "CALLERMETHOD"] {
        assert!(!text.contains(needle), "the logs contain {needle:?}:\n{text}");
    }
}
