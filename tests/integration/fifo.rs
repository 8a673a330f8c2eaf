//! A FIFO queue gets a group per provider and tenant and deduplicates
//! retried deliveries by event id.

use integration_tests::{requests, Fixture};
use webhook_receiver::encoding::sha256_hex;
use webhook_receiver::schemes::Kravia;
use webhook_receiver::Provider;

use crate::answer;

#[tokio::test]
async fn fifo_groups_by_tenant_and_deduplicates_retries() {
    let fixture = Fixture::with_queue("fifo", true, &[]).await;
    fixture
        .put_secret(&requests::test_keys().secret(Provider::Kravia).unwrap())
        .await;
    let receiver = fixture.receiver(Kravia);
    let data = r#"{"timestamp":1,"eventType":"CaseUpdate","claimId":9}"#;
    let signed = requests::signed(Provider::Kravia, data, Some("acme"));
    for _ in 0..3 {
        assert_eq!(
            answer(&receiver.handle(requests::http_api(&signed, Some("acme"))).await).0,
            200
        );
    }
    let queued = fixture.drain().await;
    assert_eq!(queued.len(), 1, "a retried delivery is stored once");
    let event_id = sha256_hex(data.as_bytes());
    assert_eq!(queued[0].envelope.event_id, event_id);
    assert_eq!(queued[0].group_id.as_deref(), Some("kravia/acme"));
    assert_eq!(
        queued[0].deduplication_id,
        Some(sha256_hex(format!("kravia\n{event_id}").as_bytes()))
    );
}
