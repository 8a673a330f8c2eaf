//! AWS failing under the receivers, through the fault-injecting proxy: a
//! 2xx is only ever given for a message on the queue, and a provider that
//! retries every non-2xx loses nothing.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use integration_tests::fault_proxy::{Fault, FaultProxy, Rule, Service};
use integration_tests::{moto, preset, requests, sdk_config, Fixture};
use webhook_receiver::config::INIT_WARM_UP_MS;
use webhook_receiver::schemes::{AnyScheme, Kravia, Receeve, Scheme};
use webhook_receiver::{Receiver, Settings};

use crate::answer;

/// A receiver on `fixture`'s secret and queue, with settings changed by
/// `adjust`, that reaches AWS through `proxy`.
async fn through<S: Scheme>(
    proxy: &FaultProxy,
    fixture: &Fixture,
    scheme: S,
    adjust: impl FnOnce(&mut Settings),
) -> Receiver<S> {
    fixture.receiver_through(&sdk_config(&proxy.endpoint).await, scheme, adjust)
}

fn kaunt_delivery(n: usize) -> lambda_http::Request {
    let body = format!(r#"{{"Id":"{n}","EventType":"ModelReady"}}"#);
    requests::http_api(&requests::signed("kaunt", &body, None), None)
}

#[tokio::test]
async fn secrets_manager_down_with_a_warm_cache_accepts_until_the_ttl_then_recovers() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let fixture = Fixture::new("sm-down").await;
    fixture.put_secret("kaunt-test-secret").await;
    let receiver = through(&proxy, &fixture, preset("kaunt"), |s| {
        s.secret_cache_ttl = Duration::from_secs(2)
    })
    .await;
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

/// 1,000 forgeries at once, each signed with a key the secret doesn't hold:
/// their answers' statuses.
async fn forgery_flood(receiver: &Arc<Receiver<AnyScheme>>) -> Vec<u16> {
    let mut flood = tokio::task::JoinSet::new();
    for n in 0..1000 {
        let receiver = Arc::clone(receiver);
        flood.spawn(async move {
            let body = format!(r#"{{"Id":"forged-{n}"}}"#);
            let forged = requests::http_api(&requests::signed_with("kaunt", "guessed", &body, ""), None);
            answer(&receiver.handle(forged).await).0
        });
    }
    flood.join_all().await
}

/// The refresh interval of [`warm_receiver_past_its_refresh_interval`].
const REFRESH_INTERVAL: Duration = Duration::from_secs(1);

/// A Kaunt receiver through `proxy` that has fetched its keys and accepted
/// a delivery, longer than its refresh interval ago: the next forgery may
/// refetch the keys.
async fn warm_receiver_past_its_refresh_interval(proxy: &FaultProxy, fixture: &Fixture) -> Arc<Receiver<AnyScheme>> {
    fixture.put_secret("kaunt-test-secret").await;
    let receiver = through(proxy, fixture, preset("kaunt"), |s| {
        s.key_refresh_interval = REFRESH_INTERVAL
    })
    .await;
    assert_eq!(answer(&receiver.handle(kaunt_delivery(0)).await).0, 200);
    tokio::time::sleep(REFRESH_INTERVAL).await;
    Arc::new(receiver)
}

/// The most Secrets Manager calls `elapsed` may cost at one fetch (two
/// calls, AWSCURRENT and AWSPREVIOUS, of up to `attempts` attempts each)
/// per refresh interval.
fn calls_allowed(elapsed: Duration, attempts: u64) -> u64 {
    2 * attempts * (elapsed.as_millis() / REFRESH_INTERVAL.as_millis() + 1) as u64
}

#[tokio::test]
async fn a_thousand_forgeries_cost_one_key_fetch_counted_at_the_proxy() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let fixture = Fixture::new("flood-proxy").await;
    let receiver = warm_receiver_past_its_refresh_interval(&proxy, &fixture).await;

    let before = proxy.calls(Service::SecretsManager);
    let started = std::time::Instant::now();
    let statuses = forgery_flood(&receiver).await;
    let elapsed = started.elapsed();
    assert!(statuses.iter().all(|status| *status == 401), "{statuses:?}");
    let calls = proxy.calls(Service::SecretsManager) - before;
    assert!(calls >= 2, "the first forgery after the interval refetched the keys");
    let allowed = calls_allowed(elapsed, 1);
    assert!(
        calls <= allowed,
        "{calls} Secrets Manager calls for 1,000 forgeries in {elapsed:?}, at most {allowed} allowed"
    );
    assert_eq!(fixture.drain().await.len(), 1, "no forgery was queued");
}

#[tokio::test]
async fn forgeries_while_secrets_manager_fails_cost_no_more_fetches() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let fixture = Fixture::new("flood-outage").await;
    let receiver = warm_receiver_past_its_refresh_interval(&proxy, &fixture).await;

    proxy.set_rules(vec![Rule {
        service: Service::SecretsManager,
        fault: Fault::AwsError {
            status: 503,
            code: "ServiceUnavailable",
        },
        fraction: 1.0,
    }]);
    let before = proxy.calls(Service::SecretsManager);
    let started = std::time::Instant::now();
    let statuses = forgery_flood(&receiver).await;
    let elapsed = started.elapsed();
    // The refresh failed, so a forgery can't be told from a delivery signed
    // with a key rotated a moment ago: retry later. Never a 2xx.
    assert!(statuses.iter().all(|status| *status == 503), "{statuses:?}");
    let calls = proxy.calls(Service::SecretsManager) - before;
    let allowed = calls_allowed(elapsed, u64::from(function_support::sdk::MAX_ATTEMPTS));
    assert!(calls >= 2, "the refresh was tried");
    assert!(
        calls <= allowed,
        "{calls} Secrets Manager calls for 1,000 forgeries during an outage in {elapsed:?}, at most {allowed} allowed"
    );
    assert_eq!(
        answer(&receiver.handle(kaunt_delivery(1)).await).0,
        200,
        "the cached key still serves genuine deliveries"
    );

    proxy.set_rules(vec![]);
    tokio::time::sleep(REFRESH_INTERVAL).await;
    let statuses = forgery_flood(&receiver).await;
    assert!(
        statuses.iter().all(|status| *status == 401),
        "back to plain refusals: {statuses:?}"
    );
    assert_eq!(fixture.drain().await.len(), 2, "no forgery was queued");
}

/// What one provider's part of the soak saw.
struct Soaked {
    provider: &'static str,
    accepted: HashSet<String>,
    /// `(message id, event id)` of everything read from the queue.
    queued: Vec<(String, String)>,
    retries: usize,
}

/// Everything on `fixture`'s queue, removed from it: `(message id, event id)`.
async fn read_queue(fixture: &Fixture) -> Vec<(String, String)> {
    let messages = fixture.drain().await.into_iter();
    messages.map(|m| (m.message_id, m.envelope.event_id)).collect()
}

/// `count` deliveries of one provider through a faulty AWS, each retried
/// by the "provider", with backoff, until it gets a 2xx.
async fn soak<S: Scheme>(scheme: S, count: usize, proxy: &FaultProxy) -> Soaked {
    let provider = integration_tests::preset_name(scheme.provider());
    let fixture = Fixture::new(&format!("soak-{provider}")).await;
    fixture.put_test_keys(provider).await;
    let receiver = through(proxy, &fixture, scheme, |s| s.secret_cache_ttl = Duration::from_secs(1)).await;
    let mut accepted = HashSet::new();
    let mut queued = Vec::new();
    let mut retries = 0;
    for n in 0..count {
        // Read the queue as a consumer would, so moto's queue stays small.
        if n % 250 == 249 {
            queued.extend(read_queue(&fixture).await);
        }
        let event = requests::numbered(provider, n);
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
    // Calls the proxy delayed past the SDK's attempt timeout land after
    // the retry that succeeded: wait for them before the last read.
    tokio::time::sleep(SLOW_CALL + Duration::from_millis(500)).await;
    queued.extend(read_queue(&fixture).await);
    Soaked {
        provider,
        accepted,
        queued,
        retries,
    }
}

/// A delay past the SDK's 2 s attempt timeout: the SDK gives up on the
/// attempt and retries, while the call still reaches moto afterwards.
const SLOW_CALL: Duration = Duration::from_millis(2500);

/// About a third of `service`'s calls faulted, in every way the proxy
/// knows.
pub(crate) fn faulty(service: Service) -> Vec<Rule> {
    let rule = |fault, fraction| Rule {
        service,
        fault,
        fraction,
    };
    let throttled = match service {
        Service::Sqs => "RequestThrottled",
        _ => "ThrottlingException",
    };
    vec![
        rule(
            Fault::AwsError {
                status: 500,
                code: "InternalFailure",
            },
            0.07,
        ),
        rule(
            Fault::AwsError {
                status: 400,
                code: "ThrottlingException",
            },
            0.04,
        ),
        rule(
            Fault::AwsError {
                status: 400,
                code: throttled,
            },
            0.04,
        ),
        rule(
            Fault::AwsError {
                status: 503,
                code: "ServiceUnavailable",
            },
            0.07,
        ),
        rule(Fault::Refuse, 0.07),
        rule(Fault::ResetMidResponse, 0.07),
        rule(Fault::Delay(Duration::from_millis(20)), 0.05),
        rule(Fault::Delay(SLOW_CALL), 0.01),
        rule(Fault::Hang, 0.01),
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
    let (logs, guard) = integration_tests::logs::capture_json();
    let started = std::time::Instant::now();
    // The five providers deliver at the same time, as they would.
    let (kravia, kaunt, receeve, smartkyc, codat) = tokio::join!(
        soak(Kravia, count, &proxy),
        soak(preset("kaunt"), count, &proxy),
        soak(Receeve, count, &proxy),
        soak(preset("smartkyc"), count, &proxy),
        soak(preset("codat"), count, &proxy),
    );
    let elapsed = started.elapsed();
    drop(guard);
    let results = [kravia, kaunt, receeve, smartkyc, codat];
    // Each 2xx's log line names the SQS message id SendMessage returned.
    let answered_2xx: Vec<(String, String, String)> = logs
        .lines_saying("accepted")
        .into_iter()
        .map(|line| {
            let field = |name: &str| line[name].as_str().unwrap().to_owned();
            (field("Provider"), field("message_id"), field("event_id"))
        })
        .collect();
    let mut duplicates = 0;
    for result in &results {
        assert_eq!(result.accepted.len(), count, "every delivery was accepted once");
        let queued_ids: HashSet<&String> = result.queued.iter().map(|(_, event)| event).collect();
        let accepted: HashSet<&String> = result.accepted.iter().collect();
        assert_eq!(
            queued_ids, accepted,
            "{}: the queue holds exactly the accepted events: none lost, none invented",
            result.provider
        );
        // Not just some copy of each event: the very message each 2xx was
        // given for.
        let queued: HashMap<&String, &String> = result.queued.iter().map(|(message, event)| (message, event)).collect();
        let answered: Vec<_> = answered_2xx
            .iter()
            .filter(|(provider, _, _)| provider == result.provider)
            .collect();
        assert_eq!(answered.len(), count, "{}: one 2xx per delivery", result.provider);
        for (_, message_id, event_id) in answered {
            assert_eq!(
                queued.get(message_id).copied(),
                Some(event_id),
                "{}: the message a 2xx was given for is on the queue",
                result.provider
            );
        }
        duplicates += result.queued.len() - queued_ids.len();
    }
    let retries: usize = results.iter().map(|r| r.retries).sum();
    println!(
        "soak: {} deliveries, {} provider retries, {} duplicates on the queue (at-least-once), {} SQS and {} Secrets Manager calls through the proxy, {elapsed:?}",
        count * 5,
        retries,
        duplicates,
        proxy.calls(Service::Sqs),
        proxy.calls(Service::SecretsManager),
    );
    assert!(
        retries > 0,
        "the faults must have cost some retries, or this test proves nothing"
    );
}

#[tokio::test]
async fn refreshes_cut_short_by_the_deadline_still_count_against_the_interval() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let fixture = Fixture::new("flood-cut-short").await;
    fixture.put_secret("kaunt-test-secret").await;
    let interval = Duration::from_secs(2);
    let receiver = through(&proxy, &fixture, preset("kaunt"), |s| {
        s.key_refresh_interval = interval;
        s.request_deadline = Duration::from_secs(1);
    })
    .await;
    assert_eq!(answer(&receiver.handle(kaunt_delivery(0)).await).0, 200);
    tokio::time::sleep(interval).await;

    // Secrets Manager hangs, so every refresh runs into the 1 s deadline
    // before the SDK's own 5 s limit.
    proxy.set_rules(vec![Rule {
        service: Service::SecretsManager,
        fault: Fault::Hang,
        fraction: 1.0,
    }]);
    let before = proxy.calls(Service::SecretsManager);
    let forged = || requests::http_api(&requests::signed_with("kaunt", "guessed", "{}", ""), None);
    for _ in 0..20 {
        assert_eq!(answer(&receiver.handle(forged()).await).0, 503);
    }
    assert_eq!(
        proxy.calls(Service::SecretsManager) - before,
        2,
        "one fetch (two calls), cut short and remembered; not one per forgery"
    );
    assert_eq!(
        answer(&receiver.handle(kaunt_delivery(1)).await).0,
        200,
        "the cached key still serves"
    );
}

#[tokio::test]
async fn a_hung_queue_is_answered_503_within_the_budget() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let fixture = Fixture::new("hung-proxy").await;
    fixture.put_secret("kaunt-test-secret").await;
    let receiver = through(&proxy, &fixture, preset("kaunt"), |_| {}).await;
    // Keys cached first, so the time measured is the queue's alone.
    assert_eq!(answer(&receiver.handle(kaunt_delivery(0)).await).0, 200);
    proxy.set_rules(vec![Rule {
        service: Service::Sqs,
        fault: Fault::Hang,
        fraction: 1.0,
    }]);
    let started = std::time::Instant::now();
    assert_eq!(answer(&receiver.handle(kaunt_delivery(1)).await).0, 503);
    // The SDK's 5 s operation timeout, far inside API Gateway's 29 s and Codat's 15 s.
    assert!(
        started.elapsed() < Duration::from_millis(6500),
        "answered after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_slow_aws_is_answered_503_at_the_request_deadline() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let fixture = Fixture::new("deadline").await;
    fixture.put_secret("kaunt-test-secret").await;
    let deadline = Duration::from_secs(1);
    let receiver = through(&proxy, &fixture, preset("kaunt"), |s| s.request_deadline = deadline).await;
    assert_eq!(answer(&receiver.handle(kaunt_delivery(0)).await).0, 200);
    // Slow, but inside the SDK's 2 s attempt timeout: only the deadline
    // can cut this short.
    let slow = Duration::from_millis(1800);
    proxy.set_rules(vec![Rule {
        service: Service::Sqs,
        fault: Fault::Delay(slow),
        fraction: 1.0,
    }]);
    let started = std::time::Instant::now();
    assert_eq!(answer(&receiver.handle(kaunt_delivery(1)).await).0, 503);
    assert!(started.elapsed() < slow, "answered after {:?}", started.elapsed());

    // The SendMessage given up on still lands: the provider's retry will
    // be a duplicate, never a loss.
    let mut landed = fixture.drain().await.len();
    for _ in 0..50 {
        if landed == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        landed += fixture.drain().await.len();
    }
    assert_eq!(landed, 2);
}

#[tokio::test]
async fn init_warm_up_fetches_the_keys_and_opens_sqs_so_the_first_request_needs_no_key_fetch() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let fixture = Fixture::new("warm-up").await;
    fixture.put_secret("kaunt-test-secret").await;
    let receiver = through(&proxy, &fixture, preset("kaunt"), |_| {}).await;
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
        let receiver = through(&proxy, &fixture, preset("kaunt"), |_| {}).await;
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
            took < Duration::from_millis(INIT_WARM_UP_MS.default) + Duration::from_millis(500),
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

#[tokio::test]
async fn a_faulty_s3_never_changes_the_401_and_each_refused_delivery_is_kept_or_counted() {
    let proxy = FaultProxy::start(&moto::server().endpoint);
    proxy.set_rules(faulty(Service::S3));
    let fixture = Fixture::new("faults-quarantine").await;
    fixture.put_secret("the-wrong-key").await;
    let bucket = fixture.quarantine_bucket().await;
    let deadline = Duration::from_millis(3000);
    let faulty_s3 = sdk_config(&proxy.endpoint).await;
    let clients = webhook_receiver::aws::AwsClients {
        s3: webhook_receiver::aws::S3Client::Made(webhook_receiver::aws::s3_client(&faulty_s3)),
        ..webhook_receiver::aws::AwsClients::new(&fixture.aws)
    };
    let mut settings = fixture.settings();
    settings.request_deadline = deadline;
    integration_tests::quarantine_in(&bucket, 1000)(&mut settings);
    let receiver = Arc::new(Receiver::with_clients(preset("kaunt"), settings, clients));
    let deliveries = 40;
    let (lines, guard) = integration_tests::logs::capture();
    let mut sent = tokio::task::JoinSet::new();
    for n in 0..deliveries {
        let receiver = Arc::clone(&receiver);
        sent.spawn(async move {
            let started = std::time::Instant::now();
            let status = answer(&receiver.handle(kaunt_delivery(n)).await).0;
            (status, started.elapsed())
        });
    }
    let answers = sent.join_all().await;
    drop(guard);
    for (status, elapsed) in &answers {
        assert_eq!(*status, 401);
        assert!(
            *elapsed < deadline + Duration::from_millis(500),
            "answered after {elapsed:?}"
        );
    }
    assert!(
        proxy.calls(Service::S3) >= deliveries as u64,
        "the writes went through the proxy"
    );
    // Each refused delivery is in the quarantine, or its line counts the
    // write as failed (a write reset mid-answer may have landed even so).
    let said = |outcome: &str| {
        lines
            .lines_saying("rejected")
            .iter()
            .filter(|line| line["quarantine"] == outcome)
            .count()
    };
    // (A write whose answer was cut off, retried by the SDK, finds itself
    // there already: kept.)
    let (written, failed) = (
        said("kept") + said("already-kept"),
        said("failed") + said("out-of-time"),
    );
    assert_eq!(written + failed, deliveries);
    let kept = fixture.quarantined(&bucket, "kaunt").await.len();
    assert!(
        kept >= written && kept <= deliveries,
        "{kept} kept, {written} said written"
    );
}

#[tokio::test]
async fn a_release_through_faulty_aws_loses_nothing_and_deletes_only_what_it_queued() {
    let fixture = Fixture::new("faults-release").await;
    // Kept while the secret held another key: ten genuine, one forged.
    fixture.put_secret("wrong-key").await;
    let bucket = fixture.quarantine_bucket().await;
    let keeper = fixture.receiver_with(preset("kaunt"), integration_tests::quarantine_in(&bucket, 100));
    let signed = |key: &str, n: usize| {
        let body = format!(r#"{{"Id":"held-{n}","EventType":"ModelReady"}}"#);
        requests::http_api(&requests::signed_with("kaunt", key, &body, ""), None)
    };
    for n in 0..10 {
        assert_eq!(answer(&keeper.handle(signed("right-key", n)).await).0, 401);
    }
    assert_eq!(answer(&keeper.handle(signed("a-guess", 99)).await).0, 401);
    fixture.put_secret("right-key").await;

    let proxy = FaultProxy::start(&moto::server().endpoint);
    let mut rules = faulty(Service::S3);
    rules.extend(faulty(Service::Sqs));
    rules.extend(faulty(Service::SecretsManager));
    proxy.set_rules(rules);
    let faulty_aws = sdk_config(&proxy.endpoint).await;
    let release = fixture.release_through(&faulty_aws, "kaunt", &[("QUARANTINE_BUCKET", &bucket)]);
    // Released until only the forgery is left, as the schedule would.
    let mut runs = 0;
    while fixture.quarantined(&bucket, "kaunt").await.len() > 1 {
        runs += 1;
        assert!(runs <= 30, "still not released after {runs} runs");
        let _ = release.run(&serde_json::json!({ "provider": "kaunt" })).await;
    }
    let ids: HashSet<String> = read_queue(&fixture).await.into_iter().map(|(_, id)| id).collect();
    let expected: HashSet<String> = (0..10)
        .map(|n| {
            let body = format!(r#"{{"Id":"held-{n}","EventType":"ModelReady"}}"#);
            webhook_receiver::internals::sha256_hex(body.as_bytes())
        })
        .collect();
    assert_eq!(ids, expected, "every genuine delivery queued, nothing else");
}
