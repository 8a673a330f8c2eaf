//! Handshakes: the requests a provider sends to check that a URL is the
//! receiver's, and the answers it expects, as data (a description's
//! `handshakes`). Meta's `GET ?hub.challenge=…`, Zoom's
//! `endpoint.url_validation`, Slack's `url_verification`, Discord's PING,
//! Dropbox's `GET ?challenge=`, Intercom's `HEAD`. A handshake is answered
//! without touching the queue (unless it says `queue`, as Discord's
//! deferred interactions do).
//!
//! Two kinds, by their proof. A **signed** one is a `POST` the provider
//! signs like any delivery: it is recognised only after its signature
//! verified, by its signed body (or a header beside it), and may answer
//! with an HMAC made with the key that verified it (Zoom). An **unsigned**
//! one (`GET`, `HEAD`) carries no signature: it is recognised by its method
//! and query, and proven by a verify token from a secret where the
//! provider gives one (Meta), or by nothing where it gives none (Dropbox,
//! Intercom), which is safe because it is answered with nothing but what
//! it sent and never reaches the queue.
//!
//! What an answer echoes is the caller's text reflected back: bounded to
//! [`MAX_ECHO_BYTES`] of letters, digits and `. _ ~ + / = -`, and sent as
//! `text/plain` or JSON with `X-Content-Type-Options: nosniff` by the
//! pipeline, never as anything a browser renders.

use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::http::{HeaderMap, Method};

use crate::codec::encoding::encode_hex;
use crate::codec::json::reader::{without_bom, JsonPointer};
use crate::codec::json::tree::{self, StrictJson};
use crate::error::ReceiveError;

/// The longest value a handshake's answer echoes.
pub const MAX_ECHO_BYTES: usize = 256;

/// Whether `byte` may be in an echoed value: what challenges and tokens
/// are made of (digits, letters, base64 and URL-safe punctuation), and no
/// character that means anything to HTML, a header or a terminal.
pub fn echoable(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'_' | b'~' | b'+' | b'/' | b'=' | b'-')
}

/// A part of a request a handshake reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// A query-string parameter (unsigned handshakes).
    Query(String),
    /// A header, lower case.
    Header(String),
    /// A value in the JSON body (signed handshakes).
    Json(JsonPointer),
}

/// A value a condition expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// Present, whatever its value (a string or, in the body, any JSON).
    Present,
    /// A string, whatever it holds (a body's member; the older
    /// `challenge` shorthand).
    AnyText,
    /// This string.
    Text(String),
    /// This number, by its spelling (Discord's `"type": 1`).
    Number(String),
}

/// One thing a request must hold to be a handshake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Where to look.
    pub part: Part,
    /// What must be there.
    pub expected: Expected,
}

/// How a handshake is proven to come from the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proof {
    /// Its signature, verified like any delivery's.
    Signature,
    /// A part that must equal the verify token in `VERIFY_TOKEN_SECRET_ID`
    /// (Meta's `hub.verify_token`); a wrong one is a 403.
    VerifyToken(Part),
    /// None: the provider gives no way, and the answer holds nothing but
    /// what the request sent.
    Nothing,
}

/// One value of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A part of the request, as sent (bounded: [`MAX_ECHO_BYTES`],
    /// [`echoable`] characters).
    Echo(Part),
    /// Lowercase hex of the HMAC of a part (bounded likewise) with the key
    /// that verified the request (Zoom's `encryptedToken`).
    Hmac(Part),
    /// A fixed JSON value (Discord's `1`).
    Literal(serde_json::Value),
}

/// How a handshake is answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// 200 with no body (Intercom's `HEAD`).
    Empty,
    /// 200 with one value as `text/plain` (Meta, Dropbox, Twitch).
    Text(Value),
    /// 200 with a JSON object of these members (Zoom, Slack, Discord).
    Json(Vec<(String, Value)>),
}

impl Answer {
    /// Every value the answer holds.
    pub fn values(&self) -> impl Iterator<Item = &Value> {
        let (one, members) = match self {
            Answer::Empty => (None, &[][..]),
            Answer::Text(value) => (Some(value), &[][..]),
            Answer::Json(members) => (None, members.as_slice()),
        };
        one.into_iter().chain(members.iter().map(|(_, value)| value))
    }
}

/// One handshake a provider sends.
#[derive(Debug, Clone, PartialEq)]
pub struct Handshake {
    /// Its method: `POST` for a signed one, `GET` or `HEAD` otherwise.
    pub method: Method,
    /// What the request holds, all of it.
    pub when: Vec<Condition>,
    /// How it is proven.
    pub proof: Proof,
    /// How it is answered.
    pub answer: Answer,
    /// Whether the delivery is queued too, and only answered so (Discord's
    /// interactions, deferred).
    pub queue: bool,
}

/// An answer made, for the pipeline to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// What the body is.
    pub body: ReplyBody,
    /// Whether the delivery is queued too.
    pub queue: bool,
}

/// The body of a handshake's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyBody {
    /// None.
    Empty,
    /// `text/plain`.
    Text(String),
    /// `application/json`.
    Json(String),
}

/// The parts of a request a handshake reads: from a Lambda request (an
/// unsigned handshake, before anything else) or a verified delivery.
#[derive(Debug, Clone, Copy)]
pub struct Seen<'r> {
    /// The method.
    pub method: &'r Method,
    /// The query string, when the request has one.
    pub query: Option<&'r QueryMap>,
    /// The headers.
    pub headers: &'r HeaderMap,
    /// The raw body.
    pub body: &'r [u8],
}

/// The body read as JSON, once, only when a condition or value needs it.
struct Body<'r> {
    raw: &'r [u8],
    json: Option<Option<StrictJson>>,
}

impl<'r> Body<'r> {
    /// `raw`, not read yet.
    fn of(raw: &'r [u8]) -> Self {
        Body { raw, json: None }
    }

    fn json(&mut self) -> Option<&StrictJson> {
        let raw = self.raw;
        self.json
            .get_or_insert_with(|| std::str::from_utf8(without_bom(raw)).ok().and_then(tree::parse))
            .as_ref()
    }
}

impl Handshake {
    /// Whether the request, seen as `seen`, is this handshake.
    fn matches(&self, seen: &Seen<'_>, body: &mut Body<'_>) -> bool {
        *seen.method == self.method
            && self
                .when
                .iter()
                .all(|condition| match (&condition.part, &condition.expected) {
                    (Part::Json(pointer), expected) => {
                        match (body.json().and_then(|json| json.at(pointer)), expected) {
                            (None, _) => false,
                            (Some(_), Expected::Present) => true,
                            (Some(StrictJson::String(text)), Expected::Text(wanted)) => text == wanted,
                            (Some(StrictJson::String(_)), Expected::AnyText) => true,
                            (Some(StrictJson::Number(spelling)), Expected::Number(wanted)) => spelling == wanted,
                            (Some(_), _) => false,
                        }
                    }
                    (part, expected) => match (text_of(part, seen), expected) {
                        (Some(_), Expected::Present | Expected::AnyText) => true,
                        (Some(text), Expected::Text(wanted)) => text == wanted,
                        _ => false,
                    },
                })
    }

    /// The answer, with `mac` making an HMAC with the key that verified the
    /// request (`None` for an unsigned handshake, which never has one). A
    /// part the answer needs that is missing, repeated or out of bounds
    /// is a 400: the handshake can't be answered as its provider expects.
    fn reply(
        &self,
        seen: &Seen<'_>,
        body: &mut Body<'_>,
        mac: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
    ) -> Result<Reply, ReceiveError> {
        let mut value = |value: &Value| -> Result<serde_json::Value, ReceiveError> {
            match value {
                Value::Literal(literal) => Ok(literal.clone()),
                Value::Echo(part) => echoed(part, seen, body).map(serde_json::Value::from),
                Value::Hmac(part) => {
                    let text = echoed(part, seen, body)?;
                    let tag = mac(text.as_bytes())
                        .ok_or_else(|| ReceiveError::Misconfigured("a handshake's HMAC needs an HMAC key".into()))?;
                    Ok(serde_json::Value::from(encode_hex(&tag)))
                }
            }
        };
        let body = match &self.answer {
            Answer::Empty => ReplyBody::Empty,
            Answer::Text(text) => match value(text)? {
                serde_json::Value::String(text) => ReplyBody::Text(text),
                other => ReplyBody::Text(other.to_string()),
            },
            Answer::Json(members) => {
                let mut object = serde_json::Map::new();
                for (name, member) in members {
                    object.insert(name.clone(), value(member)?);
                }
                ReplyBody::Json(serde_json::Value::Object(object).to_string())
            }
        };
        Ok(Reply {
            body,
            queue: self.queue,
        })
    }
}

/// A query parameter's or header's text, when it came exactly once.
fn text_of<'r>(part: &Part, seen: &Seen<'r>) -> Option<&'r str> {
    match part {
        Part::Query(name) => {
            let values = seen.query?.all(name)?;
            match values.as_slice() {
                [one] => Some(one),
                _ => None,
            }
        }
        Part::Header(name) => {
            let mut values = seen.headers.get_all(name.as_str()).iter();
            let value = values.next()?;
            values.next().is_none().then(|| value.to_str().ok()).flatten()
        }
        Part::Json(_) => None,
    }
}

/// A part to echo, within the bounds: 400 otherwise.
fn echoed(part: &Part, seen: &Seen<'_>, body: &mut Body<'_>) -> Result<String, ReceiveError> {
    let text = match part {
        Part::Json(pointer) => body
            .json()
            .and_then(|json| json.at(pointer))
            .and_then(StrictJson::as_str)
            .map(str::to_owned),
        part => text_of(part, seen).map(str::to_owned),
    };
    match text {
        Some(text) if !text.is_empty() && text.len() <= MAX_ECHO_BYTES && text.bytes().all(echoable) => Ok(text),
        _ => Err(ReceiveError::Malformed("a handshake value is missing or out of bounds")),
    }
}

/// The first of `handshakes` that is unsigned and that the request is:
/// checked before anything else, since such a request carries no
/// signature.
pub fn unsigned<'h>(handshakes: &'h [Handshake], seen: &Seen<'_>) -> Option<&'h Handshake> {
    let mut body = Body::of(seen.body);
    handshakes
        .iter()
        .filter(|handshake| handshake.proof != Proof::Signature)
        .find(|handshake| handshake.matches(seen, &mut body))
}

/// The answer to an unsigned handshake, once its proof holds.
pub fn unsigned_reply(handshake: &Handshake, seen: &Seen<'_>) -> Result<Reply, ReceiveError> {
    let mut body = Body::of(seen.body);
    handshake.reply(seen, &mut body, &|_| None)
}

/// The verify token a request sent for `handshake`, when its proof is
/// one: `Some(None)` when it is missing or repeated (a 403 as much as a
/// wrong one).
pub fn sent_verify_token<'r>(handshake: &Handshake, seen: &Seen<'r>) -> Option<Option<&'r str>> {
    match &handshake.proof {
        Proof::VerifyToken(part) => Some(text_of(part, seen)),
        _ => None,
    }
}

/// The answer to a verified delivery that is one of `handshakes`' signed
/// ones, made with `mac` (the verifying key's HMAC); `None` when it is an
/// ordinary delivery.
pub fn signed_reply(
    handshakes: &[Handshake],
    seen: &Seen<'_>,
    mac: &dyn Fn(&[u8]) -> Option<Vec<u8>>,
) -> Result<Option<Reply>, ReceiveError> {
    let mut body = Body::of(seen.body);
    match handshakes
        .iter()
        .filter(|handshake| handshake.proof == Proof::Signature)
        .find(|handshake| handshake.matches(seen, &mut body))
    {
        Some(handshake) => handshake.reply(seen, &mut body, mac).map(Some),
        None => Ok(None),
    }
}

/// Whether a request, not yet verified, looks like one of `handshakes`'
/// signed ones that is not queued: such a request refused for its key is
/// not worth keeping (its check is over long before a release).
pub fn looks_like_a_signed_handshake(handshakes: &[Handshake], seen: &Seen<'_>) -> bool {
    let mut body = Body::of(seen.body);
    handshakes
        .iter()
        .filter(|handshake| handshake.proof == Proof::Signature && !handshake.queue)
        .any(|handshake| handshake.matches(seen, &mut body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::HeaderValue;
    use std::collections::HashMap;

    fn pointer(text: &str) -> Part {
        Part::Json(JsonPointer::parse(text).unwrap())
    }

    fn meta() -> Handshake {
        Handshake {
            method: Method::GET,
            when: vec![Condition {
                part: Part::Query("hub.mode".into()),
                expected: Expected::Text("subscribe".into()),
            }],
            proof: Proof::VerifyToken(Part::Query("hub.verify_token".into())),
            answer: Answer::Text(Value::Echo(Part::Query("hub.challenge".into()))),
            queue: false,
        }
    }

    fn zoom() -> Handshake {
        Handshake {
            method: Method::POST,
            when: vec![Condition {
                part: pointer("/event"),
                expected: Expected::Text("endpoint.url_validation".into()),
            }],
            proof: Proof::Signature,
            answer: Answer::Json(vec![
                ("plainToken".into(), Value::Echo(pointer("/payload/plainToken"))),
                ("encryptedToken".into(), Value::Hmac(pointer("/payload/plainToken"))),
            ]),
            queue: false,
        }
    }

    fn query(pairs: &[(&str, &str)]) -> QueryMap {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for (name, value) in pairs {
            map.entry((*name).to_owned()).or_default().push((*value).to_owned());
        }
        QueryMap::from(map)
    }

    fn seen<'r>(method: &'r Method, query: Option<&'r QueryMap>, headers: &'r HeaderMap, body: &'r [u8]) -> Seen<'r> {
        Seen {
            method,
            query,
            headers,
            body,
        }
    }

    #[test]
    fn an_unsigned_handshake_is_its_method_and_query_and_echoes_within_bounds() {
        let handshakes = [meta()];
        let headers = HeaderMap::new();
        let asked = query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", "t"),
            ("hub.challenge", "1158201444"),
        ]);
        let get = seen(&Method::GET, Some(&asked), &headers, b"");
        let handshake = unsigned(&handshakes, &get).unwrap();
        assert_eq!(sent_verify_token(handshake, &get), Some(Some("t")));
        assert_eq!(
            unsigned_reply(handshake, &get).unwrap().body,
            ReplyBody::Text("1158201444".into())
        );
        // Not a handshake: another method, another mode, no query.
        assert!(unsigned(&handshakes, &seen(&Method::POST, Some(&asked), &headers, b"")).is_none());
        let other = query(&[("hub.mode", "unsubscribe")]);
        assert!(unsigned(&handshakes, &seen(&Method::GET, Some(&other), &headers, b"")).is_none());
        assert!(unsigned(&handshakes, &seen(&Method::GET, None, &headers, b"")).is_none());
        // A challenge that is not a bounded token is never reflected.
        for challenge in ["<script>", "", &"9".repeat(MAX_ECHO_BYTES + 1), "a b", "é"] {
            let asked = query(&[("hub.mode", "subscribe"), ("hub.challenge", challenge)]);
            let get = seen(&Method::GET, Some(&asked), &headers, b"");
            assert!(unsigned_reply(&meta(), &get).is_err(), "{challenge:?}");
        }
        let twice = query(&[
            ("hub.mode", "subscribe"),
            ("hub.challenge", "1"),
            ("hub.challenge", "2"),
        ]);
        let get = seen(&Method::GET, Some(&twice), &headers, b"");
        assert!(unsigned_reply(&meta(), &get).is_err());
        assert_eq!(sent_verify_token(&meta(), &get), Some(None));
    }

    #[test]
    fn a_signed_handshake_is_read_from_the_body_and_answered_with_the_keys_hmac() {
        let handshakes = [zoom()];
        let headers = HeaderMap::new();
        let body = br#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#;
        let post = seen(&Method::POST, None, &headers, body);
        let mac = |message: &[u8]| Some(message.iter().rev().copied().collect::<Vec<u8>>());
        let reply = signed_reply(&handshakes, &post, &mac).unwrap().unwrap();
        let ReplyBody::Json(json) = reply.body else {
            panic!("{reply:?}")
        };
        let json: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(json["plainToken"], "qgg8vlvZRS6UYooatFL8Aw");
        assert_eq!(json["encryptedToken"], encode_hex(b"wA8LFtaooYU6SRZvlv8ggq"));
        assert!(!reply.queue);
        assert!(looks_like_a_signed_handshake(&handshakes, &post));
        // An ordinary event is no handshake; a signed one is never unsigned.
        let event = br#"{"event":"meeting.started","payload":{}}"#;
        let post_event = seen(&Method::POST, None, &headers, event);
        assert_eq!(signed_reply(&handshakes, &post_event, &mac).unwrap(), None);
        assert!(unsigned(&handshakes, &post).is_none());
        // A token out of bounds is a 400, not an echo.
        let hostile = br#"{"payload":{"plainToken":"<img src=x>"},"event":"endpoint.url_validation"}"#;
        assert!(signed_reply(&handshakes, &seen(&Method::POST, None, &headers, hostile), &mac).is_err());
    }

    #[test]
    fn conditions_compare_numbers_by_spelling_and_headers_once() {
        let ping = Handshake {
            method: Method::POST,
            when: vec![
                Condition {
                    part: pointer("/type"),
                    expected: Expected::Number("1".into()),
                },
                Condition {
                    part: Part::Header("x-kind".into()),
                    expected: Expected::Present,
                },
            ],
            proof: Proof::Signature,
            answer: Answer::Json(vec![("type".into(), Value::Literal(1.into()))]),
            queue: false,
        };
        let mut headers = HeaderMap::new();
        headers.insert("x-kind", HeaderValue::from_static("a"));
        let no_mac = |_: &[u8]| None;
        let answer = |body: &[u8], headers: &HeaderMap| {
            signed_reply(
                std::slice::from_ref(&ping),
                &seen(&Method::POST, None, headers, body),
                &no_mac,
            )
            .unwrap()
        };
        assert_eq!(
            answer(br#"{"type":1}"#, &headers).unwrap().body,
            ReplyBody::Json(r#"{"type":1}"#.into())
        );
        assert_eq!(answer(br#"{"type":"1"}"#, &headers), None);
        assert_eq!(answer(br#"{"type":1.0}"#, &headers), None);
        assert_eq!(answer(br#"{"type":2}"#, &headers), None);
        assert_eq!(answer(br#"{"type":1}"#, &HeaderMap::new()), None);
        headers.append("x-kind", HeaderValue::from_static("b"));
        assert_eq!(answer(br#"{"type":1}"#, &headers), None);
    }
}
