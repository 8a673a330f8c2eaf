//! The test vectors providers publish (in their documents, or in their
//! official libraries' tests), verified by the presets. A vector whose body
//! isn't JSON (GitHub's) verifies and is then a 400: the body is read only
//! after a key verified it, so a 400 proves the signature held, where a
//! wrong one is a 401.

use super::{preset, preset_with_url};
use crate::error::VerifyError;
use crate::schemes::test_support::{check, check_on_route, headers, is_malformed, refusal, NOW};
use crate::schemes::Scheme;

/// GitHub's, from "Validating webhook deliveries".
#[test]
fn github() {
    let sent = headers(&[(
        "X-Hub-Signature-256",
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
    )]);
    let github = preset("github");
    assert!(is_malformed(&check(
        &github,
        "It's a Secret to Everybody",
        b"Hello, World!",
        &sent,
        NOW
    )));
    let wrong = check(&github, "It's a secret to everybody", b"Hello, World!", &sent, NOW);
    assert_eq!(refusal(wrong), VerifyError::Mismatch);
}

/// Slack's, from "Verifying requests from Slack" (a slash command's form
/// body), at its own time.
#[test]
fn slack() {
    let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    let sent = headers(&[
        ("X-Slack-Request-Timestamp", "1531420618"),
        (
            "X-Slack-Signature",
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        ),
    ]);
    let slack = preset("slack");
    let secret = "8f742231b10e8888abcd99yyyzzz85a5";
    // A form, queued as its text, byte for byte.
    let facts = check(&slack, secret, body.as_bytes(), &sent, 1_531_420_618)
        .unwrap()
        .facts;
    assert!(facts.form);
    assert_eq!(facts.signed_payload, Some(serde_json::to_string(body).unwrap()));
    let later = check(&slack, secret, body.as_bytes(), &sent, 1_531_420_618 + 301);
    assert_eq!(refusal(later), VerifyError::StaleTimestamp(301));
}

/// Standard Webhooks' `v1` (the Python library's `test_sign_function`) and
/// `v1a` (the reference implementation's asymmetric signing test), one
/// secret holding both keys.
#[test]
fn standard_webhooks_v1_and_v1a() {
    let v1 = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    let v1a = "v1a,tQ9V2XOqn7jL/DQenEFpqIugdBVtiMmER5mhSkXBNwM0mkATuDe6KYYUuxqtaiHeYGb7KaaBRdM5WqyeFiL8Ag==";
    let symmetric = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let public = "whpk_ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g=";
    let both = format!("{symmetric} {public}");
    let scheme = preset("standard-webhooks");
    let run = |secret: &str, signature: &str, body: &str| {
        let sent = headers(&[
            ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"),
            ("webhook-timestamp", "1614265330"),
            ("webhook-signature", signature),
        ]);
        check(&scheme, secret, body.as_bytes(), &sent, 1_614_265_330)
    };
    let body = r#"{"test": 2432232314}"#;
    for (secret, signature) in [(symmetric, v1), (public, v1a), (&both, v1), (&both, v1a)] {
        let verified = run(secret, signature, body).unwrap_or_else(|e| panic!("{secret} {signature}: {e}"));
        assert_eq!(verified.facts.event_id.as_deref(), Some("msg_p5jXN8AQM9LWM0D4loKWxJek"));
    }
    // With two algorithms a key must say which it is for: a public key
    // without `whpk_` is refused, never taken as an HMAC secret.
    assert!(scheme
        .parse_key("ZlN4eg7dSSqi0moX9hQUk3orrOouK3QVQSlJa248c/g=")
        .is_err());
    // A key verifies only its own version's signatures.
    assert_eq!(refusal(run(symmetric, v1a, body)), VerifyError::Mismatch);
    assert_eq!(refusal(run(public, v1, body)), VerifyError::Mismatch);
    let tampered = r#"{"test": 2432232315}"#;
    assert_eq!(
        refusal(run(&both, &format!("{v1} {v1a}"), tampered)),
        VerifyError::Mismatch
    );
}

/// Stripe's own test header generator (`stripe.webhooks.
/// generateTestHeaderString`, and the Python library's
/// `WebhookSignature.generate_signature_header`) wrote this one.
#[test]
fn stripe() {
    let body = r#"{"id":"evt_test_123","object":"event","type":"payment_intent.succeeded"}"#;
    let header = "t=1700000000,v1=a664e91ef71ff03e5f143b0ecc9af428db3fbc0a905d1fa93288032c8cdd37a5";
    let sent = headers(&[("Stripe-Signature", header)]);
    let verified = check(
        &preset("stripe"),
        "whsec_test_secret",
        body.as_bytes(),
        &sent,
        1_700_000_000,
    )
    .unwrap();
    assert_eq!(verified.facts.event_id.as_deref(), Some("evt_test_123"));
    assert_eq!(verified.facts.event_type.as_deref(), Some("payment_intent.succeeded"));
}

/// Shopify's API library's test helper (`getHmac`) wrote this one.
#[test]
fn shopify() {
    let body = r#"{"id":820982911946154508,"email":"jon@example.com"}"#;
    let sent = headers(&[("X-Shopify-Hmac-Sha256", "C/Y8NEvOrvo0BOmOkykuhLsX6NfhUdB0T6W8SsFrOEQ=")]);
    let verified = check(&preset("shopify"), "my_client_secret", body.as_bytes(), &sent, NOW).unwrap();
    assert_eq!(
        verified.facts.event_id, None,
        "Shopify's ids are in headers it doesn't sign"
    );
}

/// Square's Node.js SDK's webhook tests: the notification URL is signed
/// before the body.
#[test]
fn square() {
    let cases = [
        (
            "Ibxx_5AKakO-3qeNVR61Dw",
            "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9",
            r#"{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}"#,
            "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=",
        ),
        (
            "signature-key",
            "https://webhook.site/webhooks",
            r#"{"data":{"type":"webhooks","id":"fake_id"}}"#,
            "W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA=",
        ),
        (
            "signature-key",
            "https://webhook.site/webhooks",
            r#"{"data":{"type":"webhooks","id":">id<"}}"#,
            "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U=",
        ),
    ];
    for (key, url, body, signature) in cases {
        let sent = headers(&[("x-square-hmacsha256-signature", signature)]);
        assert!(check(&preset_with_url("square", Some(url)), key, body.as_bytes(), &sent, NOW).is_ok());
        let elsewhere = preset_with_url("square", Some("https://webhook.site/other"));
        assert_eq!(
            refusal(check(&elsewhere, key, body.as_bytes(), &sent, NOW)),
            VerifyError::Mismatch
        );
    }
}

/// On a tenant's route the signed URL is `SIGNED_URL` with `/<tenant>`
/// after it: Square's first vector above, posted to a route whose tenant is
/// its URL's last segment.
#[test]
fn square_on_a_tenant_route() {
    let (key, tenant) = ("Ibxx_5AKakO-3qeNVR61Dw", "679a4f3a-dcfa-49ee-bac5-9d0edad886b9");
    let body = r#"{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}"#;
    let sent = headers(&[(
        "x-square-hmacsha256-signature",
        "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=",
    )]);
    let square = preset_with_url("square", Some("https://webhook.site"));
    let on_route = |tenant| check_on_route(&square, key, body.as_bytes(), &sent, NOW, tenant);
    assert!(on_route(Some(tenant)).is_ok());
    assert_eq!(refusal(on_route(None)), VerifyError::Mismatch);
    assert_eq!(refusal(on_route(Some("another-tenant"))), VerifyError::Mismatch);
    // A tenant that isn't one plain segment (API Gateway hands it over
    // decoded) could make the URL end another way: refused unread.
    for odd in ["679a4f3a/dcfa", "679a4f3a?x=1", "679a4f3a dcfa", "679a4f3a%2F"] {
        assert_eq!(refusal(on_route(Some(odd))), VerifyError::Ambiguous, "{odd}");
    }
}

/// Mux's Node.js SDK's webhook tests. Their `v1=invalid` entry, which the
/// SDK skips, makes the whole header unreadable here: a signature entry
/// that isn't a signature is what a repeated header joined by a comma
/// looks like, and a repeated signature header is refused.
#[test]
fn mux() {
    for (body, signature) in [
        (
            r#"{"test":"body"}"#,
            "854ece4c22acef7c66b57d4e504153bc512595e8e9c772ece2a68150548c19a7",
        ),
        (
            r#"{"test":{"nested":{"nanos":718234, "seconds":1691711005}}}"#,
            "bd315c24bce1c2b8ad325696f26530c8ef7d7d830afb7c1381903705d04607be",
        ),
    ] {
        let mux = preset("mux");
        let header = format!("t=1565125718,v2={signature},v1={signature}");
        let sent = headers(&[("Mux-Signature", &header)]);
        assert!(check(&mux, "SuperSecret123", body.as_bytes(), &sent, 1_565_125_718).is_ok());
        let invalid = format!("t=1565125718,v1=invalid,v1={signature}");
        let sent = headers(&[("Mux-Signature", &invalid)]);
        let result = check(&mux, "SuperSecret123", body.as_bytes(), &sent, 1_565_125_718);
        assert!(matches!(refusal(result), VerifyError::BadEncoding(_)));
    }
}

/// Onfido's Python library's webhook tests.
#[test]
fn onfido() {
    let body = r#"{"payload":{"resource_type":"check","action":"check.completed","object":{"id":"f2302f45-227d-413d-ad61-09ec077a086a","status":"complete","completed_at_iso8601":"2024-04-04T09:21:21Z","href":"https://api.onfido.com/v3.6/checks/f2302f45-227d-413d-ad61-09ec077a086a"}}}"#;
    let sent = headers(&[(
        "X-SHA2-Signature",
        "77ebc3e418f26be6eebb47f7ebe551321de26734fc273961e075fc9ab163d9c7",
    )]);
    let verified = check(
        &preset("onfido"),
        "wU99mE6jJ7nXOLFwZ0tJymM1lpI15pZh",
        body.as_bytes(),
        &sent,
        NOW,
    )
    .unwrap();
    assert_eq!(verified.facts.event_type.as_deref(), Some("check.completed"));
}

/// Wise's digital-signatures examples: a sandbox delivery and Wise's
/// sandbox public key.
#[test]
fn wise() {
    let body = r#"{"data":{"resource":{"id":49983981,"profile_id":16055450,"account_id":14124090,"type":"transfer"},"current_state":"incoming_payment_waiting","previous_state":null,"occurred_at":"2021-08-23T10:12:50Z"},"subscription_id":"90aa8e14-4ef1-4a56-861c-f3c9cde097ea","event_type":"transfers#state-change","schema_version":"2.0.0","sent_at":"2021-08-23T10:12:50Z"}"#;
    let signature = "wKcKCYXAzxNgiu7xmoDm943NUni7Rz33QN8JkEA9dWSGebgndonabgSj18Y4C08OrwVmueGsED2s00M7DtJVcYKOS1i3G4TMVx+mgM3aL9djMBkQtiYNBFUd6wrPI7ZUNHv/TrlKSjTMc+6JFvUvJ7owY3z85e3I4jLRLJowMFvO8kvCJ60+1pY9wDwZvtZ//WS93LrwGjk9Dvwzpmu0w+P4J75tETT5qC3Uv0y5G2yO8SEoO3yNP/tg/BOli02niHb53vEOUWUb9bly6thnfMoXoiV/osoGxgF20R58RlvkAmezyyl1Sv542TfS2DpiwVnmjjjkCyXeSUcKookYLQ==";
    let sandbox = include_str!("../../../testdata/wise-sandbox-public.pem");
    let sent = headers(&[("X-Signature-SHA256", signature)]);
    let verified = check(&preset("wise"), sandbox, body.as_bytes(), &sent, NOW).unwrap();
    assert_eq!(verified.facts.event_type.as_deref(), Some("transfers#state-change"));
    let other = include_str!("../../../testdata/rsa-public.pem");
    assert_eq!(
        refusal(check(&preset("wise"), other, body.as_bytes(), &sent, NOW)),
        VerifyError::Mismatch
    );
}

/// SendGrid's Python and Node.js libraries' event webhook tests (the
/// Python one's body ends in the CRLF SendGrid sends).
#[test]
fn sendgrid() {
    let cases = [
        (
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==",
            "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=",
            1_600_112_502,
            "[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\",\"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\",\"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\",\"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n",
        ),
        (
            "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA==",
            "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0=",
            1_588_788_367,
            r#"{"category":"example_payload","event":"test_event","message_id":"message_id"}"#,
        ),
    ];
    for (key, signature, timestamp, body) in cases {
        let at = timestamp.to_string();
        let sent = headers(&[
            ("X-Twilio-Email-Event-Webhook-Signature", signature),
            ("X-Twilio-Email-Event-Webhook-Timestamp", &at),
        ]);
        assert!(check(&preset("sendgrid"), key, body.as_bytes(), &sent, timestamp).is_ok());
        let trimmed = body.trim_end();
        if trimmed != body {
            assert_eq!(
                refusal(check(&preset("sendgrid"), key, trimmed.as_bytes(), &sent, timestamp)),
                VerifyError::Mismatch
            );
        }
    }
}

/// Twilio's, from "Webhooks security" (its `RequestValidator`'s example):
/// the URL with its query, then the sorted parameters.
#[test]
fn twilio() {
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    let body = "CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030&To=%2B18005551212";
    let sent = headers(&[("X-Twilio-Signature", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")]);
    let twilio = preset_with_url("twilio", Some(url));
    let facts = check(&twilio, "12345", body.as_bytes(), &sent, NOW).unwrap().facts;
    assert!(facts.form);
    // The parameters sorted, as a form: what the signature proves.
    assert_eq!(facts.signed_payload, Some(serde_json::to_string(body).unwrap()));
    // In another order, and spelt otherwise, the same parameters.
    let reordered = "To=%2b18005551212&CallSid=CA1234567890ABCDE&Caller=%2B12349013030&Digits=1234&From=%2B12349013030";
    let again = check(&twilio, "12345", reordered.as_bytes(), &sent, NOW).unwrap().facts;
    assert_eq!(
        (again.signed_payload, again.event_id),
        (facts.signed_payload, facts.event_id)
    );
    let elsewhere = preset_with_url("twilio", Some("https://mycompany.com/myapp.php?foo=1&bar=3"));
    assert_eq!(
        refusal(check(&elsewhere, "12345", body.as_bytes(), &sent, NOW)),
        VerifyError::Mismatch
    );
    let tampered = body.replace("1234&", "1235&");
    assert_eq!(
        refusal(check(&twilio, "12345", tampered.as_bytes(), &sent, NOW)),
        VerifyError::Mismatch
    );
    // A parameter repeated exactly: the signers disagree on it.
    let doubled = format!("{body}&Digits=1234");
    assert_eq!(
        refusal(check(&twilio, "12345", doubled.as_bytes(), &sent, NOW)),
        VerifyError::Ambiguous
    );
}
