//! Which provider a receiver serves: a preset by its name, or a provider
//! described in the settings (`PROVIDER=custom`).

use super::any::AnyScheme;
use super::described::Described;
use super::presets::{Preset, PRESETS};
use crate::config::required_value;
use crate::error::ConfigError;

/// The variable that says which provider a receiver serves: one binary
/// serves them all, each deployed function naming its own.
pub(crate) const PROVIDER_SETTING: &str = "PROVIDER";

/// What `PROVIDER` says for a provider with no preset.
pub(crate) const CUSTOM_PROVIDER: &str = "custom";

/// A custom provider's scheme description (JSON, docs/schemes.md).
pub(crate) const SCHEME_SETTING: &str = "SCHEME";

/// A custom provider's name: the envelope's `provider`, the `provider`
/// message attribute and the metrics' `Provider` dimension.
pub(crate) const PROVIDER_NAME_SETTING: &str = "PROVIDER_NAME";

/// The longest provider name: it is a metrics dimension and part of
/// quarantine keys, so it stays short.
const MAX_NAME_CHARS: usize = 64;

/// The scheme `PROVIDER` names, read through `lookup` (the environment, in
/// Lambda): a preset, or `custom` with `SCHEME` and `PROVIDER_NAME`.
/// Missing, misspelt or invalid, it is a setting like any other gone
/// wrong: the receiver answers every request with a logged 500 (the
/// provider retries) rather than failing init, and never serves a scheme
/// that would accept too much.
pub fn scheme_from_settings(lookup: impl Fn(&str) -> Option<String>) -> Result<AnyScheme, ConfigError> {
    let name = required_value(&lookup, PROVIDER_SETTING)?;
    if name == CUSTOM_PROVIDER {
        return custom_scheme(&lookup);
    }
    let preset = Preset::named(&name).ok_or_else(|| ConfigError::Invalid {
        name: PROVIDER_SETTING,
        expected: format!(
            "{CUSTOM_PROVIDER} or one of {}",
            PRESETS.map(|preset| preset.name).join(", ")
        ),
        value: name.clone(),
    })?;
    preset.scheme(&lookup).map_err(|problem| ConfigError::Scheme {
        of: format!("the {name} preset"),
        problem: problem.to_string(),
    })
}

/// A custom provider's scheme: `SCHEME` read under `PROVIDER_NAME`.
fn custom_scheme(lookup: &impl Fn(&str) -> Option<String>) -> Result<AnyScheme, ConfigError> {
    let name = required_value(lookup, PROVIDER_NAME_SETTING)?;
    check_custom_name(&name)?;
    let description = required_value(lookup, SCHEME_SETTING)?;
    Described::from_json(&name, &description, lookup)
        .map(AnyScheme::Described)
        .map_err(|problem| ConfigError::Scheme {
            of: SCHEME_SETTING.to_owned(),
            problem: problem.to_string(),
        })
}

/// A custom name is lower-case letters, digits and `-`, like the presets',
/// and is none of theirs: an envelope's `provider` always says which scheme
/// verified it.
fn check_custom_name(name: &str) -> Result<(), ConfigError> {
    let well_formed = !name.is_empty()
        && name.chars().count() <= MAX_NAME_CHARS
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    let taken = name == CUSTOM_PROVIDER || Preset::named(name).is_some();
    if well_formed && !taken {
        return Ok(());
    }
    Err(ConfigError::Invalid {
        name: PROVIDER_NAME_SETTING,
        expected: format!("up to {MAX_NAME_CHARS} lower-case letters, digits and dashes, and not a preset's name"),
        value: name.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemes::Scheme;

    fn scheme(pairs: &[(&str, &str)]) -> Result<AnyScheme, ConfigError> {
        scheme_from_settings(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    const CUSTOM: &str = r#"{"signature":{"header":"x-sig"},"algorithms":[{"algorithm":"hmac-sha256","encoding":"hex","key":{"form":"text"}}],"signed":"{body}"}"#;

    #[test]
    fn every_preset_is_chosen_by_its_own_name_and_nothing_else() {
        let url = ("SIGNED_URL", "https://example.com/hook");
        for each in PRESETS {
            assert_eq!(scheme(&[("PROVIDER", each.name), url]).unwrap().provider(), each.name);
            let padded = format!(" {}\n", each.name);
            assert_eq!(scheme(&[("PROVIDER", &padded), url]).unwrap().provider(), each.name);
        }
        assert!(matches!(scheme(&[]), Err(ConfigError::Missing("PROVIDER"))));
        assert!(matches!(
            scheme(&[("PROVIDER", " ")]),
            Err(ConfigError::Missing("PROVIDER"))
        ));
        for wrong in ["Kaunt", "kuant", "smart-kyc", "SmartKyc", "Custom"] {
            let error = scheme(&[("PROVIDER", wrong)]).unwrap_err();
            assert!(
                error
                    .to_string()
                    .starts_with("PROVIDER must be custom or one of kravia, kaunt, receeve, smartkyc, codat, stripe,")
                    && error.to_string().ends_with(&format!("got {wrong:?}")),
                "{error}"
            );
        }
    }

    #[test]
    fn a_preset_that_signs_the_url_needs_it_and_no_other_does() {
        for each in PRESETS {
            let signs_its_url = each.description().is_some_and(|text| text.contains("{url}"));
            match scheme(&[("PROVIDER", each.name)]) {
                Err(error) => assert!(signs_its_url && error.to_string().contains("SIGNED_URL"), "{error}"),
                Ok(_) => assert!(!signs_its_url, "{}", each.name),
            }
        }
        let square = scheme(&[("PROVIDER", "square"), ("SIGNED_URL", "https://example.com/hook")]);
        assert_eq!(square.unwrap().provider(), "square");
    }

    #[test]
    fn a_custom_provider_is_its_description_under_its_own_name() {
        let custom = scheme(&[
            ("PROVIDER", "custom"),
            ("PROVIDER_NAME", "acme-pay"),
            ("SCHEME", CUSTOM),
        ]);
        assert_eq!(custom.unwrap().provider(), "acme-pay");
        assert!(matches!(
            scheme(&[("PROVIDER", "custom"), ("SCHEME", CUSTOM)]),
            Err(ConfigError::Missing("PROVIDER_NAME"))
        ));
        assert!(matches!(
            scheme(&[("PROVIDER", "custom"), ("PROVIDER_NAME", "acme")]),
            Err(ConfigError::Missing("SCHEME"))
        ));
        for taken in ["stripe", "custom", "Acme", "acme pay", "acme_pay", &"a".repeat(65)] {
            let result = scheme(&[("PROVIDER", "custom"), ("PROVIDER_NAME", taken), ("SCHEME", CUSTOM)]);
            assert!(
                matches!(
                    result,
                    Err(ConfigError::Invalid {
                        name: "PROVIDER_NAME",
                        ..
                    })
                ),
                "{taken}"
            );
        }
        let broken = CUSTOM.replace("hmac-sha256", "none");
        let error = scheme(&[("PROVIDER", "custom"), ("PROVIDER_NAME", "acme"), ("SCHEME", &broken)]).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("SCHEME is not a usable scheme description: algorithm \"none\""),
            "{error}"
        );
    }

    #[test]
    fn the_list_scripts_read_names_presets_in_their_order() {
        let listed: Vec<&str> = include_str!("../../providers.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect();
        let presets: Vec<&str> = PRESETS.iter().map(|preset| preset.name).collect();
        let positions: Vec<usize> = listed
            .iter()
            .map(|name| presets.iter().position(|preset| preset == name).unwrap())
            .collect();
        assert!(positions.windows(2).all(|pair| pair[0] < pair[1]), "{listed:?}");
        assert_eq!(listed, ["kravia", "kaunt", "receeve", "smartkyc", "codat"]);
    }
}
