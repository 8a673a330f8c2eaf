//! A description's `handshakes`, as a user writes them, and their reading
//! into [`Handshake`]s: checked once, at start, so that no handshake can
//! answer what it can't prove or echo what it doesn't bound
//! (docs/schemes.md, "Handshakes").

use std::collections::BTreeMap;

use lambda_http::http::Method;
use serde::Deserialize;

use super::error::DescriptionError;
use super::header_name::header_name;
use crate::codec::json::reader::JsonPointer;
use crate::schemes::handshake::{Answer, Condition, Expected, Handshake, Part, Proof, Value};

/// Most handshakes a description may hold.
const MAX_HANDSHAKES: usize = 8;

/// Longest literal an answer may hold, as JSON text.
const MAX_LITERAL_BYTES: usize = 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HandshakeText {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    when: Vec<ConditionText>,
    proof: ProofText,
    answer: AnswerText,
    #[serde(default)]
    queue: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionText {
    #[serde(default)]
    query: Option<String>,
    #[serde(default)]
    header: Option<String>,
    #[serde(default)]
    json: Option<String>,
    #[serde(default)]
    equals: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
enum PartText {
    Query(String),
    Header(String),
    Json(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum ProofText {
    Signature,
    None,
    VerifyToken(PartText),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
enum AnswerText {
    Empty,
    Text(serde_json::Value),
    Json(BTreeMap<String, serde_json::Value>),
}

/// Reads `texts`, and `challenge` (the older shorthand for Slack's:
/// a signed body whose string at the pointer is echoed as
/// `{"challenge": …}` and, as before there were handshakes, queued too),
/// after them. `hmac` says whether the scheme's keys
/// can make an HMAC for an answer.
pub(super) fn read(
    texts: Vec<HandshakeText>,
    challenge: Option<JsonPointer>,
    hmac: bool,
) -> Result<Vec<Handshake>, DescriptionError> {
    if texts.len() > MAX_HANDSHAKES {
        return Err(DescriptionError::new(format!(
            "at most {MAX_HANDSHAKES} handshakes are described"
        )));
    }
    let mut handshakes = texts
        .into_iter()
        .map(|text| handshake(text, hmac))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(pointer) = challenge {
        handshakes.push(Handshake {
            method: Method::POST,
            when: vec![Condition {
                part: Part::Json(pointer.clone()),
                expected: Expected::AnyText,
            }],
            proof: Proof::Signature,
            answer: Answer::Json(vec![("challenge".to_owned(), Value::Echo(Part::Json(pointer)))]),
            queue: true,
        });
    }
    Ok(handshakes)
}

fn handshake(text: HandshakeText, hmac: bool) -> Result<Handshake, DescriptionError> {
    let method = match text.method.as_deref().unwrap_or("POST") {
        "POST" => Method::POST,
        "GET" => Method::GET,
        "HEAD" => Method::HEAD,
        other => {
            return Err(DescriptionError::new(format!(
                "a handshake's method {other:?} is not POST, GET or HEAD"
            )))
        }
    };
    let signed = method == Method::POST;
    // What a handshake may read: a signed one its signed body and the
    // headers beside it; an unsigned one, which has no body, its query and
    // headers.
    let part = |text: PartText| -> Result<Part, DescriptionError> {
        match text {
            PartText::Json(pointer) if signed => JsonPointer::parse(&pointer)
                .map(Part::Json)
                .ok_or_else(|| DescriptionError::new(format!("{pointer:?} is not a JSON pointer to a member"))),
            PartText::Json(_) => Err(DescriptionError::new(
                "a GET or HEAD handshake has no body to read: it reads its query or headers",
            )),
            PartText::Query(_) if signed => Err(DescriptionError::new(
                "a signed handshake's query is not signed: it reads its body or headers",
            )),
            PartText::Query(name) if !name.is_empty() => Ok(Part::Query(name)),
            PartText::Query(_) => Err(DescriptionError::new("a query parameter's name is empty")),
            PartText::Header(name) => header_name(&name).map(Part::Header),
        }
    };
    let proof = match (text.proof, signed) {
        (ProofText::Signature, true) => Proof::Signature,
        (ProofText::Signature, false) => {
            return Err(DescriptionError::new(
                "a GET or HEAD handshake carries no signature: its proof is a verify token or none",
            ))
        }
        (_, true) => {
            return Err(DescriptionError::new(
                "a POST handshake's proof is its signature: anything else would answer unsigned bodies",
            ))
        }
        (ProofText::None, false) => Proof::Nothing,
        (ProofText::VerifyToken(token), false) => Proof::VerifyToken(part(token)?),
    };
    let when = text
        .when
        .into_iter()
        .map(|condition| {
            let parts = [
                condition.query.map(PartText::Query),
                condition.header.map(PartText::Header),
                condition.json.map(PartText::Json),
            ];
            let mut named = parts.into_iter().flatten();
            let (Some(named_part), None) = (named.next(), named.next()) else {
                return Err(DescriptionError::new(
                    "a condition names one query parameter, header or JSON pointer",
                ));
            };
            let is_json = matches!(named_part, PartText::Json(_));
            let expected = match condition.equals {
                None => Expected::Present,
                Some(serde_json::Value::String(text)) => Expected::Text(text),
                Some(serde_json::Value::Number(number)) if is_json => Expected::Number(number.to_string()),
                Some(_) => {
                    return Err(DescriptionError::new(
                        "a condition equals a string (or, in the body, a number)",
                    ))
                }
            };
            Ok(Condition {
                part: part(named_part)?,
                expected,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let value = |text: serde_json::Value| -> Result<Value, DescriptionError> {
        match text {
            serde_json::Value::Object(object) if object.contains_key("echo") || object.contains_key("hmac") => {
                let mut members = object.into_iter();
                let (Some((kind, source)), None) = (members.next(), members.next()) else {
                    return Err(DescriptionError::new(
                        "an echo or hmac value names one part and nothing else",
                    ));
                };
                let source: PartText = serde_json::from_value(source)
                    .map_err(|error| DescriptionError::new(format!("an {kind} value's part: {error}")))?;
                match kind.as_str() {
                    "echo" => Ok(Value::Echo(part(source)?)),
                    _ if signed && hmac => Ok(Value::Hmac(part(source)?)),
                    _ => Err(DescriptionError::new(
                        "an hmac value needs a signed handshake and an HMAC algorithm: it is made with the key that verified",
                    )),
                }
            }
            literal if literal.to_string().len() <= MAX_LITERAL_BYTES => Ok(Value::Literal(literal)),
            _ => Err(DescriptionError::new(format!(
                "an answer's literal is longer than {MAX_LITERAL_BYTES} bytes"
            ))),
        }
    };
    // What a signed handshake answers with comes from its signed body,
    // never from a header beside it (which a replay can change), and a
    // signed body tells it from a delivery.
    let from_header = |value: &Value| matches!(value, Value::Echo(Part::Header(_)) | Value::Hmac(Part::Header(_)));
    let answer = match text.answer {
        AnswerText::Empty => Answer::Empty,
        AnswerText::Text(text) => Answer::Text(value(text)?),
        AnswerText::Json(members) => Answer::Json(
            members
                .into_iter()
                .map(|(name, member)| Ok((name, value(member)?)))
                .collect::<Result<_, DescriptionError>>()?,
        ),
    };
    if signed && answer.values().any(from_header) {
        return Err(DescriptionError::new(
            "a signed handshake echoes or makes an HMAC of its signed body, not of a header a replay can change",
        ));
    }
    if signed && !when.iter().any(|condition| matches!(condition.part, Part::Json(_))) {
        return Err(DescriptionError::new(
            "a signed handshake names what in its signed body tells it from a delivery: a header alone can be changed by a replay",
        ));
    }
    if method == Method::HEAD && answer != Answer::Empty {
        return Err(DescriptionError::new("a HEAD handshake's answer is empty"));
    }
    if text.queue && !signed {
        return Err(DescriptionError::new(
            "only a signed handshake is queued: nothing else is proven",
        ));
    }
    Ok(Handshake {
        method,
        when,
        proof,
        answer,
        queue: text.queue,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read_one(handshake: serde_json::Value, hmac: bool) -> Result<Vec<Handshake>, DescriptionError> {
        read(vec![serde_json::from_value(handshake).unwrap()], None, hmac)
    }

    fn refused(handshake: serde_json::Value, says: &str) {
        let error = read_one(handshake.clone(), true).expect_err(&handshake.to_string());
        assert!(error.to_string().contains(says), "{handshake}: {error}");
    }

    #[test]
    fn the_providers_handshakes_read() {
        let meta = json!({"method": "GET", "when": [{"query": "hub.mode", "equals": "subscribe"}],
            "proof": {"verify_token": {"query": "hub.verify_token"}},
            "answer": {"text": {"echo": {"query": "hub.challenge"}}}});
        let meta = read_one(meta, false).unwrap();
        assert_eq!(
            meta[0].proof,
            Proof::VerifyToken(Part::Query("hub.verify_token".into()))
        );
        let discord = json!({"when": [{"json": "/type", "equals": 4}], "proof": "signature", "queue": true,
            "answer": {"json": {"type": 8, "data": {"choices": []}}}});
        let discord = read_one(discord, false).unwrap();
        assert_eq!(discord[0].when[0].expected, Expected::Number("4".into()));
        assert_eq!(
            discord[0].answer,
            Answer::Json(vec![
                ("data".into(), Value::Literal(json!({"choices": []}))),
                ("type".into(), Value::Literal(json!(8))),
            ])
        );
        let intercom = json!({"method": "HEAD", "proof": "none", "answer": "empty"});
        assert_eq!(read_one(intercom, false).unwrap()[0].answer, Answer::Empty);
    }

    #[test]
    fn no_handshake_answers_what_it_cant_prove_or_reads_what_isnt_signed() {
        let echo = json!({"text": {"echo": {"json": "/challenge"}}});
        // A POST is proven by its signature, and nothing else.
        refused(
            json!({"when": [{"json": "/t"}], "proof": "none", "answer": echo}),
            "proof is its signature",
        );
        refused(
            json!({"when": [{"json": "/t"}], "proof": {"verify_token": {"header": "x-t"}}, "answer": echo}),
            "proof is its signature",
        );
        // A GET carries no signature and has no body.
        refused(
            json!({"method": "GET", "proof": "signature", "answer": "empty"}),
            "carries no signature",
        );
        refused(
            json!({"method": "GET", "when": [{"json": "/t"}], "proof": "none", "answer": "empty"}),
            "has no body",
        );
        // A signed handshake's query is not signed.
        refused(
            json!({"when": [{"query": "t"}], "proof": "signature", "answer": "empty"}),
            "query is not signed",
        );
        // Every delivery would be a handshake.
        refused(
            json!({"proof": "signature", "answer": "empty"}),
            "names what in its signed body",
        );
        refused(
            json!({"when": [{"header": "x-kind", "equals": "check"}], "proof": "signature", "answer": "empty"}),
            "a header alone",
        );
        // What it answers with comes from the signed body.
        refused(
            json!({"when": [{"json": "/t"}], "proof": "signature", "answer": {"text": {"hmac": {"header": "x-t"}}}}),
            "not of a header",
        );
        refused(
            json!({"when": [{"json": "/t"}], "proof": "signature", "answer": {"json": {"a": {"echo": {"header": "x-t"}}}}}),
            "not of a header",
        );
        // An HMAC only with the verifying key; only signed ones are queued.
        refused(
            json!({"method": "GET", "proof": "none", "answer": {"text": {"hmac": {"query": "t"}}}}),
            "needs a signed handshake",
        );
        let without_hmac = read_one(
            json!({"when": [{"json": "/t"}], "proof": "signature", "answer": {"text": {"hmac": {"json": "/t"}}}}),
            false,
        );
        assert!(without_hmac.unwrap_err().to_string().contains("HMAC algorithm"));
        refused(
            json!({"method": "GET", "proof": "none", "queue": true, "answer": "empty"}),
            "only a signed handshake is queued",
        );
        refused(
            json!({"method": "HEAD", "proof": "none", "answer": {"text": {"echo": {"query": "t"}}}}),
            "answer is empty",
        );
        refused(
            json!({"method": "PUT", "proof": "none", "answer": "empty"}),
            "is not POST, GET or HEAD",
        );
        refused(
            json!({"when": [{"json": "/t", "header": "x"}], "proof": "signature", "answer": "empty"}),
            "names one",
        );
        refused(
            json!({"when": [{"json": "/t"}], "proof": "signature", "answer": {"text": {"echo": {"json": "/t"}, "x": 1}}}),
            "nothing else",
        );
        refused(
            json!({"when": [{"json": "/t"}], "proof": "signature", "answer": {"text": "x".repeat(2000)}}),
            "longer than 1024",
        );
        // Typos are errors.
        let typo = serde_json::from_value::<HandshakeText>(json!({"proof": "signature", "answr": "empty"}));
        assert!(typo.is_err_and(|error| error.to_string().contains("unknown field")));
        let nine: Vec<HandshakeText> = (0..9)
            .map(|_| serde_json::from_value(json!({"method": "HEAD", "proof": "none", "answer": "empty"})).unwrap())
            .collect();
        assert!(read(nine, None, true).unwrap_err().to_string().contains("at most 8"));
    }

    #[test]
    fn the_older_challenge_is_a_signed_handshake() {
        let pointer = JsonPointer::parse("/challenge").unwrap();
        let handshakes = read(Vec::new(), Some(pointer.clone()), true).unwrap();
        assert_eq!(handshakes[0].proof, Proof::Signature);
        assert_eq!(
            handshakes[0].answer,
            Answer::Json(vec![("challenge".into(), Value::Echo(Part::Json(pointer)))])
        );
        assert!(handshakes[0].queue, "queued, as before");
        assert_eq!(handshakes[0].when[0].expected, Expected::AnyText);
    }
}
