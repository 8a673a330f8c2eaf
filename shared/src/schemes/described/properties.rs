//! Property tests for described schemes: no description, valid or not, and
//! no delivery makes reading or verifying panic; and for every description
//! the generator can make (each syntax, algorithm, encoding, key form and
//! template), a delivery signed as it says verifies, while any single
//! changed byte of its body, signature, timestamp or id, or another key,
//! is refused.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::Described;
use crate::schemes::signing::{Message, Sign};
use crate::schemes::test_support::{check, header_map, NOW};
use crate::schemes::Scheme;

const SIGNED_URL: &str = "https://hooks.example.com/in";

/// Keys for an algorithm: (what the secret holds, what signs, another
/// signing key), in the key form the description says.
fn keys(algorithm: &str, form: &str) -> (String, String, String) {
    let pem = |name: &str| include_str_testdata(name);
    match algorithm {
        "ed25519" => (
            pem("ed25519-signing-public.pem"),
            pem("ed25519-signing-private.pem"),
            pem("ed25519-other-private.pem"),
        ),
        "rsa-pkcs1-sha256" => (pem("rsa-public.pem"), pem("rsa-private.pem"), RSA_OTHER.to_owned()),
        "ecdsa-p256-sha256" => (pem("ec-public.pem"), pem("ec-private.pem"), pem("ec-other-private.pem")),
        _ => {
            let written = |text: &str| match form {
                "base64" => crate::codec::encoding::encode_base64(text.as_bytes()),
                "hex" => crate::codec::encoding::encode_hex(text.as_bytes()),
                _ => text.to_owned(),
            };
            (written("property-key"), written("property-key"), written("another-key"))
        }
    }
}

const RSA_OTHER: &str = include_str!("../../../../events/test-keys/receeve-private.pem");

fn include_str_testdata(name: &str) -> String {
    let path = format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

/// A description the generator makes, and what it chose.
#[derive(Debug, Clone)]
struct Made {
    description: Value,
    algorithm: &'static str,
    form: &'static str,
    /// Whether a signature's letter case doesn't matter (hex), nor a
    /// prefix's.
    case_free_signature: bool,
}

fn description() -> impl Strategy<Value = Made> {
    let algorithm = prop::sample::select(vec![
        ("hmac-sha1", "text"),
        ("hmac-sha256", "text"),
        ("hmac-sha256", "base64"),
        ("hmac-sha512", "hex"),
        ("ed25519", "pem"),
        ("rsa-pkcs1-sha256", "pem"),
        ("ecdsa-p256-sha256", "pem"),
    ]);
    let encoding = prop::sample::select(vec!["hex", "base64", "base64url"]);
    let template = prop::sample::select(vec![
        "{body}",
        "{timestamp}.{body}",
        "{id}.{timestamp}.{body}",
        "v0:{timestamp}:{body}",
        "{timestamp}{body}",
        "{url}{body}",
        "{url}:{body}",
        "{id}:{body}",
        "{id}{timestamp}{body}",
    ]);
    // (list separator and assign text), or a plain signature's prefix.
    let syntax = prop::sample::select(vec![
        (None, None),
        (None, Some("sha256=")),
        (Some((",", "=")), None),
        (Some((";", "=")), None),
        (Some((" ", ",")), None),
    ]);
    let unit = prop::sample::select(vec!["seconds", "milliseconds", "rfc3339"]);
    let timestamp_in_entry = any::<bool>();
    (algorithm, encoding, template, syntax, unit, timestamp_in_entry).prop_map(
        |((algorithm, form), encoding, template, syntax, unit, in_entry)| {
            // Only a timestamp of one shape may follow an id directly.
            let unit = if template == "{id}{timestamp}{body}" {
                "rfc3339"
            } else {
                unit
            };
            let mut signature = json!({ "header": "x-sig" });
            let mut version = None;
            match syntax {
                (Some((separator, assign)), _) => {
                    signature["list"] = json!({ "separator": separator, "assign": assign });
                    version = Some("v9");
                }
                (None, Some(prefix)) => signature["prefix"] = prefix.into(),
                (None, None) => {}
            }
            let mut entry = json!({ "algorithm": algorithm, "encoding": encoding, "key": { "form": form } });
            if let Some(version) = version {
                entry["version"] = version.into();
            }
            let mut description = json!({
                "signature": signature,
                "algorithms": [entry],
                "signed": template,
                "event_type": { "json": "/type" },
            });
            if template.contains("{id}") {
                description["id"] = json!({ "header": "x-id" });
                description["event_id"] = json!({ "header": "x-id" });
            }
            if template.contains("{timestamp}") {
                let mut timestamp = json!({ "tolerance_secs": 300, "unit": unit });
                if in_entry && version.is_some() {
                    timestamp["entry"] = "t".into();
                } else {
                    timestamp["header"] = "x-time".into();
                }
                description["timestamp"] = timestamp;
            }
            Made {
                description,
                algorithm,
                form,
                case_free_signature: encoding == "hex",
            }
        },
    )
}

fn scheme(made: &Made) -> Described {
    let lookup = |name: &str| (name == "SIGNED_URL").then(|| SIGNED_URL.to_owned());
    Described::from_json("generated", &made.description.to_string(), lookup).unwrap()
}

fn note() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 é😀\"\\\\]{0,24}"
}

/// A genuine delivery of `note` for `made`'s scheme, and the secret.
fn signed(made: &Made, note: &str, id: u32) -> (String, Vec<u8>, Vec<(String, String)>) {
    let (secret, signing, _) = keys(made.algorithm, made.form);
    let body = json!({ "type": "generated", "note": note }).to_string();
    let message_id = format!("msg_{id}");
    let message = Message {
        id: &message_id,
        timestamp: NOW,
    };
    let delivery = scheme(made).sign(&signing, body.as_bytes(), &message).unwrap();
    (secret, delivery.body, delivery.headers)
}

// 256 cases each by default; PROPTEST_CASES=20000 for a longer run.
proptest! {
    #[test]
    fn no_text_makes_reading_a_description_panic(text in "\\PC{0,300}") {
        let _ = Described::from_json("any", &text, |_| Some(SIGNED_URL.to_owned()));
    }

    #[test]
    fn no_changed_field_makes_reading_a_description_panic_or_accept_no_signature(
        made in description(), field in prop::sample::select(vec![
            "/signature", "/signature/header", "/algorithms", "/algorithms/0", "/algorithms/0/algorithm",
            "/algorithms/0/encoding", "/algorithms/0/key", "/signed", "/timestamp", "/id", "/event_id",
        ]),
        value in prop::sample::select(vec![
            json!(null), json!(""), json!("none"), json!([]), json!({}), json!(0), json!("{body}"),
            json!(["hex", "nope"]), json!({"form": "pem", "prefix": ""}), json!({"header": "x-sig"}),
        ]),
    ) {
        let mut description = made.description.clone();
        if let Some(target) = description.pointer_mut(field) {
            *target = value;
        }
        let lookup = |name: &str| (name == "SIGNED_URL").then(|| SIGNED_URL.to_owned());
        if let Ok(scheme) = Described::from_json("changed", &description.to_string(), lookup) {
            // Whatever it read, an unsigned request is never accepted.
            let (secret, _, _) = keys(made.algorithm, made.form);
            if scheme.parse_key(secret.trim()).is_ok() {
                let result = check(&scheme, &secret, br#"{"type":"x"}"#, &lambda_http::http::HeaderMap::new(), NOW);
                prop_assert!(result.is_err());
            }
        }
    }

    #[test]
    fn genuine_deliveries_verify_and_another_key_is_refused(made in description(), note in note(), id in 0u32..1000) {
        let (secret, body, headers) = signed(&made, &note, id);
        let scheme = scheme(&made);
        let verified = check(&scheme, &secret, &body, &header_map(&headers), NOW);
        prop_assert!(verified.is_ok(), "{}: {:?}", made.description, verified);
        let event_type = verified.unwrap().facts.event_type;
        prop_assert_eq!(event_type.as_deref(), Some("generated"));
        let (_, _, other) = keys(made.algorithm, made.form);
        let forged = scheme.sign(&other, &body, &Message { id: &format!("msg_{id}"), timestamp: NOW }).unwrap();
        prop_assert!(check(&scheme, &secret, &forged.body, &header_map(&forged.headers), NOW).is_err());
    }

    #[test]
    fn any_changed_byte_of_body_signature_timestamp_or_id_is_refused(
        made in description(), note in note(), id in 0u32..1000, in_body in any::<bool>(),
        which in any::<prop::sample::Index>(), position in any::<prop::sample::Index>(), byte in 0x21u8..0x7f,
    ) {
        let (secret, mut body, mut headers) = signed(&made, &note, id);
        if in_body {
            let at = position.index(body.len());
            prop_assume!(body[at] != byte);
            body[at] = byte;
        } else {
            let header = which.index(headers.len());
            let mut value = headers[header].1.clone().into_bytes();
            let at = position.index(value.len());
            let old = value[at];
            let case_flip = old.eq_ignore_ascii_case(&byte);
            let signature = headers[header].0 == "x-sig";
            prop_assume!(old != byte && !(case_flip && signature && made.case_free_signature));
            prop_assume!(!(case_flip && signature && made.description["signature"]["prefix"].is_string()
                && at < "sha256=".len()));
            // Base64's padding is optional: a trailing `=` turned into the
            // list's separator ends the entry where the padding began.
            let separator = made.description["signature"]["list"]["separator"].as_str();
            prop_assume!(!(signature && old == b'=' && separator == Some(char::from(byte).to_string().as_str())));
            value[at] = byte;
            headers[header].1 = String::from_utf8(value).unwrap();
        }
        let result = check(&scheme(&made), &secret, &body, &header_map(&headers), NOW);
        prop_assert!(result.is_err(), "{} passed changed: {:?}", made.description, headers);
    }
}
