//! The release function's settings: which providers it serves, each with
//! its scheme and settings exactly as its receiver has them, and the
//! quarantine bucket. The variables (`<PRESET>_SECRET_ID`,
//! `<PRESET>_SIGNED_URL`, `CUSTOM_*`, `QUEUE_URL` or `EVENT_BUS_NAME`,
//! `QUARANTINE_BUCKET`, and
//! the receivers' settings verification depends on) are in docs/deploy.md;
//! why `ALLOWED_SOURCE_IPS` and `REQUIRED_HEADER` don't apply, in
//! docs/quarantine.md.

use function_support::setting::value;
use webhook_receiver::schemes::provider::scheme_from_settings;
use webhook_receiver::schemes::{AnyScheme, Scheme, PRESETS};
use webhook_receiver::{ConfigError, Settings};

use crate::error::ReleaseError;

/// What the release function serves.
pub struct Served {
    /// The quarantine bucket (`QUARANTINE_BUCKET`).
    pub bucket: String,
    /// The providers served, each with its scheme and settings as its
    /// receiver has them.
    pub providers: Vec<(AnyScheme, Settings)>,
}

impl Served {
    /// Reads the settings through `lookup` (the environment, in Lambda).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ReleaseError> {
        let mut providers = Vec::new();
        let mut bucket = None;
        for (scheme, secret_id) in schemes_served(&lookup)? {
            let mut settings = Settings::from_lookup(|name| match name {
                "SECRET_ID" => Some(secret_id.clone()),
                other => lookup(other),
            })?;
            // Passed on arrival; see the module's comment.
            settings.allowed_source_ips = None;
            settings.required_header = None;
            bucket = settings.quarantine.as_ref().map(|quarantine| quarantine.bucket.clone());
            providers.push((scheme, settings));
        }
        match bucket {
            Some(bucket) => Ok(Served { bucket, providers }),
            None if providers.is_empty() => Err(ConfigError::Missing("<PRESET>_SECRET_ID").into()),
            None => Err(ReleaseError::NoBucket),
        }
    }

    /// The provider called `name`, with its settings.
    pub fn provider(&self, name: &str) -> Option<&(AnyScheme, Settings)> {
        self.providers.iter().find(|(scheme, _)| scheme.provider() == name)
    }
}

/// The prefix of a preset's settings: its name in upper case, `-` as `_`.
fn setting_prefix(preset: &str) -> String {
    preset.to_ascii_uppercase().replace('-', "_")
}

/// The environment variable naming `preset`'s secret.
pub fn secret_setting(preset: &str) -> String {
    format!("{}_SECRET_ID", setting_prefix(preset))
}

/// The environment variable giving the URL `preset` signs, if it signs one.
fn signed_url_setting(preset: &str) -> String {
    format!("{}_SIGNED_URL", setting_prefix(preset))
}

/// A setting's name as the any-case lookup compares it: upper case,
/// without underscores.
fn squeezed(name: &str) -> String {
    name.replace('_', "").to_ascii_uppercase()
}

/// A setting from `variables` (the environment, in Lambda): by its exact
/// name, else, for a `<PRESET>_SECRET_ID` or `<PRESET>_SIGNED_URL`, by its
/// name in any case and with or without underscores. The template
/// generates those variables in a loop over the presets' logical-id
/// prefixes (`SmartKyc_SECRET_ID`, `StandardWebhooks_SECRET_ID`), which no
/// intrinsic function can upper-case; `SMARTKYC_SECRET_ID` works as it
/// always did. Variables that are not Unicode are passed over, never a
/// panic.
pub fn setting_in_any_case(
    variables: impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    name: &str,
) -> Option<String> {
    let loose = name.ends_with("_SECRET_ID") || name.ends_with("_SIGNED_URL");
    let wanted = squeezed(name);
    let mut found = None;
    for (key, value) in variables {
        let (Ok(key), Ok(value)) = (key.into_string(), value.into_string()) else {
            continue;
        };
        if key == name {
            return Some(value);
        }
        if loose && found.is_none() && squeezed(&key) == wanted {
            found = Some(value);
        }
    }
    found
}

/// The schemes this release serves, each with its secret's id, read
/// through `lookup`: every preset whose `<PRESET>_SECRET_ID` is set, and,
/// when `CUSTOM_SECRET_ID` is, the custom provider `CUSTOM_PROVIDER_NAME`
/// and `CUSTOM_SCHEME` describe. Each is made exactly as its receiver
/// makes it (the same description, the same `SIGNED_URL`), so that what
/// verifies here is what would have verified there.
fn schemes_served(lookup: &impl Fn(&str) -> Option<String>) -> Result<Vec<(AnyScheme, String)>, ConfigError> {
    let set = |name: &str| value(lookup, name);
    let mut served = Vec::new();
    // One provider's unusable scheme (a missing SIGNED_URL) keeps its
    // deliveries in the quarantine; it doesn't stop the others' release.
    let mut serve = |provider: &str, scheme: Result<AnyScheme, ConfigError>, secret_id: String| match scheme {
        Ok(scheme) => served.push((scheme, secret_id)),
        Err(error) => tracing::error!(provider, error = %error, "not released: misconfigured"),
    };
    for preset in PRESETS {
        let Some(secret_id) = set(&secret_setting(preset.name)) else {
            continue;
        };
        let signed_url = signed_url_setting(preset.name);
        let scheme = scheme_from_settings(|name| match name {
            "PROVIDER" => Some(preset.name.to_owned()),
            "SIGNED_URL" => lookup(&signed_url),
            _ => None,
        });
        serve(preset.name, scheme, secret_id);
    }
    if let Some(secret_id) = set("CUSTOM_SECRET_ID") {
        let name = set("CUSTOM_PROVIDER_NAME").ok_or(ConfigError::Missing("CUSTOM_PROVIDER_NAME"))?;
        let scheme = scheme_from_settings(|setting| match setting {
            "PROVIDER" => Some("custom".to_owned()),
            "PROVIDER_NAME" => Some(name.clone()),
            "SCHEME" => lookup("CUSTOM_SCHEME"),
            "SIGNED_URL" => lookup("CUSTOM_SIGNED_URL"),
            _ => None,
        });
        serve(&name, scheme, secret_id);
    }
    Ok(served)
}
#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn variables(pairs: &[(&str, &str)]) -> impl Iterator<Item = (std::ffi::OsString, std::ffi::OsString)> {
        pairs
            .iter()
            .map(|(key, value)| (key.into(), value.into()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    /// The settings `pairs` give.
    fn lookup<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        }
    }

    #[test]
    fn presets_and_a_custom_provider_are_served_as_their_receivers_serve_them() {
        let scheme = r#"{"signature":{"header":"x-sig"},"algorithms":[{"algorithm":"hmac-sha256","encoding":"hex","key":{"form":"text"}}],"signed":"{url}{body}"}"#;
        let settings = [
            ("KAUNT_SECRET_ID", "webhooks/kaunt"),
            ("SQUARE_SECRET_ID", "webhooks/square"),
            ("SQUARE_SIGNED_URL", "https://hooks.example.com/webhooks/square"),
            ("CUSTOM_SECRET_ID", "webhooks/acme-pay"),
            ("CUSTOM_PROVIDER_NAME", "acme-pay"),
            ("CUSTOM_SCHEME", scheme),
            ("CUSTOM_SIGNED_URL", "https://hooks.example.com/webhooks/acme-pay"),
        ];
        let served = schemes_served(&lookup(&settings)).unwrap();
        let names: Vec<(&str, &str)> = served
            .iter()
            .map(|(scheme, secret)| (scheme.provider(), secret.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("kaunt", "webhooks/kaunt"),
                ("square", "webhooks/square"),
                ("acme-pay", "webhooks/acme-pay")
            ]
        );
        // What a receiver refuses to start with, the release doesn't serve,
        // and the others are served still.
        let unsigned_url = &settings[..2];
        let served = schemes_served(&lookup(unsigned_url)).unwrap();
        assert_eq!(
            served.iter().map(|(scheme, _)| scheme.provider()).collect::<Vec<_>>(),
            ["kaunt"]
        );
        let nameless = [("CUSTOM_SECRET_ID", "webhooks/acme-pay"), ("CUSTOM_SCHEME", scheme)];
        assert_eq!(
            schemes_served(&lookup(&nameless)).err(),
            Some(ConfigError::Missing("CUSTOM_PROVIDER_NAME"))
        );
        // A name and scheme with no secret serve nothing (the template sets
        // them whether or not Custom is deployed).
        assert!(schemes_served(&lookup(&settings[4..6])).unwrap().is_empty());
    }

    #[test]
    fn no_two_presets_or_the_custom_provider_share_a_secret_setting_read_in_any_case() {
        let mut squeezed_names: Vec<String> = PRESETS
            .iter()
            .map(|preset| squeezed(&secret_setting(preset.name)))
            .chain([squeezed("CUSTOM_SECRET_ID")])
            .collect();
        let all = squeezed_names.len();
        squeezed_names.sort();
        squeezed_names.dedup();
        assert_eq!(squeezed_names.len(), all, "two settings read alike: {squeezed_names:?}");
        // What the lookup makes of them, one by one: each preset's own secret.
        let variables: Vec<(String, String)> = PRESETS
            .iter()
            .map(|preset| {
                (
                    secret_setting(preset.name).to_ascii_lowercase().replace('_', ""),
                    preset.name.to_owned(),
                )
            })
            .collect();
        for preset in PRESETS {
            let pairs = variables.iter().map(|(key, value)| (key.into(), value.into()));
            assert_eq!(
                setting_in_any_case(pairs, &secret_setting(preset.name)).as_deref(),
                Some(preset.name)
            );
        }
    }

    #[test]
    fn a_secret_setting_is_found_in_any_case_and_the_exact_name_wins() {
        let name = secret_setting("smartkyc");
        assert_eq!(name, "SMARTKYC_SECRET_ID");
        let dashed = secret_setting("standard-webhooks");
        assert_eq!(dashed, "STANDARD_WEBHOOKS_SECRET_ID");
        let looped = variables(&[("StandardWebhooks_SECRET_ID", "stack/sw")]);
        assert_eq!(setting_in_any_case(looped, &dashed).as_deref(), Some("stack/sw"));
        let looped = variables(&[("QUEUE_URL", "q"), ("SmartKyc_SECRET_ID", "stack/smartkyc")]);
        assert_eq!(setting_in_any_case(looped, &name).as_deref(), Some("stack/smartkyc"));
        let both = variables(&[("SmartKyc_SECRET_ID", "looped"), ("SMARTKYC_SECRET_ID", "exact")]);
        assert_eq!(setting_in_any_case(both, &name).as_deref(), Some("exact"));
        assert_eq!(setting_in_any_case(variables(&[("KAUNT_SECRET_ID", "k")]), &name), None);
        // Only the secret settings are read in any case.
        assert_eq!(setting_in_any_case(variables(&[("queue_url", "q")]), "QUEUE_URL"), None);
    }
}
