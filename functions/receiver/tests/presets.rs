//! Every preset through the real receiver binary (as Lambda runs it, with
//! moto as AWS), proven against the providers' own signers: the official
//! library where one can sign a delivery, else the documented algorithm
//! written out in `tests/signers/sign.py` (never this crate's signer). For
//! each preset a genuine delivery is accepted and queued under the preset's
//! name; a tampered one, one signed with another key, a stale one (where
//! the scheme signs a time) and one whose signature header came twice are
//! refused with a 401 and nothing queued.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use integration_tests::function::started_receiver;
use integration_tests::runtime_api::RuntimeApi;
use integration_tests::{requests, workspace_dir, Fixture};
use serde_json::{json, Value};
use sign_event::SignedRequest;

/// The URL the `{url}` presets (Square) were given.
const SIGNED_URL: &str = "https://hooks.example.com/webhooks/square";

/// A body every described preset can read its event's facts from.
const BODY: &str = r#"{"id":"evt_it_1","event_id":"evt_it_1","type":"test.event","event":"test.event","event_type":"test.event","EventType":"test.event","eventType":"test.event","meta":{"event_name":"test.event"},"payload":{"action":"test.event"},"data":{"amount":100}}"#;

/// A form body, as Twilio and Mandrill post theirs (a parameter repeated).
const FORM: &str = "MessageSid=SM1f0e8ae6ade43cb3c0ce4525424e404f&From=%2B15017122661&To=%2B15558675310&Body=test.event+%26+more&MediaUrl=a&MediaUrl=b";

/// Mandrill's form: its events, JSON in one parameter (its signer, PHP's
/// documented one, keeps one value per name).
const MANDRILL_FORM: &str = "mandrill_events=%5B%7B%22event%22%3A%22test.event%22%2C%22_id%22%3A%22exampleaaaaaaaaaaaaaaaaaaaaaaaaa%22%2C%22ts%22%3A1795406400%7D%5D";

fn testdata(name: &str) -> String {
    std::fs::read_to_string(workspace_dir().join("shared/testdata").join(name)).unwrap()
}

fn test_key(name: &str) -> String {
    std::fs::read_to_string(workspace_dir().join("events/test-keys").join(name)).unwrap()
}

/// A PEM public key's DER as one base64 line, as SendGrid hands it out.
fn der_base64(pem: &str) -> String {
    pem.lines().filter(|line| !line.starts_with("-----")).collect()
}

/// One preset's test: what the receiver's secret holds, the key the
/// provider signs with, another key of the same kind, the body (Kravia's
/// `data`, receeve's `payload`), and the event type the envelope must say.
struct Case {
    preset: &'static str,
    secret: String,
    signing_key: String,
    other_key: String,
    input: &'static str,
    event_type: Option<&'static str>,
    /// The scheme's timestamp tolerance, when it signs a time.
    tolerance: Option<u64>,
}

/// An HMAC preset's case: its secret's text signs.
fn hmac_case(preset: &'static str) -> Case {
    Case {
        preset,
        secret: format!("{preset}-integration-secret"),
        signing_key: format!("{preset}-integration-secret"),
        other_key: "a-key-the-receiver-has-not".to_owned(),
        input: BODY,
        event_type: None,
        tolerance: None,
    }
}

fn cases() -> Vec<Case> {
    let hmac = |preset, event_type, tolerance| Case {
        event_type,
        tolerance,
        ..hmac_case(preset)
    };
    let whsec = |seed: &str| format!("whsec_{}", sign_event_base64(seed.as_bytes()));
    let standard = |preset| Case {
        preset,
        secret: whsec("integration-key-of-32-bytes-long"),
        signing_key: whsec("integration-key-of-32-bytes-long"),
        other_key: whsec("another-key-of-32-bytes-long-too"),
        input: BODY,
        event_type: Some("test.event"),
        tolerance: Some(300),
    };
    let rsa = |preset, input, event_type| Case {
        preset,
        secret: testdata("rsa-public.pem"),
        signing_key: testdata("rsa-private.pem"),
        other_key: test_key("receeve-private.pem"),
        input,
        event_type,
        tolerance: None,
    };
    vec![
        Case {
            other_key: "another-creditors-key".to_owned(),
            input: r#"{"timestamp":1795406400,"eventType":"CaseUpdate","claimId":7}"#,
            event_type: Some("CaseUpdate"),
            ..hmac("kravia", None, None)
        },
        hmac("kaunt", Some("test.event"), None),
        rsa(
            "receeve",
            r#"{"details":{"messageType":"event.claim.updated.v1"},"messageId":"m-it-1"}"#,
            Some("event.claim.updated.v1"),
        ),
        hmac("smartkyc", Some("test.event"), None),
        standard("codat"),
        hmac("stripe", Some("test.event"), Some(300)),
        hmac("github", None, None),
        hmac("shopify", None, None),
        hmac("slack", Some("test.event"), Some(300)),
        standard("standard-webhooks"),
        // Standard Webhooks' asymmetric v1a, from a secret that holds both
        // kinds of key.
        Case {
            secret: format!(
                "{} {}",
                whsec("integration-key-of-32-bytes-long"),
                testdata("ed25519-signing-public.whpk").trim()
            ),
            signing_key: testdata("ed25519-signing-private.pem"),
            other_key: testdata("ed25519-other-private.pem"),
            ..standard("standard-webhooks")
        },
        standard("svix"),
        hmac("paddle", Some("test.event"), Some(5)),
        hmac("mux", Some("test.event"), Some(300)),
        hmac("calendly", Some("test.event"), Some(180)),
        hmac("square", Some("test.event"), None),
        Case {
            secret: der_base64(&testdata("ec-public.pem")),
            signing_key: testdata("ec-private.pem"),
            other_key: testdata("ec-other-private.pem"),
            ..hmac("sendgrid", None, Some(300))
        },
        rsa("wise", BODY, Some("test.event")),
        hmac("paystack", Some("test.event"), None),
        hmac("onfido", Some("test.event"), None),
        hmac("lemonsqueezy", Some("test.event"), None),
        hmac("meta", None, None),
        hmac("zoom", Some("test.event"), Some(300)),
        hmac("dropbox", None, None),
        hmac("intercom", None, None),
        discord_case(),
        Case {
            input: FORM,
            ..hmac("twilio", None, None)
        },
        Case {
            input: MANDRILL_FORM,
            ..hmac("mandrill", None, None)
        },
        hmac("twitch", None, Some(600)),
        hmac("zendesk", Some("test.event"), Some(300)),
        hmac("linear", Some("test.event"), None),
        hmac("sentry", None, None),
        hmac("vercel", Some("test.event"), None),
        hmac("typeform", Some("test.event"), None),
        hmac("docusign", Some("test.event"), None),
        hmac("bitbucket", None, None),
        hmac("pagerduty", None, None),
        hmac("coinbase-commerce", None, None),
        hmac("razorpay", Some("test.event"), None),
        hmac("checkout", Some("test.event"), None),
        Case {
            secret: sign_event_base64(b"airtable-mac-secret-of-32-bytes!"),
            signing_key: sign_event_base64(b"airtable-mac-secret-of-32-bytes!"),
            other_key: sign_event_base64(b"another-mac-secret"),
            ..hmac("airtable", None, None)
        },
        standard("clerk"),
        standard("resend"),
    ]
}

/// Discord: the application's public key as its portal shows it (64 hex
/// digits) in the secret; a generated Ed25519 key signs.
fn discord_case() -> Case {
    Case {
        preset: "discord",
        secret: ed25519_public_hex(&testdata("ed25519-signing-public.pem")),
        signing_key: testdata("ed25519-signing-private.pem"),
        other_key: testdata("ed25519-other-private.pem"),
        input: BODY,
        event_type: None,
        tolerance: Some(300),
    }
}

/// An Ed25519 public key's 32 bytes in hex, as Discord shows it: the end
/// of its DER.
fn ed25519_public_hex(pem: &str) -> String {
    let der = webhook_receiver::internals::decode_base64(&der_base64(pem)).unwrap();
    der[der.len() - 32..].iter().map(|byte| format!("{byte:02x}")).collect()
}

fn sign_event_base64(bytes: &[u8]) -> String {
    webhook_receiver::internals::encode_base64(bytes)
}

/// What one signer was asked for.
#[derive(Clone)]
struct Request {
    key: String,
    timestamp: u64,
    /// The URL the provider posts to (only Square signs it).
    url: String,
}

/// Deliveries signed by the providers' signers: `sign.mjs` for the
/// presets whose npm library signs, `sign.py` for the others.
fn signed(case: &Case, requests: &[Request]) -> Vec<(SignedRequest, String)> {
    let node = matches!(case.preset, "stripe" | "github" | "shopify");
    let asked: Vec<Value> = requests
        .iter()
        .map(|request| {
            json!({"preset": case.preset, "key": request.key, "body": case.input, "id": "msg_it_1",
                   "timestamp": request.timestamp, "url": request.url})
        })
        .collect();
    integration_tests::signers::signed_by_the_providers_signers(node, &asked)
}

/// What a genuine delivery asks of the provider's signer.
fn asked_of_the_provider(case: &Case, now: u64) -> Request {
    Request {
        key: case.signing_key.clone(),
        timestamp: now,
        url: SIGNED_URL.to_owned(),
    }
}

/// The unsigned headers a preset's provider sends beside its signature,
/// which its envelope carries for consumers to route by.
fn routing_headers(preset: &str) -> &'static [(&'static str, &'static str)] {
    match preset {
        "github" => &[
            ("x-github-event", "pull_request"),
            ("x-github-delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"),
            ("x-github-hook-id", "292430182"),
        ],
        "shopify" => &[
            ("x-shopify-topic", "orders/create"),
            ("x-shopify-shop-domain", "example.myshopify.com"),
            ("x-shopify-webhook-id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"),
        ],
        _ => &[],
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// The binary's answer to `event`: its status and body.
fn answer(api: &RuntimeApi, event: &Value) -> (u64, Value) {
    let outcome = api.invoke(&event.to_string(), Duration::from_secs(20)).unwrap();
    assert_eq!(outcome.kind, "response", "{}", outcome.body);
    let answer: Value = serde_json::from_str(&outcome.body).unwrap();
    let body = answer["body"].as_str().and_then(|body| serde_json::from_str(body).ok());
    (answer["statusCode"].as_u64().unwrap(), body.unwrap_or_default())
}

/// The status of the binary's answer to `event`.
fn status(api: &RuntimeApi, event: &Value) -> u64 {
    answer(api, event).0
}

/// The signature header a preset sends last, twice: as API Gateway's HTTP
/// API joins a repeated header (with a comma) and as a REST API keeps it
/// (two values).
fn with_signature_twice(signed: &SignedRequest) -> [Value; 2] {
    let (name, value) = signed.headers.last().unwrap().clone();
    let mut joined = requests::http_api_json(signed, None, false);
    joined["headers"][&name] = Value::from(format!("{value},{value}"));
    let mut repeated = requests::rest_api_json(signed, "t1");
    let upper = name.to_uppercase();
    repeated["multiValueHeaders"][&upper] = json!([value, value]);
    [joined, repeated]
}

#[tokio::test(flavor = "multi_thread")]
async fn every_preset_takes_its_providers_deliveries_and_refuses_forgeries() {
    let mut signers = Vec::new();
    for case in cases() {
        let fixture = Fixture::new(&format!("preset-{}", case.preset)).await;
        fixture.put_secret(&case.secret).await;
        let now = now();
        let mut asked = vec![
            asked_of_the_provider(&case, now),
            Request {
                key: case.other_key.clone(),
                ..asked_of_the_provider(&case, now)
            },
        ];
        if let Some(tolerance) = case.tolerance {
            asked.push(Request {
                timestamp: now - tolerance - 120,
                ..asked_of_the_provider(&case, now)
            });
        }
        let deliveries = signed(&case, &asked);
        let (genuine, signer) = deliveries[0].clone();
        signers.push((case.preset, signer));
        let mut tampered = genuine.clone();
        tampered.body = tampered.body.replacen("event", "evenT", 1);
        assert_ne!(tampered.body, genuine.body);
        let mut forgeries = vec![
            ("tampered", requests::http_api_json(&tampered, None, false)),
            (
                "signed with another key",
                requests::http_api_json(&deliveries[1].0, None, false),
            ),
        ];
        if let Some((stale, _)) = deliveries.get(2) {
            forgeries.push(("stale", requests::http_api_json(stale, None, false)));
        }
        if genuine.headers.len() > 1 {
            let [joined, repeated] = with_signature_twice(&genuine);
            // A list whose own separator is a comma (PagerDuty's, Stripe's)
            // joins two copies into one list the provider could have sent
            // itself, accepted only for its genuine entry (SECURITY.md).
            let comma_list = webhook_receiver::schemes::Preset::named(case.preset)
                .and_then(webhook_receiver::schemes::Preset::description)
                .is_some_and(|text| text.contains(r#""separator": ",""#));
            if !comma_list {
                forgeries.push(("signature header joined twice", joined));
            }
            forgeries.push(("signature header repeated", repeated));
        }

        let api = RuntimeApi::start();
        // Meta's handshake needs a verify token secret; no delivery here
        // reads it.
        let settings = [
            ("SIGNED_URL", SIGNED_URL),
            ("VERIFY_TOKEN_SECRET_ID", "webhooks/verify-token-not-read"),
        ];
        let mut child = started_receiver(env!("CARGO_BIN_EXE_receiver"), &api, &fixture, case.preset, &settings);
        let mut genuine_event = requests::http_api_json(&genuine, None, false);
        let routing = routing_headers(case.preset);
        for (name, value) in routing {
            genuine_event["headers"][name] = Value::from(*value);
        }
        let (what, preset) = ("genuine", case.preset);
        let answered = tokio::task::block_in_place(|| status(&api, &genuine_event));
        assert_eq!(answered, 200, "{preset}: {what}");
        let queued = fixture.drain().await;
        assert_eq!(queued.len(), 1, "{preset}: {what}");
        assert_eq!(queued[0].envelope.provider, preset);
        assert_eq!(queued[0].attributes["provider"], preset);
        assert_eq!(queued[0].envelope.event_type.as_deref(), case.event_type, "{preset}");
        // The routing headers travel apart, unsigned; for every other
        // preset the envelope is what it always was.
        let carried = (!routing.is_empty()).then(|| {
            routing
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect()
        });
        assert_eq!(queued[0].envelope.unsigned, carried, "{preset}");
        assert_eq!(
            queued[0].json.get("unsigned").is_some(),
            !routing.is_empty(),
            "{preset}"
        );
        if case.preset == "github" {
            // Unsigned means unsigned: a replay of the genuine body with
            // another event header verifies, and carries what it came
            // with (docs/queue.md says what a consumer makes of that).
            let mut relabelled = genuine_event.clone();
            relabelled["headers"]["x-github-event"] = Value::from("push");
            assert_eq!(tokio::task::block_in_place(|| status(&api, &relabelled)), 200);
            let replayed = fixture.drain().await;
            assert_eq!(replayed[0].envelope.unsigned_header("x-github-event"), Some("push"));
            assert_eq!(replayed[0].envelope.event_id, queued[0].envelope.event_id);
        }
        if case.preset == "slack" {
            // Slack checks a new Request URL with a signed url_verification
            // event, and reads its challenge back from the answer.
            let challenge = Case {
                input: r#"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#,
                ..hmac_case("slack")
            };
            let (verification, _) = signed(&challenge, &asked[..1]).remove(0);
            let event = requests::http_api_json(&verification, None, false);
            let (answered, body) = tokio::task::block_in_place(|| answer(&api, &event));
            assert_eq!(answered, 200);
            assert_eq!(
                body,
                json!({"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
            );
            assert!(fixture.drain().await.is_empty(), "a handshake is not queued");
            // A slash command's form body, signed by slack_sdk: queued as its
            // text, every parameter readable.
            let command = Case {
                input: "token=gIkuvaNzQIHg97ATvDxqgjtO&team_id=T0001&command=%2Fweather&text=94070&text=again&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2F1234%2F5678&trigger_id=13345224609.738474920.8088930838d88f008e0",
                ..hmac_case("slack")
            };
            let (form, _) = signed(&command, &asked[..1]).remove(0);
            let event = requests::http_api_json(&form, None, true);
            assert_eq!(tokio::task::block_in_place(|| status(&api, &event)), 200);
            let queued = fixture.drain().await;
            assert_eq!(queued[0].envelope.payload_format.as_deref(), Some("form"));
            assert_eq!(
                queued[0].envelope.payload.get(),
                serde_json::to_string(command.input).unwrap()
            );
            let parameters = queued[0].envelope.form_parameters().unwrap();
            assert_eq!(parameters[2], ("command".to_owned(), "/weather".to_owned()));
            assert_eq!(parameters.iter().filter(|(name, _)| name == "text").count(), 2);
            // A form tampered with, or signed with another key: refused.
            let mut tampered = form.clone();
            tampered.body = tampered.body.replace("94070", "94071");
            let other = Request {
                key: case.other_key.clone(),
                ..asked_of_the_provider(&command, now)
            };
            let (forged, _) = signed(&command, &[other]).remove(0);
            for refused in [tampered, forged] {
                let event = requests::http_api_json(&refused, None, true);
                assert_eq!(tokio::task::block_in_place(|| status(&api, &event)), 401);
            }
            assert!(fixture.drain().await.is_empty());
        }
        if matches!(case.preset, "twilio" | "mandrill") {
            // The parameters, sorted, as a form: all the signature proves,
            // every one readable, the repeated one twice.
            let parameters = queued[0].envelope.form_parameters().unwrap();
            assert_eq!(queued[0].envelope.payload_format.as_deref(), Some("form"));
            let sent: Vec<(String, String)> = form_urlencoded::parse(case.input.as_bytes()).into_owned().collect();
            let mut sorted = sent.clone();
            sorted.sort();
            assert_eq!(parameters, sorted);
            // Signed for another URL: refused.
            let elsewhere = Request {
                url: "https://hooks.example.com/webhooks/elsewhere".to_owned(),
                ..asked_of_the_provider(&case, now)
            };
            let (moved, _) = signed(&case, &[elsewhere]).remove(0);
            let event = requests::http_api_json(&moved, None, true);
            assert_eq!(tokio::task::block_in_place(|| status(&api, &event)), 401);
            assert!(fixture.drain().await.is_empty());
        }
        if case.preset == "square" {
            // A tenant's route is another URL, and Square signs it:
            // SIGNED_URL/<tenant> verifies there, the route's own URL
            // without the tenant doesn't.
            let on_route = Request {
                url: format!("{SIGNED_URL}/acme"),
                ..asked_of_the_provider(&case, now)
            };
            let (routed, _) = signed(&case, &[on_route]).remove(0);
            let event = requests::http_api_json(&routed, Some("acme"), false);
            assert_eq!(tokio::task::block_in_place(|| status(&api, &event)), 200);
            assert_eq!(fixture.drain().await.len(), 1);
            let elsewhere = requests::http_api_json(&genuine, Some("acme"), false);
            assert_eq!(tokio::task::block_in_place(|| status(&api, &elsewhere)), 401);
            assert!(fixture.drain().await.is_empty());
        }
        for (what, event) in forgeries {
            let answered = tokio::task::block_in_place(|| status(&api, &event));
            assert_eq!(answered, 401, "{preset}: {what}");
            assert!(fixture.drain().await.is_empty(), "{preset}: {what} was queued");
        }
        child.kill().unwrap();
        child.wait().unwrap();
    }
    // docs/schemes.md's table names each preset's signer, and the README
    // lists every preset.
    let table = std::fs::read_to_string(workspace_dir().join("docs/schemes.md")).unwrap();
    let readme = std::fs::read_to_string(workspace_dir().join("README.md")).unwrap();
    for (preset, signer) in signers {
        assert!(
            table
                .lines()
                .any(|line| line.starts_with(&format!("| `{preset}` |")) && line.contains(&signer)),
            "docs/schemes.md's presets table lacks {preset}'s signer, {signer}"
        );
        assert!(
            readme.contains(&format!("`{preset}`")),
            "the README doesn't list {preset}"
        );
    }
}
