//! Property tests for every preset's verifier: a genuine delivery
//! verifies, any single changed byte of body, signature, timestamp or id
//! is refused, a different key is refused, an unsigned member added to a
//! body signed in part never reaches the queue, and no input of any shape
//! makes a verifier panic. (These sign with the library's own signer; the
//! integration tests prove the verifiers against the providers' signers.)

use proptest::prelude::*;

use super::test_support::{check, header_map, NOW};
use super::{AnyScheme, Preset, Scheme, Verified, PRESETS};
use crate::codec::encoding::encode_base64;
use crate::codec::json::reader::same_ignoring_case;
use crate::codec::pem::decode_pem;
use crate::error::ReceiveError;
use crate::pipeline::receive_offline;
use crate::schemes::keys::{KeyRing, SecretText};
use crate::schemes::signing::{self, Sign};

const RSA_PRIVATE: &str = include_str!("../../testdata/rsa-private.pem");
const RSA_PUBLIC: &str = include_str!("../../testdata/rsa-public.pem");
const OTHER_RSA_PUBLIC: &str = include_str!("../../../events/test-keys/receeve-public.pem");
const EC_PRIVATE: &str = include_str!("../../testdata/ec-private.pem");
const EC_PUBLIC: &str = include_str!("../../testdata/ec-public.pem");
const OTHER_EC_PUBLIC: &str = include_str!("../../testdata/ec-other-public.pem");
const ED25519_PRIVATE: &str = include_str!("../../testdata/ed25519-signing-private.pem");
const ED25519_PUBLIC: &str = include_str!("../../testdata/ed25519-signing-public.pem");
const OTHER_ED25519_PUBLIC: &str = include_str!("../../testdata/ed25519-public.pem");

/// The URL the `{url}` presets are given.
const SIGNED_URL: &str = "https://hooks.example.com/webhooks/square";

/// A preset's scheme, as a receiver with `SIGNED_URL` set makes it.
fn scheme(name: &str) -> AnyScheme {
    let lookup = |setting: &str| (setting == "SIGNED_URL").then(|| SIGNED_URL.to_owned());
    Preset::named(name).unwrap().scheme(lookup).unwrap()
}

/// A delivery as its provider sends it.
#[derive(Debug, Clone)]
struct Signed {
    body: Vec<u8>,
    headers: Vec<(String, String)>,
    /// Body bytes whose letter case the scheme ignores on purpose (Kravia's
    /// hex digest and `MD5`): flipping it spells the same proof.
    case_free: Vec<std::ops::Range<usize>>,
}

/// The secret a receiver holds for `preset`, derived from `seed`.
fn secret(preset: &str, seed: &str) -> String {
    let der_base64 = |pem: &str| encode_base64(&decode_pem(pem, &["PUBLIC KEY"]).unwrap());
    match (preset, seed) {
        ("codat" | "standard-webhooks" | "svix" | "clerk" | "resend", _) => {
            format!("whsec_{}", encode_base64(format!("key-{seed}").as_bytes()))
        }
        ("airtable", _) => encode_base64(format!("mac-secret-{seed}").as_bytes()),
        // receeve and Wise sign with the RSA test key; the other seed is
        // another key of the same kind.
        ("receeve", "a") => RSA_PUBLIC.to_owned(),
        ("receeve", _) => EC_PUBLIC.to_owned(),
        ("wise", "a") => RSA_PUBLIC.to_owned(),
        ("wise", _) => OTHER_RSA_PUBLIC.to_owned(),
        ("sendgrid", "a") => der_base64(EC_PUBLIC),
        ("sendgrid", _) => der_base64(OTHER_EC_PUBLIC),
        // Discord's public key: 64 hex digits, the last 32 bytes of the DER.
        ("discord", seed) => {
            let pem = if seed == "a" {
                ED25519_PUBLIC
            } else {
                OTHER_ED25519_PUBLIC
            };
            let der = decode_pem(pem, &["PUBLIC KEY"]).unwrap();
            crate::codec::encoding::encode_hex(&der[der.len() - 32..])
        }
        _ => format!("secret-{seed}"),
    }
}

/// A genuine delivery of `preset` carrying `note`, signed with `seed`'s
/// key by the scheme's own signer.
fn sign(preset: &str, seed: &str, note: &str, id: u32) -> Signed {
    let key = match preset {
        "receeve" | "wise" => RSA_PRIVATE.to_owned(),
        "sendgrid" => EC_PRIVATE.to_owned(),
        "discord" => ED25519_PRIVATE.to_owned(),
        _ => secret(preset, seed),
    };
    let note = serde_json::to_string(note).unwrap();
    let form = |note: &str| {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("MessageSid", &format!("SM{id}"))
            .append_pair("Body", note)
            .append_pair("To", "+15558675310")
            .finish()
    };
    let input = match preset {
        "twilio" | "mandrill" => form(&serde_json::from_str::<String>(&note).unwrap()),
        "kravia" => format!(r#"{{"timestamp":{id},"eventType":"CaseUpdate","note":{note}}}"#),
        "receeve" => format!(r#"{{"details":{{"messageType":"t"}},"messageId":"m-{id}","note":{note}}}"#),
        _ => format!(r#"{{"id":"evt_{id}","type":"t","event":"e","data":{{"note":{note}}}}}"#),
    };
    let msg_id = format!("msg_{id}");
    let message = signing::Message {
        id: &msg_id,
        timestamp: NOW,
    };
    let signed = scheme(preset).sign(&key, input.as_bytes(), &message).unwrap();
    let body = String::from_utf8(signed.body).unwrap();
    // Kravia's hex digest and `MD5` are read in any letter case.
    let case_free = match preset {
        "kravia" => {
            let value_of = |field: &str| {
                let parsed: serde_json::Value = serde_json::from_str(&body).unwrap();
                let value = parsed.pointer(field).unwrap().as_str().unwrap().to_owned();
                let start = body.find(&format!("\"{value}\"")).unwrap() + 1;
                start..start + value.len()
            };
            vec![value_of("/header/algorithm"), value_of("/signature")]
        }
        _ => vec![],
    };
    Signed {
        body: body.into_bytes(),
        headers: signed.headers,
        case_free,
    }
}

/// Verifies with `preset`'s scheme and the secret of `seed`.
fn verify(preset: &str, seed: &str, body: &[u8], headers: &[(String, String)]) -> Result<Verified, ReceiveError> {
    let secret = secret(preset, seed);
    let headers = header_map(headers);
    check(&scheme(preset), &secret, body, &headers, NOW)
}

/// `request` through `scheme`'s whole path but the network, with the
/// secret of seed `a`.
fn receive<S: Scheme>(
    scheme: &S,
    settings: &crate::config::Settings,
    request: &lambda_http::Request,
) -> Result<(), ReceiveError> {
    let secret = SecretText::new(secret(scheme.provider(), "a"));
    let ring = KeyRing::parse(&secret, None, |key| scheme.parse_key(key)).unwrap();
    let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(NOW);
    receive_offline(scheme, settings, request, &ring, now).map(|_| ())
}

/// Body changes that are not changes to what is proven, for Kravia only:
/// flipping the letter case of the hex digest or of `MD5` spells the same
/// proof (accepted on purpose); and Kravia's .NET ASCII encoding folds
/// every non-ASCII character to `?`, so a byte inside one is not covered by
/// its digest (the scheme's documented blind spot). Every other preset
/// signs the whole body, byte for byte.
fn same_proof_in_body(preset: &str, signed: &Signed, at: usize, new: u8) -> bool {
    let old = signed.body[at];
    let case_flip = old != new && old.eq_ignore_ascii_case(&new);
    let case_free = signed.case_free.iter().any(|range| range.contains(&at));
    // A form's sorted parameters are signed, not their spelling: the hex
    // digits of a `%XX` escape in either case are the same byte.
    let in_escape = (1..=2).any(|back| at.checked_sub(back).is_some_and(|start| signed.body[start] == b'%'));
    match preset {
        "kravia" => !old.is_ascii() || (case_flip && case_free),
        "twilio" | "mandrill" => case_flip && in_escape,
        _ => false,
    }
}

/// Header changes that are not changes to what is proven: the letter case
/// of a hex signature or of a signature's prefix (`sha256=`, `v0=`), which
/// are read in either case. Base64, ids, timestamps and list entries'
/// names are case-sensitive.
fn same_proof_in_header(preset: &str, name: &str, value: &str, at: usize, new: u8) -> bool {
    let old = value.as_bytes()[at];
    let description = Preset::named(preset).and_then(Preset::description).unwrap_or_default();
    let scheme = scheme(preset);
    if old == new
        || !old.eq_ignore_ascii_case(&new)
        || !description.contains(r#""hex""#)
        || name != scheme.signature_headers()[0]
    {
        return false;
    }
    if !description.contains(r#""list""#) {
        return true;
    }
    // A list of `name=value` entries: only a signature entry's value is hex.
    let separator = if description.contains(r#""separator": ";""#) {
        ';'
    } else {
        ','
    };
    let start = value[..at].rfind(separator).map_or(0, |at| at + 1);
    let entry = &value[start..];
    let signature_entry = entry.starts_with("v1=") || entry.starts_with("h1=");
    signature_entry && at >= start + 3
}

/// Every preset.
fn preset() -> impl Strategy<Value = &'static str> {
    prop::sample::select(PRESETS.map(|preset| preset.name).to_vec())
}

/// The presets whose signatures are in headers.
fn described() -> impl Strategy<Value = &'static str> {
    let names: Vec<&str> = PRESETS
        .iter()
        .filter(|preset| preset.description().is_some())
        .map(|preset| preset.name)
        .collect();
    prop::sample::select(names)
}

/// Every header a preset reads, and one none does.
fn header_name() -> impl Strategy<Value = String> {
    let mut names: Vec<String> = PRESETS
        .iter()
        .flat_map(|preset| scheme(preset.name).signature_headers().to_vec())
        .collect();
    names.push("content-type".to_owned());
    prop::sample::select(names)
}

/// The members Kravia and receeve read, in any letter case, or other names
/// (some with the characters parsers fold into ASCII letters).
fn member_name() -> impl Strategy<Value = String> {
    let known = prop::sample::select(vec!["header", "data", "signature", "payload", "payloadAsString"]);
    let recased = (known, prop::collection::vec(any::<bool>(), 16)).prop_map(|(name, flips)| {
        name.chars()
            .zip(flips.into_iter().chain(std::iter::repeat(false)))
            .map(|(c, flip)| if flip { c.to_ascii_uppercase() } else { c })
            .collect::<String>()
    });
    prop_oneof![recased, "[a-zA-Zſıß\\u{212A}_]{1,16}"]
}

/// Values a replayer could add, and whether every parser reads them alike:
/// plain ones, and ones some parsers can't (deep nesting, a lone
/// surrogate, a repeated key).
fn member_value() -> impl Strategy<Value = (String, bool)> {
    prop_oneof![
        Just((r#"{"claimId":666,"eventType":"CaseClosed"}"#.to_owned(), true)),
        Just((
            r#"{"details":{"messageType":"x"},"messageId":"m","claimRef":"ATTACKER","amount":999999}"#.to_owned(),
            true
        )),
        Just((r#""text""#.to_owned(), true)),
        Just(("[1,2,null]".to_owned(), true)),
        Just((format!("{}1{}", "[".repeat(5000), "]".repeat(5000)), false)),
        Just((r#""\ud800""#.to_owned(), false)),
        Just((r#"{"a":1,"a":2}"#.to_owned(), false)),
    ]
}

fn note() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 éü😀\"\\\\]{0,24}"
}

// 256 cases each by default; PROPTEST_CASES=20000 for a longer run.
proptest! {
    #[test]
    fn genuine_deliveries_verify(preset in preset(), note in note(), id in 0u32..1_000_000) {
        let signed = sign(preset, "a", &note, id);
        prop_assert!(verify(preset, "a", &signed.body, &signed.headers).is_ok());
    }

    #[test]
    fn any_changed_body_byte_is_refused(
        preset in preset(), note in note(), id in 0u32..1_000_000, position in any::<prop::sample::Index>(), byte in any::<u8>(),
    ) {
        let signed = sign(preset, "a", &note, id);
        let mut body = signed.body.clone();
        let at = position.index(body.len());
        prop_assume!(body[at] != byte && !same_proof_in_body(preset, &signed, at, byte));
        body[at] = byte;
        prop_assert!(verify(preset, "a", &body, &signed.headers).is_err());
    }

    #[test]
    fn any_changed_signature_timestamp_or_id_byte_is_refused(
        preset in described(), note in note(), id in 0u32..1_000_000, which in any::<prop::sample::Index>(),
        position in any::<prop::sample::Index>(), byte in 0x21u8..0x7f,
    ) {
        let signed = sign(preset, "a", &note, id);
        let mut headers = signed.headers.clone();
        let header = which.index(headers.len());
        let mut value = headers[header].1.clone().into_bytes();
        let at = position.index(value.len());
        prop_assume!(value[at] != byte && !same_proof_in_header(preset, &headers[header].0, &headers[header].1, at, byte));
        value[at] = byte;
        headers[header].1 = String::from_utf8(value).unwrap();
        prop_assert!(verify(preset, "a", &signed.body, &headers).is_err(), "{:?}", headers[header]);
    }

    #[test]
    fn a_different_key_is_refused(preset in preset(), note in note(), id in 0u32..1_000_000) {
        let signed = sign(preset, "a", &note, id);
        prop_assert!(verify(preset, "b", &signed.body, &signed.headers).is_err());
    }

    #[test]
    fn an_unsigned_member_never_reaches_the_queue(
        receeve in any::<bool>(), note in note(), id in 0u32..1_000_000,
        name in member_name(), (value, readable) in member_value(),
    ) {
        let provider = if receeve { "receeve" } else { "kravia" };
        let known: &[&str] = if receeve { &["payload", "signature", "payloadAsString"] } else { &["header", "data", "signature"] };
        let signed = sign(provider, "a", &note, id);
        let queued = verify(provider, "a", &signed.body, &signed.headers).unwrap().facts.signed_payload;
        let body = String::from_utf8(signed.body).unwrap();
        let member = format!("{}:{value}", serde_json::to_string(&name).unwrap());
        let replayed = body.replacen('{', &format!("{{{member},"), 1);
        let collides = known.iter().any(|known| same_ignoring_case(&name, known));
        match verify(provider, "a", replayed.as_bytes(), &signed.headers) {
            // Accepted only when harmless, and then queued as if it weren't there.
            Ok(verified) => {
                prop_assert!(readable && !collides, "{} passed", name);
                prop_assert_eq!(verified.facts.signed_payload, queued);
            }
            // Refused only when it must be: a provider's new field costs nothing.
            Err(error) => {
                prop_assert!(matches!(error, ReceiveError::Malformed(_)), "{:?}", error);
                prop_assert!(!readable || collides, "{} refused: {:?}", name, error);
            }
        }
    }

    #[test]
    fn no_input_makes_a_verifier_panic(
        body in prop::collection::vec(any::<u8>(), 0..600),
        headers in prop::collection::vec((header_name(), "[ -~]{0,90}"), 0..6),
    ) {
        for preset in PRESETS {
            let _ = verify(preset.name, "a", &body, &headers);
        }
    }

    /// Requests as API Gateway, function URLs and ALB deliver them: any
    /// text, or any bytes base64-encoded, with any of the headers a scheme
    /// reads holding anything, through every provider's whole path but
    /// the network (`receiver::receive_offline`: the key-free checks,
    /// verification, the envelope and the SQS message). (Events that claim
    /// base64 but aren't are `lambda_event`'s to refuse, tested there; the
    /// `request` fuzz target covers whole events, including those.)
    #[test]
    fn no_body_headers_or_encoding_flag_make_request_handling_panic(
        text in "\\PC{0,200}", bytes in prop::collection::vec(any::<u8>(), 0..200), base64 in any::<bool>(),
        headers in prop::collection::btree_map(header_name(), "[ -~]{0,90}", 0..6),
    ) {
        let body = if base64 { crate::codec::encoding::encode_base64(&bytes) } else { text };
        let event = serde_json::json!({
            "version": "2.0", "routeKey": "POST /webhooks/any", "rawPath": "/webhooks/any", "rawQueryString": "",
            "headers": headers,
            "requestContext": { "accountId": "1", "apiId": "a", "domainName": "d", "domainPrefix": "d",
                "http": { "method": "POST", "path": "/webhooks/any", "protocol": "HTTP/1.1", "sourceIp": "203.0.113.1", "userAgent": "t" },
                "requestId": "r", "routeKey": "POST /webhooks/any", "stage": "$default", "time": "t", "timeEpoch": 0 },
            "body": body, "isBase64Encoded": base64,
        });
        let request = crate::lambda::event::read(&event.to_string()).ok().and_then(|read| read.into_request());
        prop_assert!(request.is_some(), "API Gateway's event shape must parse");
        if let Some(request) = request {
            let settings = crate::config::Settings::from_lookup(|name| {
                matches!(name, "SECRET_ID" | "QUEUE_URL").then(|| format!("{name}-value"))
            })
            .unwrap();
            for preset in PRESETS {
                let _ = receive(&scheme(preset.name), &settings, &request);
            }
        }
    }
}

/// A signed handshake of `preset` (Zoom's URL validation, Slack's
/// `url_verification`) with `token` where its provider puts the value to
/// echo, signed with seed `a`'s key.
fn signed_handshake(preset: &str, token: &str) -> Signed {
    let token = serde_json::to_string(token).unwrap();
    let body = match preset {
        "zoom" => format!(r#"{{"payload":{{"plainToken":{token}}},"event":"endpoint.url_validation"}}"#),
        _ => format!(r#"{{"token":"t","challenge":{token},"type":"url_verification"}}"#),
    };
    let message = signing::Message {
        id: "msg_1",
        timestamp: NOW,
    };
    let signed = scheme(preset)
        .sign(&secret(preset, "a"), body.as_bytes(), &message)
        .unwrap();
    Signed {
        body: signed.body,
        headers: signed.headers,
        case_free: Vec::new(),
    }
}

/// Whether `text` is what a handshake may echo.
fn echoable_text(text: &str) -> bool {
    use super::handshake::{echoable, MAX_ECHO_BYTES};
    !text.is_empty() && text.len() <= MAX_ECHO_BYTES && text.bytes().all(echoable)
}

/// Tokens of every kind: any text, and the characters a token is made of
/// at every length around the bound.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,40}",
        "[a-zA-Z0-9._~+/=-]{1,300}",
        "[a-zA-Z0-9<>\"' &;:%-]{1,40}"
    ]
}

proptest! {
    #[test]
    fn a_signed_handshake_echoes_a_bounded_token_or_nothing_and_no_changed_byte_is_answered(
        zoom in any::<bool>(), token in token(), position in any::<prop::sample::Index>(), byte in any::<u8>(),
    ) {
        use super::handshake::ReplyBody;
        let preset = if zoom { "zoom" } else { "slack" };
        let signed = signed_handshake(preset, &token);
        match verify(preset, "a", &signed.body, &signed.headers) {
            Ok(verified) => {
                prop_assert!(echoable_text(&token), "{:?} echoed", token);
                let reply = verified.reply.unwrap();
                prop_assert!(!reply.queue);
                let ReplyBody::Json(json) = reply.body else { panic!("{reply:?}") };
                let answer: serde_json::Value = serde_json::from_str(&json).unwrap();
                let echoed = if zoom { &answer["plainToken"] } else { &answer["challenge"] };
                prop_assert_eq!(echoed.as_str(), Some(token.as_str()));
                if zoom {
                    prop_assert!(answer["encryptedToken"].as_str().is_some_and(|hmac| hmac.len() == 64));
                }
            }
            Err(error) => {
                prop_assert!(!echoable_text(&token), "{:?} refused: {:?}", token, error);
                prop_assert!(matches!(error, ReceiveError::Malformed(_)), "{:?}", error);
            }
        }
        let mut body = signed.body.clone();
        let at = position.index(body.len());
        prop_assume!(body[at] != byte);
        body[at] = byte;
        prop_assert!(verify(preset, "a", &body, &signed.headers).is_err());
    }

    #[test]
    fn an_unsigned_handshake_echoes_a_bounded_challenge_or_nothing(
        meta in any::<bool>(), challenge in token(), mode in prop::sample::select(vec!["subscribe", "unsubscribe", ""]),
    ) {
        use super::handshake::{self, ReplyBody, Seen};
        use lambda_http::aws_lambda_events::query_map::QueryMap;
        let (preset, parameter) = if meta { ("meta", "hub.challenge") } else { ("dropbox", "challenge") };
        let query = QueryMap::from(std::collections::HashMap::from([
            ("hub.mode".to_owned(), mode.to_owned()),
            (parameter.to_owned(), challenge.clone()),
        ]));
        let headers = lambda_http::http::HeaderMap::new();
        let seen = Seen { method: &lambda_http::http::Method::GET, query: Some(&query), headers: &headers, body: b"" };
        let scheme = scheme(preset);
        let Some(found) = handshake::unsigned(scheme.handshakes(), &seen) else {
            prop_assert!(meta && mode != "subscribe");
            return Ok(());
        };
        match handshake::unsigned_reply(found, &seen) {
            Ok(reply) => {
                prop_assert!(echoable_text(&challenge), "{:?} echoed", challenge);
                prop_assert_eq!(reply.body, ReplyBody::Text(challenge));
            }
            Err(error) => {
                prop_assert!(!echoable_text(&challenge));
                prop_assert!(matches!(error, ReceiveError::Malformed(_)));
            }
        }
    }
}
