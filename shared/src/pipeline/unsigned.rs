//! The unsigned headers a scheme names for its consumers to route by,
//! read from the request into the envelope's `unsigned` member. Bounded
//! so that they fit the envelope's room and carry nothing but a short
//! printable value; a header outside the bounds is left out, never a
//! reason to refuse a genuine delivery. What a consumer may conclude from
//! them is in docs/queue.md ("Unsigned headers").

use std::collections::BTreeMap;

use lambda_http::http::HeaderMap;
use webhook_envelope::MAX_UNSIGNED_VALUE_BYTES;

/// The headers among `names` that came once each with a carriable value,
/// lower-case name → value; `None` when none did, so that an envelope
/// without them is the envelope of before.
pub(crate) fn unsigned_headers(names: &[String], headers: &HeaderMap) -> Option<BTreeMap<String, String>> {
    let carried: BTreeMap<String, String> = names
        .iter()
        .filter_map(|name| {
            let mut values = headers.get_all(name.as_str()).iter();
            let value = values.next()?;
            // Sent twice, neither can be told to be the provider's.
            if values.next().is_some() {
                return None;
            }
            let text = value.to_str().ok()?.trim();
            carriable(text).then(|| (name.clone(), text.to_owned()))
        })
        .collect();
    (!carried.is_empty()).then_some(carried)
}

/// Printable ASCII, from one to [`MAX_UNSIGNED_VALUE_BYTES`] bytes: what an
/// event name, a GUID, a number or a domain is, and nothing a log, a
/// terminal or a consumer's string handling could be surprised by.
fn carriable(value: &str) -> bool {
    !value.is_empty() && value.len() <= MAX_UNSIGNED_VALUE_BYTES && value.bytes().all(|b| (b' '..=b'~').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::http::HeaderValue;

    fn names() -> Vec<String> {
        ["x-github-event", "x-github-delivery", "x-github-hook-id"]
            .map(str::to_owned)
            .to_vec()
    }

    #[test]
    fn named_headers_that_came_are_carried_and_no_others() {
        let mut headers = HeaderMap::new();
        headers.insert("X-GitHub-Event", HeaderValue::from_static("pull_request"));
        headers.insert("x-github-delivery", HeaderValue::from_static(" 72d3162e-cc78-11e3 "));
        headers.insert("x-hub-signature-256", HeaderValue::from_static("sha256=00"));
        headers.insert("authorization", HeaderValue::from_static("Bearer t"));
        let carried = unsigned_headers(&names(), &headers).unwrap();
        assert_eq!(
            carried,
            BTreeMap::from([
                ("x-github-delivery".to_owned(), "72d3162e-cc78-11e3".to_owned()),
                ("x-github-event".to_owned(), "pull_request".to_owned()),
            ])
        );
        assert_eq!(unsigned_headers(&[], &headers), None);
        assert_eq!(unsigned_headers(&names(), &HeaderMap::new()), None);
    }

    #[test]
    fn repeated_empty_long_and_unprintable_values_are_left_out() {
        let longest = "a".repeat(MAX_UNSIGNED_VALUE_BYTES);
        let too_long = "a".repeat(MAX_UNSIGNED_VALUE_BYTES + 1);
        // (A control byte other than a tab never makes a header value.)
        let cases: [(&str, &[&[u8]]); 5] = [
            ("twice", &[b"push", b"ping"]),
            ("empty", &[b"  "]),
            ("too long", &[too_long.as_bytes()]),
            ("a tab", &[b"pu\tsh"]),
            ("not ASCII", &[b"caf\xc3\xa9"]),
        ];
        for (what, values) in cases {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append("x-github-event", HeaderValue::from_bytes(value).unwrap());
            }
            assert_eq!(unsigned_headers(&names(), &headers), None, "{what}");
        }
        let mut headers = HeaderMap::new();
        headers.insert("x-github-event", HeaderValue::from_str(&longest).unwrap());
        let carried = unsigned_headers(&names(), &headers).unwrap();
        assert_eq!(carried["x-github-event"], longest);
    }
}
