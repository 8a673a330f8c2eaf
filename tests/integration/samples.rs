//! Every sample event in `events/` through its provider's receiver: the
//! genuine ones land on the queue exactly as documented, forgeries don't.

use aws_sdk_sqs::primitives::{DateTime, DateTimeFormat};
use integration_tests::{preset, requests, Fixture};
use serde_json::Value;
use sign_event::SAMPLES;
use webhook_receiver::internals::sha256_hex;
use webhook_receiver::schemes::{Kravia, Receeve, Scheme};

use crate::answer;

/// The event type and id the README promises for a body, read here
/// independently of the receivers' code.
fn expected_facts(
    provider: &'static str,
    body: &str,
    headers: &lambda_http::http::HeaderMap,
) -> (Option<String>, String) {
    let json: Value = serde_json::from_str(body).unwrap();
    let text = |value: &Value| value.as_str().map(str::to_owned);
    match provider {
        "kravia" => (
            text(&json["data"]["eventType"]),
            sha256_hex(kravia_signed_data(body).as_bytes()),
        ),
        "kaunt" => (text(&json["EventType"]), sha256_hex(body.as_bytes())),
        "smartkyc" => (text(&json["event"]), sha256_hex(body.as_bytes())),
        "receeve" => (
            text(&json["payload"]["details"]["messageType"]),
            text(&json["payload"]["messageId"]).unwrap(),
        ),
        _ => (
            text(&json["eventType"]),
            headers["webhook-id"].to_str().unwrap().to_owned(),
        ),
    }
}

/// Kravia's signed input: the `data` text (compact in every sample) as
/// .NET's ASCII encoding writes it, every UTF-16 unit beyond ASCII a `?`.
fn kravia_signed_data(body: &str) -> String {
    let raw: std::collections::HashMap<String, Box<serde_json::value::RawValue>> = serde_json::from_str(body).unwrap();
    raw["data"]
        .get()
        .encode_utf16()
        .map(|unit| char::from_u32(u32::from(unit)).filter(char::is_ascii).unwrap_or('?'))
        .collect()
}

/// What the README says is queued: the body, or for Kravia only the
/// signed parts (the samples' bodies hold nothing else, and their
/// signatures are lowercase hex).
fn expected_payload(provider: &'static str, body: &str) -> String {
    match provider {
        "kravia" => {
            let json: Value = serde_json::from_str(body).unwrap();
            let signature = json["signature"].as_str().unwrap();
            let data = kravia_signed_data(body);
            format!(r#"{{"header":{{"algorithm":"MD5"}},"data":{data},"signature":"{signature}"}}"#)
        }
        _ => body.to_owned(),
    }
}

async fn run_samples<S: Scheme>(scheme: S) {
    let provider = integration_tests::preset_name(scheme.provider());
    let fixture = Fixture::new(provider).await;
    fixture.put_test_keys(provider).await;
    let receiver = fixture.receiver(scheme);
    let samples: Vec<_> = SAMPLES.iter().filter(|s| s.provider == provider).collect();
    assert!(samples.len() >= 3);
    for sample in samples {
        let request = requests::sample(sample);
        let body = String::from_utf8(request.body().to_vec()).unwrap();
        let (event_type, event_id) = expected_facts(provider, &body, request.headers());
        let (status, answer) = answer(&receiver.handle(request).await);
        let queued = fixture.drain().await;
        if sample.forgery.is_some() {
            assert_eq!(status, 401, "{}: {answer}", sample.name);
            assert_eq!(answer["error"], "signature missing or invalid");
            assert!(queued.is_empty(), "{}: a forgery reached the queue", sample.name);
            continue;
        }
        assert_eq!(status, 200, "{}: {answer}", sample.name);
        assert_eq!(answer, serde_json::json!({ "status": "accepted", "eventId": event_id }));
        assert_eq!(queued.len(), 1, "{}", sample.name);
        let message = &queued[0];
        let envelope = &message.json;
        assert_eq!(envelope["provider"], provider);
        assert_eq!(envelope["eventType"].as_str().map(str::to_owned), event_type);
        assert_eq!(envelope["eventId"], event_id.as_str());
        assert_eq!(envelope["tenant"].as_str(), sample.tenant);
        assert_eq!(
            message.envelope.payload.get(),
            expected_payload(provider, &body),
            "payload must be what the signature covers"
        );
        let received_at = envelope["receivedAt"].as_str().unwrap();
        assert!(received_at.ends_with('Z') && received_at.len() == 24, "{received_at}");
        let parsed = DateTime::from_str(received_at, DateTimeFormat::DateTime).unwrap();
        assert!(parsed.secs().abs_diff(requests::now() as i64) < 60, "{received_at}");
        assert_eq!(message.attributes["provider"], provider);
        assert_eq!(message.attributes["eventId"], event_id);
        assert_eq!(message.attributes.get("eventType").cloned(), event_type);
        assert_eq!(message.group_id, None);
    }
}

#[tokio::test]
async fn kravia_samples() {
    run_samples(Kravia).await;
}

#[tokio::test]
async fn kaunt_samples() {
    run_samples(preset("kaunt")).await;
}

#[tokio::test]
async fn receeve_samples() {
    run_samples(Receeve).await;
}

#[tokio::test]
async fn smartkyc_samples() {
    run_samples(preset("smartkyc")).await;
}

#[tokio::test]
async fn codat_samples() {
    run_samples(preset("codat")).await;
}
