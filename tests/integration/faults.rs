//! AWS failing under the receivers, through the fault-injecting proxy: a
//! 2xx is only ever given for a message on the queue, and a provider that
//! retries every non-2xx loses nothing.

use std::collections::HashSet;
use std::time::Duration;

use integration_tests::fault_proxy::{Fault, FaultProxy, Rule, Service};
use integration_tests::{moto, requests, sdk_config, Fixture};
use webhook_receiver::schemes::{Codat, Kaunt, Kravia, Receeve, Scheme, SmartKyc};
use webhook_receiver::settings::DEFAULT_WARM_UP_BUDGET;
use webhook_receiver::{Provider, Receiver};

use crate::answer;

/// A receiver on `fixture`'s secret and queue that reaches AWS through
/// `proxy`.
async fn through<S: Scheme>(proxy: &FaultProxy, fixture: &Fixture, scheme: S, ttl: Duration) -> Receiver<S> {
    let mut settings = fixture.settings();
    settings.secret_cache_ttl = ttl;
    Receiver::new(scheme, settings, &sdk_config(&proxy.endpoint).await)
}

fn kaunt_delivery(n: usize) -> lambda_http::Request {
    let body = format!(r#"{{"Id":"{n}","EventType":"ModelReady"}}"#);
    requests::http_api(&requests::signed(Provider::Kaunt, &body, None), None)
}

#[tokio::test]
async fn secrets_manager_down_with_a_warm_cache_accepts_until_the_ttl_then_recovers() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let fixture = Fixture::new("sm-down").await;
    fixture.put_secret("kaunt-test-secret").await;
    let receiver = through(&proxy, &fixture, Kaunt, Duration::from_secs(2)).await;
    assert_eq!(answer(&receiver.handle(kaunt_delivery(0)).await).0, 200);

    proxy.set_rules(vec![Rule {
        service: Service::SecretsManager,
        fault: Fault::AwsError {
            status: 503,
            code: "ServiceUnavailable",
        },
        fraction: 1.0,
    }]);
    for n in 1..=5 {
        assert_eq!(
            answer(&receiver.handle(kaunt_delivery(n)).await).0,
            200,
            "the cached key still serves"
        );
    }
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        answer(&receiver.handle(kaunt_delivery(6)).await).0,
        503,
        "past the TTL: retry later"
    );

    proxy.set_rules(vec![]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        answer(&receiver.handle(kaunt_delivery(6)).await).0,
        200,
        "recovers by itself"
    );
    assert_eq!(fixture.drain().await.len(), 7);
}

#[tokio::test]
async fn a_thousand_forgeries_cost_one_key_fetch_counted_at_the_proxy() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let fixture = Fixture::new("flood-proxy").await;
    fixture.put_secret("kaunt-test-secret").await;
    let receiver = through(&proxy, &fixture, Kaunt, Duration::from_secs(300)).await;
    assert_eq!(answer(&receiver.handle(kaunt_delivery(0)).await).0, 200);
    let before = proxy.calls(Service::SecretsManager);
    let forged = || {
        let signed = requests::signed_with(Provider::Kaunt, "guessed", r#"{"Id":"x"}"#, "");
        requests::http_api(&signed, None)
    };
    let started = std::time::Instant::now();
    for _ in 0..1000 {
        assert_eq!(answer(&receiver.handle(forged()).await).0, 401);
    }
    let calls = proxy.calls(Service::SecretsManager) - before;
    // One fetch is two calls (AWSCURRENT and AWSPREVIOUS); at most one fetch
    // per refresh interval (5 s by default).
    let allowed = 2 * (started.elapsed().as_secs() / 5 + 1);
    assert!(
        calls <= allowed,
        "{calls} Secrets Manager calls for 1,000 forgeries, at most {allowed} allowed"
    );
}

/// What one provider's part of the soak saw.
struct Soaked {
    accepted: HashSet<String>,
    queued: Vec<String>,
    retries: usize,
}

/// `count` deliveries of one provider through a faulty AWS, each retried
/// by the "provider", with backoff, until it gets a 2xx.
async fn soak<S: Scheme>(scheme: S, count: usize, proxy: &FaultProxy) -> Soaked {
    let fixture = Fixture::new(&format!("soak-{}", S::PROVIDER)).await;
    fixture
        .put_secret(&requests::test_keys().secret(S::PROVIDER).unwrap())
        .await;
    let receiver = through(proxy, &fixture, scheme, Duration::from_secs(1)).await;
    let mut accepted = HashSet::new();
    let mut queued = Vec::new();
    let mut retries = 0;
    for n in 0..count {
        // Read the queue as a consumer would, so moto's queue stays small.
        if n % 250 == 249 {
            queued.extend(fixture.drain().await.into_iter().map(|m| m.envelope.event_id));
        }
        let event = requests::numbered(S::PROVIDER, n);
        for attempt in 1.. {
            let (status, body) = answer(&receiver.handle(requests::from_event(&event)).await);
            if status == 200 {
                accepted.insert(body["eventId"].as_str().unwrap().to_owned());
                break;
            }
            assert!(
                status >= 500,
                "a genuine delivery may only fail with a 5xx, got {status}: {body}"
            );
            assert!(attempt < 50, "delivery {n} never accepted");
            retries += 1;
            // Providers back off between retries; the receiver remembers a
            // failed key fetch for a second, so instant retries would only
            // meet that remembered failure.
            tokio::time::sleep(Duration::from_millis(20 << attempt.min(6))).await;
        }
    }
    queued.extend(fixture.drain().await.into_iter().map(|m| m.envelope.event_id));
    Soaked {
        accepted,
        queued,
        retries,
    }
}

fn faulty(service: Service) -> Vec<Rule> {
    let rule = |fault, fraction| Rule {
        service,
        fault,
        fraction,
    };
    vec![
        rule(
            Fault::AwsError {
                status: 500,
                code: "InternalFailure",
            },
            0.08,
        ),
        rule(
            Fault::AwsError {
                status: 400,
                code: "ThrottlingException",
            },
            0.08,
        ),
        rule(
            Fault::AwsError {
                status: 503,
                code: "ServiceUnavailable",
            },
            0.08,
        ),
        rule(Fault::Refuse, 0.08),
        rule(Fault::ResetMidResponse, 0.08),
        rule(Fault::Delay(Duration::from_millis(20)), 0.08),
    ]
}

/// Deliveries per provider: `SOAK_DELIVERIES` in all (default 250, as CI
/// runs it; `SOAK_DELIVERIES=10000` for the full soak).
fn per_provider() -> usize {
    let total: usize = std::env::var("SOAK_DELIVERIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(250);
    total.div_ceil(5)
}

#[tokio::test]
async fn a_retrying_provider_loses_nothing_while_a_third_of_aws_calls_fail() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let mut rules = faulty(Service::Sqs);
    rules.extend(faulty(Service::SecretsManager));
    proxy.set_rules(rules);
    let count = per_provider();
    let started = std::time::Instant::now();
    let results = [
        soak(Kravia, count, &proxy).await,
        soak(Kaunt, count, &proxy).await,
        soak(Receeve, count, &proxy).await,
        soak(SmartKyc, count, &proxy).await,
        soak(Codat, count, &proxy).await,
    ];
    let mut duplicates = 0;
    for result in &results {
        assert_eq!(result.accepted.len(), count, "every delivery was accepted once");
        let queued: HashSet<&String> = result.queued.iter().collect();
        let accepted: HashSet<&String> = result.accepted.iter().collect();
        assert_eq!(
            queued, accepted,
            "the queue holds exactly the accepted events: none lost, none invented"
        );
        duplicates += result.queued.len() - queued.len();
    }
    let retries: usize = results.iter().map(|r| r.retries).sum();
    println!(
        "soak: {} deliveries, {} provider retries, {} duplicates on the queue (at-least-once), {} SQS and {} Secrets Manager calls through the proxy, {:?}",
        count * 5,
        retries,
        duplicates,
        proxy.calls(Service::Sqs),
        proxy.calls(Service::SecretsManager),
        started.elapsed()
    );
    assert!(
        retries > 0,
        "the faults must have cost some retries, or this test proves nothing"
    );
}

#[tokio::test]
async fn a_hung_queue_is_answered_503_within_the_budget() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let fixture = Fixture::new("hung-proxy").await;
    fixture.put_secret("kaunt-test-secret").await;
    let receiver = through(&proxy, &fixture, Kaunt, Duration::from_secs(300)).await;
    proxy.set_rules(vec![Rule {
        service: Service::Sqs,
        fault: Fault::Hang,
        fraction: 1.0,
    }]);
    let started = std::time::Instant::now();
    assert_eq!(answer(&receiver.handle(kaunt_delivery(1)).await).0, 503);
    // The SDK's 5 s operation timeout, far inside API Gateway's 29 s and Codat's 15 s.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "answered after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn init_warm_up_fetches_the_keys_and_opens_sqs_so_the_first_request_needs_no_key_fetch() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let fixture = Fixture::new("warm-up").await;
    fixture.put_secret("kaunt-test-secret").await;
    let receiver = through(&proxy, &fixture, Kaunt, Duration::from_secs(300)).await;
    receiver.warm_up().await;
    let fetches = proxy.calls(Service::SecretsManager);
    assert_eq!(fetches, 2, "one fetch: AWSCURRENT and AWSPREVIOUS");
    assert_eq!(proxy.calls(Service::Sqs), 1, "one call to open the connection");
    assert_eq!(answer(&receiver.handle(kaunt_delivery(1)).await).0, 200);
    assert_eq!(
        proxy.calls(Service::SecretsManager),
        fetches,
        "the first request used the keys from init"
    );
    assert_eq!(fixture.drain().await.len(), 1, "the warm-up put nothing on the queue");
}

#[tokio::test]
async fn init_warm_up_never_fails_or_overruns_when_aws_is_unreachable() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let fixture = Fixture::new("warm-up-down").await;
    fixture.put_secret("kaunt-test-secret").await;
    for (n, fault) in [Fault::Refuse, Fault::Hang].into_iter().enumerate() {
        // A fresh cold start for each fault.
        let receiver = through(&proxy, &fixture, Kaunt, Duration::from_secs(300)).await;
        let every_call = |service| Rule {
            service,
            fault,
            fraction: 1.0,
        };
        proxy.set_rules(vec![every_call(Service::Sqs), every_call(Service::SecretsManager)]);
        let before = proxy.calls(Service::SecretsManager);
        let started = std::time::Instant::now();
        receiver.warm_up().await;
        let took = started.elapsed();
        assert!(
            took < DEFAULT_WARM_UP_BUDGET + Duration::from_millis(500),
            "{fault:?}: warm-up took {took:?}"
        );
        assert!(
            proxy.calls(Service::SecretsManager) > before,
            "{fault:?}: the warm-up tried"
        );
        // AWS is back; the failed warm-up must not be remembered (the key
        // cache would otherwise answer 503 for a second): the first request
        // fetches at once and is accepted.
        proxy.set_rules(vec![]);
        let before = proxy.calls(Service::SecretsManager);
        assert_eq!(answer(&receiver.handle(kaunt_delivery(n)).await).0, 200, "{fault:?}");
        assert!(
            proxy.calls(Service::SecretsManager) > before,
            "{fault:?}: the first request fetched the keys"
        );
    }
}
