//! The committed sample events are exactly what the generator makes, and
//! every one is an event `lambda_http` accepts.

use std::path::PathBuf;

use lambda_http::RequestExt;
use sign_event::{refresh_codat_event, stale_samples, TestKeys, SAMPLES, SAMPLE_TIMESTAMP};
use webhook_receiver::schemes::Codat;
use webhook_receiver::signing::{Message, Sign};
use webhook_receiver::Provider;

fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../events")
}

#[test]
fn events_directory_is_not_stale() {
    let stale = stale_samples(&events_dir(), &TestKeys::new(events_dir().join("test-keys"))).unwrap();
    assert!(
        stale.is_empty(),
        "stale sample events {stale:?}: run `cargo run -p sign-event -- samples` and commit"
    );
}

#[test]
fn every_sample_parses_as_a_lambda_http_request() {
    for sample in SAMPLES {
        let text = std::fs::read_to_string(events_dir().join(sample.relative_path())).unwrap();
        let request = lambda_http::request::from_str(&text).unwrap();
        assert_eq!(request.method(), "POST");
        assert_eq!(
            request.path_parameters_ref().and_then(|p| p.first("tenant")),
            sample.tenant,
            "{}",
            sample.name
        );
        let body = std::str::from_utf8(request.body().as_ref()).unwrap();
        serde_json::from_str::<serde_json::Value>(body).unwrap();
    }
}

#[test]
fn each_provider_has_two_event_types_and_a_forgery() {
    for provider in Provider::ALL {
        let samples: Vec<_> = SAMPLES.iter().filter(|s| s.provider == provider).collect();
        assert!(
            samples.iter().filter(|s| s.forgery.is_none()).count() >= 2,
            "{provider}"
        );
        assert!(samples.iter().any(|s| s.forgery.is_some()), "{provider}");
    }
}

#[test]
fn refresh_re_signs_genuine_codat_events_and_keeps_forgeries_forged() {
    let keys = TestKeys::new(events_dir().join("test-keys"));
    let secret = keys.secret(Provider::Codat).unwrap();
    let read = |name: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(events_dir().join("codat").join(name)).unwrap()).unwrap()
    };
    let now = SAMPLE_TIMESTAMP + 86_400;
    for (name, genuine) in [("read-completed.json", true), ("forged.json", false)] {
        let original = read(name);
        let refreshed = refresh_codat_event(original.clone(), secret.trim(), now).unwrap();
        let header = |event: &serde_json::Value, h: &str| event["headers"][h].as_str().unwrap().to_owned();
        assert_eq!(header(&refreshed, "webhook-timestamp"), now.to_string());
        let body = refreshed["body"].as_str().unwrap();
        let id = header(&original, "webhook-id");
        let message = Message {
            id: &id,
            timestamp: now,
        };
        let signed = Codat.sign(secret.trim(), body.as_bytes(), &message).unwrap();
        let expected = &signed.headers[2];
        assert_eq!(expected.0, "webhook-signature");
        assert_eq!(header(&refreshed, "webhook-signature") == expected.1, genuine, "{name}");
    }
}
