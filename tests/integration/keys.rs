//! Where keys come from: rotation, named keys and tenants, the cache, and a
//! secret that is missing or holds no usable key.

use std::time::Duration;

use integration_tests::{requests, Fixture};
use webhook_receiver::schemes::{Kaunt, Kravia, Receeve};
use webhook_receiver::Provider;

use crate::answer;

const BODY: &str = r#"{"Id":"a1","EventType":"ModelReady"}"#;

fn kaunt(key: &str) -> lambda_http::Request {
    requests::http_api(&requests::signed_with(Provider::Kaunt, key, BODY, ""), None)
}

#[tokio::test]
async fn previous_key_keeps_working_during_rotation() {
    let fixture = Fixture::new("rotation").await;
    fixture.put_secret("old-key").await;
    assert_eq!(answer(&fixture.receiver(Kaunt).handle(kaunt("old-key")).await).0, 200);

    fixture.put_secret("new-key").await;
    let receiver = fixture.receiver(Kaunt);
    assert_eq!(answer(&receiver.handle(kaunt("new-key")).await).0, 200);
    assert_eq!(
        answer(&receiver.handle(kaunt("old-key")).await).0,
        200,
        "AWSPREVIOUS must verify"
    );
    assert_eq!(answer(&receiver.handle(kaunt("oldest-key")).await).0, 401);

    fixture.put_secret("newest-key").await;
    let receiver = fixture.receiver(Kaunt);
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
    fixture.put_secret(&keys.secret(Provider::Kravia).unwrap()).await;
    let receiver = fixture.receiver(Kravia);
    let data = r#"{"timestamp":1795406400,"eventType":"CaseUpdate","claimId":1}"#;
    let by_acme = requests::signed(Provider::Kravia, data, Some("acme"));
    let by_globex = requests::signed(Provider::Kravia, data, Some("globex"));

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
    let receiver = fixture.receiver_with(Kaunt, |s| s.secret_cache_ttl = Duration::from_secs(2));
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
    let (status, body) = answer(&fixture.receiver(Kaunt).handle(kaunt("any")).await);
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
        &requests::signed(Provider::Receeve, r#"{"messageId":"m","details":{}}"#, None),
        None,
    );
    assert_eq!(answer(&fixture.receiver(Receeve).handle(request).await).0, 500);
    assert!(fixture.drain().await.is_empty());
}

#[tokio::test]
async fn a_key_rotated_under_a_running_receiver_works_after_the_refresh_interval() {
    let fixture = Fixture::new("refresh").await;
    fixture.put_secret("old-key").await;
    let receiver = fixture.receiver_with(Kaunt, |s| s.key_refresh_interval = Duration::from_secs(1));
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
    let receiver = fixture.receiver_with(Kaunt, |s| s.key_refresh_interval = interval);
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
