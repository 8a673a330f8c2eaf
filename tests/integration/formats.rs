//! The same receiver behind every front door `lambda_http` supports.

use integration_tests::{requests, Fixture};
use webhook_receiver::schemes::{Codat, Kravia, SmartKyc};
use webhook_receiver::Provider;

use crate::answer;

const KRAVIA_DATA: &str = r#"{"timestamp":1795406400,"eventType":"CaseUpdate","claimId":7}"#;

async fn kravia_fixture(name: &str) -> Fixture {
    let fixture = Fixture::new(name).await;
    fixture
        .put_secret(&requests::test_keys().secret(Provider::Kravia).unwrap())
        .await;
    fixture
}

#[tokio::test]
async fn rest_api_event_with_base64_body_and_uppercase_headers() {
    let fixture = kravia_fixture("rest").await;
    let request = requests::rest_api(
        &requests::signed(Provider::Kravia, KRAVIA_DATA, Some("globex")),
        "globex",
    );
    assert_eq!(answer(&fixture.receiver(Kravia).handle(request).await).0, 200);
    assert_eq!(fixture.drain().await[0].envelope.tenant.as_deref(), Some("globex"));
}

#[tokio::test]
async fn function_url_event_selects_the_tenant_by_query() {
    let fixture = kravia_fixture("url").await;
    let signed = requests::signed(Provider::Kravia, KRAVIA_DATA, Some("acme"));
    let receiver = fixture.receiver(Kravia);
    assert_eq!(
        answer(&receiver.handle(requests::function_url(&signed, Some("acme"))).await).0,
        200
    );
    assert_eq!(
        answer(&receiver.handle(requests::function_url(&signed, Some("globex"))).await).0,
        401
    );
    assert_eq!(
        answer(&receiver.handle(requests::function_url(&signed, None)).await).0,
        200
    );
    let tenants: Vec<_> = fixture.drain().await.into_iter().map(|m| m.envelope.tenant).collect();
    assert_eq!(tenants, vec![Some("acme".to_owned()), Some("acme".to_owned())]);
}

#[tokio::test]
async fn alb_event() {
    let fixture = Fixture::new("alb").await;
    fixture
        .put_secret(&requests::test_keys().secret(Provider::SmartKyc).unwrap())
        .await;
    let body = r#"{"event":"invitation.sent","timestamp":"2026-11-23T04:00:00Z","data":{"invitationId":"inv_1"}}"#;
    let request = requests::alb(&requests::signed(Provider::SmartKyc, body, None));
    assert_eq!(answer(&fixture.receiver(SmartKyc).handle(request).await).0, 200);
    assert_eq!(
        fixture.drain().await[0].envelope.event_type.as_deref(),
        Some("invitation.sent")
    );
}

#[tokio::test]
async fn http_api_event_with_base64_binary_body() {
    let fixture = Fixture::new("base64").await;
    fixture
        .put_secret(&requests::test_keys().secret(Provider::Codat).unwrap())
        .await;
    let body = "{\"eventType\":\"read.completed\",\"note\":\"caf\u{e9} \u{1F600}\"}";
    let signed = requests::signed(Provider::Codat, body, None);
    let request = requests::from_event(&requests::http_api_json(&signed, None, true));
    assert_eq!(answer(&fixture.receiver(Codat).handle(request).await).0, 200);
    let queued = fixture.drain().await;
    assert_eq!(queued[0].envelope.payload.get(), body);
    assert_eq!(queued[0].envelope.event_id, "msg_test_1");
}
