//! The same receiver behind every front door `lambda_http` supports.

use integration_tests::{preset, requests, Fixture};
use serde_json::json;
use webhook_receiver::internals::sha256_hex;
use webhook_receiver::schemes::Kravia;

use crate::answer;

const KRAVIA_DATA: &str = r#"{"timestamp":1795406400,"eventType":"CaseUpdate","claimId":7}"#;

async fn kravia_fixture(name: &str) -> Fixture {
    let fixture = Fixture::new(name).await;
    fixture.put_test_keys("kravia").await;
    fixture
}

#[tokio::test]
async fn rest_api_event_with_base64_body_and_uppercase_headers() {
    let fixture = kravia_fixture("rest").await;
    let request = requests::rest_api(&requests::signed("kravia", KRAVIA_DATA, Some("globex")), "globex");
    assert_eq!(answer(&fixture.receiver(Kravia).handle(request).await).0, 200);
    assert_eq!(fixture.drain().await[0].envelope.tenant.as_deref(), Some("globex"));
}

#[tokio::test]
async fn function_url_event_selects_the_tenant_by_query() {
    let fixture = kravia_fixture("url").await;
    let signed = requests::signed("kravia", KRAVIA_DATA, Some("acme"));
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
    fixture.put_test_keys("smartkyc").await;
    let body = r#"{"event":"invitation.sent","timestamp":"2026-11-23T04:00:00Z","data":{"invitationId":"inv_1"}}"#;
    let request = requests::alb(&requests::signed("smartkyc", body, None));
    assert_eq!(
        answer(&fixture.receiver(preset("smartkyc")).handle(request).await).0,
        200
    );
    assert_eq!(
        fixture.drain().await[0].envelope.event_type.as_deref(),
        Some("invitation.sent")
    );
}

#[tokio::test]
async fn http_api_event_with_base64_binary_body() {
    let fixture = Fixture::new("base64").await;
    fixture.put_test_keys("codat").await;
    let body = "{\"eventType\":\"read.completed\",\"note\":\"caf\u{e9} \u{1F600}\"}";
    let signed = requests::signed("codat", body, None);
    let request = requests::from_event(&requests::http_api_json(&signed, None, true));
    assert_eq!(answer(&fixture.receiver(preset("codat")).handle(request).await).0, 200);
    let queued = fixture.drain().await;
    assert_eq!(queued[0].envelope.payload.get(), body);
    assert_eq!(queued[0].envelope.event_id, "msg_test_1");
}

#[tokio::test]
async fn a_repeated_signature_header_is_refused_at_every_front_door() {
    let fixture = Fixture::new("repeated").await;
    fixture.put_secret("kaunt-test-secret").await;
    let receiver = fixture.receiver(preset("kaunt"));
    let body = r#"{"Id":"r-1","EventType":"ModelReady"}"#;
    let right = requests::signed_with("kaunt", "kaunt-test-secret", body, "");
    let wrong = requests::signed_with("kaunt", "another-key", body, "");
    let signature = |signed: &sign_event::SignedRequest| {
        signed
            .headers
            .iter()
            .find(|(name, _)| name == "x-signature-sha256")
            .unwrap()
            .1
            .clone()
    };
    let (right_value, wrong_value) = (signature(&right), signature(&wrong));

    // REST API: every value in multiValueHeaders, the last one in headers.
    let mut rest = requests::rest_api_json(&right, "t");
    rest["multiValueHeaders"]["X-SIGNATURE-SHA256"] = json!([wrong_value, right_value]);
    rest["headers"]["X-SIGNATURE-SHA256"] = json!(right_value);
    // ALB with multi-value headers on: the same.
    let mut alb = requests::alb_json(&right);
    alb["multiValueHeaders"] = json!({ "x-signature-sha256": [wrong_value, right_value] });
    // HTTP API: the values joined by a comma in one header.
    let mut http = requests::http_api_json(&right, None, false);
    http["headers"]["x-signature-sha256"] = json!(format!("{right_value},{right_value}"));
    for (front, event) in [("REST", rest), ("ALB", alb), ("HTTP", http)] {
        let (status, _) = answer(&receiver.handle(requests::from_event(&event)).await);
        assert_eq!(status, 401, "{front}");
    }
    // The same events with the header once are accepted.
    assert_eq!(answer(&receiver.handle(requests::rest_api(&right, "t")).await).0, 200);
    assert_eq!(answer(&receiver.handle(requests::alb(&right)).await).0, 200);
    assert_eq!(fixture.drain().await.len(), 2);
}

#[tokio::test]
async fn a_signed_body_with_a_byte_order_mark_is_queued_without_it() {
    let fixture = Fixture::new("bom").await;
    fixture.put_secret("kaunt-test-secret").await;
    let body = r#"{"Id":"b-1","EventType":"ModelReady"}"#;
    let with_bom = format!("\u{FEFF}{body}");
    let signed = requests::signed_with("kaunt", "kaunt-test-secret", &with_bom, "");
    let (status, answer) = answer(
        &fixture
            .receiver(preset("kaunt"))
            .handle(requests::http_api(&signed, None))
            .await,
    );
    assert_eq!(status, 200, "{answer}");
    let queued = fixture.drain().await;
    assert_eq!(queued[0].envelope.payload.get(), body);
    assert_eq!(queued[0].envelope.event_type.as_deref(), Some("ModelReady"));
    // The id is still the SHA-256 of the bytes received, mark included.
    assert_eq!(queued[0].envelope.event_id, sha256_hex(with_bom.as_bytes()));
}
