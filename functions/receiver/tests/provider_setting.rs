//! The receiver binary as Lambda runs it (under the Runtime API emulator,
//! with moto as AWS): `PROVIDER` picks the provider, and a missing or
//! misspelt one is a logged 500 for every request, never a crashed init.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use integration_tests::function::{as_lambda_starts_it, MEASURED_PROVIDERS};
use integration_tests::runtime_api::RuntimeApi;
use integration_tests::{moto, requests, Fixture};
use serde_json::Value;

/// The binary started as Lambda starts it, with `settings` beside the
/// runtime's own variables, its log on a pipe.
fn start(api: &RuntimeApi, settings: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_receiver"));
    as_lambda_starts_it(&mut command, api, "receiver-under-test");
    command
        .env("AWS_ENDPOINT_URL", &moto::server().endpoint)
        .envs(settings.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The status code of the answer to `event`, and what the process logged
/// up to then (it is stopped).
fn answer(mut child: Child, api: &RuntimeApi, event: &Value) -> (u64, String) {
    api.first_poll(Duration::from_secs(20))
        .expect("the receiver never asked for an event");
    let outcome = api.invoke(&event.to_string(), Duration::from_secs(20)).unwrap();
    assert_eq!(outcome.kind, "response", "{}", outcome.body);
    let answer: Value = serde_json::from_str(&outcome.body).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let mut log = String::new();
    child.stdout.take().unwrap().read_to_string(&mut log).unwrap();
    (answer["statusCode"].as_u64().unwrap(), log)
}

#[tokio::test(flavor = "multi_thread")]
async fn each_provider_is_served_by_the_one_binary_its_provider_setting_names() {
    for provider in MEASURED_PROVIDERS {
        let fixture = Fixture::new(&format!("binary-{provider}")).await;
        fixture.put_test_keys(provider).await;
        let api = RuntimeApi::start();
        let child = start(
            &api,
            &[
                ("PROVIDER", provider),
                ("SECRET_ID", &fixture.secret_id),
                ("QUEUE_URL", &fixture.queue_url),
            ],
        );
        let (status, _) = tokio::task::block_in_place(|| answer(child, &api, &requests::numbered(provider, 1)));
        assert_eq!(status, 200, "{provider}");
        let queued = fixture.drain().await;
        assert_eq!(queued.len(), 1, "{provider}");
        assert_eq!(queued[0].envelope.provider, provider);
        assert_eq!(queued[0].attributes["provider"], provider);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn another_providers_delivery_is_refused() {
    let fixture = Fixture::new("binary-crossed").await;
    fixture.put_test_keys("smartkyc").await;
    let api = RuntimeApi::start();
    let settings = [
        ("PROVIDER", "smartkyc"),
        ("SECRET_ID", fixture.secret_id.as_str()),
        ("QUEUE_URL", fixture.queue_url.as_str()),
    ];
    let child = start(&api, &settings);
    let kaunt = requests::numbered("kaunt", 1);
    let (status, _) = tokio::task::block_in_place(|| answer(child, &api, &kaunt));
    assert_eq!(status, 401);
    assert!(fixture.drain().await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_or_misspelt_provider_is_a_logged_500_for_every_request() {
    let fixture = Fixture::new("binary-unknown").await;
    fixture.put_test_keys("kaunt").await;
    let delivery = requests::numbered("kaunt", 1);
    let names = webhook_receiver::schemes::PRESETS.map(|preset| preset.name).join(", ");
    let misspelt = format!(r#"PROVIDER must be custom or one of {names}, got \"kuant\""#);
    for (provider, says) in [(Some("kuant"), misspelt.as_str()), (None, "PROVIDER is not set")] {
        let mut settings = vec![
            ("SECRET_ID", fixture.secret_id.as_str()),
            ("QUEUE_URL", fixture.queue_url.as_str()),
        ];
        settings.extend(provider.map(|name| ("PROVIDER", name)));
        let api = RuntimeApi::start();
        let child = start(&api, &settings);
        let (status, log) = tokio::task::block_in_place(|| answer(child, &api, &delivery));
        assert_eq!(status, 500, "{provider:?}");
        let request_line = log
            .lines()
            .find(|line| line.contains(r#""status":500"#))
            .unwrap_or_else(|| panic!("no request line in {log}"));
        assert!(request_line.contains(says), "{request_line}");
        assert!(request_line.contains(r#""Provider":"unknown""#), "{request_line}");
        assert!(fixture.drain().await.is_empty());
    }
}
