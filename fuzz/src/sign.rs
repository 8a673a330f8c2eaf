//! Turning the fuzzer's input into a delivery: made up as it is, or signed
//! by each provider's rules with the receiver's key (the library's own
//! `signing` helpers, which the unit tests check against published vectors).

use lambda_http::http::HeaderMap;
use webhook_receiver::signing;

use crate::{header_map, secrets, Origin, SchemeInput, NOW_SECS, TOLERANCE_SECS};

/// A delivery ready for a verifier.
pub struct Signed {
    /// Whether the receiver must accept its signature.
    pub origin: Origin,
    /// The raw body.
    pub body: Vec<u8>,
    /// The request headers.
    pub headers: HeaderMap,
}

/// Header names that carry a signature in some scheme. A genuine delivery
/// drops the fuzzer's headers of these names: a second signature header
/// is refused on purpose (ambiguous), which is not what is being tested.
const SIGNATURE_HEADER_PREFIXES: [&str; 4] = ["x-signature", "x-smartkyc", "webhook-", "svix-"];

fn other_headers(input: &SchemeInput) -> impl Iterator<Item = (&str, &[u8])> {
    input
        .headers
        .iter()
        .filter(|(name, _)| {
            let name = name.to_ascii_lowercase();
            !SIGNATURE_HEADER_PREFIXES.iter().any(|prefix| name.starts_with(prefix))
        })
        .map(|(name, value)| (name.as_str(), value.as_slice()))
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
fn header_signed(input: &SchemeInput, header: &'static str, signature: Option<String>) -> Signed {
    let Some(signature) = signature.filter(|_| input.genuine) else {
        return forged(input);
    };
    let pairs = other_headers(input).chain([(header, signature.as_bytes())]);
    Signed {
        origin: Origin::Genuine,
        body: input.body.clone(),
        headers: header_map(pairs),
    }
}

/// Kaunt: `X-Signature-SHA256`, HMAC-SHA256 of the body in hex.
pub fn kaunt(input: &SchemeInput) -> Signed {
    let signature = signing::kaunt_signature(secrets::KAUNT.trim(), &input.body).ok();
    header_signed(input, "x-signature-sha256", signature)
}

/// Smart KYC: `X-SmartKYC-Signature`, HMAC-SHA256 of the body in hex.
pub fn smartkyc(input: &SchemeInput) -> Signed {
    let signature = signing::smartkyc_signature(secrets::SMARTKYC.trim(), &input.body).ok();
    header_signed(input, "x-smartkyc-signature", signature)
}

/// Codat (Standard Webhooks): id, timestamp and body signed together. A
/// timestamp outside the tolerance is a replay: it must be refused, so it
/// counts as forged.
pub fn codat(input: &SchemeInput) -> Signed {
    let timestamp = NOW_SECS.saturating_add_signed(i64::from(input.skew_secs));
    let signature = signing::codat_signature(secrets::CODAT.trim(), &input.message_id, timestamp, &input.body);
    let (Ok(signature), true) = (signature, input.genuine) else {
        return forged(input);
    };
    let timestamp_text = timestamp.to_string();
    let signed = [
        ("webhook-id", input.message_id.as_bytes()),
        ("webhook-timestamp", timestamp_text.as_bytes()),
        ("webhook-signature", signature.as_bytes()),
    ];
    let headers = header_map(other_headers(input).chain(signed));
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
    match signing::kravia_body(data, &secret) {
        Ok(body) => Signed {
            origin: Origin::Genuine,
            body: with_unsigned_member(body, input),
            headers: header_map(other_headers(input)),
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
    match signing::receeve_body(&payload.to_string(), private_key_pem) {
        Ok(body) => Signed {
            origin: Origin::Genuine,
            body: with_unsigned_member(body, input),
            headers: header_map(other_headers(input)),
        },
        Err(_) => forged(input),
    }
}

/// A signed body with the fuzzer's unsigned member put first, as an
/// attacker replaying a genuine delivery could: the receiver may refuse it
/// (400) or accept it, but never queue the member.
fn with_unsigned_member(body: String, input: &SchemeInput) -> Vec<u8> {
    let Some((name, value)) = &input.unsigned_member else {
        return body.into_bytes();
    };
    let name = serde_json::to_string(name).unwrap_or_default();
    body.replacen('{', &format!("{{{name}:{value},"), 1).into_bytes()
}

/// The bytes as text, when they are exactly one JSON value.
fn json_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    serde_json::from_str::<&serde_json::value::RawValue>(text)
        .ok()
        .map(|_| text)
}
