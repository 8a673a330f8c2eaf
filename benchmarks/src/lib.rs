//! What the benchmarks measure, built once per case: a genuine delivery of
//! a given body size as the Lambda event API Gateway sends, the receiver's
//! keys and settings, and the bare cryptographic primitive the provider's
//! scheme rests on, over the same bytes.
// Benchmark setup, not a function: a broken fixture should stop the run.
#![allow(clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{ParsedPublicKey, ECDSA_P256_SHA256_ASN1, RSA_PKCS1_2048_8192_SHA256};
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha2::Sha256;
use sign_event::{api_gateway_event, EventOptions, Message, TestKeys};
use webhook_receiver::internals::decode_pem;
use webhook_receiver::internals::{decode_base64, decode_hex};
use webhook_receiver::schemes::keys::{KeyRing, SecretText};
use webhook_receiver::schemes::Scheme;
use webhook_receiver::Settings;

/// The signing time of every case (Codat checks it against "now").
pub const NOW_SECS: u64 = 1_795_406_400;

/// [`NOW_SECS`] as a time.
pub fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

/// Which receeve key signs: its two schemes cost very differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceeveKey {
    /// RSA-2048, PKCS#1 v1.5.
    Rsa2048,
    /// ECDSA P-256.
    P256,
}

/// One benchmark case.
pub struct Case {
    /// The Lambda event's JSON text, as the runtime hands it over.
    pub event: String,
    /// The body inside it.
    pub body: Vec<u8>,
    /// The secret the receiver holds for it.
    pub secret: String,
    /// The receiver's settings.
    pub settings: Settings,
    /// The bare primitive over the same bytes (see [`Primitive`]).
    pub primitive: Primitive,
}

/// A provider's cryptography alone, keyed and ready, over exactly the bytes
/// its scheme verifies.
pub enum Primitive {
    /// HMAC-SHA256 of `message` (preset("kaunt"), Smart KYC: the body; Codat: `id.timestamp.body`).
    HmacSha256 {
        /// The MAC key.
        key: Vec<u8>,
        /// The signed bytes.
        message: Vec<u8>,
        /// The MAC the delivery carries.
        expected: Vec<u8>,
    },
    /// MD5 of `message` (Kravia: data, separator and key).
    Md5 {
        /// The hashed bytes.
        message: Vec<u8>,
        /// The digest the delivery carries.
        expected: Vec<u8>,
    },
    /// A public-key signature check (receeve: over `payloadAsString`).
    Signature {
        /// The parsed public key.
        key: ParsedPublicKey,
        /// The signed bytes.
        message: Vec<u8>,
        /// The signature.
        signature: Vec<u8>,
    },
}

impl Primitive {
    /// Runs the primitive once; `true` when it agrees the bytes are signed:
    /// the MAC or digest equals the one the delivery carries, or the
    /// signature verifies. So a case whose primitive ran over other bytes
    /// than the scheme verifies cannot pass unnoticed.
    pub fn run(&self) -> bool {
        match self {
            Primitive::HmacSha256 { key, message, expected } => Hmac::<Sha256>::new_from_slice(key)
                .is_ok_and(|mac| black_box(mac.chain_update(message).finalize().into_bytes()).as_slice() == expected),
            Primitive::Md5 { message, expected } => black_box(Md5::digest(message)).as_slice() == expected,
            Primitive::Signature {
                key,
                message,
                signature,
            } => key.verify_sig(message, signature).is_ok(),
        }
    }
}

/// Kravia with many creditors on a route without a tenant, where every key
/// may be tried: a genuine delivery signed with the last creditor's
/// current key, and a forgery of the same size that no key made, both with
/// the costliest `data` to verify.
pub struct ManyKeys {
    /// The receiver's keys: each creditor's current and previous key.
    pub keys: KeyRing<<webhook_receiver::schemes::Kravia as Scheme>::Key>,
    /// The genuine delivery's Lambda event.
    pub genuine: String,
    /// The forgery's Lambda event.
    pub forged: String,
    /// The receiver's settings.
    pub settings: Settings,
}

/// A [`ManyKeys`] case with `creditors` creditors and bodies of about
/// `body_bytes`.
///
/// # Panics
/// When signing fails: the benchmark setup is broken.
pub fn kravia_many_keys(creditors: usize, body_bytes: usize) -> ManyKeys {
    let secret = |stage: &str| {
        let keys: serde_json::Map<String, serde_json::Value> = (0..creditors)
            .map(|n| {
                (
                    format!("creditor-{n}"),
                    format!("{stage}-secret-of-creditor-{n}").into(),
                )
            })
            .collect();
        SecretText::new(serde_json::Value::Object(keys).to_string())
    };
    let scheme = webhook_receiver::schemes::Kravia;
    let keys = KeyRing::parse(&secret("current"), Some(&secret("previous")), |text| {
        scheme.parse_key(text)
    })
    .unwrap_or_else(|error| panic!("keys: {error}"));
    // The costliest `data` to verify: spaced (so its compact form is
    // tried too) and not ASCII (so it is folded).
    let data = format!(
        r#"{{ "timestamp": 1, "eventType": "CaseUpdate", "claimId": 7, "note": "{}" }}"#,
        "é x ".repeat(body_bytes.saturating_sub(200) / 5)
    );
    let last = format!("current-secret-of-creditor-{}", creditors.saturating_sub(1));
    let event = |key: &str| {
        let options = Message {
            id: "",
            timestamp: NOW_SECS,
        };
        let kravia = sign_event::preset_scheme("kravia", "").expect("the kravia preset");
        let signed = sign_event::sign(&kravia, key, &data, &options).expect("signing");
        let options = EventOptions {
            tenant: None,
            base64_body: false,
            request_id: "bench",
        };
        api_gateway_event(&signed, &options).to_string()
    };
    ManyKeys {
        keys,
        genuine: event(&last),
        forged: event("a-key-no-creditor-has"),
        settings: case("kravia", ReceeveKey::Rsa2048, 1024).settings,
    }
}

/// Test keys as `events/` uses them.
pub fn test_keys() -> TestKeys {
    TestKeys::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../events/test-keys"))
}

/// The receiver's keys for `scheme` from `secret`.
///
/// # Panics
/// When the test key doesn't parse.
pub fn key_ring<S: Scheme>(scheme: &S, secret: &str) -> KeyRing<S::Key> {
    KeyRing::parse(&SecretText::new(secret.trim()), None, |text| scheme.parse_key(text))
        .unwrap_or_else(|error| panic!("test key does not parse: {error}"))
}

/// A case for `provider` whose body is about `body_bytes` long.
///
/// # Panics
/// When a test key or the signing fails: the benchmark setup is broken.
pub fn case(provider: &str, receeve_key: ReceeveKey, body_bytes: usize) -> Case {
    let keys = test_keys();
    let scheme = sign_event::preset_scheme(provider, sign_event::SAMPLE_SIGNED_URL).expect("a preset");
    let input_with = |padding: &str| match provider {
        "kravia" => format!(r#"{{"timestamp":1,"eventType":"CaseUpdate","claimId":7,"note":"{padding}"}}"#),
        "receeve" => {
            format!(r#"{{"details":{{"messageType":"event.claim.updated.v1"}},"messageId":"m-1","note":"{padding}"}}"#)
        }
        "smartkyc" => {
            format!(r#"{{"event":"submission.updated","data":{{"submissionId":"s-1","note":"{padding}"}}}}"#)
        }
        "codat" => format!(r#"{{"eventType":"read.completed","id":"c-1","note":"{padding}"}}"#),
        _ => format!(r#"{{"Id":"k-1","EventType":"ModelReady","Note":"{padding}"}}"#),
    };
    let (signing_key, secret) = match (provider, receeve_key) {
        ("receeve", ReceeveKey::P256) => (
            include_str!("../../shared/testdata/ec-private.pem").to_owned(),
            include_str!("../../shared/testdata/ec-public.pem").to_owned(),
        ),
        _ => (
            keys.signing_key(provider, None).expect("test signing key"),
            keys.secret(provider).expect("test secret"),
        ),
    };
    let options = Message {
        id: "msg_bench_1",
        timestamp: NOW_SECS,
    };
    let sign = |input: &str| sign_event::sign(&scheme, &signing_key, input, &options).expect("signing");
    // receeve's body carries the payload twice (as JSON and as a string).
    let copies = if provider == "receeve" { 2 } else { 1 };
    let bare = sign(&input_with("")).body.len();
    let input = input_with(&"x".repeat(body_bytes.saturating_sub(bare) / copies));
    let signed = sign(&input);
    let tenant = (provider == "kravia").then_some("acme");
    let event = api_gateway_event(
        &signed,
        &EventOptions {
            tenant,
            base64_body: false,
            request_id: "bench",
        },
    );
    // The scheme's signer puts the signature last (Codat's after its id
    // and timestamp), under the header name only the scheme knows.
    let signature_header = || {
        signed
            .headers
            .last()
            .map(|(_, value)| value.clone())
            .unwrap_or_else(|| panic!("{provider}: no signature header"))
    };
    let hex = |text: &str| decode_hex(text).expect("hex signature");
    let primitive = match provider {
        "kravia" => {
            let mut message = input.clone().into_bytes();
            message.extend_from_slice(b":KRAVIA::");
            message.extend_from_slice(signing_key.as_bytes());
            let body: serde_json::Value = serde_json::from_str(&signed.body).expect("Kravia body");
            let expected = hex(body["signature"].as_str().expect("Kravia signature"));
            Primitive::Md5 { message, expected }
        }
        "receeve" => {
            let labels = ["PUBLIC KEY"];
            let der = decode_pem(&secret, &labels).expect("public key PEM");
            let algorithm: &'static dyn aws_lc_rs::signature::VerificationAlgorithm = match receeve_key {
                ReceeveKey::Rsa2048 => &RSA_PKCS1_2048_8192_SHA256,
                ReceeveKey::P256 => &ECDSA_P256_SHA256_ASN1,
            };
            let body: serde_json::Value = serde_json::from_str(&signed.body).expect("receeve body");
            let signature = body["signature"].as_str().and_then(decode_base64).expect("signature");
            Primitive::Signature {
                key: ParsedPublicKey::new(algorithm, &der).expect("public key"),
                message: input.into_bytes(),
                signature,
            }
        }
        "codat" => {
            let key = decode_base64(signing_key.trim_start_matches("whsec_")).expect("Codat key");
            let message = format!("msg_bench_1.{NOW_SECS}.{input}").into_bytes();
            let signature = signature_header();
            let expected = signature
                .strip_prefix("v1,")
                .and_then(decode_base64)
                .expect("Codat signature");
            Primitive::HmacSha256 { key, message, expected }
        }
        _ => Primitive::HmacSha256 {
            key: signing_key.into_bytes(),
            message: input.into_bytes(),
            expected: hex(&signature_header()),
        },
    };
    let settings = Settings::from_lookup(|name| match name {
        "SECRET_ID" => Some("bench".to_owned()),
        "QUEUE_URL" => Some("https://sqs.eu-west-1.amazonaws.com/123456789012/webhooks".to_owned()),
        _ => None,
    })
    .unwrap_or_else(|error| panic!("settings: {error}"));
    Case {
        event: event.to_string(),
        body: signed.body.into_bytes(),
        secret,
        settings,
        primitive,
    }
}
