//! Turning the fuzzer's input into a delivery: made up as it is, or signed
//! by each provider's rules with the receiver's key (each scheme's own
//! signer, which the unit tests check against published vectors).

use lambda_http::http::HeaderMap;
use webhook_receiver::schemes::signing::{Message, Sign, SignedDelivery, NO_MESSAGE};
use webhook_receiver::schemes::{Described, Kravia, Receeve, Scheme};

use crate::{header_map, preset, secrets, DescribedInput, Origin, SchemeInput, NOW_SECS, TOLERANCE_SECS};

/// A delivery ready for a verifier.
pub struct Signed {
    /// Whether the receiver must accept its signature.
    pub origin: Origin,
    /// The raw body.
    pub body: Vec<u8>,
    /// The request headers.
    pub headers: HeaderMap,
}

/// The fuzzer's headers but those named like one the scheme reads its
/// signature from: a second signature header is refused on purpose
/// (ambiguous), which is not what is being tested.
fn other_headers<'i>(input: &'i SchemeInput, scheme: &impl Scheme) -> Vec<(&'i str, &'i [u8])> {
    let signature_headers = scheme.signature_headers();
    input
        .headers
        .iter()
        .filter(|(name, _)| !signature_headers.iter().any(|signed| name.eq_ignore_ascii_case(signed)))
        .map(|(name, value)| (name.as_str(), value.as_slice()))
        .collect()
}

/// The fuzzer's other headers beside the signature's.
pub(crate) fn with_signature<'i>(
    input: &'i SchemeInput,
    scheme: &impl Scheme,
    signed: &'i SignedDelivery,
) -> HeaderMap {
    let signature = signed
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_bytes()));
    header_map(other_headers(input, scheme).into_iter().chain(signature))
}

/// The fuzzer's delivery exactly as it made it up.
pub fn forged(input: &SchemeInput) -> Signed {
    let pairs = input
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_slice()));
    Signed {
        origin: Origin::Forged,
        body: input.body.clone(),
        headers: header_map(pairs),
    }
}

/// A delivery whose body is signed in one header (Kaunt, Smart KYC).
fn header_signed(input: &SchemeInput, scheme: &impl Sign, secret: &str) -> Signed {
    let Some(signed) = scheme
        .sign(secret, &input.body, &NO_MESSAGE)
        .ok()
        .filter(|_| input.genuine)
    else {
        return forged(input);
    };
    Signed {
        origin: Origin::Genuine,
        body: input.body.clone(),
        headers: with_signature(input, scheme, &signed),
    }
}

/// Kaunt: HMAC-SHA256 of the body in hex, in its header.
pub fn kaunt(input: &SchemeInput) -> Signed {
    header_signed(input, &preset("kaunt"), secrets::KAUNT.trim())
}

/// Smart KYC: HMAC-SHA256 of the body in hex, in its header.
pub fn smartkyc(input: &SchemeInput) -> Signed {
    header_signed(input, &preset("smartkyc"), secrets::SMARTKYC.trim())
}

/// Codat (Standard Webhooks): id, timestamp and body signed together. A
/// timestamp outside the tolerance is a replay: it must be refused, so it
/// counts as forged.
pub fn codat(input: &SchemeInput) -> Signed {
    let timestamp = NOW_SECS.saturating_add_signed(i64::from(input.skew_secs));
    let message = Message {
        id: &input.message_id,
        timestamp,
    };
    let codat = preset("codat");
    let (Ok(signed), true) = (codat.sign(secrets::CODAT.trim(), &input.body, &message), input.genuine) else {
        return forged(input);
    };
    let headers = with_signature(input, &codat, &signed);
    // Standard Webhooks ids are short visible-ASCII tokens such as
    // `msg_2KWPBgLlAfxdpx2AI54pPJ85f4W`. One with a dot must be refused:
    // the signed content could be split another way.
    let sendable = !input.message_id.is_empty() && input.message_id.bytes().all(|b| b.is_ascii_graphic());
    let fresh = u64::from(input.skew_secs.unsigned_abs()) <= TOLERANCE_SECS;
    let dotted = input.message_id.contains('.');
    Signed {
        origin: match (fresh && !dotted, sendable) {
            (false, _) => Origin::Forged,
            (true, true) => Origin::Genuine,
            (true, false) => Origin::SignedOddly,
        },
        body: input.body.clone(),
        headers,
    }
}

/// Kravia: the body's `data` is the fuzzer's text, signed by the digest in
/// the body, with the key of the tenant `acme`.
pub fn kravia(input: &SchemeInput) -> Signed {
    if !input.genuine {
        return forged(input);
    }
    let secret = serde_json::from_str::<serde_json::Value>(secrets::KRAVIA)
        .ok()
        .and_then(|keys| keys.get("acme").and_then(|key| key.as_str()).map(str::to_owned))
        .unwrap_or_default();
    // Kravia's `data` is a JSON value as its serializer writes it: text that
    // isn't one (it could even rewrite the body around it), or that starts
    // or ends with whitespace (which JSON doesn't keep as part of the
    // value), is not a delivery Kravia could send.
    let json_whitespace = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let Some(data) = json_text(&input.body).filter(|text| text.trim_matches(json_whitespace) == *text) else {
        return forged(input);
    };
    match Kravia.sign(&secret, data.as_bytes(), &NO_MESSAGE) {
        Ok(signed) => Signed {
            origin: Origin::Genuine,
            headers: with_signature(input, &Kravia, &signed),
            body: with_unsigned_member(signed.body, input),
        },
        Err(_) => forged(input),
    }
}

/// receeve: the body's `payload` is the fuzzer's text, signed with the RSA
/// or the P-256 private key (`private_key_pem`).
pub fn receeve(input: &SchemeInput, private_key_pem: &str) -> Signed {
    if !input.genuine {
        return forged(input);
    }
    // receeve sends `payload` as its JSON serialization; ours of the
    // fuzzer's value stands in for it.
    let Some(payload) = json_text(&input.body).and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
    else {
        return forged(input);
    };
    match Receeve.sign(private_key_pem, payload.to_string().as_bytes(), &NO_MESSAGE) {
        Ok(signed) => Signed {
            origin: Origin::Genuine,
            headers: with_signature(input, &Receeve, &signed),
            body: with_unsigned_member(signed.body, input),
        },
        Err(_) => forged(input),
    }
}

/// A signed body with the fuzzer's unsigned member put first, as an
/// attacker replaying a genuine delivery could: the receiver may refuse it
/// (400) or accept it, but never queue the member.
fn with_unsigned_member(body: Vec<u8>, input: &SchemeInput) -> Vec<u8> {
    let Some((name, value)) = &input.unsigned_member else {
        return body;
    };
    let name = serde_json::to_string(name).unwrap_or_default();
    let body = String::from_utf8_lossy(&body);
    body.replacen('{', &format!("{{{name}:{value},"), 1).into_bytes()
}

/// The bytes as text, when they are exactly one JSON value.
fn json_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    serde_json::from_str::<&serde_json::value::RawValue>(text)
        .ok()
        .map(|_| text)
}

/// Key pairs a described scheme's receiver may hold, one per kind of key
/// a description can name: (the secret's text, what signs).
const KEY_PAIRS: [(&str, &str); 7] = [
    ("fuzz-key", "fuzz-key"),
    ("ZnV6ei1rZXk=", "ZnV6ei1rZXk="),
    ("66757a7a2d6b6579", "66757a7a2d6b6579"),
    ("whsec_ZnV6ei1rZXk=", "whsec_ZnV6ei1rZXk="),
    (secrets::RECEEVE_RSA, secrets::RECEEVE_RSA_PRIVATE),
    (secrets::RECEEVE_EC, secrets::RECEEVE_EC_PRIVATE),
    (secrets::ED25519, secrets::ED25519_PRIVATE),
];

/// A delivery for a described scheme, with the secret its receiver holds:
/// signed as the description says with the first key pair that suits it,
/// then (when the fuzzer asks) one byte of its body or of one of its
/// headers changed, which must make it a forgery, unless the changed body
/// signs exactly as the original (a `{params}` scheme's signature doesn't
/// prove where one parameter ends: `&` and `=` both sign as no
/// parameters' text, SECURITY.md's "Form bodies read two ways"). `None`
/// when no key suits.
pub fn described(input: &DescribedInput, scheme: &Described) -> Option<(String, Signed)> {
    let timestamp = NOW_SECS.saturating_add_signed(i64::from(input.delivery.skew_secs));
    let message = Message {
        id: &input.delivery.message_id,
        timestamp,
    };
    let (secret, signing, signed) = KEY_PAIRS.iter().find_map(|(secret, signing)| {
        scheme.parse_key(secret.trim()).ok()?;
        let signed = scheme.sign(signing, &input.delivery.body, &message).ok()?;
        Some(((*secret).to_owned(), *signing, signed))
    })?;
    if !input.delivery.genuine {
        return Some((secret, forged(&input.delivery)));
    }
    let mut body = signed.body.clone();
    let mut headers = signed.headers.clone();
    // Ids and timestamps a provider would send: visible ASCII, no
    // separators (a description's `{id}` is followed by text the id may not
    // hold), and fresh. Anything else may be refused, and that is right.
    let plain_id = !input.delivery.message_id.is_empty()
        && input
            .delivery
            .message_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let fresh = u64::from(input.delivery.skew_secs.unsigned_abs()) < 5;
    // A body of digits right after a timestamp, or one that could continue
    // a tenant's URL segment right after `{url}`, could be split another
    // way: such bodies may be refused.
    let splittable_first = input
        .delivery
        .body
        .first()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b"-._~/".contains(b));
    let mut origin = if plain_id && fresh && !splittable_first {
        Origin::Genuine
    } else {
        Origin::SignedOddly
    };
    if let Some((in_body, which, position, byte)) = input.tamper {
        let in_body = in_body || headers.is_empty();
        let changed = if in_body {
            change_byte(&mut body, position, byte)
        } else {
            let index = usize::from(which) % headers.len();
            let mut value = std::mem::take(&mut headers[index].1).into_bytes();
            let changed = change_byte(&mut value, position, byte);
            headers[index].1 = String::from_utf8_lossy(&value).into_owned();
            changed
        };
        let signs_alike = in_body
            && scheme
                .sign(signing, &body, &message)
                .is_ok_and(|resigned| resigned.headers == signed.headers);
        origin = match changed {
            // Hex and prefixes are read in either letter case: the same proof.
            Change::CaseOnly => Origin::SignedOddly,
            // The signed content unchanged: verified or refused, both right.
            Change::Byte if signs_alike => Origin::SignedOddly,
            Change::Byte => Origin::Forged,
            Change::None => origin,
        };
    }
    let delivery = SignedDelivery { body, headers };
    Some((
        secret,
        Signed {
            origin,
            body: delivery.body.clone(),
            headers: with_signature(&input.delivery, scheme, &delivery),
        },
    ))
}

/// What changing one byte did.
enum Change {
    None,
    CaseOnly,
    Byte,
}

/// Sets the byte at `position` (wrapped) to `byte`, a visible ASCII one.
fn change_byte(bytes: &mut [u8], position: u16, byte: u8) -> Change {
    let Some(at) = (!bytes.is_empty()).then(|| usize::from(position) % bytes.len()) else {
        return Change::None;
    };
    let new = 0x21 + byte % 0x5e;
    let old = std::mem::replace(&mut bytes[at], new);
    match old {
        old if old == new => Change::None,
        old if old.eq_ignore_ascii_case(&new) => Change::CaseOnly,
        _ => Change::Byte,
    }
}
