//! What the fuzz targets share: the test keys, a fixed clock, genuine
//! signing, and the invariants every target checks after the real code ran.
//!
//! A target panics (libFuzzer's "crash") when the code under test panics or
//! when an invariant breaks:
//! - a delivery the fuzzer made up never verifies (no forgery gets in);
//! - a genuinely signed delivery is never refused as unauthenticated (a 400
//!   can be right: the harness signs bodies a provider's schema rejects);
//! - whatever verifies becomes an SQS message that reads back as the same
//!   envelope, within SQS's limits, whose payload holds only what the
//!   signature covers: the body's JSON text unchanged where the body is
//!   signed whole, and for Kravia and receeve exactly the signed members,
//!   which verify again on their own (checked with the bare primitives,
//!   not the library's schemes).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{ParsedPublicKey, ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256};
use lambda_http::http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use md5::{Digest, Md5};
use webhook_receiver::envelope::bus::{EnvelopeHeader, OffloadedDetail};
use webhook_receiver::envelope::pointer::PayloadPointer;
use webhook_receiver::internals::{
    decode_base64, decode_hex, decode_pem, placement, read_event, refused, seal, Outgoing, OutgoingEntry,
    OutgoingMessage, Placement,
};
use webhook_receiver::schemes::delivery::Delivery;
use webhook_receiver::schemes::handshake::{self, echoable, Handshake, Reply, ReplyBody, Seen, Value, MAX_ECHO_BYTES};
use webhook_receiver::schemes::keys::{KeyRing, SecretText};
use webhook_receiver::schemes::{AnyScheme, Deadline, Preset, Scheme};
use webhook_receiver::{receive_offline, Envelope, ReceiveError, Settings};

pub mod sign;

/// The clock every target runs at: the sample events' timestamp, so that
/// the Codat samples seeding the request target verify.
pub const NOW_SECS: u64 = 1_795_406_400;

/// The timestamp tolerance the targets use (the receivers' default).
pub const TOLERANCE_SECS: u64 = 300;

/// [`NOW_SECS`] as a time.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

/// The secret each provider's receiver holds in the targets: the same test
/// keys that sign the sample events in `events/`.
pub mod secrets {
    /// Kravia: named per tenant.
    pub const KRAVIA: &str = include_str!("../../events/test-keys/kravia.json");
    /// preset("kaunt").
    pub const KAUNT: &str = include_str!("../../events/test-keys/kaunt.txt");
    /// receeve: an RSA public key.
    pub const RECEEVE_RSA: &str = include_str!("../../events/test-keys/receeve-public.pem");
    /// receeve's private key, to sign genuine deliveries.
    pub const RECEEVE_RSA_PRIVATE: &str = include_str!("../../events/test-keys/receeve-private.pem");
    /// receeve: a P-256 public key (ECDSA signing is cheap, so most genuine
    /// receeve inputs use it).
    pub const RECEEVE_EC: &str = include_str!("../../shared/testdata/ec-public.pem");
    /// The P-256 private key.
    pub const RECEEVE_EC_PRIVATE: &str = include_str!("../../shared/testdata/ec-private.pem");
    /// Smart KYC.
    pub const SMARTKYC: &str = include_str!("../../events/test-keys/smartkyc.txt");
    /// An Ed25519 public key, for described schemes.
    pub const ED25519: &str = include_str!("../../shared/testdata/ed25519-signing-public.pem");
    /// Its private key.
    pub const ED25519_PRIVATE: &str = include_str!("../../shared/testdata/ed25519-signing-private.pem");
    /// Codat.
    pub const CODAT: &str = include_str!("../../events/test-keys/codat.txt");
}

/// The preset `name`'s scheme, as its receiver makes it (`SIGNED_URL` is
/// the samples').
///
/// # Panics
/// When there is no such preset: the harness itself is broken.
pub fn preset(name: &str) -> AnyScheme {
    let lookup = |setting: &str| (setting == "SIGNED_URL").then(|| SAMPLE_SIGNED_URL.to_owned());
    match Preset::named(name).map(|preset| preset.scheme(lookup)) {
        Some(Ok(scheme)) => scheme,
        _ => panic!("no usable preset {name}"),
    }
}

/// The URL the sample events of presets that sign it are signed for (the
/// sign-event tool's).
pub const SAMPLE_SIGNED_URL: &str = "https://abc123.execute-api.eu-west-1.amazonaws.com/webhooks/square";

/// The keys a receiver of `scheme` would hold for `secret`.
///
/// # Panics
/// When a test key doesn't parse: the harness itself is broken.
pub fn key_ring<S: Scheme>(scheme: &S, secret: &str) -> KeyRing<S::Key> {
    match KeyRing::parse(&SecretText::new(secret.trim()), None, |text| scheme.parse_key(text)) {
        Ok(ring) => ring,
        Err(error) => panic!("test key does not parse: {error}"),
    }
}

/// Settings as a deployed receiver reads them; `extra` adds variables.
///
/// # Panics
/// When the settings are invalid: the harness itself is broken.
pub fn settings(queue_url: &str, extra: &[(&str, &str)]) -> Settings {
    let lookup = |name: &str| match name {
        "SECRET_ID" => Some("fuzz".to_owned()),
        "QUEUE_URL" => Some(queue_url.to_owned()),
        _ => extra
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| (*value).to_owned()),
    };
    match Settings::from_lookup(lookup) {
        Ok(settings) => settings,
        Err(error) => panic!("fuzz settings are invalid: {error}"),
    }
}

/// Whether a delivery was signed with the receiver's key by the harness
/// (genuine) or made up by the fuzzer (forged).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Signed by the harness with the receiver's key.
    Genuine,
    /// Made up by the fuzzer, or signed but replayed outside the tolerance.
    Forged,
    /// Signed with the receiver's key, but in a shape the provider never
    /// sends (a Codat message id with spaces or non-ASCII characters, say):
    /// accepting and refusing are both right; the other invariants hold.
    SignedOddly,
}

/// Headers from the fuzzer's pairs, skipping what HTTP can't carry.
pub fn header_map<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        if let (Ok(name), Ok(value)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_bytes(value)) {
            map.append(name, value);
        }
    }
    map
}

/// A delivery in the fuzzer's hands: extra headers and a body, either kept
/// as they are (forged) or signed by the harness (genuine).
#[derive(Debug, Arbitrary)]
pub struct SchemeInput {
    /// Sign it with the receiver's key.
    pub genuine: bool,
    /// receeve: sign with RSA rather than P-256.
    pub rsa: bool,
    /// Codat: the message id.
    pub message_id: String,
    /// Codat: how far the signed timestamp is from now, in seconds.
    pub skew_secs: i16,
    /// Headers beside the signature's.
    pub headers: Vec<(String, Vec<u8>)>,
    /// Kravia and receeve: a member added to a genuine body after signing
    /// (its name, its JSON text), which the signature doesn't cover.
    pub unsigned_member: Option<(String, String)>,
    /// The body (for Kravia and receeve, the signed part of it when genuine).
    pub body: Vec<u8>,
}

/// A described scheme and a delivery for it: a preset's description, or
/// the fuzzer's own text; signed or made up; perhaps changed after signing.
#[derive(Debug, Arbitrary)]
pub struct DescribedInput {
    /// Which preset's description to start from.
    pub preset: u8,
    /// The fuzzer's description, in place of the preset's.
    pub text: Option<String>,
    /// The delivery (signed with a key the description suits when genuine).
    pub delivery: SchemeInput,
    /// A byte to change after signing: in the body (or else a header),
    /// which header, where, and to what.
    pub tamper: Option<(bool, u8, u16, u8)>,
}

/// The description `input` names: its own text, or a described preset's.
pub fn description_text(input: &DescribedInput) -> String {
    if let Some(text) = &input.text {
        return text.clone();
    }
    let described: Vec<&str> = webhook_receiver::schemes::PRESETS
        .iter()
        .filter_map(Preset::description)
        .collect();
    described
        .get(usize::from(input.preset) % described.len().max(1))
        .map_or_else(String::new, |text| (*text).to_owned())
}

/// Runs one delivery through `scheme` exactly as the receiver does (claim,
/// verify against the keys, read the event's facts, build the envelope and
/// the SQS message) and checks the invariants in the module's comment.
///
/// # Panics
/// When an invariant breaks: that is the finding.
pub fn check_delivery<S: Scheme>(
    scheme: &S,
    keys: &KeyRing<S::Key>,
    origin: Origin,
    body: &[u8],
    headers: &HeaderMap,
) -> Result<Envelope, ReceiveError> {
    let delivery = Delivery {
        body,
        headers,
        tenant: None,
        now: now(),
        timestamp_tolerance: Some(Duration::from_secs(TOLERANCE_SECS)),
    };
    let outcome = scheme
        .claim(&delivery)
        .and_then(|claim| seal(scheme, &claim, &delivery, keys, Deadline::None))
        .and_then(|sealed| {
            if let Some(reply) = &sealed.reply {
                check_reply(reply, scheme.handshakes());
            }
            check_envelope(sealed.envelope, &delivery)
        });
    match (&outcome, origin) {
        (Ok(_), Origin::Forged) => panic!("a delivery the fuzzer made up verified"),
        (Err(ReceiveError::Unauthenticated(reason)), Origin::Genuine) => {
            panic!("a genuine delivery was refused: {reason}")
        }
        _ => {}
    }
    outcome
}

/// Builds the SQS message for a verified delivery's envelope and checks
/// that the message reads back as the same envelope.
///
/// # Panics
/// When the message doesn't read back, or breaks SQS's rules.
pub fn check_envelope(envelope: Envelope, delivery: &Delivery<'_>) -> Result<Envelope, ReceiveError> {
    for fifo in [false, true] {
        let message = OutgoingMessage::new(&envelope, fifo)?;
        check_message(&envelope, delivery.body, &message);
    }
    check_entry(&envelope, &OutgoingEntry::new(&envelope)?);
    Ok(envelope)
}

/// A handshake's answer reflects nothing beyond its bounds: every string
/// it holds (the text, or any string in the JSON) is at most
/// [`MAX_ECHO_BYTES`] of [`echoable`] characters, unless it is one of the
/// literal strings `handshakes` answer with (their description's author's
/// text, not the request's).
///
/// # Panics
/// When one is not.
pub fn check_reply(reply: &Reply, handshakes: &[Handshake]) {
    let mut literals = Vec::new();
    for handshake in handshakes {
        for value in handshake.answer.values() {
            if let Value::Literal(literal) = value {
                strings(literal, &mut literals);
                literals.push(literal.to_string());
            }
        }
    }
    fn strings(value: &serde_json::Value, found: &mut Vec<String>) {
        match value {
            serde_json::Value::String(text) => found.push(text.clone()),
            serde_json::Value::Array(items) => items.iter().for_each(|item| strings(item, found)),
            serde_json::Value::Object(members) => members.values().for_each(|member| strings(member, found)),
            _ => {}
        }
    }
    let mut reflected = Vec::new();
    match &reply.body {
        ReplyBody::Empty => {}
        ReplyBody::Text(text) => reflected.push(text.clone()),
        ReplyBody::Json(json) => {
            let value: serde_json::Value = serde_json::from_str(json).expect("a JSON answer that isn't JSON");
            strings(&value, &mut reflected);
        }
    }
    for text in reflected.iter().filter(|text| !literals.contains(text)) {
        assert!(
            text.len() <= MAX_ECHO_BYTES && text.bytes().all(echoable),
            "an answer reflected {} bytes out of bounds",
            text.len()
        );
    }
}

fn check_message(envelope: &Envelope, body: &[u8], message: &OutgoingMessage) {
    let back: Envelope = match serde_json::from_str(&message.body) {
        Ok(back) => back,
        Err(error) => panic!("the message body does not read back as an envelope: {error}"),
    };
    assert_eq!(back.provider, envelope.provider);
    assert_eq!(back.event_id, envelope.event_id);
    assert_eq!(back.event_type, envelope.event_type);
    assert_eq!(back.tenant, envelope.tenant);
    if back.payload.get() != envelope.payload.get() {
        // Only characters SQS refuses may have been escaped: same JSON value.
        let sent: serde_json::Value = serde_json::from_str(back.payload.get()).unwrap_or_default();
        let original: serde_json::Value = serde_json::from_str(envelope.payload.get()).unwrap_or_default();
        assert_eq!(sent, original, "the payload changed on its way to the queue");
    }
    check_payload_is_signed(envelope, body);
    assert!(
        message.body.chars().all(sqs_accepts),
        "the message body holds a character SQS refuses"
    );
    for (name, value) in &message.attributes {
        assert!(
            value.chars().all(sqs_accepts),
            "attribute {name} holds a character SQS refuses"
        );
    }
    // SQS's limit counts the body and each attribute's name, type and value.
    let counted = message.body.len()
        + message
            .attributes
            .iter()
            .map(|(name, value)| name.len() + "String".len() + value.len())
            .sum::<usize>();
    assert_eq!(message.size, counted, "the message's size is not what SQS counts");
    assert!(message.size <= 1024 * 1024, "a message over SQS's 1 MiB limit");
    check_offloading(message);
    if let Some(fifo) = &message.fifo {
        assert!(fifo.group_id.len() <= 128 && fifo.group_id.bytes().all(|b| b.is_ascii_graphic()));
        assert!(fifo.deduplication_id.len() == 64 && fifo.deduplication_id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}

/// A bus entry is the contract's (`Source` `webhook.<provider>`,
/// `DetailType` the event type or `webhook`, `Detail` the envelope as the
/// queue would carry it), counted as EventBridge counts it, and its
/// offloaded form points to the envelope byte for byte.
fn check_entry(envelope: &Envelope, entry: &OutgoingEntry) {
    assert_eq!(entry.source, format!("webhook.{}", envelope.provider));
    match envelope.event_type.as_deref() {
        Some(event_type) if !event_type.is_empty() && event_type.chars().count() <= 128 => {
            assert_eq!(entry.detail_type, event_type)
        }
        _ => assert_eq!(entry.detail_type, "webhook"),
    }
    match envelope.to_message_body() {
        Ok(body) => assert_eq!(entry.detail, body, "the entry's detail is not the envelope"),
        Err(error) => panic!("the envelope does not serialize: {error}"),
    }
    assert_eq!(
        entry.size,
        entry.source.len() + entry.detail_type.len() + entry.detail.len(),
        "the entry's size is not what EventBridge counts"
    );
    // At worst every non-ASCII character is written out again as \uXXXX
    // (two of them beyond the Basic Multilingual Plane).
    let escaped = |text: &str| -> usize {
        text.chars()
            .map(|c| if c.is_ascii() { 1 } else { 6 * c.len_utf16() })
            .sum()
    };
    assert_eq!(
        entry.worst_size,
        entry.source.len() + escaped(&entry.detail_type) + escaped(&entry.detail),
        "the entry's worst size is not its escaped size"
    );
    let pointer = PayloadPointer {
        s3_bucket_name: "webhook-payloads".into(),
        s3_key: "kaunt/00112233445566778899aabbccddeeff.json".into(),
    };
    let (object, pointing) = match entry.clone().pointing_to(pointer.clone()) {
        Ok(parts) => parts,
        Err(error) => panic!("no pointing entry: {error}"),
    };
    assert_eq!(object, entry.detail, "the object is not the inline entry's detail");
    let detail: OffloadedDetail = match serde_json::from_str(&pointing.detail) {
        Ok(detail) => detail,
        Err(error) => panic!("the pointing entry's detail does not read back: {error}"),
    };
    assert_eq!(detail.payload_s3_pointer, pointer);
    assert_eq!(detail.header, EnvelopeHeader::of(envelope));
    assert_eq!(
        (&pointing.source, &pointing.detail_type),
        (&entry.source, &entry.detail_type)
    );
}

/// At the boundary, one byte either way, the message goes inline exactly
/// when it fits, and otherwise its pointer carries the same attributes and
/// FIFO ids while the object holds the inline body byte for byte.
fn check_offloading(message: &OutgoingMessage) {
    assert_eq!(placement(message.size, message.size, true), Placement::Inline);
    assert_eq!(placement(message.size, message.size - 1, true), Placement::Offloaded);
    assert_eq!(placement(message.size, message.size - 1, false), Placement::TooLarge);
    let pointer = PayloadPointer {
        s3_bucket_name: "webhook-payloads".into(),
        s3_key: "kaunt/00112233445566778899aabbccddeeff.json".into(),
    };
    let (object, rest) = message.clone().into_parts();
    assert_eq!(object, message.body, "the object is not the inline message's body");
    let pointing = match rest.pointing_to(&pointer, object.len()) {
        Ok(pointing) => pointing,
        Err(error) => panic!("no pointer message: {error}"),
    };
    assert_eq!(pointing.attributes, message.attributes);
    assert_eq!(pointing.fifo, message.fifo);
    assert_eq!(pointing.extended_payload_size, Some(message.body.len()));
    assert_eq!(PayloadPointer::from_message_body(&pointing.body), Some(pointer));
}

/// The queued payload holds only what the signature covers, checked with
/// the documented algorithms and the bare primitives, not the schemes.
fn check_payload_is_signed(envelope: &Envelope, body: &[u8]) {
    fn names(members: &serde_json::Map<String, serde_json::Value>) -> Vec<&str> {
        let mut names: Vec<&str> = members.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }
    let payload = envelope.payload.get();
    let members = || -> serde_json::Map<String, serde_json::Value> {
        match serde_json::from_str(payload) {
            Ok(serde_json::Value::Object(members)) => members,
            _ => panic!("the payload is not an object"),
        }
    };
    let raw_member = |name: &str| -> String {
        let raw: std::collections::HashMap<String, Box<serde_json::value::RawValue>> =
            serde_json::from_str(payload).unwrap_or_default();
        raw.get(name).map(|value| value.get().to_owned()).unwrap_or_default()
    };
    if envelope.payload_format.as_deref() == Some("form") {
        // A form's text: the body byte for byte, or, where the scheme signs
        // the sorted parameters, exactly those parameters in that order.
        let text: String = serde_json::from_str(payload).expect("a form's payload that is not a JSON string");
        if text.as_bytes() != body {
            let mut sent: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
            sent.sort();
            let queued: Vec<(String, String)> = form_urlencoded::parse(text.as_bytes()).into_owned().collect();
            assert_eq!(queued, sent, "the queued form is not the signed parameters");
        }
        return;
    }
    let MemberCount(count) = serde_json::from_str(payload).unwrap_or(MemberCount(0));
    match envelope.provider.as_str() {
        "kravia" => {
            let members = members();
            assert_eq!(
                names(&members),
                ["data", "header", "signature"],
                "an unsigned member was queued"
            );
            assert_eq!(members["header"], serde_json::json!({ "algorithm": "MD5" }));
            let keys: serde_json::Value = serde_json::from_str(secrets::KRAVIA).unwrap_or_default();
            let key = envelope
                .tenant
                .as_deref()
                .and_then(|tenant| keys[tenant].as_str())
                .unwrap_or_default();
            let data = raw_member("data");
            assert!(data.is_ascii(), "queued data holds what the digest can't see");
            let digest = Md5::digest(format!("{data}:KRAVIA::{key}").as_bytes());
            let signature = members["signature"].as_str().and_then(decode_hex).unwrap_or_default();
            assert_eq!(digest.as_slice(), signature, "the queued data is not what was signed");
        }
        "receeve" => {
            let members = members();
            assert_eq!(
                names(&members),
                ["payload", "payloadAsString", "signature"],
                "an unsigned member was queued"
            );
            assert_eq!(count, 3, "a member was queued twice");
            let signed = members["payloadAsString"].as_str().unwrap_or_default();
            let signature = members["signature"]
                .as_str()
                .and_then(decode_base64)
                .unwrap_or_default();
            let verifies = [
                (
                    &RSA_PKCS1_2048_8192_SHA256 as &'static dyn aws_lc_rs::signature::VerificationAlgorithm,
                    secrets::RECEEVE_RSA,
                ),
                (&ECDSA_P256_SHA256_ASN1, secrets::RECEEVE_EC),
            ]
            .into_iter()
            .any(|(algorithm, pem)| {
                decode_pem(pem, &["PUBLIC KEY"])
                    .ok()
                    .and_then(|der| ParsedPublicKey::new(algorithm, &der).ok())
                    .is_some_and(|key| key.verify_sig(signed.as_bytes(), &signature).is_ok())
            });
            assert!(verifies, "the queued payloadAsString is not what was signed");
            assert_eq!(
                raw_member("payload").trim(),
                signed.trim(),
                "the queued copy is not the signed text"
            );
        }
        _ => {
            let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
            assert_eq!(
                payload.as_bytes(),
                body.trim_ascii(),
                "the payload is not the body's text"
            );
        }
    }
}

/// How many members an object has, repeats included (a map would keep one
/// of each name).
struct MemberCount(usize);

impl<'de> serde::Deserialize<'de> for MemberCount {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Counter;
        impl<'de> serde::de::Visitor<'de> for Counter {
            type Value = MemberCount;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<MemberCount, M::Error> {
                let mut count = 0;
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {
                    count += 1;
                }
                Ok(MemberCount(count))
            }
        }
        deserializer.deserialize_map(Counter)
    }
}

/// SQS's character rule, written out independently of the library's.
fn sqs_accepts(c: char) -> bool {
    matches!(u32::from(c), 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Runs a whole request through `scheme`'s receiver path with the network
/// taken out ([`receive_offline`]: the steps the receiver runs, with `keys`
/// standing in for the key cache). Whatever the request holds, the answer
/// is a 2xx or a 4xx: with good keys and no network, nothing is the
/// server's fault.
///
/// # Panics
/// When the answer would be a 5xx, or the message breaks an invariant.
pub fn receive_request<S: Scheme>(
    scheme: &S,
    keys: &KeyRing<S::Key>,
    settings: &Settings,
    request: &lambda_http::Request,
) -> Option<Envelope> {
    match receive_offline(scheme, settings, request, keys, now()) {
        Ok(received) => {
            match &received.message {
                Outgoing::Message(message) => check_message(&received.envelope, request.body().as_ref(), message),
                Outgoing::Entry(entry) => check_entry(&received.envelope, entry),
            }
            if let Some(reply) = &received.reply {
                check_reply(reply, scheme.handshakes());
            }
            Some(received.envelope)
        }
        Err(error) => {
            let status = refused(&error).status();
            assert!(status.is_client_error(), "answered {status} without any network");
            None
        }
    }
}

/// The request the receivers read from an event ([`read_event`]),
/// or `None` where there is none. That reader catches the panics
/// `lambda_http` has on events API Gateway never sends (a body flagged
/// base64 that isn't, a `Host` that doesn't make a URL); libFuzzer's hook
/// would abort on them even so, so it is set aside for the one call, and
/// the target keeps looking for panics of ours.
pub fn request_from_event(event: &str) -> Option<lambda_http::Request> {
    let libfuzzer_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let converted = std::panic::catch_unwind(|| read_event(event));
    std::panic::set_hook(libfuzzer_hook);
    match converted {
        Ok(read) => read.ok()?.into_request(),
        Err(_) => panic!("reading an event panicked through the reader"),
    }
}

/// A provider's URL check (`GET` and `HEAD`) carrying `value` as every
/// challenge and token a preset reads, through `scheme`'s unsigned
/// handshakes: answered within the bounds, or refused with a 4xx.
///
/// # Panics
/// When an answer reflects more, or a refusal isn't a 4xx.
pub fn check_unsigned_handshakes<S: Scheme>(scheme: &S, value: &str, headers: &HeaderMap) {
    let query = lambda_http::aws_lambda_events::query_map::QueryMap::from(std::collections::HashMap::from(
        ["hub.mode", "hub.challenge", "hub.verify_token", "challenge"].map(|name| {
            let value = if name == "hub.mode" { "subscribe" } else { value };
            (name.to_owned(), value.to_owned())
        }),
    ));
    for method in [lambda_http::http::Method::GET, lambda_http::http::Method::HEAD] {
        let seen = Seen {
            method: &method,
            query: Some(&query),
            headers,
            body: b"",
        };
        let Some(found) = handshake::unsigned(scheme.handshakes(), &seen) else {
            continue;
        };
        match handshake::unsigned_reply(found, &seen) {
            Ok(reply) => check_reply(&reply, scheme.handshakes()),
            Err(error) => {
                let status = refused(&error).status();
                assert!(status.is_client_error(), "a URL check answered {status}");
            }
        }
    }
}
