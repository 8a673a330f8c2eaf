//! The scheme a description makes, and how it verifies: one
//! implementation of [`Scheme`] for every described provider.

use std::time::{Duration, UNIX_EPOCH};

use function_support::time::parse_rfc3339_utc;

use super::crypto::{Algorithm, Encoding, KeyForm, KeyMaterial};
use super::template::{self, Piece, Template};
use crate::codec::encoding::sha256_hex;
use crate::codec::form;
use crate::codec::json::reader::{string_at, JsonPointer};
use crate::error::{ReceiveError, VerifyError};
use crate::schemes::delivery::Delivery;
use crate::schemes::handshake::Handshake;
use crate::schemes::scheme::{EventFacts, Scheme};

/// A provider's scheme read from its description.
#[derive(Debug, Clone)]
pub struct Described {
    pub(super) name: String,
    /// The description's own headers.
    pub(super) primary: Family,
    /// The same headers under other names (Svix's `svix-*`).
    pub(super) alternatives: Vec<Family>,
    pub(super) syntax: Syntax,
    /// One per algorithm (more than one only in a signature list, where
    /// each entry's version says which).
    pub(super) verifiers: Vec<Verifier>,
    pub(super) template: Template,
    /// `SIGNED_URL`, when the signed content holds `{url}`: the URL of the
    /// route without a tenant. A tenant route's URL is this one with
    /// `/<tenant>` after it, as the template's `/webhooks/<name>/{tenant}`
    /// routes are.
    pub(super) url: Option<String>,
    pub(super) timestamp: Option<TimestampRule>,
    pub(super) event_id: Option<Fact>,
    pub(super) event_type: Option<Fact>,
    /// The handshakes the provider sends (`handshakes`, and the older
    /// `challenge` as one).
    pub(super) handshakes: Vec<Handshake>,
    /// Every family's header names: what the quarantine keeps.
    pub(super) signature_headers: Vec<String>,
    /// The unsigned headers consumers route by (`unsigned_headers`).
    pub(super) unsigned_headers: Vec<String>,
    /// The kinds of body the provider sends (`body`).
    pub(super) bodies: Bodies,
}

/// The kinds of body a scheme takes: JSON (the default), forms, or both
/// (Slack: events are JSON, slash commands forms), told apart by their
/// content, which the signature covers, never by `Content-Type`, which it
/// doesn't.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Bodies {
    pub(super) json: bool,
    pub(super) form: bool,
}

/// One family of header names: a request's headers all come from one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Family {
    pub(super) signature: String,
    pub(super) id: Option<String>,
    pub(super) timestamp: Option<String>,
}

impl Family {
    /// Every header name the family has.
    pub(super) fn names(&self) -> impl Iterator<Item = &String> {
        [Some(&self.signature), self.id.as_ref(), self.timestamp.as_ref()]
            .into_iter()
            .flatten()
    }
}

/// How the signature header spells its signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Syntax {
    /// One signature, after a prefix when there is one.
    Plain {
        prefix: Option<String>,
        prefix_optional: bool,
    },
    /// `name<assign>value` entries joined by `separator`: entries named by
    /// an algorithm's version are signatures, others are skipped (or read
    /// as the timestamp's entry).
    List { separator: String, assign: String },
}

/// One algorithm the scheme accepts, and how its signatures and keys are
/// written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Verifier {
    pub(super) version: Option<String>,
    pub(super) algorithm: Algorithm,
    pub(super) encodings: Vec<Encoding>,
    pub(super) key_form: KeyForm,
    pub(super) key_prefix: Option<String>,
}

impl Verifier {
    /// A signature's bytes: the first of the algorithm's encodings that
    /// reads it at the algorithm's length. `Ok(None)` for text that is in
    /// an encoding but of another length: no signature of this algorithm,
    /// which a list skips like an entry of another version; `Err` for text
    /// in none of them.
    fn decode(&self, text: &str) -> Result<Option<Vec<u8>>, VerifyError> {
        let mut in_an_encoding = false;
        for encoding in &self.encodings {
            if let Some(bytes) = encoding.decode(text) {
                if self.algorithm.signature_len().is_none_or(|len| bytes.len() == len) {
                    return Ok(Some(bytes));
                }
                in_an_encoding = true;
            }
        }
        if in_an_encoding {
            Ok(None)
        } else {
            Err(VerifyError::BadEncoding(
                "a signature in none of the scheme's encodings",
            ))
        }
    }
}

/// Where the signed timestamp is and how far from now it may be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TimestampRule {
    pub(super) source: TimestampSource,
    pub(super) unit: TimestampUnit,
    /// The provider's tolerance; `TIMESTAMP_TOLERANCE_SECS` overrides it.
    pub(super) tolerance: Duration,
}

/// How a signed timestamp is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TimestampUnit {
    /// Unix seconds, decimal digits.
    Seconds,
    /// Unix milliseconds, decimal digits.
    Milliseconds,
    /// RFC 3339 in UTC, `2026-12-06T06:30:00Z` (Twitch, Zendesk).
    Rfc3339,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum TimestampSource {
    Header(String),
    Entry(String),
}

/// Where an event's id or type is read, once the signature holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Fact {
    /// The signed id header's value.
    Id,
    /// The signed timestamp's text.
    Timestamp,
    /// A string in the body.
    Json(JsonPointer),
}

/// The signatures a header holds, decoded, each with the index of the
/// algorithm whose version it carries.
type Candidates = Vec<(usize, Vec<u8>)>;

/// The keys one secret entry holds: one, or, for a scheme with several
/// algorithms, one per prefixed word (`whsec_…` and `whpk_…`).
#[derive(Debug)]
pub struct DescribedKey(Vec<(usize, KeyMaterial)>);

/// What a request claims: its signed parts and the signatures, decoded,
/// each with the index of the algorithm its version names.
#[derive(Debug)]
pub struct DescribedClaim<'r> {
    pub(super) body: &'r [u8],
    pub(super) id: Option<&'r str>,
    pub(super) timestamp: Option<&'r str>,
    /// The signed URL of a tenant's route, when the scheme signs its URL.
    pub(super) tenant_url: Option<String>,
    /// For a scheme that signs a form's sorted parameters: what they sign,
    /// and the form that is queued.
    pub(super) params: Option<(Vec<u8>, String)>,
    pub(super) signatures: Candidates,
}

impl Described {
    /// Every family of header names, the description's own first.
    fn families(&self) -> impl Iterator<Item = &Family> {
        std::iter::once(&self.primary).chain(&self.alternatives)
    }

    /// The signed content's pieces for a claim, in order.
    fn pieces<'a>(&'a self, claim: &'a DescribedClaim<'_>) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.template.pieces().iter().map(move |piece| match piece {
            Piece::Text(text) => text.as_bytes(),
            Piece::Body => claim.body,
            Piece::Params => claim.params.as_ref().map_or(&[][..], |(signed, _)| signed.as_slice()),
            Piece::Id => claim.id.unwrap_or_default().as_bytes(),
            Piece::Timestamp => claim.timestamp.unwrap_or_default().as_bytes(),
            Piece::Url => claim
                .tenant_url
                .as_deref()
                .or(self.url.as_deref())
                .unwrap_or_default()
                .as_bytes(),
        })
    }

    /// The family whose headers the request uses: the first with any of its
    /// headers present, else the description's own (so that what is
    /// missing is named as the description names it).
    fn family(&self, delivery: &Delivery<'_>) -> &Family {
        self.families()
            .find(|family| family.names().any(|name| delivery.headers.contains_key(name.as_str())))
            .unwrap_or(&self.primary)
    }

    /// The signatures the header holds, decoded, and the timestamp entry
    /// when the timestamp is one.
    fn signatures<'r>(&self, header: &'r str) -> Result<(Candidates, Option<&'r str>), VerifyError> {
        match &self.syntax {
            Syntax::Plain {
                prefix,
                prefix_optional,
            } => {
                let text = match prefix {
                    None => header,
                    Some(prefix) => match header.get(..prefix.len()) {
                        Some(start) if start.eq_ignore_ascii_case(prefix) => {
                            header.get(prefix.len()..).unwrap_or_default()
                        }
                        _ if *prefix_optional => header,
                        _ => return Err(VerifyError::BadEncoding("signature without the scheme's prefix")),
                    },
                };
                let signature = self
                    .verifiers
                    .first()
                    .map(|verifier| verifier.decode(text))
                    .transpose()?
                    .flatten()
                    .ok_or(VerifyError::BadEncoding(
                        "a signature of another length than the algorithm's",
                    ))?;
                Ok((vec![(0, signature)], None))
            }
            Syntax::List { separator, assign } => {
                let entry_name = match &self.timestamp {
                    Some(TimestampRule {
                        source: TimestampSource::Entry(name),
                        ..
                    }) => Some(name.as_str()),
                    _ => None,
                };
                let mut signatures = Vec::new();
                let mut timestamp = None;
                let entries = header
                    .split(separator.as_str())
                    .map(str::trim)
                    .filter(|entry| !entry.is_empty());
                for (name, value) in entries.filter_map(|entry| entry.split_once(assign.as_str())) {
                    if Some(name) == entry_name {
                        if timestamp.replace(value).is_some() {
                            return Err(VerifyError::Ambiguous);
                        }
                    } else if let Some((index, verifier)) = self
                        .verifiers
                        .iter()
                        .enumerate()
                        .find(|(_, verifier)| verifier.version.as_deref() == Some(name))
                    {
                        signatures.extend(verifier.decode(value)?.map(|signature| (index, signature)));
                    }
                }
                if signatures.is_empty() {
                    return Err(VerifyError::BadEncoding(
                        "a signature list with no signature of the scheme's versions",
                    ));
                }
                Ok((signatures, timestamp))
            }
        }
    }

    /// Refuses a timestamp that isn't written in the scheme's one way
    /// (whole digits, or RFC 3339 in UTC) or is too far from now.
    fn check_timestamp(&self, rule: &TimestampRule, text: &str, delivery: &Delivery<'_>) -> Result<(), VerifyError> {
        let signed_at = match rule.unit {
            TimestampUnit::Rfc3339 => parse_rfc3339_utc(text).ok_or(VerifyError::BadTimestamp)?,
            unit => {
                if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(VerifyError::BadTimestamp);
                }
                let number = text.parse::<u64>().map_err(|_| VerifyError::BadTimestamp)?;
                let since_epoch = if unit == TimestampUnit::Milliseconds {
                    Duration::from_millis(number)
                } else {
                    Duration::from_secs(number)
                };
                UNIX_EPOCH.checked_add(since_epoch).ok_or(VerifyError::BadTimestamp)?
            }
        };
        let distance = match delivery.now.duration_since(signed_at) {
            Ok(age) => age,
            Err(ahead) => ahead.duration(),
        };
        if distance > delivery.timestamp_tolerance.unwrap_or(rule.tolerance) {
            return Err(VerifyError::StaleTimestamp(distance.as_secs()));
        }
        Ok(())
    }
}

impl Scheme for Described {
    type Key = DescribedKey;
    type Claim<'r> = DescribedClaim<'r>;

    fn provider(&self) -> &str {
        &self.name
    }

    fn signature_headers(&self) -> &[String] {
        &self.signature_headers
    }

    fn unsigned_headers(&self) -> &[String] {
        &self.unsigned_headers
    }

    fn handshakes(&self) -> &[Handshake] {
        &self.handshakes
    }

    /// The key's first HMAC key's tag: with several algorithms, only one is
    /// an HMAC (key prefixes tell them apart).
    fn mac(&self, key: &DescribedKey, message: &[u8]) -> Option<Vec<u8>> {
        key.0.iter().find_map(|(_, material)| material.mac(message))
    }

    fn parse_key(&self, text: &str) -> Result<DescribedKey, String> {
        let words: Vec<&str> = if self.verifiers.len() > 1 {
            text.split_whitespace().collect()
        } else {
            vec![text.trim()]
        };
        let mut keys = Vec::with_capacity(words.len());
        let several = self.verifiers.len() > 1;
        for word in words {
            // A word with an algorithm's prefix is that algorithm's key (no
            // prefix starts another: checked when the description is read).
            // With one algorithm, the prefix is optional; with several, a
            // word without one says no algorithm, and guessing could make a
            // public key an HMAC secret.
            let prefixed = self.verifiers.iter().enumerate().find_map(|(index, verifier)| {
                let prefix = verifier.key_prefix.as_deref()?;
                word.strip_prefix(prefix).map(|key| (index, verifier, key))
            });
            let only = || {
                self.verifiers
                    .first()
                    .filter(|_| !several)
                    .map(|first| (0, first, word))
            };
            let Some((index, verifier, key)) = prefixed.or_else(only) else {
                return Err("a key has none of the prefixes that say which algorithm it is for".to_owned());
            };
            keys.push((index, verifier.algorithm.parse_key(verifier.key_form, key)?));
        }
        Ok(DescribedKey(keys))
    }

    fn claim<'r>(&self, delivery: &Delivery<'r>) -> Result<DescribedClaim<'r>, ReceiveError> {
        let family = self.family(delivery);
        let header = delivery.required_header(&family.signature)?;
        let id = match &family.id {
            Some(name) => {
                let id = delivery.required_header(name)?;
                if id.is_empty() {
                    return Err(VerifyError::MissingHeader(name.clone()).into());
                }
                Some(id)
            }
            None => None,
        };
        let (signatures, entry) = self.signatures(header)?;
        let timestamp = match &self.timestamp {
            Some(rule) => {
                let text = match (&rule.source, &family.timestamp) {
                    (TimestampSource::Header(_), Some(name)) => delivery.required_header(name)?,
                    _ => entry.ok_or(VerifyError::BadTimestamp)?,
                };
                self.check_timestamp(rule, text, delivery)?;
                Some(text)
            }
            None => None,
        };
        if !self.template.splits_one_way(id, delivery.body) {
            return Err(VerifyError::Ambiguous.into());
        }
        // A form's sorted parameters are read before any key is tried (the
        // signature covers them, not the body's bytes); a body that isn't a
        // form is a 400, one whose reading is ambiguous a 401.
        let params = if self.template.holds(&Piece::Params) {
            if delivery.tenant.is_some() && self.template.refuses_tenants() {
                return Err(VerifyError::Ambiguous.into());
            }
            let parameters = form::parameters(delivery.body).ok_or(ReceiveError::Malformed("body is not a form"))?;
            Some(form::sorted(parameters).ok_or(VerifyError::Ambiguous)?)
        } else {
            None
        };
        let tenant_url = match (&self.url, delivery.tenant) {
            (Some(url), Some(tenant)) if tenant.bytes().all(template::in_url_segment) => {
                Some(format!("{url}/{tenant}"))
            }
            (Some(_), Some(_)) => return Err(VerifyError::Ambiguous.into()),
            _ => None,
        };
        Ok(DescribedClaim {
            body: delivery.body,
            id,
            timestamp,
            tenant_url,
            params,
            signatures,
        })
    }

    fn verify(&self, claim: &DescribedClaim<'_>, key: &DescribedKey) -> bool {
        let mut verified = false;
        for (index, material) in &key.0 {
            let mut signatures = claim
                .signatures
                .iter()
                .filter(|(of, _)| of == index)
                .map(|(_, signature)| signature.as_slice())
                .peekable();
            if signatures.peek().is_some() {
                verified |= material.verifies(self.pieces(claim), signatures);
            }
        }
        verified
    }

    fn describe(&self, claim: &DescribedClaim<'_>, body: &[u8]) -> Result<EventFacts, ReceiveError> {
        fn pointer(fact: &Option<Fact>) -> Option<&JsonPointer> {
            match fact {
                Some(Fact::Json(pointer)) => Some(pointer),
                _ => None,
            }
        }
        let signed = |fact: &Option<Fact>| match fact {
            Some(Fact::Id) => claim.id.map(str::to_owned),
            Some(Fact::Timestamp) => claim.timestamp.map(str::to_owned),
            _ => None,
        };
        // A form is queued as its text, a JSON string: the sorted form for a
        // scheme that signs sorted parameters, the body as it came
        // otherwise. Sorted parameters are identified by the hash of what
        // they sign: a replay in another order, or with their names and
        // values split another way (the signature doesn't prove where one
        // ends and the next begins), is the same event.
        let form_facts = |text: &str, event_id: Option<String>| -> Result<EventFacts, ReceiveError> {
            let payload =
                serde_json::to_string(text).map_err(|_| ReceiveError::Malformed("a form that can't be queued"))?;
            Ok(EventFacts {
                event_type: None,
                event_id: event_id.or_else(|| signed(&self.event_id)),
                signed_payload: Some(payload),
                form: true,
            })
        };
        if let Some((signed, sorted)) = &claim.params {
            return form_facts(sorted, Some(sha256_hex(signed)));
        }
        let form = || match (form::parameters(body), std::str::from_utf8(body)) {
            (Some(_), Ok(text)) => form_facts(text, None),
            _ => Err(ReceiveError::Malformed("body is neither JSON nor a form")),
        };
        if !self.bodies.json {
            return form();
        }
        // One pass over the body checks it whole (it is queued whole) and
        // reads the type; a second only when the id is in it too. A body
        // that isn't JSON is read as a form where the scheme takes forms.
        let event_type = match string_at(body, pointer(&self.event_type)) {
            Ok(event_type) => event_type.or_else(|| signed(&self.event_type)),
            Err(_) if self.bodies.form => return form(),
            Err(error) => return Err(error),
        };
        let event_id = match pointer(&self.event_id) {
            Some(pointer) => string_at(body, Some(pointer))?,
            None => signed(&self.event_id),
        };
        Ok(EventFacts {
            event_type,
            event_id,
            signed_payload: None,
            form: false,
        })
    }
}

/// A delivery signed as the description says, for sample events, the
/// local run and benchmarks (tests prove the verifier against the
/// providers' own signers, never against this). It signs with the first
/// algorithm: `key` is the secret's text for an HMAC, a PKCS#8 PEM private
/// key otherwise. Headers are the description's own family; an optional
/// prefix is left out.
#[cfg(any(test, feature = "signing"))]
impl crate::schemes::signing::Sign for Described {
    fn sign(
        &self,
        key: &str,
        input: &[u8],
        message: &crate::schemes::signing::Message<'_>,
    ) -> Result<crate::schemes::signing::SignedDelivery, crate::schemes::signing::SigningError> {
        let verifier = self.verifiers.first().ok_or_else(|| {
            crate::schemes::signing::SigningError::InvalidKey("the scheme has no algorithm".to_owned())
        })?;
        let key = match &verifier.key_prefix {
            Some(prefix) => key.trim().strip_prefix(prefix.as_str()).unwrap_or(key.trim()),
            None => key.trim(),
        };
        let timestamp = match &self.timestamp {
            Some(rule) if rule.unit == TimestampUnit::Milliseconds => {
                (u128::from(message.timestamp) * 1000).to_string()
            }
            Some(rule) if rule.unit == TimestampUnit::Rfc3339 => {
                function_support::time::rfc3339(UNIX_EPOCH + Duration::from_secs(message.timestamp))
            }
            _ => message.timestamp.to_string(),
        };
        let params = if self.template.holds(&Piece::Params) {
            let parameters = form::parameters(input).ok_or_else(|| {
                crate::schemes::signing::SigningError::InvalidKey("the input is not a form".to_owned())
            })?;
            form::sorted(parameters)
        } else {
            None
        };
        let claim = DescribedClaim {
            body: input,
            id: Some(message.id),
            timestamp: Some(&timestamp),
            tenant_url: None,
            params,
            signatures: Vec::new(),
        };
        let mut content = Vec::new();
        for piece in self.pieces(&claim) {
            content.extend_from_slice(piece);
        }
        let signature = super::crypto::sign(verifier.algorithm, verifier.key_form, key, &content)
            .map_err(crate::schemes::signing::SigningError::InvalidKey)?;
        let encoding = verifier.encodings.first().copied().unwrap_or(Encoding::Base64);
        let encoded = encoding.encode(&signature);
        let family = &self.primary;
        let value = match (&self.syntax, &self.timestamp) {
            (
                Syntax::Plain {
                    prefix: Some(prefix),
                    prefix_optional: false,
                },
                _,
            ) => format!("{prefix}{encoded}"),
            (Syntax::Plain { .. }, _) => encoded,
            (Syntax::List { separator, assign }, rule) => {
                let version = verifier.version.as_deref().unwrap_or_default();
                match rule {
                    Some(TimestampRule {
                        source: TimestampSource::Entry(entry),
                        ..
                    }) => format!("{entry}{assign}{timestamp}{separator}{version}{assign}{encoded}"),
                    _ => format!("{version}{assign}{encoded}"),
                }
            }
        };
        let mut headers = Vec::new();
        if let Some(id) = &family.id {
            headers.push((id.clone(), message.id.to_owned()));
        }
        if let Some(name) = &family.timestamp {
            headers.push((name.clone(), timestamp.clone()));
        }
        headers.push((family.signature.clone(), value));
        Ok(crate::schemes::signing::SignedDelivery {
            body: input.to_vec(),
            headers,
        })
    }
}
