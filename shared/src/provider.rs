//! The providers we receive from, by the names used everywhere else.

use serde::{Deserialize, Serialize};

use crate::settings::{required_value, ConfigError};

/// The variable that says which provider a receiver serves: one binary
/// serves them all, each deployed function naming its own.
pub const PROVIDER_SETTING: &str = "PROVIDER";

/// A webhook provider. Its name is what `PROVIDER` says, the
/// envelope's `provider` field and the `provider` message attribute, so that
/// a consumer filtering on the queue and an operator reading the logs see the
/// same word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Provider {
    /// Kravia (debt collection): MD5 digest inside the body.
    Kravia,
    /// Kaunt (invoice coding): HMAC-SHA256 of the body in a header.
    Kaunt,
    /// receeve / InDebted (claims): RSA or ECDSA signature inside the body.
    Receeve,
    /// Smart KYC (identity checks): hex HMAC-SHA256 of the body in a header.
    #[serde(rename = "smartkyc")]
    SmartKyc,
    /// Codat (accounting data): Standard Webhooks, as sent by Svix.
    Codat,
}

impl Provider {
    /// Every provider, in the order the README lists them.
    pub const ALL: [Provider; 5] = [
        Provider::Kravia,
        Provider::Kaunt,
        Provider::Receeve,
        Provider::SmartKyc,
        Provider::Codat,
    ];

    /// The provider's name as it appears on the wire and in logs.
    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::Kravia => "kravia",
            Provider::Kaunt => "kaunt",
            Provider::Receeve => "receeve",
            Provider::SmartKyc => "smartkyc",
            Provider::Codat => "codat",
        }
    }

    /// Looks a provider up by its wire name, for tools that take it as input.
    pub fn from_name(name: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// The provider `PROVIDER` names, read through `lookup` (the
    /// environment, in Lambda). Missing or misspelt, it is a setting like
    /// any other gone wrong: the receiver answers every request with a
    /// logged 500 (the provider retries) rather than failing init.
    pub fn from_setting(lookup: impl Fn(&str) -> Option<String>) -> Result<Provider, ConfigError> {
        let value = required_value(&lookup, PROVIDER_SETTING)?;
        Provider::from_name(&value).ok_or_else(|| ConfigError::Invalid {
            name: PROVIDER_SETTING,
            expected: format!("one of {}", Provider::ALL.map(Provider::as_str).join(", ")),
            value,
        })
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(value: Option<&str>) -> Result<Provider, ConfigError> {
        Provider::from_setting(|name| (name == PROVIDER_SETTING).then(|| value.map(str::to_owned)).flatten())
    }

    #[test]
    fn every_provider_is_chosen_by_its_own_name_and_nothing_else() {
        for each in Provider::ALL {
            assert_eq!(provider(Some(each.as_str())), Ok(each));
            assert_eq!(provider(Some(&format!(" {each}\n"))), Ok(each));
        }
        assert_eq!(provider(None), Err(ConfigError::Missing("PROVIDER")));
        assert_eq!(provider(Some(" ")), Err(ConfigError::Missing("PROVIDER")));
        for wrong in ["Kaunt", "kuant", "smart-kyc", "SmartKyc"] {
            let error = provider(Some(wrong)).unwrap_err();
            assert_eq!(
                error.to_string(),
                format!("PROVIDER must be one of kravia, kaunt, receeve, smartkyc, codat, got {wrong:?}")
            );
        }
    }

    #[test]
    fn the_list_scripts_read_names_exactly_these_providers() {
        let listed: Vec<&str> = include_str!("../providers.txt")
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .collect();
        assert_eq!(listed, Provider::ALL.map(Provider::as_str));
    }
}
