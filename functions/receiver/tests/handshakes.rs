//! Every preset's handshake (Meta, Zoom, Twitch, Dropbox, Intercom,
//! Mandrill, Discord; Slack's is in presets.rs) through the real receiver binary (as Lambda
//! starts it, with moto as AWS): the genuine handshake is answered as its
//! provider expects and nothing is queued; one that fails its proof is
//! refused; a real delivery after it verifies and is queued. Signed
//! handshakes are signed by the providers' documented algorithms in
//! `tests/signers/sign.py` (never this code's signer), and each expected
//! answer is computed here as the provider's documents say.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::process::Child;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use integration_tests::function::started_receiver;
use integration_tests::runtime_api::RuntimeApi;
use integration_tests::signers::signed_by_the_providers_signers;
use integration_tests::{requests, workspace_dir, Fixture};
use serde_json::{json, Value};
use sha2::Sha256;
use sign_event::SignedRequest;

/// The answer's status, body text and headers.
struct Answer {
    status: u64,
    body: String,
    headers: Value,
}

/// A receiver binary for `preset`, its fixture, and its Runtime API.
struct Running {
    api: RuntimeApi,
    fixture: Fixture,
    child: Child,
}

impl Running {
    /// Starts `preset`'s receiver with `secret`, and a verify token secret
    /// holding `verify_token`.
    async fn start(preset: &str, secret: &str, verify_token: &str) -> Running {
        let fixture = Fixture::new(&format!("handshake-{preset}")).await;
        fixture.put_secret(secret).await;
        let token_secret = format!("{}-verify-token", fixture.secret_id);
        fixture
            .secrets
            .create_secret()
            .name(&token_secret)
            .secret_string(verify_token)
            .send()
            .await
            .unwrap();
        let api = RuntimeApi::start();
        // SIGNED_URL for the presets that sign their URL (Mandrill); read by
        // no other.
        let url = format!("https://hooks.example.com/webhooks/{preset}");
        let settings = [("VERIFY_TOKEN_SECRET_ID", token_secret.as_str()), ("SIGNED_URL", &url)];
        let child = started_receiver(env!("CARGO_BIN_EXE_receiver"), &api, &fixture, preset, &settings);
        Running { api, fixture, child }
    }

    /// The binary's answer to `event`.
    fn answer(&self, event: &Value) -> Answer {
        let outcome =
            tokio::task::block_in_place(|| self.api.invoke(&event.to_string(), Duration::from_secs(20))).unwrap();
        assert_eq!(outcome.kind, "response", "{}", outcome.body);
        let answer: Value = serde_json::from_str(&outcome.body).unwrap();
        Answer {
            status: answer["statusCode"].as_u64().unwrap(),
            body: answer["body"].as_str().unwrap_or_default().to_owned(),
            headers: answer["headers"].clone(),
        }
    }

    /// How many messages the queue holds now (drained).
    async fn queued(&self) -> usize {
        self.fixture.drain().await.len()
    }

    fn stop(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// `body` as `preset`'s provider signs it with `key` (sign.py).
fn signed(preset: &str, key: &str, body: &str) -> SignedRequest {
    let asked =
        json!({"preset": preset, "key": key, "body": body, "id": "msg_handshake", "timestamp": now(), "url": ""});
    signed_by_the_providers_signers(false, &[asked]).remove(0).0
}

fn post(request: &SignedRequest) -> Value {
    requests::http_api_json(request, None, false)
}

/// An answer a browser is never asked to sniff.
fn assert_plain(answer: &Answer, content_type: &str) {
    assert_eq!(answer.headers["content-type"], content_type);
    assert_eq!(answer.headers["x-content-type-options"], "nosniff");
}

#[tokio::test(flavor = "multi_thread")]
async fn meta_checks_the_url_with_its_verify_token_and_then_delivers() {
    let running = Running::start("meta", "meta-app-secret", "my-verify-token").await;
    let verification = |token: &str| {
        requests::unsigned_handshake_json(
            "meta",
            "GET",
            &[
                ("hub.mode", "subscribe"),
                ("hub.verify_token", token),
                ("hub.challenge", "1158201444"),
            ],
        )
    };
    let answer = running.answer(&verification("my-verify-token"));
    assert_eq!((answer.status, answer.body.as_str()), (200, "1158201444"));
    assert_plain(&answer, "text/plain; charset=utf-8");
    assert_eq!(running.queued().await, 0);
    for wrong in ["another-token", "my-verify-tokeN", ""] {
        assert_eq!(running.answer(&verification(wrong)).status, 403, "{wrong:?}");
    }
    let without = requests::unsigned_handshake_json(
        "meta",
        "GET",
        &[("hub.mode", "subscribe"), ("hub.challenge", "1158201444")],
    );
    assert_eq!(running.answer(&without).status, 403);
    // A GET that is no handshake is still a 405.
    let other = requests::unsigned_handshake_json("meta", "GET", &[("hub.mode", "unsubscribe")]);
    assert_eq!(running.answer(&other).status, 405);
    assert_eq!(running.queued().await, 0);
    // The deliveries after it, signed with the app secret.
    let body = r#"{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[]}]}"#;
    let answer = running.answer(&post(&signed("meta", "meta-app-secret", body)));
    assert_eq!(answer.status, 200);
    let queued = running.fixture.drain().await;
    assert_eq!(queued.len(), 1);
    assert_eq!(
        queued[0].envelope.event_type.as_deref(),
        Some("whatsapp_business_account")
    );
    assert_eq!(running.answer(&post(&signed("meta", "a-guess", body))).status, 401);
    running.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn zoom_validates_the_url_with_an_hmac_of_its_token() {
    let running = Running::start("zoom", "zoom-secret-token", "unused").await;
    let validation = r#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#;
    let answer = running.answer(&post(&signed("zoom", "zoom-secret-token", validation)));
    assert_eq!(answer.status, 200);
    assert_plain(&answer, "application/json");
    // As Zoom's documents compute it: HMAC-SHA256 of the plain token with
    // the secret token, hex.
    let mut mac = Hmac::<Sha256>::new_from_slice(b"zoom-secret-token").unwrap();
    mac.update(b"qgg8vlvZRS6UYooatFL8Aw");
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    let answered: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(
        answered,
        json!({"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected})
    );
    assert_eq!(running.queued().await, 0);
    // Signed with another secret: refused, never answered with our HMAC.
    let forged = running.answer(&post(&signed("zoom", "a-guess", validation)));
    assert_eq!(forged.status, 401);
    assert!(!forged.body.contains("encryptedToken"));
    // A token that is not a bounded token is a 400, not an echo.
    let hostile = r#"{"payload":{"plainToken":"<script>alert(1)</script>"},"event":"endpoint.url_validation"}"#;
    assert_eq!(
        running
            .answer(&post(&signed("zoom", "zoom-secret-token", hostile)))
            .status,
        400
    );
    let event = r#"{"event":"meeting.started","event_ts":1654503849680,"payload":{"object":{"id":"85746065432"}}}"#;
    assert_eq!(
        running
            .answer(&post(&signed("zoom", "zoom-secret-token", event)))
            .status,
        200
    );
    let queued = running.fixture.drain().await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].envelope.event_type.as_deref(), Some("meeting.started"));
    running.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn dropbox_and_intercom_check_the_url_without_a_signature_and_get_only_what_they_sent() {
    let running = Running::start("dropbox", "dropbox-app-secret", "unused").await;
    let check = requests::unsigned_handshake_json("dropbox", "GET", &[("challenge", "h8Vq3Yc2ZxQ")]);
    let answer = running.answer(&check);
    assert_eq!((answer.status, answer.body.as_str()), (200, "h8Vq3Yc2ZxQ"));
    assert_plain(&answer, "text/plain; charset=utf-8");
    let hostile = requests::unsigned_handshake_json("dropbox", "GET", &[("challenge", "<b>hi</b>")]);
    assert_eq!(running.answer(&hostile).status, 400);
    assert_eq!(running.queued().await, 0);
    let body =
        r#"{"list_folder":{"accounts":["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]},"delta":{"users":[12345678]}}"#;
    assert_eq!(
        running
            .answer(&post(&signed("dropbox", "dropbox-app-secret", body)))
            .status,
        200
    );
    assert_eq!(running.queued().await, 1);
    running.stop();

    let running = Running::start("intercom", "intercom-client-secret", "unused").await;
    let head = requests::unsigned_handshake_json("intercom", "HEAD", &[]);
    let answer = running.answer(&head);
    assert_eq!((answer.status, answer.body.as_str()), (200, ""));
    assert_eq!(running.queued().await, 0);
    let body = r#"{"type":"notification_event","id":"notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3","topic":"conversation.user.created","data":{}}"#;
    assert_eq!(
        running
            .answer(&post(&signed("intercom", "intercom-client-secret", body)))
            .status,
        200
    );
    let queued = running.fixture.drain().await;
    assert_eq!(
        queued[0].envelope.event_type.as_deref(),
        Some("conversation.user.created")
    );
    assert_eq!(
        queued[0].envelope.event_id,
        "notif_ccd8a4d0-f965-11e3-a367-c779cae3e1b3"
    );
    // Any other method is still refused.
    let get = requests::unsigned_handshake_json("intercom", "GET", &[]);
    assert_eq!(running.answer(&get).status, 405);
    running.stop();

    // Mandrill checks a new URL with HEAD too.
    let running = Running::start("mandrill", "mandrill-webhook-key", "unused").await;
    let answer = running.answer(&requests::unsigned_handshake_json("mandrill", "HEAD", &[]));
    assert_eq!((answer.status, answer.body.as_str()), (200, ""));
    assert_eq!(running.queued().await, 0);
    running.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn discord_pings_are_answered_invalid_signatures_refused_and_commands_deferred_and_queued() {
    let testdata = |name: &str| std::fs::read_to_string(workspace_dir().join("shared/testdata").join(name)).unwrap();
    let public = testdata("ed25519-signing-public.pem");
    let der = webhook_receiver::internals::decode_base64(
        &public
            .lines()
            .filter(|line| !line.starts_with("-----"))
            .collect::<String>(),
    )
    .unwrap();
    let public_hex: String = der[der.len() - 32..].iter().map(|byte| format!("{byte:02x}")).collect();
    let running = Running::start("discord", &public_hex, "unused").await;
    let private = testdata("ed25519-signing-private.pem");
    let ping =
        r#"{"application_id":"1180000000000000000","id":"1180000000000000001","token":"t","type":1,"version":1}"#;
    let answer = running.answer(&post(&signed("discord", &private, ping)));
    assert_eq!((answer.status, answer.body.as_str()), (200, r#"{"type":1}"#));
    assert_eq!(running.queued().await, 0);
    // Discord sends deliberately invalid signatures and drops an endpoint
    // that accepts them.
    let other = testdata("ed25519-other-private.pem");
    assert_eq!(running.answer(&post(&signed("discord", &other, ping))).status, 401);
    let mut tampered = signed("discord", &private, ping);
    tampered.body = tampered.body.replace("\"version\":1", "\"version\":2");
    assert_eq!(running.answer(&post(&tampered)).status, 401);
    // A slash command: deferred (type 5), and queued for the consumer to
    // answer through the follow-up endpoint.
    let command = r#"{"application_id":"1180000000000000000","id":"1180000000000000002","token":"aW50ZXJhY3Rpb24","type":2,"data":{"name":"status"},"version":1}"#;
    let answer = running.answer(&post(&signed("discord", &private, command)));
    assert_eq!((answer.status, answer.body.as_str()), (200, r#"{"type":5}"#));
    let queued = running.fixture.drain().await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].envelope.event_id, "1180000000000000002");
    // A button: an update deferred (type 6).
    let button = r#"{"application_id":"1180000000000000000","id":"1180000000000000003","token":"t","type":3,"data":{"custom_id":"ok"},"version":1}"#;
    let answer = running.answer(&post(&signed("discord", &private, button)));
    assert_eq!((answer.status, answer.body.as_str()), (200, r#"{"type":6}"#));
    assert_eq!(running.queued().await, 1);
    running.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn twitch_verifies_the_callback_with_a_signed_challenge_answered_as_text() {
    let running = Running::start("twitch", "twitch-eventsub-secret", "unused").await;
    let verification = r#"{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"webhook_callback_verification_pending","type":"channel.follow","version":"2","condition":{"broadcaster_user_id":"12826"},"transport":{"method":"webhook","callback":"https://example.com/webhooks/twitch"},"created_at":"2026-11-23T04:00:00.000Z"}}"#;
    let with_type = |request: SignedRequest, kind: &str| {
        let mut event = post(&request);
        event["headers"]["twitch-eventsub-message-type"] = Value::from(kind);
        event
    };
    let genuine = signed("twitch", "twitch-eventsub-secret", verification);
    let answer = running.answer(&with_type(genuine.clone(), "webhook_callback_verification"));
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, "pogchamp-kappa-360noscope-vohiyo")
    );
    assert_plain(&answer, "text/plain; charset=utf-8");
    assert_eq!(running.queued().await, 0);
    let forged = signed("twitch", "a-guess", verification);
    assert_eq!(
        running
            .answer(&with_type(forged, "webhook_callback_verification"))
            .status,
        401
    );
    // A notification after it: queued, its message id the event's id.
    let notification = r#"{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","type":"channel.follow","version":"2"},"event":{"user_id":"1234","broadcaster_user_id":"12826"}}"#;
    let delivered = signed("twitch", "twitch-eventsub-secret", notification);
    assert_eq!(running.answer(&with_type(delivered, "notification")).status, 200);
    let queued = running.fixture.drain().await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].envelope.event_id, "msg_handshake");
    assert_eq!(queued[0].envelope.event_type.as_deref(), Some("channel.follow"));
    assert_eq!(
        queued[0].envelope.unsigned_header("twitch-eventsub-message-type"),
        Some("notification")
    );
    running.stop();
}
