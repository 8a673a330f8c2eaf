//! Reads request bodies as strictly as every consumer's parser agrees on,
//! without building a document tree: a body is refused (400) unless every
//! string decodes (no lone surrogate escape), no object repeats a key
//! (compared decoded) and nothing nests deeper than [`MAX_DEPTH`]; a
//! leading UTF-8 byte order mark is skipped. Why: docs/choices.md ("Which
//! bodies are JSON enough?"). The serde errors are dropped on purpose:
//! their text can quote the payload.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::error::ReceiveError;

/// How deeply arrays and objects may nest in a body: one level less than
/// the lowest default limit among consumers' parsers (64, .NET's
/// `System.Text.Json` and Newtonsoft.Json; serde_json reads 127, Python's
/// `json` about 1,000), so that the queued message, which wraps the
/// payload in one more object, reads everywhere. Anything read
/// recursively (the strict comparison of receeve's copy) stays far from
/// the stack's end.
pub(crate) const MAX_DEPTH: usize = 63;

/// The body without a leading UTF-8 byte order mark, which is not JSON.
pub(crate) fn without_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// A JSON pointer (RFC 6901) to a value inside a body: where a described
/// scheme reads an event's id or type. Kept as its unescaped segments
/// (`~1` is `/`, `~0` is `~`); a segment that is a decimal number also
/// indexes an array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonPointer(Vec<String>);

impl JsonPointer {
    /// Parses `/a/b~1c`. `None` for text that isn't a pointer to a value
    /// below the root (the empty pointer, the whole body, is no id or type),
    /// or that escapes wrongly.
    pub(crate) fn parse(text: &str) -> Option<JsonPointer> {
        let rest = text.strip_prefix('/')?;
        rest.split('/')
            .map(|segment| {
                let mut unescaped = String::with_capacity(segment.len());
                let mut chars = segment.chars();
                while let Some(c) = chars.next() {
                    match (c, c == '~') {
                        (_, false) => unescaped.push(c),
                        (_, true) => match chars.next() {
                            Some('0') => unescaped.push('~'),
                            Some('1') => unescaped.push('/'),
                            _ => return None,
                        },
                    }
                }
                Some(unescaped)
            })
            .collect::<Option<Vec<_>>>()
            .map(JsonPointer)
    }

    /// Its segments, unescaped.
    pub(crate) fn segments(&self) -> &[String] {
        &self.0
    }

    /// The pointer to a top-level member.
    pub(crate) fn member(name: &str) -> JsonPointer {
        JsonPointer(vec![name.to_owned()])
    }
}

/// Checks the whole of `body` and, on the way, in the same pass, reads the
/// string `pointer` points at: `None` when there is no pointer, nothing
/// there, or something other than a string (event ids and types are
/// informative, and a provider adding a new shape must not cost an
/// event). Any JSON is accepted; only objects and arrays have members.
pub(crate) fn string_at(body: &[u8], pointer: Option<&JsonPointer>) -> Result<Option<String>, ReceiveError> {
    let mut deserializer = serde_json::Deserializer::from_slice(without_bom(body));
    let checked = Checked {
        depth: 0,
        path: pointer.map(|pointer| pointer.0.as_slice()),
    };
    checked
        .deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|_| malformed_json())
}

/// A top-level string field of a body that must be a JSON object (400
/// otherwise), or `None` when absent or not a string, read as
/// [`string_at`] reads.
pub(crate) fn optional_string(body: &[u8], field: &str) -> Result<Option<String>, ReceiveError> {
    let value = string_at(body, Some(&JsonPointer::member(field)))?;
    if first_token(without_bom(body)) != Some(b'{') {
        return Err(ReceiveError::Malformed("body is not a JSON object"));
    }
    Ok(value)
}

/// The top-level members of a body that must be a JSON object, each value
/// checked and kept as its exact text, for schemes that sign some members
/// and not others.
#[derive(Debug)]
pub(crate) struct Members<'a> {
    members: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl<'a> Members<'a> {
    /// Reads and checks `body`. `known` names the members the scheme reads:
    /// any other member whose name is one of them in another letter case is
    /// refused, since a parser that matches names ignoring case (Go's
    /// `encoding/json`, or Jackson and .NET when told to) could read it in
    /// place of the known one.
    pub(crate) fn read(body: &'a [u8], known: &[&str]) -> Result<Self, ReceiveError> {
        let body = without_bom(body);
        if first_token(body) != Some(b'{') {
            // Still checked, so that broken JSON is told apart.
            string_at(body, None)?;
            return Err(ReceiveError::Malformed("body is not a JSON object"));
        }
        let Entries(members) = serde_json::from_slice(body).map_err(|_| malformed_json())?;
        let mut names: Vec<&str> = members.iter().map(|(name, _)| name.as_ref()).collect();
        refuse_repeats(&mut names).map_err(|()| malformed_json())?;
        for (name, value) in &members {
            check_value(value, 1)?;
            if !known.contains(&name.as_ref()) && known.iter().any(|known| same_ignoring_case(name, known)) {
                return Err(ReceiveError::Malformed(
                    "a member's name is a known member's in another letter case",
                ));
            }
        }
        Ok(Members { members })
    }

    /// A member's exact text.
    pub(crate) fn raw(&self, name: &str) -> Option<&'a RawValue> {
        self.members
            .iter()
            .find(|(member, _)| member == name)
            .map(|(_, value)| *value)
    }

    /// A member that is a string, decoded; `None` when absent or not a string.
    pub(crate) fn string(&self, name: &str) -> Option<String> {
        self.raw(name).and_then(|raw| serde_json::from_str(raw.get()).ok())
    }
}

/// Whether a parser matching names ignoring case could take one for the
/// other. Broader than any one parser's rule: each character is compared
/// by its upper case's lower case, so `ſ` (which Go folds to `s`), the
/// Kelvin sign `K`, `ı` (which .NET upper-cases to `I`) and `ß` (`SS` in
/// Java) all count.
pub(crate) fn same_ignoring_case(a: &str, b: &str) -> bool {
    let fold = |text: &str| -> String {
        text.chars()
            .flat_map(char::to_uppercase)
            .flat_map(char::to_lowercase)
            .collect()
    };
    fold(a) == fold(b)
}

fn malformed_json() -> ReceiveError {
    ReceiveError::Malformed("body is not JSON, or not JSON every parser reads alike")
}

/// The first byte after JSON's own whitespace. Anything else before the
/// value is an error either way, which the readers report.
fn first_token(body: &[u8]) -> Option<u8> {
    body.iter()
        .copied()
        .find(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\r'))
}

/// Whether `segment` is `index` in canonical decimal (no sign, no leading
/// zero), as RFC 6901 spells an array index.
fn is_index(segment: &str, index: usize) -> bool {
    segment.parse::<usize>().is_ok_and(|parsed| parsed == index) && (segment == "0" || !segment.starts_with('0'))
}

/// Checks one value's text, found `depth` levels down.
fn check_value(value: &RawValue, depth: usize) -> Result<(), ReceiveError> {
    let mut deserializer = serde_json::Deserializer::from_str(value.get());
    Checked::at(depth)
        .deserialize(&mut deserializer)
        .and_then(|_| deserializer.end())
        .map_err(|_| malformed_json())
}

/// `Err` when two of `keys` are equal (sorts them).
fn refuse_repeats<K: Ord>(keys: &mut [K]) -> Result<(), ()> {
    keys.sort_unstable();
    if keys.windows(2).any(|pair| matches!(pair, [a, b] if a == b)) {
        Err(())
    } else {
        Ok(())
    }
}

/// An object's members in order, repeats included, keys decoded.
pub(crate) struct Entries<'a>(pub(crate) Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Entries<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<'a>(std::marker::PhantomData<&'a ()>);

        impl<'de: 'a, 'a> Visitor<'de> for EntriesVisitor<'a> {
            type Value = Entries<'a>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Entries<'a>, M::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key_seed(Key)? {
                    entries.push((key, map.next_value::<&'de RawValue>()?));
                }
                Ok(Entries(entries))
            }
        }

        deserializer.deserialize_map(EntriesVisitor(std::marker::PhantomData))
    }
}

/// An object's key, decoded, borrowed from the body when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Cow<'de, str>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, key: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E>(self, key: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(key.to_owned()))
    }
}

/// Reads any JSON value and checks it, keeping the string `path` leads to
/// (`Some(&[])`: this value). Unlike `serde::de::IgnoredAny` or a
/// `RawValue`, which serde_json skips without decoding strings or counting
/// depth, this goes through `deserialize_any`, so every string is decoded
/// (a lone surrogate escape is refused), every object's keys are compared,
/// and depth is counted from the body's root.
#[derive(Clone, Copy)]
struct Checked<'p> {
    depth: usize,
    path: Option<&'p [String]>,
}

impl<'p> Checked<'p> {
    /// A value `depth` levels below the root, read, checked and dropped.
    const fn at(depth: usize) -> Self {
        Checked { depth, path: None }
    }

    /// A member one level down, named `name` (an object's key, or an
    /// array's index written in decimal); `Err` past [`MAX_DEPTH`].
    fn inner<E: serde::de::Error>(self, name: impl FnOnce(&str) -> bool) -> Result<Checked<'p>, E> {
        if self.depth >= MAX_DEPTH {
            return Err(E::custom("nested too deeply"));
        }
        let path = match self.path {
            Some([first, rest @ ..]) if name(first) => Some(rest),
            _ => None,
        };
        Ok(Checked {
            depth: self.depth + 1,
            path,
        })
    }
}

impl<'de> DeserializeSeed<'de> for Checked<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<String>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Checked<'_> {
    type Value = Option<String>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("JSON")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
        let mut found = None;
        let mut keys = Vec::new();
        while let Some(key) = map.next_key_seed(Key)? {
            let value = map.next_value_seed(self.inner(|name| name == key)?)?;
            found = found.or(value);
            keys.push(key);
        }
        refuse_repeats(&mut keys).map_err(|()| serde::de::Error::custom("repeated key"))?;
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<String>, A::Error> {
        let mut found = None;
        let mut index = 0_usize;
        while let Some(value) = seq.next_element_seed(self.inner(|name| is_index(name, index))?)? {
            found = found.or(value);
            index += 1;
        }
        Ok(found)
    }

    fn visit_str<E>(self, text: &str) -> Result<Option<String>, E> {
        Ok(matches!(self.path, Some([])).then(|| text.to_owned()))
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

    fn read(body: &str) -> Result<Option<String>, ReceiveError> {
        string_at(body.as_bytes(), Some(&JsonPointer::member("type")))
    }

    fn is_malformed<T: fmt::Debug>(result: &Result<T, ReceiveError>) -> bool {
        matches!(result, Err(ReceiveError::Malformed(_)))
    }

    #[test]
    fn reads_the_field_as_a_map_would() {
        // Each case beside what a full parse into a map says.
        for body in [
            r#"{"type":"a.b","data":{"type":"nested"}}"#,
            r#"{"data":[1,{"type":"x"}],"type":"esc\u00e9\"d"}"#,
            r#"{"type":7}"#,
            r#"{"type":null}"#,
            r#"{"other":"x"}"#,
            r#"{"typ\u0065":"escaped key"}"#,
            " { \"type\" : \"spaced\" } \n",
        ] {
            let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(body).unwrap();
            let expected = map.get("type").and_then(|v| v.as_str()).map(str::to_owned);
            assert_eq!(read(body).unwrap(), expected, "{body}");
        }
    }

    #[test]
    fn other_json_has_no_field_and_broken_json_is_malformed() {
        for body in ["[1,2]", "\"type\"", "7", "-1.5", "true", "null", "[]"] {
            assert_eq!(read(body).unwrap(), None, "{body}");
            assert!(is_malformed(&optional_string(body.as_bytes(), "type")), "{body}");
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
            assert!(is_malformed(&read(body)), "{body:?}");
        }
    }

    #[test]
    fn refuses_what_parsers_read_differently_anywhere_in_the_body() {
        let deep = |depth: usize| format!(r#"{{"type":"t","x":{}1{}}}"#, "[".repeat(depth), "]".repeat(depth));
        for body in [
            r#"{"type":"t","x":"\ud800"}"#.to_owned(),
            r#"{"type":"t","x":{"y":["\udc00"]}}"#.to_owned(),
            r#"["\ud800"]"#.to_owned(),
            deep(200),
            // The field itself, read as strictly as the rest.
            r#"{"type":"\ud800"}"#.to_owned(),
            format!(r#"{{"type":{}1{}}}"#, "[".repeat(200), "]".repeat(200)),
            // Repeated keys, at the top, deeper, and spelled differently.
            r#"{"type":"first","type":"last"}"#.to_owned(),
            r#"{"type":"t","x":{"id":1,"id":2}}"#.to_owned(),
            r#"{"type":"t","x":[{"a":1,"\u0061":2}]}"#.to_owned(),
            r#"[{"a":1,"a":1}]"#.to_owned(),
        ] {
            assert!(is_malformed(&read(&body)), "{body}");
        }
        // MAX_DEPTH levels are fine: the body's object and the arrays
        // inside it. One more is not.
        let body = deep(MAX_DEPTH - 1);
        assert_eq!(read(&body).unwrap(), Some("t".to_owned()));
        assert!(is_malformed(&read(&deep(MAX_DEPTH))));
    }

    /// How deep a document nests, counted as .NET's readers count it.
    fn depth(json: &str) -> usize {
        let (mut depth, mut deepest, mut in_string, mut escaped) = (0_usize, 0, false, false);
        for c in json.chars() {
            match (in_string, escaped, c) {
                (true, true, _) => escaped = false,
                (true, false, '\\') => escaped = true,
                (true, false, '"') | (false, _, '"') => in_string = !in_string,
                (false, _, '[' | '{') => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                (false, _, ']' | '}') => depth -= 1,
                _ => {}
            }
        }
        deepest
    }

    #[test]
    fn the_deepest_body_queued_stays_within_every_parsers_default_limit() {
        let deepest = format!(
            r#"{{"type":"t","x":{}1{}}}"#,
            "[".repeat(MAX_DEPTH - 1),
            "]".repeat(MAX_DEPTH - 1)
        );
        assert!(read(&deepest).is_ok());
        // The envelope wraps the payload in one more object.
        let message = format!(r#"{{"provider":"kaunt","payload":{deepest}}}"#);
        assert_eq!(
            depth(&message),
            64,
            "System.Text.Json's and Newtonsoft.Json's default MaxDepth"
        );
        assert!(serde_json::from_str::<serde_json::Value>(&message).is_ok());
    }

    #[test]
    fn a_leading_byte_order_mark_is_skipped() {
        let body = "\u{FEFF}{\"type\":\"t\"}";
        assert_eq!(read(body).unwrap(), Some("t".to_owned()));
        assert_eq!(without_bom(body.as_bytes()), br#"{"type":"t"}"#);
        assert!(is_malformed(&read("\u{FEFF}\u{FEFF}{}")), "only one, only first");
    }

    #[test]
    fn pointers_reach_nested_members_and_array_elements() {
        let body = br#"{"event":{"type":"message","ids":["a","b"]},"a/b":{"~":"escaped"},"n":7}"#;
        let at = |pointer: &str| string_at(body, Some(&JsonPointer::parse(pointer).unwrap())).unwrap();
        assert_eq!(at("/event/type").as_deref(), Some("message"));
        assert_eq!(at("/event/ids/1").as_deref(), Some("b"));
        assert_eq!(at("/a~1b/~0").as_deref(), Some("escaped"));
        for nothing in [
            "/event",
            "/event/ids/2",
            "/event/ids/01",
            "/event/ids/-1",
            "/n",
            "/missing/x",
            "/event/type/x",
        ] {
            assert_eq!(at(nothing), None, "{nothing}");
        }
        assert_eq!(string_at(body, None).unwrap(), None);
        for bad in ["", "event", "/a~2", "/a~"] {
            assert_eq!(JsonPointer::parse(bad), None, "{bad}");
        }
        // Nested reads are as strict as the rest.
        let repeated = br#"{"event":{"type":"a","type":"b"}}"#;
        assert!(is_malformed(&string_at(
            repeated,
            Some(&JsonPointer::parse("/event/type").unwrap())
        )));
    }

    const KNOWN: [&str; 2] = ["data", "signature"];

    #[test]
    fn members_keep_their_exact_text() {
        let body = br#"{"data": { "a" : 1 },"signature":"ab\u0063","extra":[true]}"#;
        let members = Members::read(body, &KNOWN).unwrap();
        assert_eq!(members.raw("data").unwrap().get(), r#"{ "a" : 1 }"#);
        assert_eq!(members.string("signature").as_deref(), Some("abc"));
        assert_eq!(members.string("data"), None);
        assert!(members.raw("DATA").is_none());
    }

    #[test]
    fn members_are_as_strict_as_a_field_read() {
        let deep = |depth: usize| {
            format!(
                r#"{{"data":{}1{},"signature":""}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            )
        };
        assert!(Members::read(deep(MAX_DEPTH - 1).as_bytes(), &KNOWN).is_ok());
        for body in [
            deep(MAX_DEPTH),
            deep(5000),
            r#"{"data":{},"signature":"","x":"\udfff"}"#.to_owned(),
            r#"{"data":{},"signature":"","x":{"k":1,"k":1}}"#.to_owned(),
            r#"{"data":{},"signature":"","data":{}}"#.to_owned(),
            r#"{"data":{},"signature":"","d\u0061ta":{}}"#.to_owned(),
            "[]".to_owned(),
            "not json".to_owned(),
        ] {
            assert!(is_malformed(&Members::read(body.as_bytes(), &KNOWN)), "{body}");
        }
    }

    #[test]
    fn a_member_named_like_a_known_one_in_another_case_is_refused() {
        for name in ["DATA", "Data", "dAta", "ſignature", "SIGNATURE", "\u{212A}"] {
            let known = ["data", "signature", "k"];
            let body = format!(r#"{{"data":{{}},"signature":"","{name}":{{}}}}"#);
            assert!(is_malformed(&Members::read(body.as_bytes(), &known)), "{name}");
        }
        for other in ["datum", "signatures", "payload"] {
            let body = format!(r#"{{"data":{{}},"signature":"","{other}":{{}}}}"#);
            assert!(Members::read(body.as_bytes(), &KNOWN).is_ok(), "{other}");
        }
    }

    #[test]
    fn case_folding_covers_each_parsers_rule() {
        assert!(same_ignoring_case("payloadAsString", "PAYLOADASSTRING"));
        assert!(same_ignoring_case("payloadAßtring", "payloadAsString"));
        assert!(same_ignoring_case("sıgnature", "signature"));
        assert!(!same_ignoring_case("signature", "signatures"));
        assert!(!same_ignoring_case("İ", "i"));
    }
}
