//! The keys a secret holds, parsed once per fetch, and which of them a
//! request may be verified with.

use std::collections::BTreeMap;
use std::fmt;
use std::time::SystemTime;

/// Text read from a secret. Its `Debug` never shows the text, so a key can't
/// reach a log through a stray `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretText(String);

impl SecretText {
    /// Wraps secret text.
    pub fn new(text: impl Into<String>) -> Self {
        SecretText(text.into())
    }

    /// The text, for parsing into key material.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText([REDACTED])")
    }
}

/// Which version of the secret a key came from. `Previous` keys keep a
/// provider that still signs with the old key working during a rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// `AWSCURRENT`.
    Current,
    /// `AWSPREVIOUS`.
    Previous,
}

impl Stage {
    /// The Secrets Manager staging label.
    pub(crate) const fn label(self) -> &'static str {
        match self {
            Stage::Current => "AWSCURRENT",
            Stage::Previous => "AWSPREVIOUS",
        }
    }
}

/// A secret's content is not one key nor a `{"id": "key"}` object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretFormatError {
    /// Nothing in it.
    #[error("the secret is empty")]
    Empty,
    /// A JSON object whose values are not all non-empty strings.
    #[error("the secret is a JSON object, but key {0:?} is not a non-empty string")]
    NotAString(String),
    /// A JSON object with no entries.
    #[error("the secret is an empty JSON object")]
    NoKeys,
    /// A key's text is not key material for this scheme.
    #[error("key {id} ({stage}) is not a valid key: {reason}")]
    InvalidKey {
        /// The key's id, or `(plain)`.
        id: String,
        /// `AWSCURRENT` or `AWSPREVIOUS`.
        stage: &'static str,
        /// What is wrong with it, never its text.
        reason: String,
    },
}

/// Splits a secret's text into `(id, key text)` pairs: a JSON object of
/// strings is several named keys, anything else is one unnamed key (with
/// surrounding whitespace, such as a pasted trailing newline, removed).
pub(crate) fn split_secret(text: &SecretText) -> Result<Vec<(Option<String>, SecretText)>, SecretFormatError> {
    let trimmed = text.expose().trim();
    if trimmed.is_empty() {
        return Err(SecretFormatError::Empty);
    }
    if trimmed.starts_with('{') {
        if let Ok(map) = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(trimmed) {
            if map.is_empty() {
                return Err(SecretFormatError::NoKeys);
            }
            return map
                .into_iter()
                .map(|(id, value)| match value {
                    serde_json::Value::String(key) if !key.trim().is_empty() => {
                        Ok((Some(id), SecretText::new(key.trim())))
                    }
                    _ => Err(SecretFormatError::NotAString(id)),
                })
                .collect();
        }
    }
    Ok(vec![(None, SecretText::new(trimmed))])
}

/// One usable key.
#[derive(Debug)]
pub(crate) struct KeyEntry<K> {
    /// The id it has in a JSON-object secret; `None` for a plain secret.
    pub id: Option<String>,
    /// The secret version it came from.
    pub stage: Stage,
    /// The parsed key material.
    pub key: K,
}

/// All keys a receiver may try, current before previous.
#[derive(Debug)]
pub struct KeyRing<K> {
    entries: Vec<KeyEntry<K>>,
    skipped: Vec<SecretFormatError>,
    /// Until when `AWSPREVIOUS` keys are accepted; `None`: as long as they
    /// are `AWSPREVIOUS` (see [`KeyRing::accept_previous_until`]).
    previous_until: Option<SystemTime>,
}

impl<K> KeyRing<K> {
    /// Parses the current and (if any) previous secret text with `parse_key`.
    /// Anything wrong with the current version is an error: the operator
    /// must fix it. A previous version that is malformed (often the reason
    /// for the rotation) is skipped, key by key, and reported in
    /// `skipped`, so it can't block the current keys.
    pub fn parse(
        current: &SecretText,
        previous: Option<&SecretText>,
        parse_key: impl Fn(&str) -> Result<K, String>,
    ) -> Result<Self, SecretFormatError> {
        let mut ring = KeyRing {
            entries: Vec::new(),
            skipped: Vec::new(),
            previous_until: None,
        };
        for result in ring.add(Stage::Current, current, &parse_key)? {
            result?;
        }
        if let Some(previous) = previous {
            match ring.add(Stage::Previous, previous, &parse_key) {
                Ok(results) => ring.skipped.extend(results.into_iter().filter_map(Result::err)),
                Err(error) => ring.skipped.push(error),
            }
        }
        Ok(ring)
    }

    /// Adds one version's keys; the outer error is a malformed secret, the
    /// inner ones are keys that did not parse (and were not added).
    fn add(
        &mut self,
        stage: Stage,
        text: &SecretText,
        parse_key: &impl Fn(&str) -> Result<K, String>,
    ) -> Result<Vec<Result<(), SecretFormatError>>, SecretFormatError> {
        let mut results = Vec::new();
        for (id, key_text) in split_secret(text)? {
            match parse_key(key_text.expose()) {
                Ok(key) => {
                    self.entries.push(KeyEntry { id, stage, key });
                    results.push(Ok(()));
                }
                Err(reason) => results.push(Err(SecretFormatError::InvalidKey {
                    id: id.unwrap_or_else(|| "(plain)".to_owned()),
                    stage: stage.label(),
                    reason,
                })),
            }
        }
        Ok(results)
    }

    /// Accepts `AWSPREVIOUS` keys only before `until`: a rotation gives the
    /// old key a grace period, then revokes it (see `PREVIOUS_KEY_GRACE_SECS`).
    pub(crate) fn accept_previous_until(mut self, until: SystemTime) -> Self {
        self.previous_until = Some(until);
        self
    }

    /// Problems with the previous version that were skipped, for the log.
    pub(crate) fn skipped(&self) -> &[SecretFormatError] {
        &self.skipped
    }

    /// The keys to try for a request received at `now`. With a tenant from
    /// the route, only the keys with that id, plus unnamed keys (a plain
    /// secret serves every route); without one, every key. Previous keys
    /// only until their grace period ends.
    pub(crate) fn candidates<'a>(
        &'a self,
        tenant: Option<&'a str>,
        now: SystemTime,
    ) -> impl Iterator<Item = &'a KeyEntry<K>> + 'a {
        let previous_accepted = self.previous_until.is_none_or(|until| now < until);
        self.entries
            .iter()
            .filter(move |entry| entry.stage == Stage::Current || previous_accepted)
            .filter(move |entry| match (tenant, entry.id.as_deref()) {
                (Some(wanted), Some(id)) => wanted == id,
                _ => true,
            })
    }

    /// How many keys the ring holds, for logs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the ring holds no key (never true for a parsed secret).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids<K>(ring: &KeyRing<K>, tenant: Option<&str>) -> Vec<(Option<String>, Stage)> {
        ring.candidates(tenant, SystemTime::UNIX_EPOCH)
            .map(|e| (e.id.clone(), e.stage))
            .collect()
    }

    fn text(s: &str) -> SecretText {
        SecretText::new(s)
    }

    #[test]
    fn plain_secret_is_one_unnamed_key_trimmed() {
        let pairs = split_secret(&text("  s3cret\n")).unwrap();
        assert_eq!(pairs, vec![(None, text("s3cret"))]);
    }

    #[test]
    fn json_object_secret_is_several_named_keys() {
        let pairs = split_secret(&text(r#"{"acme":"k1","globex":"k2"}"#)).unwrap();
        assert_eq!(
            pairs,
            vec![(Some("acme".into()), text("k1")), (Some("globex".into()), text("k2"))]
        );
    }

    #[test]
    fn malformed_secrets_are_refused() {
        assert_eq!(split_secret(&text("  ")), Err(SecretFormatError::Empty));
        assert_eq!(split_secret(&text("{}")), Err(SecretFormatError::NoKeys));
        assert_eq!(
            split_secret(&text(r#"{"a":1}"#)),
            Err(SecretFormatError::NotAString("a".into()))
        );
        assert_eq!(
            split_secret(&text(r#"{"a":""}"#)),
            Err(SecretFormatError::NotAString("a".into()))
        );
    }

    #[test]
    fn text_that_only_looks_like_json_is_a_plain_key() {
        assert_eq!(
            split_secret(&text("{not json")).unwrap(),
            vec![(None, text("{not json"))]
        );
    }

    #[test]
    fn tenant_selects_named_keys_of_both_stages() {
        let ring = KeyRing::parse(
            &text(r#"{"acme":"new","globex":"g"}"#),
            Some(&text(r#"{"acme":"old"}"#)),
            |k| Ok(k.to_owned()),
        )
        .unwrap();
        assert_eq!(
            ids(&ring, Some("acme")),
            vec![
                (Some("acme".into()), Stage::Current),
                (Some("acme".into()), Stage::Previous)
            ]
        );
        assert_eq!(ids(&ring, None).len(), 3);
        assert!(ids(&ring, Some("initech")).is_empty());
    }

    #[test]
    fn previous_keys_serve_until_their_grace_period_ends() {
        use std::time::Duration;
        let rotated_at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        let until = rotated_at + Duration::from_secs(60);
        let ring = KeyRing::parse(&text(r#"{"acme":"new"}"#), Some(&text(r#"{"acme":"old"}"#)), |k| {
            Ok(k.to_owned())
        })
        .unwrap()
        .accept_previous_until(until);
        let keys_at = |now| -> Vec<&str> { ring.candidates(Some("acme"), now).map(|e| e.key.as_str()).collect() };
        assert_eq!(keys_at(rotated_at), ["new", "old"]);
        assert_eq!(keys_at(until - Duration::from_secs(1)), ["new", "old"]);
        assert_eq!(keys_at(until), ["new"]);
        assert_eq!(keys_at(until + Duration::from_secs(86_400)), ["new"]);
    }

    #[test]
    fn plain_keys_serve_every_tenant() {
        let ring = KeyRing::parse(&text("k"), None, |k| Ok(k.to_owned())).unwrap();
        assert_eq!(ids(&ring, Some("acme")), vec![(None, Stage::Current)]);
    }

    fn only_good(key: &str) -> Result<(), String> {
        if key.starts_with("good") {
            Ok(())
        } else {
            Err("not a key".into())
        }
    }

    #[test]
    fn an_invalid_current_key_names_its_id_and_stage_but_not_its_text() {
        let error = KeyRing::parse(&text(r#"{"acme":"bad-key-text","globex":"good"}"#), None, only_good).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("acme") && message.contains("AWSCURRENT"), "{message}");
        assert!(!message.contains("bad-key-text"));
    }

    #[test]
    fn an_invalid_previous_version_is_skipped_not_fatal() {
        let ring = KeyRing::parse(
            &text("good-1"),
            Some(&text(r#"{"acme":"bad-key-text","b":"good-2"}"#)),
            only_good,
        )
        .unwrap();
        assert_eq!(
            ids(&ring, None),
            vec![(None, Stage::Current), (Some("b".into()), Stage::Previous)]
        );
        let message = ring.skipped()[0].to_string();
        assert!(message.contains("acme") && message.contains("AWSPREVIOUS"), "{message}");
        assert!(!message.contains("bad-key-text"));
        let malformed = KeyRing::parse(&text("good-1"), Some(&text("{}")), only_good).unwrap();
        assert_eq!((malformed.len(), malformed.skipped().len()), (1, 1));
    }

    #[test]
    fn debug_redacts_secret_text() {
        assert_eq!(format!("{:?}", text("hunter2")), "SecretText([REDACTED])");
    }
}
