//! JSON equality that a swapped document can't fool.
//!
//! `serde_json::Value` equality is too forgiving to decide whether an
//! unsigned copy says the same as a signed text: numbers beyond 64 bits
//! collapse to the same float, and a repeated key silently keeps its last
//! value, while a consumer's parser may read the first one or keep every
//! digit. Here a document is read as its text says it: numbers by their
//! spelling, objects with unique keys (their order does not matter), strings
//! by their decoded value.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use super::reader::{Entries, JsonPointer, MAX_DEPTH};

/// A JSON document, read strictly.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StrictJson {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, by its exact spelling.
    Number(String),
    /// A string, decoded.
    String(String),
    /// An array.
    Array(Vec<StrictJson>),
    /// An object; every key appears once.
    Object(BTreeMap<String, StrictJson>),
}

impl StrictJson {
    /// An object's member `name`; `None` when absent or not an object.
    pub(crate) fn member(&self, name: &str) -> Option<&StrictJson> {
        match self {
            StrictJson::Object(fields) => fields.get(name),
            _ => None,
        }
    }

    /// The value `pointer` points at; `None` when nothing is there. A
    /// segment that is a decimal number also indexes an array.
    pub(crate) fn at(&self, pointer: &JsonPointer) -> Option<&StrictJson> {
        pointer.segments().iter().try_fold(self, |value, segment| match value {
            StrictJson::Object(fields) => fields.get(segment),
            StrictJson::Array(items) => segment
                .parse::<usize>()
                .ok()
                .filter(|_| segment == "0" || !segment.starts_with('0'))
                .and_then(|index| items.get(index)),
            _ => None,
        })
    }

    /// A string's text; `None` for anything else.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            StrictJson::String(text) => Some(text),
            _ => None,
        }
    }
}

/// Parses `text`; `None` if it isn't JSON, repeats a key in an object, or
/// nests deeper than [`MAX_DEPTH`] (reading recurses once per level, so a
/// document nested without end would otherwise exhaust the stack, which no
/// `catch_unwind` survives).
pub(crate) fn parse(text: &str) -> Option<StrictJson> {
    let raw: Box<RawValue> = serde_json::from_str(text).ok()?;
    read(&raw, 0)
}

fn read(raw: &RawValue, depth: usize) -> Option<StrictJson> {
    let text = raw.get();
    let inner = |value| read(value, depth + 1);
    match text.as_bytes().first()? {
        b'[' | b'{' if depth >= MAX_DEPTH => None,
        b'n' => Some(StrictJson::Null),
        b't' => Some(StrictJson::Bool(true)),
        b'f' => Some(StrictJson::Bool(false)),
        b'"' => serde_json::from_str(text).ok().map(StrictJson::String),
        b'[' => {
            let items: Vec<&RawValue> = serde_json::from_str(text).ok()?;
            items
                .into_iter()
                .map(inner)
                .collect::<Option<_>>()
                .map(StrictJson::Array)
        }
        b'{' => {
            let Entries(entries) = serde_json::from_str(text).ok()?;
            let mut object = BTreeMap::new();
            for (key, value) in entries {
                if object.insert(key.into_owned(), inner(value)?).is_some() {
                    return None;
                }
            }
            Some(StrictJson::Object(object))
        }
        _ => Some(StrictJson::Number(text.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_whitespace_and_string_escapes_do_not_matter() {
        assert_eq!(
            parse(r#"{"a":[1,"\u00e9",null],"b":{"c":true}}"#),
            parse("{ \"b\" : { \"c\" : true } , \"a\" : [ 1 , \"é\" , null ] }")
        );
    }

    #[test]
    fn number_spelling_matters() {
        assert_ne!(
            parse(r#"{"n":100000000000000000000001}"#),
            parse(r#"{"n":100000000000000000000000}"#)
        );
        assert_ne!(parse("1"), parse("1.0"));
    }

    #[test]
    fn nesting_is_read_as_deep_as_serde_json_reads_and_no_deeper() {
        let nested = |depth: usize| format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        assert!(parse(&nested(MAX_DEPTH)).is_some());
        assert_eq!(parse(&nested(MAX_DEPTH + 1)), None);
        // Far deeper than any stack would survive, read or not.
        assert_eq!(parse(&nested(100_000)), None);
        let objects = format!("{}1{}", r#"{"a":"#.repeat(MAX_DEPTH + 1), "}".repeat(MAX_DEPTH + 1));
        assert_eq!(parse(&objects), None);
    }

    #[test]
    fn a_pointer_reads_members_and_array_items() {
        let json = parse(r#"{"payload":{"plainToken":"t"},"list":[1,{"a/b":true}]}"#).unwrap();
        let at = |text: &str| json.at(&JsonPointer::parse(text).unwrap());
        assert_eq!(at("/payload/plainToken").and_then(StrictJson::as_str), Some("t"));
        assert_eq!(at("/list/1/a~1b"), Some(&StrictJson::Bool(true)));
        assert_eq!(at("/list/0"), Some(&StrictJson::Number("1".to_owned())));
        assert_eq!(at("/list/01"), None);
        assert_eq!(at("/list/2"), None);
        assert_eq!(at("/payload/plainToken/x"), None);
    }

    #[test]
    fn repeated_keys_are_refused() {
        assert_eq!(parse(r#"{"id":"X","id":"Y"}"#), None);
        assert_eq!(parse(r#"{"a":{"id":1,"id":1}}"#), None);
        assert_eq!(parse("not json"), None);
    }
}
