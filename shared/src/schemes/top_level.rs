//! Reads one string field at the top level of a JSON body without building
//! the document: header-signed bodies are otherwise only passed along, and
//! a tree of a 64 KiB body would cost more than verifying it. The whole
//! body, the field included, is still read as strictly as a full parse
//! would read it (strings decoded, so a lone surrogate escape is refused; nesting up to
//! serde_json's limit of 128), so what is accepted is what a consumer's
//! own `serde_json` parse accepts.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::ReceiveError;

/// What a body is, as far as one field goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TopLevel {
    /// A JSON object, with the field's value when it is a string (the last
    /// one, when the field repeats, as a map would keep it).
    Object(Option<String>),
    /// JSON, but not an object.
    NotObject,
}

/// Reads `field` from `bytes`, which must be JSON (400 otherwise). The
/// whole body is checked as JSON on the way. The serde error is dropped on
/// purpose: its text can quote the payload.
pub(crate) fn string_field(bytes: &[u8], field: &str) -> Result<TopLevel, ReceiveError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    // JSON's own whitespace only: anything else before the value is an
    // error either way, which the reader below reports.
    let first = bytes.iter().find(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\r'));
    let read = if first == Some(&b'{') {
        deserializer.deserialize_map(FieldReader { field })
    } else {
        SKIP.deserialize(&mut deserializer).map(|_| TopLevel::NotObject)
    };
    read.and_then(|top| deserializer.end().map(|()| top))
        .map_err(|_| ReceiveError::Malformed("body is not JSON"))
}

/// Reads a JSON object for one of its fields, checking the rest.
struct FieldReader<'f> {
    field: &'f str,
}

impl<'de> Visitor<'de> for FieldReader<'_> {
    type Value = TopLevel;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.field {
                found = map.next_value_seed(Checked { keep_string: true })?;
            } else {
                map.next_value_seed(SKIP)?;
            }
        }
        Ok(TopLevel::Object(found))
    }
}

/// Reads any JSON value and checks it, keeping its text only when it is a
/// string and `keep_string` is set. Unlike `serde::de::IgnoredAny` or a
/// `RawValue`, which serde_json skips without decoding strings or counting
/// depth, this goes through `deserialize_any`, so strings are decoded (a
/// lone surrogate escape is refused) and serde_json's recursion limit
/// applies.
#[derive(Clone, Copy)]
struct Checked {
    keep_string: bool,
}

/// A value read, checked and dropped.
const SKIP: Checked = Checked { keep_string: false };

impl<'de> DeserializeSeed<'de> for Checked {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<String>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Checked {
    type Value = Option<String>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
        while map.next_entry_seed(SKIP, SKIP)?.is_some() {}
        Ok(None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<String>, A::Error> {
        while seq.next_element_seed(SKIP)?.is_some() {}
        Ok(None)
    }

    fn visit_str<E>(self, text: &str) -> Result<Option<String>, E> {
        Ok(self.keep_string.then(|| text.to_owned()))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Option<String>, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Option<String>, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(body: &str) -> Result<TopLevel, ReceiveError> {
        string_field(body.as_bytes(), "type")
    }

    #[test]
    fn reads_the_field_as_a_map_would() {
        // Each case beside what a full parse into a map says.
        for body in [
            r#"{"type":"a.b","data":{"type":"nested"}}"#,
            r#"{"data":[1,{"type":"x"}],"type":"esc\u00e9\"d"}"#,
            r#"{"type":"first","type":"last"}"#,
            r#"{"type":"first","type":7}"#,
            r#"{"type":7}"#,
            r#"{"type":null}"#,
            r#"{"other":"x"}"#,
            r#"{"typ\u0065":"escaped key"}"#,
            " { \"type\" : \"spaced\" } \n",
        ] {
            let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(body).unwrap();
            let expected = map.get("type").and_then(|v| v.as_str()).map(str::to_owned);
            assert_eq!(read(body).unwrap(), TopLevel::Object(expected), "{body}");
        }
    }

    #[test]
    fn other_json_is_not_an_object_and_broken_json_is_malformed() {
        for body in ["[1,2]", "\"type\"", "7", "-1.5", "true", "null", "[]"] {
            assert_eq!(read(body).unwrap(), TopLevel::NotObject, "{body}");
        }
        for body in [
            "",
            "{",
            r#"{"type":"a"} x"#,
            r#"{"type":"a",}"#,
            "[1,]",
            "nul",
            "{\"a\":\"\u{1}\"}",
        ] {
            assert!(matches!(read(body), Err(ReceiveError::Malformed(_))), "{body:?}");
        }
    }

    #[test]
    fn refuses_what_a_full_parse_refuses_anywhere_in_the_body() {
        let deep = |depth: usize| format!(r#"{{"type":"t","x":{}1{}}}"#, "[".repeat(depth), "]".repeat(depth));
        for body in [
            r#"{"type":"t","x":"\ud800"}"#.to_owned(),
            r#"{"type":"t","x":{"y":["\udc00"]}}"#.to_owned(),
            r#"["\ud800"]"#.to_owned(),
            deep(200),
            // The field itself, read as strictly as the rest.
            r#"{"type":"\ud800"}"#.to_owned(),
            format!(r#"{{"type":{}1{}}}"#, "[".repeat(200), "]".repeat(200)),
        ] {
            assert!(serde_json::from_str::<serde_json::Value>(&body).is_err(), "{body}");
            assert!(matches!(read(&body), Err(ReceiveError::Malformed(_))), "{body}");
        }
        // As deep as a full parse reads is fine.
        let body = deep(100);
        assert!(serde_json::from_str::<serde_json::Value>(&body).is_ok());
        assert_eq!(read(&body).unwrap(), TopLevel::Object(Some("t".to_owned())));
    }
}
