//! Optional defence in depth: the source-address allow-list and a required
//! static header from a secret. Both off by default; both beside the
//! signature, never instead of it.

use integration_tests::{preset, requests, Fixture};
use lambda_http::http::HeaderValue;

use webhook_receiver::config::parse_list;
use webhook_receiver::config::RequiredHeaderSetting;

use crate::answer;

const SMARTKYC_BODY: &str = r#"{"event":"submission.created","data":{"submissionId":"sub_1"}}"#;

#[tokio::test]
async fn only_listed_source_addresses_get_through() {
    let fixture = Fixture::new("allow-list").await;
    fixture.put_test_keys("codat").await;
    let signed = requests::signed("codat", r#"{"eventType":"read.completed"}"#, None);
    // The sample events come from 203.0.113.10.
    let open = fixture.receiver_with(preset("codat"), |s| s.allowed_source_ips = parse_list("203.0.113.0/24"));
    assert_eq!(answer(&open.handle(requests::http_api(&signed, None)).await).0, 200);
    assert_eq!(answer(&open.handle(requests::rest_api(&signed, "t")).await).0, 200);

    let codat_only = fixture.receiver_with(preset("codat"), |s| {
        s.allowed_source_ips = parse_list("4.159.114.108,20.117.190.191")
    });
    let (status, body) = answer(&codat_only.handle(requests::http_api(&signed, None)).await);
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")));
    assert_eq!(
        answer(&codat_only.handle(requests::rest_api(&signed, "t")).await).0,
        403
    );
    // Behind an ALB, the last X-Forwarded-For entry is the one the balancer
    // appended; earlier entries are the client's to invent.
    let mut via_alb = requests::alb(&signed);
    via_alb.headers_mut().insert(
        "x-forwarded-for",
        HeaderValue::from_static("4.159.114.108, 198.51.100.7"),
    );
    assert_eq!(answer(&codat_only.handle(via_alb).await).0, 403);
    let mut via_alb = requests::alb(&signed);
    via_alb.headers_mut().insert(
        "x-forwarded-for",
        HeaderValue::from_static("198.51.100.7, 4.159.114.108"),
    );
    assert_eq!(answer(&codat_only.handle(via_alb).await).0, 200);
    assert_eq!(fixture.drain().await.len(), 3);
}

#[tokio::test]
async fn a_required_header_must_carry_an_accepted_value() {
    let fixture = Fixture::new("required-header").await;
    fixture.put_test_keys("smartkyc").await;
    let header_secret = format!("{}-api-key", fixture.secret_id);
    let put_header_value = |value: &'static str| {
        let secrets = fixture.secrets.clone();
        let name = header_secret.clone();
        async move {
            if secrets
                .create_secret()
                .name(&name)
                .secret_string(value)
                .send()
                .await
                .is_err()
            {
                secrets
                    .put_secret_value()
                    .secret_id(&name)
                    .secret_string(value)
                    .send()
                    .await
                    .unwrap();
            }
        }
    };
    put_header_value("static-key-1").await;
    let receiver = || {
        fixture.receiver_with(preset("smartkyc"), |s| {
            s.required_header = Some(RequiredHeaderSetting {
                name: "x-smart-kyc-api-key".into(),
                secret_id: header_secret.clone(),
            })
        })
    };
    let with_header = |value: Option<&'static str>| {
        let mut request = requests::http_api(&requests::signed("smartkyc", SMARTKYC_BODY, None), None);
        if let Some(value) = value {
            request
                .headers_mut()
                .insert("x-smart-kyc-api-key", HeaderValue::from_static(value));
        }
        request
    };
    let first = receiver();
    assert_eq!(answer(&first.handle(with_header(None)).await).0, 401);
    assert_eq!(answer(&first.handle(with_header(Some("static-key-2"))).await).0, 401);
    assert_eq!(answer(&first.handle(with_header(Some("static-key"))).await).0, 401);
    assert_eq!(answer(&first.handle(with_header(Some("static-key-1"))).await).0, 200);

    // Rotated: the new value works, and the old one still does (AWSPREVIOUS).
    put_header_value("static-key-2").await;
    let rotated = receiver();
    assert_eq!(answer(&rotated.handle(with_header(Some("static-key-2"))).await).0, 200);
    assert_eq!(answer(&rotated.handle(with_header(Some("static-key-1"))).await).0, 200);

    // The header never replaces the signature.
    let mut unsigned = with_header(Some("static-key-2"));
    unsigned.headers_mut().remove("x-smartkyc-signature");
    assert_eq!(answer(&rotated.handle(unsigned).await).0, 401);
    assert_eq!(fixture.drain().await.len(), 3);
}
