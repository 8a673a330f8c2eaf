//! When AWS fails or the request is wrong: never a 2xx, never a message,
//! always an answer in time.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use integration_tests::hanging_endpoint;
use integration_tests::{preset, requests, sdk_config, Fixture};
use lambda_http::http::Method;
use webhook_receiver::aws::AwsClients;
use webhook_receiver::config::Destination;
use webhook_receiver::schemes::AnyScheme;
use webhook_receiver::{Receiver, Respond, Served, Settings};

use crate::answer;

const BODY: &str = r#"{"Id":"a1","EventType":"ModelReady"}"#;
const KEY: &str = "kaunt-test-secret";

fn kaunt_request(body: &str) -> lambda_http::Request {
    requests::http_api(&requests::signed_with("kaunt", KEY, body, ""), None)
}

async fn fixture_with_key(name: &str) -> Fixture {
    let fixture = Fixture::new(name).await;
    fixture.put_secret(KEY).await;
    fixture
}

#[tokio::test]
async fn missing_queue_is_a_503_to_retry() {
    let fixture = fixture_with_key("no-queue").await;
    let receiver = fixture.receiver_with(preset("kaunt"), |s| {
        s.destination = Destination::Queue(format!("{}-does-not-exist", fixture.queue_url))
    });
    let response = receiver.handle(kaunt_request(BODY)).await;
    assert_eq!(response.headers()["retry-after"], "5");
    let (status, body) = answer(&response);
    assert_eq!(status, 503);
    assert_eq!(body["error"], "temporarily unavailable, retry later");
}

async fn answer_within(endpoint: &str, budget: Duration) -> u16 {
    let aws = sdk_config(endpoint).await;
    let settings = Settings::from_lookup(|name| match name {
        "SECRET_ID" => Some("webhooks/unreachable".into()),
        "QUEUE_URL" => Some("https://sqs.us-east-1.amazonaws.com/123456789012/unreachable".into()),
        _ => None,
    })
    .unwrap();
    let receiver = Receiver::new(preset("kaunt"), settings, &aws);
    let started = Instant::now();
    let status = answer(&receiver.handle(kaunt_request(BODY)).await).0;
    let elapsed = started.elapsed();
    assert!(elapsed < budget, "answered after {elapsed:?}, budget {budget:?}");
    status
}

/// An endpoint that accepts connections and never answers.
#[tokio::test]
async fn unreachable_aws_is_a_503_within_seconds() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let status = answer_within(&format!("http://127.0.0.1:{port}"), Duration::from_secs(10)).await;
    assert_eq!(status, 503);
}

#[tokio::test]
async fn hanging_aws_is_a_503_within_the_operation_timeout() {
    let status = answer_within(&hanging_endpoint(), Duration::from_secs(12)).await;
    assert_eq!(status, 503);
}

#[tokio::test]
async fn keys_then_a_hanging_queue_is_still_answered_in_time() {
    let fixture = fixture_with_key("hang-after-keys").await;
    let hanging = sdk_config(&hanging_endpoint()).await;
    let clients = AwsClients {
        sqs: aws_sdk_sqs::Client::new(&hanging),
        ..AwsClients::new(&fixture.aws)
    };
    let receiver = Receiver::with_clients(preset("kaunt"), fixture.settings(), clients);
    let started = Instant::now();
    assert_eq!(answer(&receiver.handle(kaunt_request(BODY)).await).0, 503);
    assert!(
        started.elapsed() < Duration::from_secs(12),
        "answered after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn missing_setting_is_a_500_for_every_request() {
    let error = Settings::from_lookup(|name| (name == "SECRET_ID").then(|| "x".to_owned())).unwrap_err();
    assert_eq!(error.to_string(), "QUEUE_URL is not set");
    let misconfigured: Served<AnyScheme> = Served {
        provider: "kaunt".to_owned(),
        receiver: Err(error),
    };
    let (status, body) = answer(&misconfigured.respond(kaunt_request(BODY)).await);
    assert_eq!(status, 500);
    assert_eq!(body["error"], "internal error");
}

#[tokio::test]
async fn envelope_too_large_for_the_queue_is_a_413_not_a_retry() {
    let fixture = Fixture::with_queue(
        "small-queue",
        false,
        &[(QueueAttributeName::MaximumMessageSize, "1024")],
    )
    .await;
    fixture.put_secret(KEY).await;
    let padding = "x".repeat(1500);
    let body = format!(r#"{{"Id":"big","EventType":"ModelReady","Padding":"{padding}"}}"#);
    let (status, answer_body) = answer(&fixture.receiver(preset("kaunt")).handle(kaunt_request(&body)).await);
    assert_eq!(status, 413, "{answer_body}");
    assert!(fixture.drain().await.is_empty());
}

#[tokio::test]
async fn bad_requests_get_their_4xx_and_queue_nothing() {
    let fixture = fixture_with_key("bad-requests").await;
    let receiver = fixture.receiver_with(preset("kaunt"), |s| s.max_body_bytes = 1024);

    let mut get = kaunt_request(BODY);
    *get.method_mut() = Method::GET;
    let response = receiver.handle(get).await;
    assert_eq!(response.headers()["allow"], "POST");
    assert_eq!(answer(&response).0, 405);

    let big = format!(r#"{{"Id":"{}"}}"#, "x".repeat(1100));
    assert_eq!(answer(&receiver.handle(kaunt_request(&big)).await).0, 413);

    assert_eq!(answer(&receiver.handle(kaunt_request("{not json")).await).0, 400);

    let mut unsigned = kaunt_request(BODY);
    unsigned.headers_mut().remove("x-signature-sha256");
    assert_eq!(answer(&receiver.handle(unsigned).await).0, 401);

    let mut tampered = kaunt_request(BODY);
    *tampered.body_mut() = lambda_http::Body::Text(BODY.replace("a1", "a2"));
    assert_eq!(answer(&receiver.handle(tampered).await).0, 401);

    assert!(fixture.drain().await.is_empty());
}
