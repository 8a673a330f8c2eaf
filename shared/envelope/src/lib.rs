//! The message every receiver puts on the queue, and the one type a consumer
//! needs to read it: the contract between the receivers and whoever reads
//! the queue, in a crate of its own so that a consumer links this and
//! nothing of the receivers (docs/queue.md says what each member promises).
//!
//! ```
//! use webhook_envelope::Envelope;
//!
//! let body = r#"{"provider":"kaunt","eventType":"proposal.completed","eventId":"e-1",
//!     "tenant":null,"receivedAt":"2026-11-23T04:00:00.000Z","payload":{"id":"e-1"}}"#;
//! let envelope: Envelope = serde_json::from_str(body).unwrap();
//! assert_eq!(envelope.deduplication_key(), r#"["kaunt",null,"e-1"]"#);
//! ```

pub mod bus;
pub mod pointer;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Room the envelope needs beyond the body: its own fields, the ids, the
/// unsigned headers and the message attributes. `MAX_BODY_BYTES` plus this
/// must fit the queue's `MaximumMessageSize`. It holds because all of them
/// are capped: two ids of [`MAX_ID_CHARS`] characters, in the body and
/// again as attributes, stay under 5 KiB, and the unsigned headers
/// ([`MAX_UNSIGNED_HEADERS`] of them) under 3 KiB; a test builds the
/// largest envelope and counts.
pub const ENVELOPE_OVERHEAD_BYTES: usize = 8 * 1024;

/// Longest event id or event type we carry. A provider's own ids are far
/// shorter; anything longer is answered 400 rather than risk an envelope
/// that cannot be sent.
pub const MAX_ID_CHARS: usize = 256;

/// [`Envelope::payload_format`] of a form body.
pub const FORM: &str = "form";

/// Most unsigned headers a scheme may name for [`Envelope::unsigned`].
pub const MAX_UNSIGNED_HEADERS: usize = 8;

/// Longest name of an unsigned header, in bytes.
pub const MAX_UNSIGNED_NAME_BYTES: usize = 64;

/// Longest value of an unsigned header that is carried, in bytes: event
/// names, GUIDs, numeric ids and domains are far shorter. A longer one is
/// left out, not refused: the delivery itself is genuine.
pub const MAX_UNSIGNED_VALUE_BYTES: usize = 128;

/// One verified webhook, exactly as the receivers enqueue it. `payload` is
/// what the signature covers, as JSON text (a consumer that wants to
/// re-verify a signature can): deserialize it into your own type with
/// `serde_json::from_str(envelope.payload.get())`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    /// Who sent it: the preset's name (`kaunt`, `stripe`), or a custom
    /// provider's `PROVIDER_NAME`; also the `provider` message attribute.
    pub provider: String,
    /// The provider's own event type, when its body names one.
    pub event_type: Option<String>,
    /// The provider's event id, or the lowercase hex SHA-256 of the raw body
    /// when it has none: the same for every retry of one delivery. Unique
    /// only within its sender (one provider's tenant), so deduplicate on
    /// [`Envelope::deduplication_key`], never on this alone.
    pub event_id: String,
    /// The id of the key that verified it, when the secret names its keys.
    pub tenant: Option<String>,
    /// When the receiver accepted it, RFC 3339 in UTC.
    pub received_at: String,
    /// What the signature covers: the request body unchanged, when it is
    /// signed whole (every described scheme); the signed members alone,
    /// rebuilt, when only some are (Kravia, receeve).
    pub payload: Box<RawValue>,
    /// `"form"` when the body was a form (`application/x-www-form-urlencoded`:
    /// Twilio, Slack's slash commands): then `payload` is a JSON string, the
    /// form's text, which [`Envelope::form_parameters`] reads. Absent for
    /// a JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_format: Option<String>,
    /// Headers the provider sends beside its signature, which consumers
    /// route or deduplicate by (GitHub's `x-github-event`, Shopify's
    /// `x-shopify-topic`): lower-case name → value, only those the scheme
    /// names and only when they came, once each, as printable ASCII of at
    /// most [`MAX_UNSIGNED_VALUE_BYTES`]. **Not signed**: anyone who replays
    /// a genuine body can send other values with it, so route by them but
    /// never trust them for more than the body proves (docs/queue.md).
    /// Absent when none came.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsigned: Option<BTreeMap<String, String>>,
}

impl Envelope {
    /// What identifies one event everywhere we deduplicate (the FIFO
    /// deduplication id, the consumer's idempotency key): provider, tenant
    /// and event id, as the JSON array `["kravia","acme","<eventId>"]`
    /// (`null` for no tenant). An event id is only unique within its
    /// sender: two creditors can send identical `data`, and both events
    /// must be kept. The array can't be read two ways, whatever the ids hold.
    pub fn deduplication_key(&self) -> String {
        serde_json::json!([self.provider, self.tenant, self.event_id]).to_string()
    }

    /// The message body to send: the envelope's JSON with any character SQS
    /// refuses escaped, so an authentic delivery can never become a send that
    /// fails forever.
    pub fn to_message_body(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self).map(escape_for_sqs)
    }

    /// A form body's parameters, in order, repeated names included, decoded
    /// (`+` a space, `%XX` its byte); `None` when the payload isn't a form.
    pub fn form_parameters(&self) -> Option<Vec<(String, String)>> {
        if self.payload_format.as_deref() != Some(FORM) {
            return None;
        }
        let text: String = serde_json::from_str(self.payload.get()).ok()?;
        Some(
            form_urlencoded::parse(text.as_bytes())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect(),
        )
    }

    /// The unsigned header `name` (lower case) when it came: what to route
    /// by, never what to trust (see [`Envelope::unsigned`]).
    pub fn unsigned_header(&self, name: &str) -> Option<&str> {
        self.unsigned.as_ref()?.get(name).map(String::as_str)
    }
}

/// SQS accepts only XML 1.0 characters in a message. Valid JSON can hold
/// only two kinds it refuses, U+FFFE and U+FFFF, and only inside strings
/// (control characters must already be escaped there), so writing those as
/// `\uXXXX` keeps the JSON's meaning while making it sendable.
fn escape_for_sqs(json: String) -> String {
    // Every character SQS refuses is a control byte or, in UTF-8, starts
    // with 0xEF (U+FFFE, U+FFFF) or 0xED (surrogates, which UTF-8 text
    // can't hold anyway): a quick byte scan rules most bodies out.
    let suspect = |byte: &u8| matches!(byte, 0xED | 0xEF) || (*byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r'));
    if !json.as_bytes().iter().any(suspect) || !json.chars().any(refused_by_sqs) {
        return json;
    }
    let mut escaped = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if refused_by_sqs(c) {
            escaped.push_str(&format!("\\u{:04X}", u32::from(c)));
        } else {
            escaped.push(c);
        }
    }
    escaped
}

/// Whether SQS refuses this character in a message body or attribute:
/// what the message body escapes, and what the receivers replace in the
/// attributes they copy from an envelope.
pub fn refused_by_sqs(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(payload: &str) -> Envelope {
        Envelope {
            provider: "smartkyc".to_owned(),
            event_type: Some("submission.created".into()),
            event_id: "abc".into(),
            tenant: None,
            received_at: "2026-11-23T04:00:00Z".into(),
            payload: RawValue::from_string(payload.to_owned()).unwrap(),
            payload_format: None,
            unsigned: None,
        }
    }

    #[test]
    fn payload_text_is_kept_byte_for_byte() {
        let body = "{ \"b\" : 1.50,\n  \"a\": \"Zo\u{eb}\" }";
        let json = envelope(body).to_message_body().unwrap();
        assert!(json.contains(body), "{json}");
        assert!(json.starts_with(
            r#"{"provider":"smartkyc","eventType":"submission.created","eventId":"abc","tenant":null,"receivedAt":"#
        ));
        let back: Envelope = serde_json::from_str(&json).unwrap();
        assert_eq!(back.payload.get(), body);
    }

    #[test]
    fn the_deduplication_key_tells_tenants_apart() {
        let mut acme = envelope("{}");
        acme.tenant = Some("acme".into());
        let mut globex = envelope("{}");
        globex.tenant = Some("globex".into());
        let none = envelope("{}");
        assert_eq!(acme.deduplication_key(), r#"["smartkyc","acme","abc"]"#);
        assert_eq!(none.deduplication_key(), r#"["smartkyc",null,"abc"]"#);
        assert_ne!(acme.deduplication_key(), globex.deduplication_key());
        let mut empty = envelope("{}");
        empty.tenant = Some(String::new());
        assert_ne!(empty.deduplication_key(), none.deduplication_key());
    }

    #[test]
    fn a_form_is_its_text_and_reads_as_every_parameter() {
        let mut form = envelope(r#""To=%2B15558675310&Body=Hi+there&Media=a&Media=b""#);
        assert_eq!(form.form_parameters(), None, "not marked as a form");
        form.payload_format = Some(FORM.to_owned());
        let json = form.to_message_body().unwrap();
        assert!(json.contains(r#","payloadFormat":"form""#), "{json}");
        let back: Envelope = serde_json::from_str(&json).unwrap();
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
        };
        assert_eq!(
            back.form_parameters().unwrap(),
            pairs(&[
                ("To", "+15558675310"),
                ("Body", "Hi there"),
                ("Media", "a"),
                ("Media", "b")
            ])
        );
        assert!(!envelope("{}").to_message_body().unwrap().contains("payloadFormat"));
    }

    #[test]
    fn unsigned_headers_are_a_last_member_only_when_some_came() {
        let none = envelope("{}").to_message_body().unwrap();
        assert!(!none.contains("unsigned"), "{none}");
        let mut routed = envelope("{}");
        routed.unsigned = Some(BTreeMap::from([("x-github-event".to_owned(), "push".to_owned())]));
        let json = routed.to_message_body().unwrap();
        assert!(
            json.ends_with(r#","payload":{},"unsigned":{"x-github-event":"push"}}"#),
            "{json}"
        );
        let back: Envelope = serde_json::from_str(&json).unwrap();
        assert_eq!(back.unsigned_header("x-github-event"), Some("push"));
        assert_eq!(back.unsigned_header("x-github-delivery"), None);
        let old: Envelope = serde_json::from_str(&none).unwrap();
        assert_eq!(old.unsigned, None);
    }

    /// The largest envelope around a payload: both ids at their longest,
    /// in four-byte characters (eight bytes each, in the body and again
    /// as attributes: more than the six a control character escapes to
    /// plus its one), and every unsigned header at its longest, in the
    /// characters JSON escapes. What it adds to the payload must fit
    /// [`ENVELOPE_OVERHEAD_BYTES`].
    #[test]
    fn the_largest_envelope_fits_its_overhead() {
        let longest_id = "\u{1F600}".repeat(MAX_ID_CHARS);
        let mut largest = envelope("0");
        largest.provider = "p".repeat(64);
        largest.event_type = Some(longest_id.clone());
        largest.event_id = longest_id.clone();
        largest.tenant = Some("t".repeat(64));
        largest.payload_format = Some(FORM.to_owned());
        largest.unsigned = Some(
            (0..MAX_UNSIGNED_HEADERS)
                .map(|n| {
                    (
                        format!("{n}").repeat(MAX_UNSIGNED_NAME_BYTES),
                        "\"".repeat(MAX_UNSIGNED_VALUE_BYTES),
                    )
                })
                .collect(),
        );
        let body = largest.to_message_body().unwrap();
        // The attributes: provider, eventId and eventType, each with its
        // name and type, as SQS counts them.
        let attributes: usize = [
            ("provider", &largest.provider),
            ("eventId", &longest_id),
            ("eventType", &longest_id),
        ]
        .iter()
        .map(|(name, value)| name.len() + "String".len() + value.len())
        .sum();
        let overhead = body.len() - 1 + attributes;
        assert!(overhead < ENVELOPE_OVERHEAD_BYTES, "{overhead}");
    }

    #[test]
    fn characters_sqs_refuses_are_escaped_without_changing_meaning() {
        let body = "{\"x\":\"a\u{FFFF}b\u{FFFE}\"}";
        let json = envelope(body).to_message_body().unwrap();
        assert!(!json.chars().any(refused_by_sqs));
        let back: Envelope = serde_json::from_str(&json).unwrap();
        let original: serde_json::Value = serde_json::from_str(body).unwrap();
        let sent: serde_json::Value = serde_json::from_str(back.payload.get()).unwrap();
        assert_eq!(original, sent);
    }
}
