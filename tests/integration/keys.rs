//! Where keys come from: rotation and revocation, named keys and tenants,
//! the cache, and a secret that is missing or holds no usable key.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use integration_tests::{preset, requests, Fixture};
use webhook_receiver::schemes::delivery::Delivery;
use webhook_receiver::schemes::{AnyScheme, EventFacts, Kravia, Receeve, Scheme};
use webhook_receiver::ReceiveError;

use crate::answer;

const BODY: &str = r#"{"Id":"a1","EventType":"ModelReady"}"#;

fn kaunt(key: &str) -> lambda_http::Request {
    requests::http_api(&requests::signed_with("kaunt", key, BODY, ""), None)
}

#[tokio::test]
async fn previous_key_keeps_working_during_rotation() {
    let fixture = Fixture::new("rotation").await;
    fixture.put_secret("old-key").await;
    assert_eq!(
        answer(&fixture.receiver(preset("kaunt")).handle(kaunt("old-key")).await).0,
        200
    );

    fixture.put_secret("new-key").await;
    let receiver = fixture.receiver(preset("kaunt"));
    assert_eq!(answer(&receiver.handle(kaunt("new-key")).await).0, 200);
    assert_eq!(
        answer(&receiver.handle(kaunt("old-key")).await).0,
        200,
        "AWSPREVIOUS must verify"
    );
    assert_eq!(answer(&receiver.handle(kaunt("oldest-key")).await).0, 401);

    fixture.put_secret("newest-key").await;
    let receiver = fixture.receiver(preset("kaunt"));
    assert_eq!(
        answer(&receiver.handle(kaunt("old-key")).await).0,
        401,
        "two rotations ago is gone"
    );
    assert_eq!(fixture.drain().await.len(), 3);
}

#[tokio::test]
async fn named_keys_are_chosen_by_the_route_tenant() {
    let fixture = Fixture::new("tenants").await;
    let keys = requests::test_keys();
    fixture.put_secret(&keys.secret("kravia").unwrap()).await;
    let receiver = fixture.receiver(Kravia);
    let data = r#"{"timestamp":1795406400,"eventType":"CaseUpdate","claimId":1}"#;
    let by_acme = requests::signed("kravia", data, Some("acme"));
    let by_globex = requests::signed("kravia", data, Some("globex"));

    let cases = [
        (&by_acme, Some("acme"), 200, Some("acme")),
        (&by_globex, Some("acme"), 401, None),
        (&by_globex, None, 200, Some("globex")),
        (&by_acme, Some("initech"), 401, None),
    ];
    for (request, route_tenant, status, queued_tenant) in cases {
        let (got, body) = answer(&receiver.handle(requests::http_api(request, route_tenant)).await);
        assert_eq!(got, status, "{route_tenant:?}: {body}");
        let queued = fixture.drain().await;
        assert_eq!(queued.len(), usize::from(status == 200));
        if let Some(message) = queued.first() {
            assert_eq!(message.envelope.tenant.as_deref(), queued_tenant);
        }
    }
}

#[tokio::test]
async fn cached_keys_serve_until_the_ttl_and_forgeries_cost_no_fetch() {
    let fixture = Fixture::new("cache").await;
    fixture.put_secret("cached-key").await;
    let receiver = fixture.receiver_with(preset("kaunt"), |s| s.secret_cache_ttl = Duration::from_secs(2));
    assert_eq!(answer(&receiver.handle(kaunt("cached-key")).await).0, 200);

    // With the secret gone, any fetch would fail: every answer below comes
    // from the cache.
    fixture.delete_secret().await;
    assert_eq!(answer(&receiver.handle(kaunt("cached-key")).await).0, 200);
    for _ in 0..50 {
        assert_eq!(answer(&receiver.handle(kaunt("forged-key")).await).0, 401);
    }

    tokio::time::sleep(Duration::from_millis(2100)).await;
    let (status, _) = answer(&receiver.handle(kaunt("cached-key")).await);
    assert!(
        status >= 500,
        "after the TTL the missing secret must be a 5xx, got {status}"
    );

    // The failure is remembered for a second, so a flood costs one fetch...
    fixture.put_secret("cached-key").await;
    assert!(answer(&receiver.handle(kaunt("cached-key")).await).0 >= 500);
    // ...then the next request tries again, and it recovers by itself.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        answer(&receiver.handle(kaunt("cached-key")).await).0,
        200,
        "recovers by itself"
    );
    assert_eq!(fixture.drain().await.len(), 3);
}

#[tokio::test]
async fn missing_secret_is_a_500_and_nothing_is_queued() {
    let fixture = Fixture::new("no-secret").await;
    let (status, body) = answer(&fixture.receiver(preset("kaunt")).handle(kaunt("any")).await);
    assert_eq!(status, 500);
    assert_eq!(body["error"], "internal error");
    assert!(fixture.drain().await.is_empty());
}

#[tokio::test]
async fn a_secret_without_a_usable_key_is_a_500() {
    let fixture = Fixture::new("bad-pem").await;
    fixture
        .put_secret("-----BEGIN PUBLIC KEY-----\nnot base64!\n-----END PUBLIC KEY-----")
        .await;
    let request = requests::http_api(
        &requests::signed("receeve", r#"{"messageId":"m","details":{}}"#, None),
        None,
    );
    assert_eq!(answer(&fixture.receiver(Receeve).handle(request).await).0, 500);
    assert!(fixture.drain().await.is_empty());
}

#[tokio::test]
async fn a_key_rotated_under_a_running_receiver_works_after_the_refresh_interval() {
    let fixture = Fixture::new("refresh").await;
    fixture.put_secret("old-key").await;
    let receiver = fixture.receiver_with(preset("kaunt"), |s| s.key_refresh_interval = Duration::from_secs(1));
    assert_eq!(answer(&receiver.handle(kaunt("old-key")).await).0, 200);

    fixture.put_secret("new-key").await;
    // Keys fetched less than the interval ago: the failure stands.
    assert_eq!(answer(&receiver.handle(kaunt("new-key")).await).0, 401);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Now a signature no cached key matches fetches the keys again.
    assert_eq!(answer(&receiver.handle(kaunt("new-key")).await).0, 200);
    assert_eq!(
        answer(&receiver.handle(kaunt("old-key")).await).0,
        200,
        "the old key is AWSPREVIOUS now"
    );
    assert_eq!(fixture.drain().await.len(), 3);
}

#[tokio::test]
async fn a_flood_of_forgeries_costs_at_most_one_fetch_per_refresh_interval() {
    let fixture = Fixture::new("flood").await;
    fixture.put_secret("real-key").await;
    let interval = Duration::from_secs(1);
    let receiver = fixture.receiver_with(preset("kaunt"), |s| s.key_refresh_interval = interval);
    assert_eq!(answer(&receiver.handle(kaunt("real-key")).await).0, 200);
    tokio::time::sleep(interval).await;

    let (captured, guard) = integration_tests::logs::capture();
    let started = std::time::Instant::now();
    for _ in 0..1000 {
        assert_eq!(answer(&receiver.handle(kaunt("forged-key")).await).0, 401);
    }
    let elapsed = started.elapsed();
    drop(guard);
    // Each fetch logs this line once (two GetSecretValue calls: AWSCURRENT
    // and AWSPREVIOUS).
    let fetches = captured.text().matches("keys loaded from Secrets Manager").count() as u64;
    let allowed = elapsed.as_secs() / interval.as_secs() + 1;
    assert!(fetches >= 1, "the first forgery after the interval refetches");
    assert!(
        fetches <= allowed,
        "{fetches} fetches in {elapsed:?}, at most {allowed} allowed"
    );
    assert_eq!(fixture.drain().await.len(), 1);
}

#[tokio::test]
async fn a_rotated_key_serves_for_its_grace_period_then_is_revoked() {
    let fixture = Fixture::new("grace").await;
    fixture.put_secret("old-key").await;
    fixture.put_secret("new-key").await;
    // The default grace (a day): a provider still signing with the old key
    // keeps working.
    assert_eq!(
        answer(&fixture.receiver(preset("kaunt")).handle(kaunt("old-key")).await).0,
        200
    );
    // None at all: only the current key.
    let no_grace = fixture.receiver_with(preset("kaunt"), |s| s.previous_key_grace = Duration::ZERO);
    assert_eq!(answer(&no_grace.handle(kaunt("old-key")).await).0, 401);
    assert_eq!(answer(&no_grace.handle(kaunt("new-key")).await).0, 200);
    // Measured from the current version's creation date, as Secrets
    // Manager reports it: the same cached keys stop serving when it ends.
    let grace = Duration::from_secs(5);
    let short = fixture.receiver_with(preset("kaunt"), |s| s.previous_key_grace = grace);
    assert_eq!(answer(&short.handle(kaunt("old-key")).await).0, 200);
    let current = fixture.current_secret().await;
    let created = std::time::SystemTime::try_from(*current.created_date().unwrap()).unwrap();
    let over = created + grace + Duration::from_millis(100);
    tokio::time::sleep(over.duration_since(std::time::SystemTime::now()).unwrap_or_default()).await;
    assert_eq!(answer(&short.handle(kaunt("old-key")).await).0, 401);
    assert_eq!(answer(&short.handle(kaunt("new-key")).await).0, 200);
    assert_eq!(fixture.drain().await.len(), 4);
}

#[tokio::test]
async fn a_leaked_key_is_revoked_by_removing_its_previous_label() {
    let fixture = Fixture::new("revoke").await;
    fixture.put_secret("leaked-key").await;
    fixture.put_secret("new-key").await;
    let receiver = fixture.receiver_with(preset("kaunt"), |s| s.secret_cache_ttl = Duration::from_secs(1));
    assert_eq!(answer(&receiver.handle(kaunt("leaked-key")).await).0, 200);

    // The README's revocation: take AWSPREVIOUS off the leaked version.
    let previous = fixture
        .secrets
        .get_secret_value()
        .secret_id(&fixture.secret_id)
        .version_stage("AWSPREVIOUS")
        .send()
        .await
        .unwrap();
    fixture
        .secrets
        .update_secret_version_stage()
        .secret_id(&fixture.secret_id)
        .version_stage("AWSPREVIOUS")
        .remove_from_version_id(previous.version_id().unwrap())
        .send()
        .await
        .unwrap();
    // A cold receiver refuses it at once; a warm one once its cache expires.
    assert_eq!(
        answer(&fixture.receiver(preset("kaunt")).handle(kaunt("leaked-key")).await).0,
        401
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(answer(&receiver.handle(kaunt("leaked-key")).await).0, 401);
    assert_eq!(answer(&receiver.handle(kaunt("new-key")).await).0, 200);
    assert_eq!(fixture.drain().await.len(), 2);
}

/// Kaunt's scheme, counting the keys it is asked to try.
struct CountingKaunt(AnyScheme, Arc<AtomicUsize>);

impl Scheme for CountingKaunt {
    type Key = <AnyScheme as Scheme>::Key;
    type Claim<'r> = <AnyScheme as Scheme>::Claim<'r>;

    fn provider(&self) -> &str {
        self.0.provider()
    }

    fn signature_headers(&self) -> &[String] {
        self.0.signature_headers()
    }

    fn parse_key(&self, text: &str) -> Result<Self::Key, String> {
        self.0.parse_key(text)
    }

    fn claim<'r>(&self, delivery: &Delivery<'r>) -> Result<Self::Claim<'r>, ReceiveError> {
        self.0.claim(delivery)
    }

    fn verify(&self, claim: &Self::Claim<'_>, key: &Self::Key) -> bool {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.verify(claim, key)
    }

    fn describe(&self, claim: &Self::Claim<'_>, body: &[u8]) -> Result<EventFacts, ReceiveError> {
        self.0.describe(claim, body)
    }
}

#[tokio::test]
async fn a_refresh_that_finds_the_same_versions_tries_no_key_again() {
    let fixture = Fixture::new("same-versions").await;
    fixture.put_secret(r#"{"a":"key-a","b":"key-b","c":"key-c"}"#).await;
    let tried = Arc::new(AtomicUsize::new(0));
    let interval = Duration::from_secs(1);
    let receiver = fixture.receiver_with(CountingKaunt(preset("kaunt"), Arc::clone(&tried)), |s| {
        s.key_refresh_interval = interval
    });
    assert_eq!(answer(&receiver.handle(kaunt("key-c")).await).0, 200);
    tokio::time::sleep(interval).await;

    let (captured, guard) = integration_tests::logs::capture();
    tried.store(0, Ordering::SeqCst);
    assert_eq!(answer(&receiver.handle(kaunt("forged-key")).await).0, 401);
    drop(guard);
    assert_eq!(
        captured.text().matches("keys loaded from Secrets Manager").count(),
        1,
        "it refetched"
    );
    assert_eq!(
        tried.load(Ordering::SeqCst),
        3,
        "each key once: nothing new was fetched"
    );

    // A new version is tried in full, and its key verifies.
    fixture
        .put_secret(r#"{"a":"key-a","b":"key-b","c":"key-c","d":"key-d"}"#)
        .await;
    tokio::time::sleep(interval).await;
    tried.store(0, Ordering::SeqCst);
    assert_eq!(answer(&receiver.handle(kaunt("key-d")).await).0, 200);
    assert_eq!(tried.load(Ordering::SeqCst), 3 + 4);
}
