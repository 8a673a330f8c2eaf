//! The signed content of a described scheme: a template over the raw body
//! and the request's named parts, checked once so that every request's
//! content can be split back into its parts only one way.

use super::error::DescriptionError;

/// One piece of the signed content, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text written in the template itself (`.`, `v0:`).
    Text(String),
    /// The raw body, exactly as received.
    Body,
    /// The message id, from its header.
    Id,
    /// The timestamp, as the request spells it (decimal digits).
    Timestamp,
    /// The URL the provider was given (`SIGNED_URL`): configuration, and,
    /// on a tenant's route, the tenant after it (`/<tenant>`), which the
    /// request names.
    Url,
    /// A form body's parameters, decoded, sorted by name and then value,
    /// each name followed by its value with nothing between (Twilio's and
    /// Mandrill's): in place of `{body}`, whose bytes they don't sign.
    Params,
}

/// Whether `byte` may be in a tenant that a signed URL ends with: URL
/// characters that need no escaping and hold no `/`, `?` or `#`, so that the
/// tenant is the URL's last path segment, spelt as the provider spells it.
pub(crate) fn in_url_segment(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

/// A signed-content template such as `{id}.{timestamp}.{body}`.
///
/// Why the rules: a signature proves the bytes, not how they split into
/// parts. If two parts that come from the request sat side by side, or an
/// id could hold the text that follows it, one signed content could be
/// read as two deliveries (Codat's id `x.1700000000` with a body of digits
/// is the classic), and a captured signature would vouch for the second.
/// So: the body appears exactly once and nothing from the request follows
/// it; a timestamp is digits, so any text or body not starting with a digit
/// ends it; an id is followed by text whose first character it may not
/// contain; a URL, which may end with a tenant's segment, is followed by
/// what a segment can't start with, and a body that could continue the
/// segment is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
    /// The first character of the text that follows `{id}`, which an id
    /// may not contain: then that character's first appearance ends it.
    id_terminator: Option<char>,
    /// Whether `{timestamp}` is directly followed by `{body}`: then a body
    /// that starts with a digit could be split another way.
    timestamp_touches_body: bool,
    /// Whether `{url}` is directly followed by `{body}`: then a body that
    /// starts with a segment's character or `/` could be split another way.
    url_touches_body: bool,
    /// Whether `{url}` is directly followed by `{params}`, which start with
    /// a name: then no tenant's segment can be told from the first name.
    url_touches_params: bool,
}

impl Template {
    /// Parses and checks `text`.
    /// `rfc3339`: whether the timestamp is RFC 3339 (one shape, which no
    /// id's end or body's start can be mistaken for: an id may precede it
    /// directly).
    pub fn parse(text: &str, rfc3339: bool) -> Result<Template, DescriptionError> {
        let pieces = split(text)?;
        let count = |wanted: &Piece| pieces.iter().filter(|piece| *piece == wanted).count();
        if count(&Piece::Body) + count(&Piece::Params) != 1 {
            return Err(DescriptionError::new(
                "the signed content must hold {body} (or a form's {params}) exactly once: only what is signed is queued",
            ));
        }
        for (piece, name) in [
            (Piece::Id, "{id}"),
            (Piece::Timestamp, "{timestamp}"),
            (Piece::Url, "{url}"),
        ] {
            if count(&piece) > 1 {
                return Err(DescriptionError::new(format!(
                    "the signed content holds {name} more than once"
                )));
            }
        }
        let from_request = |piece: &Piece| !matches!(piece, Piece::Text(_));
        let mut id_terminator = None;
        let mut timestamp_touches_body = false;
        let mut url_touches_body = false;
        let mut url_touches_params = false;
        let mut body_seen = false;
        for (at, piece) in pieces.iter().enumerate() {
            let next = pieces.get(at + 1);
            match piece {
                piece if body_seen && from_request(piece) => {
                    return Err(DescriptionError::new(
                        "nothing from the request may follow {body} in the signed content",
                    ));
                }
                Piece::Body | Piece::Params => body_seen = true,
                Piece::Id => match next {
                    Some(Piece::Text(text)) => id_terminator = text.chars().next(),
                    Some(Piece::Timestamp) if rfc3339 => {}
                    _ => {
                        return Err(DescriptionError::new(
                            "{id} must be followed by text (such as `.`) in the signed content",
                        ))
                    }
                },
                Piece::Timestamp => match next {
                    Some(Piece::Text(text)) if !text.starts_with(|c: char| c.is_ascii_digit()) => {}
                    Some(Piece::Body) => timestamp_touches_body = true,
                    _ => {
                        return Err(DescriptionError::new(
                            "{timestamp} must be followed by {body} or by text that doesn't start with a digit",
                        ))
                    }
                },
                Piece::Url => match next {
                    Some(Piece::Text(text)) if !text.starts_with(|c: char| c == '/' || in_url_segment_char(c)) => {}
                    Some(Piece::Body) => url_touches_body = true,
                    Some(Piece::Params) => url_touches_params = true,
                    _ => {
                        return Err(DescriptionError::new(
                            "{url} must be followed by {body} or by text that doesn't start with `/` or a letter, digit, `-`, `.`, `_` or `~` (a tenant's route adds a segment to the URL)",
                        ))
                    }
                },
                Piece::Text(_) => {}
            }
        }
        Ok(Template {
            pieces,
            id_terminator,
            timestamp_touches_body,
            url_touches_body,
            url_touches_params,
        })
    }

    /// Whether a tenant's route can't be served: its segment would run
    /// into the first parameter's name (`{url}{params}`).
    pub fn refuses_tenants(&self) -> bool {
        self.url_touches_params
    }

    /// The pieces, in order.
    pub fn pieces(&self) -> &[Piece] {
        &self.pieces
    }

    /// Whether the template holds `piece`.
    pub fn holds(&self, piece: &Piece) -> bool {
        self.pieces.contains(piece)
    }

    /// Whether these request parts split the content only one way.
    pub fn splits_one_way(&self, id: Option<&str>, body: &[u8]) -> bool {
        let id_ok = match (&self.id_terminator, id) {
            (Some(terminator), Some(id)) => !id.contains(*terminator),
            _ => true,
        };
        let first = body.first().copied();
        let after_timestamp_ok = !self.timestamp_touches_body || !first.is_some_and(|byte| byte.is_ascii_digit());
        let after_url_ok = !self.url_touches_body || !first.is_some_and(|byte| byte == b'/' || in_url_segment(byte));
        id_ok && after_timestamp_ok && after_url_ok
    }
}

fn in_url_segment_char(c: char) -> bool {
    u8::try_from(c).is_ok_and(in_url_segment)
}

/// Splits the template's text into pieces; `{` and `}` only ever open and
/// close a part's name.
fn split(text: &str) -> Result<Vec<Piece>, DescriptionError> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (literal, from_brace) = rest.split_at(rest.find(['{', '}']).unwrap_or(rest.len()));
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal.to_owned()));
            rest = from_brace;
            continue;
        }
        let Some((name, after)) = rest.strip_prefix('{').and_then(|inside| inside.split_once('}')) else {
            return Err(DescriptionError::new(
                "a `{` or `}` in the signed content opens or closes no part",
            ));
        };
        pieces.push(match name {
            "body" => Piece::Body,
            "id" => Piece::Id,
            "timestamp" => Piece::Timestamp,
            "url" => Piece::Url,
            "params" => Piece::Params,
            other => {
                return Err(DescriptionError::new(format!(
                    "the signed content names {{{other}}}; the parts are {{body}}, {{params}}, {{id}}, {{timestamp}} and {{url}}"
                )))
            }
        });
        rest = after;
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_providers_templates_parse_into_their_pieces() {
        let text = |t: &str| Piece::Text(t.to_owned());
        let cases = [
            ("{body}", vec![Piece::Body]),
            (
                "{id}.{timestamp}.{body}",
                vec![Piece::Id, text("."), Piece::Timestamp, text("."), Piece::Body],
            ),
            ("{timestamp}.{body}", vec![Piece::Timestamp, text("."), Piece::Body]),
            (
                "v0:{timestamp}:{body}",
                vec![text("v0:"), Piece::Timestamp, text(":"), Piece::Body],
            ),
            ("{url}{body}", vec![Piece::Url, Piece::Body]),
            ("{timestamp}{body}", vec![Piece::Timestamp, Piece::Body]),
            ("{url}:{body}", vec![Piece::Url, text(":"), Piece::Body]),
            ("{url}{params}", vec![Piece::Url, Piece::Params]),
        ];
        for (template, pieces) in cases {
            assert_eq!(Template::parse(template, false).unwrap().pieces(), pieces, "{template}");
        }
    }

    #[test]
    fn templates_that_sign_too_little_or_split_two_ways_are_refused() {
        for template in [
            "",
            "{id}.{timestamp}",
            "{body}.{body}",
            "{timestamp}.{timestamp}.{body}",
            "{body}.{id}",
            "{body}{timestamp}",
            "{id}{timestamp}.{body}",
            "{id}{body}",
            "{timestamp}1{body}",
            "{timestamp}{id}.{body}",
            // A tenant's segment could run into what follows the URL.
            "{url}{id}.{body}",
            "{url}{timestamp}.{body}",
            "{url}.{body}",
            "{url}/{body}",
            "{url}",
            "{body}{url}",
            "{body",
            "body}",
            "{{body}}",
            "{Body}",
            "{method}{body}",
            "{none}",
            // A form's parameters stand for the body, once.
            "{params}{body}",
            "{params}{params}",
            "{params}{id}.",
            "{timestamp}{params}",
        ] {
            assert!(Template::parse(template, false).is_err(), "{template}");
        }
    }

    #[test]
    fn an_id_runs_into_a_timestamp_only_of_one_shape() {
        assert!(Template::parse("{id}{timestamp}{body}", false).is_err());
        let twitch = Template::parse("{id}{timestamp}{body}", true).unwrap();
        assert_eq!(twitch.pieces(), [Piece::Id, Piece::Timestamp, Piece::Body]);
    }

    #[test]
    fn an_id_holding_its_separator_or_a_body_of_digits_after_a_timestamp_splits_two_ways() {
        let dotted = Template::parse("{id}.{timestamp}.{body}", false).unwrap();
        assert!(dotted.splits_one_way(Some("msg_1"), b"5"));
        assert!(!dotted.splits_one_way(Some("msg.1"), b"{}"));
        let touching = Template::parse("{timestamp}{body}", false).unwrap();
        assert!(touching.splits_one_way(None, b"{}"));
        assert!(touching.splits_one_way(None, b""));
        assert!(!touching.splits_one_way(None, b"12"));
    }

    #[test]
    fn a_body_that_could_continue_a_tenants_segment_splits_two_ways() {
        // `U/t1` + `23` and `U/t` + `123` are the same bytes.
        let square = Template::parse("{url}{body}", false).unwrap();
        assert!(square.splits_one_way(None, br#"{"a":1}"#));
        assert!(square.splits_one_way(None, b" [1]"));
        for body in [&b"123"[..], b"true", b"-1", b"/x", b"~"] {
            assert!(!square.splits_one_way(None, body), "{body:?}");
        }
    }
}
