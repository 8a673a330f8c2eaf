//! The committed sample events are exactly what the generator makes, and
//! every one is an event `lambda_http` accepts.

use std::path::PathBuf;

use lambda_http::RequestExt;
use sign_event::{preset_scheme, render_at, stale_samples, TestKeys, SAMPLES, SAMPLE_SIGNED_URL, SAMPLE_TIMESTAMP};
use webhook_receiver::receive_offline;
use webhook_receiver::schemes::keys::{KeyRing, SecretText};
use webhook_receiver::schemes::{Scheme, PRESETS};
use webhook_receiver::Settings;

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
fn every_sample_parses_as_a_lambda_http_request_with_a_json_or_form_body() {
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
        // JSON, or (Twilio, Mandrill) a form of name=value pairs.
        let json = serde_json::from_str::<serde_json::Value>(body).is_ok();
        let form = body.split('&').all(|pair| pair.contains('=')) && !body.contains(' ');
        assert!(json || form, "{}", sample.name);
    }
}

#[test]
fn each_preset_has_a_genuine_sample_and_a_forgery_and_the_five_two_event_types() {
    for preset in PRESETS {
        let samples: Vec<_> = SAMPLES.iter().filter(|s| s.provider == preset.name).collect();
        let genuine = samples.iter().filter(|s| s.forgery.is_none()).count();
        let wanted = if ["kravia", "kaunt", "receeve", "smartkyc", "codat"].contains(&preset.name) {
            2
        } else {
            1
        };
        assert!(genuine >= wanted, "{}", preset.name);
        assert!(samples.iter().any(|s| s.forgery.is_some()), "{}", preset.name);
    }
}

/// Every sample rendered again at another time is still what it was:
/// genuine ones verify then (signed timestamps included), forgeries don't.
#[test]
fn samples_rendered_at_the_time_of_sending_stay_genuine_or_forged() {
    let keys = TestKeys::new(events_dir().join("test-keys"));
    let later = SAMPLE_TIMESTAMP + 86_400;
    for sample in SAMPLES {
        let text = render_at(sample, &keys, later).unwrap();
        let request = lambda_http::request::from_str(&text).unwrap();
        let scheme = preset_scheme(sample.provider, SAMPLE_SIGNED_URL).unwrap();
        let secret = SecretText::new(keys.secret(sample.provider).unwrap());
        let ring = KeyRing::parse(&secret, None, |key| scheme.parse_key(key)).unwrap();
        let settings =
            Settings::from_lookup(|name| matches!(name, "SECRET_ID" | "QUEUE_URL").then(|| format!("{name}-value")))
                .unwrap();
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(later);
        let result = receive_offline(&scheme, &settings, &request, &ring, at);
        assert_eq!(result.is_ok(), sample.forgery.is_none(), "{}: {result:?}", sample.name);
    }
}
