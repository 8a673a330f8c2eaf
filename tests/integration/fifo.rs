//! A FIFO queue gets a group per provider and tenant and deduplicates
//! retried deliveries by tenant and event id.

use integration_tests::{requests, Fixture};
use webhook_receiver::internals::sha256_hex;
use webhook_receiver::schemes::Kravia;

use crate::answer;

#[tokio::test]
async fn fifo_groups_by_tenant_and_deduplicates_retries() {
    let fixture = Fixture::with_queue("fifo", true, &[]).await;
    fixture.put_test_keys("kravia").await;
    let receiver = fixture.receiver(Kravia);
    let data = r#"{"timestamp":1,"eventType":"CaseUpdate","claimId":9}"#;
    let signed = requests::signed("kravia", data, Some("acme"));
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
    let key = format!(r#"["kravia","acme","{event_id}"]"#);
    assert_eq!(queued[0].deduplication_id, Some(sha256_hex(key.as_bytes())));
}

#[tokio::test]
async fn identical_events_from_two_tenants_are_both_kept() {
    let fixture = Fixture::with_queue("fifo-tenants", true, &[]).await;
    fixture.put_test_keys("kravia").await;
    let receiver = fixture.receiver(Kravia);
    let data = r#"{"timestamp":1,"eventType":"CaseUpdate","claimId":9}"#;
    // Two creditors, one route without a tenant: each key verifies its own.
    for request in requests::same_data_from_two_creditors(data) {
        assert_eq!(answer(&receiver.handle(request).await).0, 200);
    }
    let mut queued = fixture.drain().await;
    queued.sort_by(|a, b| a.envelope.tenant.cmp(&b.envelope.tenant));
    assert_eq!(queued.len(), 2, "one creditor's event must not hide the other's");
    let event_id = sha256_hex(data.as_bytes());
    for (message, tenant) in queued.iter().zip(["acme", "globex"]) {
        assert_eq!(message.envelope.event_id, event_id);
        assert_eq!(message.envelope.tenant.as_deref(), Some(tenant));
        let key = format!(r#"["kravia","{tenant}","{event_id}"]"#);
        assert_eq!(message.deduplication_id, Some(sha256_hex(key.as_bytes())));
    }
}
