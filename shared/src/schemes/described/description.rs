//! A scheme description as a user writes it (JSON), and its reading into a
//! [`Described`] scheme. Everything is checked here, once, when the
//! function starts: unknown fields, unknown names, and every combination
//! that would accept more than the provider signs.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;
use webhook_envelope::{MAX_UNSIGNED_HEADERS, MAX_UNSIGNED_NAME_BYTES};

use super::crypto::{Algorithm, Encoding, KeyForm};
use super::error::DescriptionError;
use super::handshakes::{self, HandshakeText};
use super::header_name::header_name;
use super::scheme::{Bodies, Described, Fact, Family, Syntax, TimestampRule, TimestampSource, TimestampUnit, Verifier};
use super::template::{Piece, Template};
use crate::codec::json::reader::JsonPointer;

/// The setting that holds the URL a provider signs (`{url}`): the URL the
/// provider was given, exactly, which the request can't tell us (a custom
/// domain, a stage path).
pub(crate) const SIGNED_URL_SETTING: &str = "SIGNED_URL";

/// The longest timestamp tolerance a description may give: a day. Longer
/// is not replay protection.
const MAX_TOLERANCE_SECS: u64 = 86_400;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DescriptionText {
    signature: SignatureText,
    algorithms: Vec<AlgorithmText>,
    signed: String,
    #[serde(default)]
    id: Option<HeaderText>,
    #[serde(default)]
    timestamp: Option<TimestampText>,
    #[serde(default)]
    alternative_headers: Vec<BTreeMap<String, String>>,
    #[serde(default)]
    event_id: Option<FactText>,
    #[serde(default)]
    event_type: Option<FactText>,
    #[serde(default)]
    challenge: Option<FactText>,
    #[serde(default)]
    unsigned_headers: Vec<String>,
    #[serde(default)]
    handshakes: Vec<HandshakeText>,
    #[serde(default)]
    body: Option<OneOrMore>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureText {
    header: String,
    #[serde(default)]
    prefix: Option<String>,
    #[serde(default)]
    prefix_optional: bool,
    #[serde(default)]
    list: Option<ListText>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListText {
    separator: String,
    assign: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AlgorithmText {
    #[serde(default)]
    version: Option<String>,
    algorithm: String,
    encoding: OneOrMore,
    key: KeyText,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMore {
    One(String),
    More(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyText {
    form: String,
    #[serde(default)]
    prefix: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderText {
    header: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimestampText {
    #[serde(default)]
    header: Option<String>,
    #[serde(default)]
    entry: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    tolerance_secs: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "lowercase")]
enum FactText {
    Header(String),
    Json(String),
}

impl Described {
    /// Reads the description `json` of the scheme of the provider `name`.
    /// `lookup` gives `SIGNED_URL` when the signed content holds `{url}`.
    pub fn from_json(
        name: &str,
        json: &str,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Described, DescriptionError> {
        let text: DescriptionText = serde_json::from_str(json)
            .map_err(|error| DescriptionError::new(format!("the description is not one: {error}")))?;
        read(name, text, lookup)
    }
}

fn read(
    name: &str,
    text: DescriptionText,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Described, DescriptionError> {
    // An RFC 3339 timestamp has one shape, so it may follow an id directly
    // (Twitch's `{id}{timestamp}{body}`): the template needs to know.
    let unit = text.timestamp.as_ref().map(|timestamp| timestamp.unit.as_deref());
    let rfc3339 = unit.map(timestamp_unit).transpose()? == Some(TimestampUnit::Rfc3339);
    let template = Template::parse(&text.signed, rfc3339)?;
    let signature_header = header_name(&text.signature.header)?;
    let syntax = syntax(text.signature)?;
    let verifiers = verifiers(&syntax, text.algorithms)?;
    let id_header = match (text.id, template.holds(&Piece::Id)) {
        (Some(id), true) => Some(header_name(&id.header)?),
        (None, false) => None,
        (None, true) => {
            return Err(DescriptionError::new(
                "the signed content holds {id}, but no id header is named",
            ))
        }
        (Some(_), false) => {
            return Err(DescriptionError::new(
                "an id header is named, but the signed content doesn't hold {id}: an unsigned id proves nothing",
            ))
        }
    };
    let timestamp = match (text.timestamp, template.holds(&Piece::Timestamp)) {
        (Some(timestamp), true) => Some(timestamp_rule(timestamp, &syntax)?),
        (None, false) => None,
        (None, true) => {
            return Err(DescriptionError::new(
                "the signed content holds {timestamp}, but no timestamp is described",
            ))
        }
        (Some(_), false) => {
            return Err(DescriptionError::new(
                "a timestamp is described, but the signed content doesn't hold {timestamp}: an unsigned timestamp stops no replay",
            ))
        }
    };
    let timestamp_header = match &timestamp {
        Some(TimestampRule {
            source: TimestampSource::Header(header),
            ..
        }) => Some(header.clone()),
        _ => None,
    };
    let url = if template.holds(&Piece::Url) {
        let url = function_support::setting::value(&lookup, SIGNED_URL_SETTING).ok_or_else(|| {
            DescriptionError::new(format!(
                "the signed content holds {{url}}, so {SIGNED_URL_SETTING} must be the URL the provider was given"
            ))
        })?;
        Some(url)
    } else {
        None
    };
    let primary = Family {
        signature: signature_header,
        id: id_header,
        timestamp: timestamp_header,
    };
    let alternatives = alternatives(&primary, text.alternative_headers)?;
    let fact = |fact: Option<FactText>, what: &str| match fact {
        None => Ok(None),
        Some(FactText::Json(pointer)) => JsonPointer::parse(&pointer)
            .map(|pointer| Some(Fact::Json(pointer)))
            .ok_or_else(|| DescriptionError::new(format!("the {what}'s JSON pointer {pointer:?} points at no member"))),
        Some(FactText::Header(header)) => {
            let header = header.to_ascii_lowercase();
            match &primary {
                Family { id: Some(id), .. } if *id == header => Ok(Some(Fact::Id)),
                Family {
                    timestamp: Some(timestamp),
                    ..
                } if *timestamp == header => Ok(Some(Fact::Timestamp)),
                _ => Err(DescriptionError::new(format!(
                    "the {what}'s header {header:?} is not signed: only the id or timestamp header of the signed content may name one"
                ))),
            }
        }
    };
    let event_id = fact(text.event_id, "event id")?;
    if event_id == Some(Fact::Timestamp) {
        // Two events signed in the same second would share an id, and one
        // would be dropped as the other's duplicate.
        return Err(DescriptionError::new(
            "the event id can't be the timestamp: it is not unique",
        ));
    }
    let event_type = fact(text.event_type, "event type")?;
    let challenge = match fact(text.challenge, "challenge")? {
        None => None,
        Some(Fact::Json(pointer)) => Some(pointer),
        Some(_) => return Err(DescriptionError::new("a challenge is a JSON pointer into the body")),
    };
    let bodies = bodies(text.body, &template)?;
    let hmac = verifiers.iter().any(|verifier| verifier.algorithm.is_hmac());
    let handshakes = handshakes::read(text.handshakes, challenge, hmac)?;
    let signature_headers: Vec<String> = std::iter::once(&primary)
        .chain(&alternatives)
        .flat_map(Family::names)
        .cloned()
        .collect();
    let unsigned_headers = unsigned_headers(text.unsigned_headers, &signature_headers)?;
    Ok(Described {
        name: name.to_owned(),
        primary,
        alternatives,
        syntax,
        verifiers,
        template,
        url,
        timestamp,
        event_id,
        event_type,
        handshakes,
        bodies,
        signature_headers,
        unsigned_headers,
    })
}

/// The kinds of body a description takes (`"json"`, the default, and
/// `"form"`); a template that signs a form's `{params}` takes forms alone.
fn bodies(text: Option<OneOrMore>, template: &Template) -> Result<Bodies, DescriptionError> {
    let names = match text {
        None => vec!["json".to_owned()],
        Some(OneOrMore::One(name)) => vec![name],
        Some(OneOrMore::More(names)) => names,
    };
    let mut bodies = Bodies {
        json: false,
        form: false,
    };
    for name in names {
        match name.as_str() {
            "json" => bodies.json = true,
            "form" => bodies.form = true,
            other => {
                return Err(DescriptionError::new(format!(
                    "a body is \"json\" or \"form\", not {other:?}"
                )))
            }
        }
    }
    if !bodies.json && !bodies.form {
        return Err(DescriptionError::new("the body list is empty"));
    }
    if template.holds(&Piece::Params)
        && bodies
            != (Bodies {
                json: false,
                form: true,
            })
    {
        return Err(DescriptionError::new(
            "a template that signs a form's {params} takes form bodies alone: \"body\": \"form\"",
        ));
    }
    Ok(bodies)
}

/// Headers that carry credentials: never queued, whatever a description
/// says.
const CREDENTIAL_HEADERS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];

/// The unsigned headers a description names, checked: header names, few
/// and short enough for the envelope's room, none twice, none that the
/// signature covers (a signed header read as unsigned would be trusted
/// for less than it proves, and one name in two roles is a typo) and none
/// that carries a credential.
fn unsigned_headers(names: Vec<String>, signature_headers: &[String]) -> Result<Vec<String>, DescriptionError> {
    if names.len() > MAX_UNSIGNED_HEADERS {
        return Err(DescriptionError::new(format!(
            "at most {MAX_UNSIGNED_HEADERS} unsigned headers fit the envelope"
        )));
    }
    let mut headers: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let name = header_name(&name)?;
        if name.len() > MAX_UNSIGNED_NAME_BYTES {
            return Err(DescriptionError::new(format!(
                "an unsigned header's name is longer than {MAX_UNSIGNED_NAME_BYTES} bytes"
            )));
        }
        if signature_headers.contains(&name) {
            return Err(DescriptionError::new(format!(
                "{name:?} is one of the signature's headers, not an unsigned one"
            )));
        }
        if CREDENTIAL_HEADERS.contains(&name.as_str()) {
            return Err(DescriptionError::new(format!(
                "{name:?} carries a credential: it never reaches the queue"
            )));
        }
        if headers.contains(&name) {
            return Err(DescriptionError::new(format!(
                "{name:?} is named twice as an unsigned header"
            )));
        }
        headers.push(name);
    }
    Ok(headers)
}

fn syntax(signature: SignatureText) -> Result<Syntax, DescriptionError> {
    let non_empty = |text: String, what: &str| {
        if text.is_empty() {
            Err(DescriptionError::new(format!("the signature's {what} is empty")))
        } else {
            Ok(text)
        }
    };
    match (signature.list, signature.prefix) {
        (Some(_), Some(_)) => Err(DescriptionError::new("a signature is a list or has a prefix, not both")),
        (Some(list), None) => {
            let separator = non_empty(list.separator, "list separator")?;
            let assign = non_empty(list.assign, "list's assign text")?;
            if separator.contains(assign.as_str()) || assign.contains(separator.as_str()) {
                return Err(DescriptionError::new("the list separator and assign text must differ"));
            }
            if signature.prefix_optional {
                return Err(DescriptionError::new("prefix_optional needs a prefix"));
            }
            Ok(Syntax::List { separator, assign })
        }
        (None, prefix) => {
            let prefix = prefix.map(|prefix| non_empty(prefix, "prefix")).transpose()?;
            if signature.prefix_optional && prefix.is_none() {
                return Err(DescriptionError::new("prefix_optional needs a prefix"));
            }
            Ok(Syntax::Plain {
                prefix,
                prefix_optional: signature.prefix_optional,
            })
        }
    }
}

fn verifiers(syntax: &Syntax, algorithms: Vec<AlgorithmText>) -> Result<Vec<Verifier>, DescriptionError> {
    if algorithms.is_empty() {
        return Err(DescriptionError::new("no algorithm is described"));
    }
    let listed = matches!(syntax, Syntax::List { .. });
    if !listed && algorithms.len() > 1 {
        return Err(DescriptionError::new(
            "several algorithms need a signature list whose entries name their versions",
        ));
    }
    let several = algorithms.len() > 1;
    let mut verifiers: Vec<Verifier> = Vec::with_capacity(algorithms.len());
    for text in algorithms {
        let algorithm = Algorithm::named(&text.algorithm)?;
        let encodings = match text.encoding {
            OneOrMore::One(name) => vec![Encoding::named(&name)?],
            OneOrMore::More(names) if !names.is_empty() => names
                .iter()
                .map(|name| Encoding::named(name))
                .collect::<Result<_, _>>()?,
            OneOrMore::More(_) => return Err(DescriptionError::new("an algorithm's encoding list is empty")),
        };
        let key_form = KeyForm::named(&text.key.form)?;
        if !algorithm.key_forms().contains(&key_form) {
            return Err(DescriptionError::new(format!(
                "a {} key can't be written as {}",
                algorithm.name(),
                text.key.form
            )));
        }
        let version = match (listed, text.version) {
            (true, Some(version)) if !version.is_empty() => Some(version),
            (true, _) => {
                return Err(DescriptionError::new(
                    "in a signature list, every algorithm names the version its entries carry",
                ))
            }
            (false, None) => None,
            (false, Some(_)) => return Err(DescriptionError::new("a version needs a signature list")),
        };
        if several {
            if key_form == KeyForm::Pem {
                return Err(DescriptionError::new(
                    "with several algorithms, keys are prefixed words: PEM can't be one",
                ));
            }
            if text.key.prefix.as_deref().unwrap_or_default().is_empty() {
                return Err(DescriptionError::new(
                    "with several algorithms, each key prefix says which algorithm a key is for",
                ));
            }
        }
        let overlapping = |other: &Verifier| match (&other.key_prefix, &text.key.prefix) {
            (Some(a), Some(b)) => a.starts_with(b.as_str()) || b.starts_with(a.as_str()),
            _ => false,
        };
        let duplicate = verifiers
            .iter()
            .any(|other| other.version == version || (several && overlapping(other)));
        if duplicate {
            return Err(DescriptionError::new(
                "two algorithms share a version, or one's key prefix starts another's",
            ));
        }
        verifiers.push(Verifier {
            version,
            algorithm,
            encodings,
            key_form,
            key_prefix: text.key.prefix.filter(|prefix| !prefix.is_empty()),
        });
    }
    Ok(verifiers)
}

/// A timestamp's unit, by the name a description gives it.
fn timestamp_unit(name: Option<&str>) -> Result<TimestampUnit, DescriptionError> {
    match name {
        None | Some("seconds") => Ok(TimestampUnit::Seconds),
        Some("milliseconds") => Ok(TimestampUnit::Milliseconds),
        Some("rfc3339") => Ok(TimestampUnit::Rfc3339),
        Some(other) => Err(DescriptionError::new(format!(
            "timestamp unit {other:?} is not seconds, milliseconds or rfc3339"
        ))),
    }
}

fn timestamp_rule(text: TimestampText, syntax: &Syntax) -> Result<TimestampRule, DescriptionError> {
    let source = match (text.header, text.entry) {
        (Some(header), None) => TimestampSource::Header(header_name(&header)?),
        (None, Some(entry)) if matches!(syntax, Syntax::List { .. }) && !entry.is_empty() => {
            TimestampSource::Entry(entry)
        }
        (None, Some(_)) => {
            return Err(DescriptionError::new(
                "a timestamp entry needs a signature list to be an entry of",
            ))
        }
        _ => {
            return Err(DescriptionError::new(
                "a timestamp comes from one header or one entry of the signature list",
            ))
        }
    };
    let unit = timestamp_unit(text.unit.as_deref())?;
    let tolerance_secs = match text.tolerance_secs {
        Some(secs) if (1..=MAX_TOLERANCE_SECS).contains(&secs) => secs,
        _ => {
            return Err(DescriptionError::new(format!(
            "a timestamp needs tolerance_secs, from 1 to {MAX_TOLERANCE_SECS}: a timestamp without one stops no replay"
        )))
        }
    };
    Ok(TimestampRule {
        source,
        unit,
        tolerance: Duration::from_secs(tolerance_secs),
    })
}

/// The alternative header families: each renames every header of the
/// primary one, so that a request's headers come from one family, never a
/// mix.
fn alternatives(primary: &Family, renames: Vec<BTreeMap<String, String>>) -> Result<Vec<Family>, DescriptionError> {
    let mut families = Vec::new();
    for alternative in renames {
        let renamed: BTreeMap<String, String> = alternative
            .into_iter()
            .map(|(from, to)| Ok((from.to_ascii_lowercase(), header_name(&to)?)))
            .collect::<Result<_, DescriptionError>>()?;
        let rename = |name: &String| {
            renamed.get(name).cloned().ok_or_else(|| {
                DescriptionError::new(format!(
                    "an alternative header family doesn't rename {name:?}: a family names every header"
                ))
            })
        };
        let family = Family {
            signature: rename(&primary.signature)?,
            id: primary.id.as_ref().map(rename).transpose()?,
            timestamp: primary.timestamp.as_ref().map(rename).transpose()?,
        };
        let names = [
            Some(&primary.signature),
            primary.id.as_ref(),
            primary.timestamp.as_ref(),
        ];
        if renamed.keys().any(|from| !names.contains(&Some(from))) {
            return Err(DescriptionError::new(
                "an alternative header family renames a header the description doesn't use",
            ));
        }
        families.push(family);
    }
    let mut all: Vec<&String> = std::iter::once(primary)
        .chain(&families)
        .flat_map(Family::names)
        .collect();
    let count = all.len();
    all.sort();
    all.dedup();
    if all.len() != count {
        return Err(DescriptionError::new("two of the described headers have the same name"));
    }
    Ok(families)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid description to vary: Stripe's shape, with an id header.
    fn base() -> serde_json::Value {
        serde_json::json!({
            "signature": { "header": "x-sig", "list": { "separator": ",", "assign": "=" } },
            "algorithms": [{ "version": "v1", "algorithm": "hmac-sha256", "encoding": "hex", "key": { "form": "text" } }],
            "signed": "{id}.{timestamp}.{body}",
            "id": { "header": "x-id" },
            "timestamp": { "entry": "t", "tolerance_secs": 300 },
            "event_id": { "header": "x-id" },
            "event_type": { "json": "/type" }
        })
    }

    fn read_json(value: &serde_json::Value) -> Result<Described, DescriptionError> {
        Described::from_json("acme", &value.to_string(), |_| None)
    }

    /// `base()` changed at `pointer` to `value` (`null` removes it).
    fn changed(pointer: &str, value: serde_json::Value) -> Result<Described, DescriptionError> {
        let mut description = base();
        let (parent, member) = pointer.rsplit_once('/').unwrap();
        let target = description.pointer_mut(parent).unwrap();
        match (target, value) {
            (serde_json::Value::Object(map), serde_json::Value::Null) => {
                map.remove(member);
            }
            (serde_json::Value::Object(map), value) => {
                map.insert(member.to_owned(), value);
            }
            (serde_json::Value::Array(list), value) => list[member.parse::<usize>().unwrap()] = value,
            _ => panic!("{pointer}"),
        }
        read_json(&description)
    }

    fn refused(pointer: &str, value: serde_json::Value, says: &str) {
        let error = changed(pointer, value.clone()).expect_err(&format!("{pointer} = {value}"));
        assert!(error.to_string().contains(says), "{pointer} = {value}: {error}");
    }

    #[test]
    fn the_base_description_reads() {
        let described = read_json(&base()).unwrap();
        assert_eq!(described.signature_headers, ["x-sig", "x-id"]);
    }

    #[test]
    fn nothing_that_accepts_too_much_is_read() {
        use serde_json::{json, Value::Null};
        // No "none" algorithm, no algorithm at all, and no signature
        // without a header.
        refused("/algorithms/0/algorithm", json!("none"), "always verifies a signature");
        refused("/algorithms", json!([]), "no algorithm");
        refused("/signature/header", json!(""), "not a header name");
        refused("/signature/header", json!("x sig"), "not a header name");
        // The body is signed, once; nothing the request sends follows it.
        refused("/signed", json!("{id}.{timestamp}"), "exactly once");
        refused("/signed", json!("{id}.{timestamp}.{body}{body}"), "exactly once");
        refused("/signed", json!("{timestamp}.{body}.{id}"), "may follow {body}");
        // A timestamp or id is signed, or not described at all; a
        // timestamp has a tolerance.
        refused("/timestamp/tolerance_secs", Null, "needs tolerance_secs");
        refused("/timestamp/tolerance_secs", json!(0), "needs tolerance_secs");
        refused("/timestamp/tolerance_secs", json!(86_401), "needs tolerance_secs");
        refused("/signed", json!("{id}.{body}"), "an unsigned timestamp stops no replay");
        refused("/signed", json!("{timestamp}.{body}"), "an unsigned id proves nothing");
        refused("/timestamp", Null, "no timestamp is described");
        refused("/id", Null, "no id header is named");
        // Only signed headers name an event.
        refused("/event_type", json!({ "header": "x-event" }), "is not signed");
        refused("/event_id", json!({ "json": "id" }), "points at no member");
        // Keys and signatures are written in forms the algorithm has.
        refused("/algorithms/0/key/form", json!("pem"), "can't be written as pem");
        refused(
            "/algorithms/0/key/form",
            json!("raw"),
            "is not text, base64, hex or pem",
        );
        refused(
            "/algorithms/0/encoding",
            json!("base32"),
            "is not hex, base64 or base64url",
        );
        refused("/algorithms/0/encoding", json!([]), "encoding list is empty");
        // A list's entries name versions; a plain signature has none.
        refused("/algorithms/0/version", Null, "names the version");
        refused("/signature/list/assign", json!(","), "must differ");
        refused("/signature/prefix", json!("v1="), "not both");
        // Typos are errors, not defaults.
        refused("/timestamp/tolerence_secs", json!(300), "unknown field");
        refused("/signature/headr", json!("x"), "unknown field");
    }

    #[test]
    fn several_algorithms_are_told_apart_by_version_and_key_prefix() {
        use serde_json::json;
        let hmac = json!({ "version": "v1", "algorithm": "hmac-sha256", "encoding": "base64", "key": { "form": "base64", "prefix": "whsec_" } });
        let ed25519 = json!({ "version": "v1a", "algorithm": "ed25519", "encoding": "base64", "key": { "form": "base64", "prefix": "whpk_" } });
        assert!(changed("/algorithms", json!([hmac, ed25519])).is_ok());
        let unprefixed =
            json!({ "version": "v1a", "algorithm": "ed25519", "encoding": "base64", "key": { "form": "base64" } });
        refused("/algorithms", json!([hmac, unprefixed]), "each key prefix");
        let pem = json!({ "version": "v1a", "algorithm": "ed25519", "encoding": "base64", "key": { "form": "pem", "prefix": "whpk_" } });
        refused("/algorithms", json!([hmac, pem]), "PEM can't be one");
        refused("/algorithms", json!([hmac, hmac]), "share a version");
        let overlapping = json!({ "version": "v1a", "algorithm": "ed25519", "encoding": "base64", "key": { "form": "base64", "prefix": "whsec_pk" } });
        refused("/algorithms", json!([hmac, overlapping]), "starts another's");
    }

    #[test]
    fn alternative_headers_rename_every_header_or_none() {
        use serde_json::json;
        let whole = json!([{ "x-sig": "y-sig", "x-id": "y-id" }]);
        let described = changed("/alternative_headers", whole).unwrap();
        assert_eq!(described.signature_headers, ["x-sig", "x-id", "y-sig", "y-id"]);
        refused(
            "/alternative_headers",
            json!([{ "x-sig": "y-sig" }]),
            "doesn't rename \"x-id\"",
        );
        refused(
            "/alternative_headers",
            json!([{ "x-sig": "y-sig", "x-id": "y-id", "x-other": "y" }]),
            "doesn't use",
        );
        refused(
            "/alternative_headers",
            json!([{ "x-sig": "x-id", "x-id": "y-id" }]),
            "same name",
        );
    }

    #[test]
    fn unsigned_headers_are_few_short_and_never_signed_or_credentials() {
        use serde_json::json;
        let described = changed("/unsigned_headers", json!(["X-Event", "x-delivery"])).unwrap();
        assert_eq!(described.unsigned_headers, ["x-event", "x-delivery"]);
        assert!(read_json(&base()).unwrap().unsigned_headers.is_empty());
        refused("/unsigned_headers", json!(["x-sig"]), "one of the signature's headers");
        refused("/unsigned_headers", json!(["X-Id"]), "one of the signature's headers");
        refused("/unsigned_headers", json!(["Authorization"]), "carries a credential");
        refused("/unsigned_headers", json!(["cookie"]), "carries a credential");
        refused("/unsigned_headers", json!(["x-a", "X-A"]), "named twice");
        refused("/unsigned_headers", json!(["x a"]), "not a header name");
        refused("/unsigned_headers", json!(["x".repeat(65)]), "longer than 64 bytes");
        let nine: Vec<String> = (0..9).map(|n| format!("x-{n}")).collect();
        refused("/unsigned_headers", json!(nine), "at most 8 unsigned headers");
    }

    #[test]
    fn bodies_are_json_forms_or_both_and_sorted_parameters_are_a_forms() {
        use serde_json::json;
        let both = changed("/body", json!(["json", "form"])).unwrap();
        assert_eq!(both.bodies, Bodies { json: true, form: true });
        assert_eq!(
            read_json(&base()).unwrap().bodies,
            Bodies {
                json: true,
                form: false
            }
        );
        refused("/body", json!("xml"), "not \"xml\"");
        refused("/body", json!([]), "empty");
        let mut twilio = json!({
            "signature": { "header": "x-twilio-signature" },
            "algorithms": [{ "algorithm": "hmac-sha1", "encoding": "base64", "key": { "form": "text" } }],
            "signed": "{url}{params}",
        });
        let lookup = |name: &str| (name == "SIGNED_URL").then(|| "https://example.com/in".to_owned());
        let error = Described::from_json("acme", &twilio.to_string(), lookup).unwrap_err();
        assert!(error.to_string().contains("form bodies alone"), "{error}");
        twilio["body"] = json!("form");
        assert!(Described::from_json("acme", &twilio.to_string(), lookup).is_ok());
    }

    #[test]
    fn a_signed_url_comes_from_its_setting() {
        let mut description = base();
        description["signed"] = "{url}:{id}.{timestamp}.{body}".into();
        let error = read_json(&description).unwrap_err();
        assert!(error.to_string().contains("SIGNED_URL"), "{error}");
        let text = description.to_string();
        let lookup = |name: &str| (name == "SIGNED_URL").then(|| "https://example.com/in".to_owned());
        let described = Described::from_json("acme", &text, lookup).unwrap();
        assert_eq!(described.url.as_deref(), Some("https://example.com/in"));
    }
}
