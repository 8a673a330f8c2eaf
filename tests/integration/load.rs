//! Load without faults: thousands of genuine deliveries, 64 at a time,
//! through the real receivers (one long-lived instance per provider, as a
//! warm function keeps them) against moto, while a consumer reads the
//! queues. Every delivery is accepted and each is on its queue exactly
//! once, unless the SDK retried a `SendMessage` attempt (moto, swamped,
//! slower than the 2 s attempt timeout): then at most one copy more per
//! retry, which the run counts and prints. Requests per second and the
//! process's resident memory are printed
//! as figures, never asserted on (integration tests share one process, so
//! the memory series is only clean when this test runs alone, as
//! `scripts/prove` runs it).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_sqs::types::DeleteMessageBatchRequestEntry;
use integration_tests::fault_proxy::{FaultProxy, Service};
use integration_tests::{memory_kib, moto, preset, requests, sdk_config, Fixture};
use lambda_http::{Body, Request, Response};
use tokio::sync::Semaphore;
use webhook_receiver::schemes::{Kravia, Receeve, Scheme};
use webhook_receiver::{Envelope, Receiver};

use crate::answer;

const IN_FLIGHT: usize = 64;
const CONSUMERS_PER_QUEUE: usize = 4;

/// Deliveries in all: `LOAD_DELIVERIES` (default 1,000, as CI runs it;
/// `LOAD_DELIVERIES=10000` for the full run in `scripts/prove`).
fn total_deliveries() -> usize {
    std::env::var("LOAD_DELIVERIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1000)
}

type Answer = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;
type Handler = Arc<dyn Fn(Request) -> Answer + Send + Sync>;

/// One provider's warm function: its receiver and its queue.
struct Function {
    provider: &'static str,
    handle: Handler,
    fixture: Arc<Fixture>,
}

/// A receiver reaching AWS through `proxy` (faithful: it only counts the
/// calls).
async fn function<S: Scheme>(scheme: S, proxy: &FaultProxy) -> Function {
    let provider = integration_tests::preset_name(scheme.provider());
    let fixture = Fixture::new(&format!("load-{provider}")).await;
    fixture.put_test_keys(provider).await;
    let aws = sdk_config(&proxy.endpoint).await;
    let receiver = Arc::new(Receiver::new(scheme, fixture.settings(), &aws));
    let handle: Handler = Arc::new(move |request| {
        let receiver = Arc::clone(&receiver);
        Box::pin(async move { receiver.handle(request).await })
    });
    Function {
        provider,
        handle,
        fixture: Arc::new(fixture),
    }
}

/// Reads `fixture`'s queue as a consumer would until `done` is set and the
/// queue is empty: the SQS message ids it saw for each event id.
async fn consume(fixture: Arc<Fixture>, done: Arc<AtomicBool>) -> HashMap<String, Vec<String>> {
    let mut seen = HashMap::new();
    loop {
        let finished = done.load(Ordering::SeqCst);
        let output = fixture
            .sqs
            .receive_message()
            .queue_url(&fixture.queue_url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        let messages = output.messages();
        if messages.is_empty() {
            if finished {
                return seen;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let mut entries = Vec::new();
        for (n, message) in messages.iter().enumerate() {
            let envelope: Envelope = serde_json::from_str(message.body().unwrap()).unwrap();
            seen.entry(envelope.event_id)
                .or_insert_with(Vec::new)
                .push(message.message_id().unwrap_or_default().to_owned());
            entries.push(
                DeleteMessageBatchRequestEntry::builder()
                    .id(n.to_string())
                    .receipt_handle(message.receipt_handle().unwrap())
                    .build()
                    .unwrap(),
            );
        }
        fixture
            .sqs
            .delete_message_batch()
            .queue_url(&fixture.queue_url)
            .set_entries(Some(entries))
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_in_flight_every_delivery_lands_exactly_once() {
    let total = total_deliveries();
    // No faults: the proxy only counts the receivers' SendMessage calls, to
    // tell a lost or doubled message from one the SDK sent twice because
    // moto, swamped, answered an attempt after the SDK's 2 s timeout.
    let proxy = FaultProxy::start(&moto::server().endpoint);
    let functions = Arc::new([
        function(Kravia, &proxy).await,
        function(preset("kaunt"), &proxy).await,
        function(Receeve, &proxy).await,
        function(preset("smartkyc"), &proxy).await,
        function(preset("codat"), &proxy).await,
    ]);
    // Signed up front, so the run measures the receivers, not the signing.
    let events: Vec<(usize, serde_json::Value)> = (0..total)
        .map(|n| {
            (
                n % functions.len(),
                requests::numbered(functions[n % functions.len()].provider, n),
            )
        })
        .collect();

    let done = Arc::new(AtomicBool::new(false));
    // Several readers per queue, so the queues stay short: moto slows
    // down as a queue grows, and would then time out the senders.
    let consumers: Vec<_> = functions
        .iter()
        .flat_map(|f| (0..CONSUMERS_PER_QUEUE).map(move |_| f))
        .map(|f| tokio::spawn(consume(Arc::clone(&f.fixture), Arc::clone(&done))))
        .collect();

    // One genuine delivery each first, so the keys are cached before the
    // baseline memory reading.
    for (index, function) in functions.iter().enumerate() {
        let event = requests::numbered(function.provider, total + index);
        assert_eq!(answer(&(function.handle)(requests::from_event(&event)).await).0, 200);
    }
    let baseline = memory_kib(None, "VmRSS");
    let checkpoints = Arc::new(Mutex::new(Vec::new()));
    let accepted = Arc::new(Mutex::new(HashMap::<String, &'static str>::new()));
    let slots = Arc::new(Semaphore::new(IN_FLIGHT));
    let started = Instant::now();
    // Finished deliveries are reaped as new ones start, so the test's own
    // bookkeeping doesn't grow with the run and blur the memory series.
    let mut tasks = tokio::task::JoinSet::new();
    for (n, (index, event)) in events.into_iter().enumerate() {
        let permit = Arc::clone(&slots).acquire_owned().await.unwrap();
        while let Some(finished) = tasks.try_join_next() {
            finished.unwrap();
        }
        let functions = Arc::clone(&functions);
        let accepted = Arc::clone(&accepted);
        let checkpoints = Arc::clone(&checkpoints);
        tasks.spawn(async move {
            let function = &functions[index];
            let (status, body) = answer(&(function.handle)(requests::from_event(&event)).await);
            assert_eq!(status, 200, "delivery {n}: {body}");
            let mut accepted = accepted.lock().unwrap();
            let id = body["eventId"].as_str().unwrap().to_owned();
            assert!(accepted.insert(id, function.provider).is_none(), "event ids are unique");
            if accepted.len().is_multiple_of((total / 10).max(1)) {
                checkpoints
                    .lock()
                    .unwrap()
                    .push((accepted.len(), memory_kib(None, "VmRSS")));
            }
            drop(permit);
        });
    }
    while let Some(finished) = tasks.join_next().await {
        finished.unwrap();
    }
    let elapsed = started.elapsed();
    done.store(true, Ordering::SeqCst);
    let mut seen = HashMap::<String, Vec<String>>::new();
    for consumer in consumers {
        for (id, messages) in consumer.await.unwrap() {
            seen.entry(id).or_default().extend(messages);
        }
    }

    let accepted = accepted.lock().unwrap();
    assert_eq!(accepted.len(), total, "every delivery was accepted");
    let missing = accepted.keys().filter(|id| !seen.contains_key(*id)).count();
    // Copies are messages with different ids for one event; the same id
    // seen twice is one message SQS handed out again.
    let distinct = |messages: &Vec<String>| messages.iter().collect::<std::collections::HashSet<_>>().len();
    let repeated: Vec<_> = seen.iter().filter(|(_, messages)| distinct(messages) > 1).collect();
    assert_eq!(missing, 0, "accepted but not on the queue");
    // One SendMessage per delivery means no attempt was retried: then each
    // event is on its queue exactly once. A retried attempt (moto slower
    // than the SDK's attempt timeout) may store a message twice, as
    // at-least-once allows, but never more copies than there were retries.
    let sends = proxy.calls(Service::Sqs) as usize;
    let retried_sends = sends - (total + functions.len());
    let copies: usize = repeated.iter().map(|(_, messages)| distinct(messages) - 1).sum();
    assert!(
        copies <= retried_sends,
        "{copies} extra copies on the queue, but only {retried_sends} SendMessage calls were retries: {repeated:?}"
    );
    // The warm-up deliveries are on the queues too.
    assert_eq!(
        seen.len(),
        total + functions.len(),
        "nothing on the queues that wasn't sent"
    );

    let checkpoints = checkpoints.lock().unwrap();
    let series: Vec<String> = checkpoints
        .iter()
        .map(|(done, kib)| format!("{done}: {} MiB", kib / 1024))
        .collect();
    println!(
        "load: {total} deliveries, {IN_FLIGHT} in flight, {:.0} requests/s ({elapsed:?}); {retried_sends} SendMessage attempts retried, {copies} duplicates; resident memory {} MiB after warm-up, then {}",
        total as f64 / elapsed.as_secs_f64(),
        baseline / 1024,
        series.join(", ")
    );
}
